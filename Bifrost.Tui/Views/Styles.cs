using Bifrost.Tui.Model;
using Spectre.Console;

namespace Bifrost.Tui.Views;

/// <summary>Colours and emphasis. Without colour Spectre drops them; every meaning is also in the text.</summary>
internal static class Styles
{
    public static readonly Style Bold = new(decoration: Decoration.Bold);
    public static readonly Style Dim = new(decoration: Decoration.Dim);
    public static readonly Style Title = new(Color.Aqua, decoration: Decoration.Bold);
    public static readonly Style Key = new(Color.Black, Color.Grey, Decoration.Bold);
    public static readonly Style Selected = new(decoration: Decoration.Invert);
    public static readonly Style Good = new(Color.Green);
    public static readonly Style Warn = new(Color.Yellow);
    public static readonly Style Bad = new(Color.Red, decoration: Decoration.Bold);

    public static Color Of(LightColor c) => c switch
    {
        LightColor.Green => Color.Green,
        LightColor.Yellow => Color.Yellow,
        _ => Color.Red,
    };

    public static Style Lamp(LightColor c) => new(Of(c));

    public static Style LampWord(LightColor c) => new(Color.Black, Of(c), Decoration.Bold);

    public static Style Caption(LightColor c) => new(Of(c), decoration: Decoration.Bold);

    public static Style Money(double v) => v > 0 ? Good : v < 0 ? new Style(Color.Red) : Style.Plain;

    public static Style Level(LimitLevel level) => level switch
    {
        LimitLevel.Ok => Good,
        LimitLevel.Near => Warn,
        _ => Bad,
    };
}
