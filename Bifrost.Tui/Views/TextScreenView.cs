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
        var lines = vm.Wrap ? vm.Lines.SelectMany(l => Wrapped(l.Text, vp.Width).Select(t => l with { Text = t })) : vm.Lines;
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

    /// <summary>Word wrap; a continuation is indented two cells so it reads as part of the line above.</summary>
    public static IEnumerable<string> Wrapped(string text, int width)
    {
        var rest = text;
        var first = true;
        while (true)
        {
            var room = first ? width : width - 2;
            if (rest.Length <= room || room < 10)
            {
                yield return first ? rest : "  " + rest;
                yield break;
            }
            var cut = rest.LastIndexOf(' ', room);
            if (cut <= 0) cut = room;
            yield return first ? rest[..cut] : "  " + rest[..cut];
            rest = rest[cut..].TrimStart();
            first = false;
        }
    }
}
