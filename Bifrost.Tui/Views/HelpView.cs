using Bifrost.Tui.Input;
using Bifrost.Tui.Model;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Bifrost.Tui.Views;

internal static class HelpView
{
    public static IRenderable Render(HeaderVm header, Viewport vp)
    {
        var w = vp.Width;
        var lines = new List<IRenderable> { new Line(w).Add("HELP ", Styles.Title).Add("any key closes", Styles.Dim).Build() };
        lines.AddRange(KeyMap.Help.Select(k => new Line(w).Space().Cell(k.Key, 12, Styles.Bold).Add(k.Text).Build()));
        lines.Add(new Line(w).Add(" light: ").Add("GREEN ok · YELLOW degraded · RED blocked, daemon silent or store unavailable", Styles.Dim).Build());
        lines.Add(new Line(w).Add(" store: ").Add(header.StorePath, Styles.Dim).Build());
        return new Rows(lines);
    }

    /// <param name="confirmable">false: the open confirmation is cut, y sends nothing</param>
    public static IRenderable Footer(UiState state, int width, bool confirmable = true)
    {
        var l = new Line(width);
        foreach (var (key, text) in confirmable ? KeyMap.Footer(state) : [("n/Esc", "cancel"), ("y", "sends nothing: enlarge the terminal")])
        {
            if (l.Remaining < key.Length + 3) break;
            l.Add(key, Styles.Key).Add($" {text} ");
        }
        return l.Build();
    }
}
