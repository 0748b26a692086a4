using Terminal.Gui.Drawing;
using Terminal.Gui.ViewBase;
using Attribute = Terminal.Gui.Drawing.Attribute;

namespace Bifrost.Tui.App;

/// <summary>
/// The console's screen area in Terminal.Gui: draws the frame's lines (laid out by the screen layouts, ANSI-styled) as
/// 16-colour cells. Without colour (NO_COLOR, --no-color, TERM=dumb) everything is drawn in the terminal's default
/// colours; the light's words and block characters carry the meaning.
/// </summary>
internal sealed class CellCanvas : View
{
    private string[] _lines = [];

    public CellCanvas(bool color)
    {
        Color = color;
        CanFocus = true;
    }

    public bool Color { get; }

    /// <summary>Replaces the lines; asks for a redraw only when something changed (no work for an unchanged frame).</summary>
    public bool Show(string[] lines)
    {
        if (lines.AsSpan().SequenceEqual(_lines)) return false;
        _lines = lines;
        SetNeedsDraw();
        return true;
    }

    public IReadOnlyList<string> Lines => _lines;

    protected override bool OnDrawingContent(DrawContext? context)
    {
        var normal = GetAttributeForRole(VisualRole.Normal);
        var width = Viewport.Width;
        for (var y = 0; y < Viewport.Height; y++)
        {
            Move(0, y);
            var used = 0;
            if (y < _lines.Length)
            {
                foreach (var cell in AnsiCells.Parse(_lines[y]))
                {
                    if (used >= width) break;
                    var text = cell.Text.Length > width - used ? cell.Text[..(width - used)] : cell.Text;
                    SetAttribute(Color ? Of(cell, normal) : cell.Reverse ? new Attribute(normal.Background, normal.Foreground) : normal);
                    AddStr(text);
                    used += text.Length;
                }
            }
            SetAttribute(normal);
            if (used < width) AddStr(new string(' ', width - used));
        }
        return true;
    }

    private static Attribute Of(Cell cell, Attribute normal)
    {
        var fg = cell.Foreground is { } f ? new Color(Enum.Parse<ColorName16>(f.ToString())) : normal.Foreground;
        var bg = cell.Background is { } b ? new Color(Enum.Parse<ColorName16>(b.ToString())) : normal.Background;
        if (cell.Reverse) (fg, bg) = (bg, fg);
        return cell.Bold ? new Attribute(fg, bg, TextStyle.Bold) : new Attribute(fg, bg);
    }
}
