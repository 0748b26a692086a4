using Bifrost.Tui.Model;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Bifrost.Tui.Views;

/// <summary>The Runs, Alerts and Statistics screens: their lines, cut to the width, with their emphasis.</summary>
internal static class TextScreenView
{
    public static IRenderable Render(TextScreenVm? vm, Viewport vp)
    {
        if (vm is null) return Line.Of(vp.Width, "loading…", Styles.Dim);
        var lines = vm.Wrap ? vm.Lines.SelectMany(l => Format.WrapContinued(l.Text, vp.Width).Select(t => l with { Text = t })) : vm.Lines;
        // A form cut short says so on its last row: what is below it (a review's y line) is not on screen.
        if (vm.Cut) lines = lines.Take(vp.BodyRows - 1).Append(new TextLine("CUT: too small to show all of it; y sends nothing from a review cut short (enlarge the terminal)", "bad"));
        return new Rows(lines.Take(vp.BodyRows).Select(l => Line.Of(vp.Width, Format.Cut(l.Text, vp.Width), l.Style switch
        {
            "title" => Styles.Title,
            "dim" => Styles.Dim,
            "good" => Styles.Good,
            "warn" => Styles.Warn,
            "bad" => Styles.Bad,
            _ => null,
        })));
    }
}
