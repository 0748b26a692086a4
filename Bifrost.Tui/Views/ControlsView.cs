using Bifrost.Tui.Input;
using Bifrost.Tui.Model;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Bifrost.Tui.Views;

/// <summary>The Controls screen, and the confirmation dialog (shown over any screen).</summary>
internal static class ControlsView
{
    public static IRenderable Render(MonitorViewModel vm, Viewport vp)
    {
        var w = vp.Width;
        var d = vm.Dashboard;
        var lines = new List<IRenderable>
        {
            new Line(w).Add("CONTROLS ", Styles.Title).Add("each asks y/n first; the outcome shows when the daemon reports it", Styles.Dim).Build(),
            Action(w, "s", "stop", "no new orders, cancel working orders, write final status, exit"),
            Action(w, "p", "pause", "no new hedges; monitoring and self-check go on"),
            Action(w, "r", "resume", $"hedging restarts (FSM now {vm.Header.FsmState})"),
            Action(w, "x", "flatten", $"strategy hedge {Format.Quantity(d.StrategyHedgeShares)} sh closed; external {Format.Quantity(d.ExternalShares)} sh untouched"),
            Action(w, "c", "self-check", "the daemon re-runs its self-check now"),
            ConfirmBook(w, vm.Form),
            Action(w, "o / b", "order, rebalance", "the order ticket and the rebalance form (each reviews before sending)"),
            Line.Blank,
        };
        var c = vm.Controls;
        if (c.Tracked is { } t)
            lines.Add(new Line(w).Add("LAST COMMAND ", Styles.Title).Add($"#{t.Id} {t.Command}: ").Add(t.Status, HeaderView.Outcome(t.Status))
                .Add(t.Result is { } r ? $" — {r}" : t.Status == "pending" ? " — waiting for the daemon to take it" : "")
                .Add($"  ({t.Age} ago)", Styles.Dim).Build());
        else
            lines.Add(new Line(w).Add("LAST COMMAND ", Styles.Title).Add("none sent from this monitor", Styles.Dim).Build());
        lines.Add(c.Message is { } m ? Line.Of(w, m, Styles.Warn) : Line.Blank);

        const int id = 5, cmd = 10, status = 8, age = 6, by = 18;
        var result = Math.Max(4, w - id - cmd - status - age - by - 5);
        lines.Add(new Line(w).Add("RECENT COMMANDS", Styles.Title).Build());
        lines.Add(new Line(w).Cell("id", id, Styles.Dim, true).Space().Cell("command", cmd, Styles.Dim).Space().Cell("status", status, Styles.Dim).Space()
            .Cell("age", age, Styles.Dim, true).Space().Cell("by", by, Styles.Dim).Space().Cell("result", result, Styles.Dim).Build());
        if (c.Recent.Count == 0) lines.Add(Line.Of(w, "(none)", Styles.Dim));
        foreach (var row in c.Recent.Take(vp.CommandRows))
            lines.Add(new Line(w).Cell(row.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), id, null, true).Space().Cell(row.Command, cmd).Space()
                .Cell(row.Status, status, HeaderView.Outcome(row.Status)).Space().Cell(row.Age, age, null, true).Space().Cell(row.RequestedBy, by).Space()
                .Cell(row.Result ?? "", result).Build());
        return new Rows(lines);
    }

    /// <param name="light">the light's caption, in the title when the dialog covers the header</param>
    public static IRenderable Confirmation(ConfirmationVm confirm, Viewport vp, string? light = null)
    {
        // Wrapped here as ControlTexts.Fit counts it: a text no layout can hold is cut above a line that says so (y sends
        // nothing then), never cut silently with its y/n line below the screen's edge.
        var inner = vp.Width - 4;
        var text = ControlTexts.Lines(confirm.Text, vp);
        var cut = confirm.Fits ? [] : Format.Wrap("CUT: too small to show all of it; y sends nothing (enlarge the terminal, or n / Esc)", inner);
        var shown = confirm.Fits ? text : text.Take(Math.Max(0, vp.Height - 1 - 3 - cut.Count));
        var rows = shown.Select(l => Line.Of(inner, l, Styles.Bold)).Append(new Text(" "));
        rows = confirm.Fits
            ? rows.Append(new Line(inner).Add(" y ", Styles.Key).Add(inner >= 51 ? " yes, send it    " : " send  ").Add(" n ", Styles.Key).Add(" / ")
                .Add(" Esc ", Styles.Key).Add(inner >= 51 ? " no, nothing is sent" : " nothing sent").Build()) // one row, as Fit counts it
            : rows.Concat(cut.Select(l => Line.Of(inner, l, Styles.Bad)));
        var content = new Rows(rows);
        return new Panel(content)
        {
            Header = new PanelHeader($" CONFIRM: {confirm.Title} " + (light is null ? "" : $"· {light} "), Justify.Left),
            Border = BoxBorder.Double,
            BorderStyle = Styles.Warn,
            Expand = true,
            Padding = new Padding(1, 0, 1, 0),
            Width = Math.Max(20, vp.Width),
        };
    }

    /// <summary>The book confirmation's line: what the halt the daemon is in asks of the operator.</summary>
    private static IRenderable ConfirmBook(int w, FormContext form)
    {
        IRenderable Halted(string what, Style name) =>
            new Line(w).Space().Add(" m ", Styles.Key).Space().Cell("confirm book", 13, name).Add(what, Styles.Bad).Build();
        return form switch
        {
            // Confirming the book does not end this halt (the daemon syncs again and halts again).
            { UnlistedLegHalt: true } => Halted("LEG_UNCONFIGURED: put the leg back in strategy.legs, restart", Styles.Dim),
            { QuantityChangedHalt: true } => Halted("LEG_QUANTITY_CHANGED: confirm the new quantity, or restore it", Styles.Bad),
            { BookMismatch: true } => Halted("BOOK_MISMATCH: the daemon halted; state what the strategy owns", Styles.Bad),
            { ReconcileHalt: true } => Halted("reconciliation halt: if an order filled unseen, state what the strategy owns", Styles.Bad),
            _ => Action(w, "m", "confirm book", "after a BOOK_MISMATCH or reconciliation halt: state the strategy-owned legs (and hedge)"),
        };
    }

    private static IRenderable Action(int w, string key, string name, string what) =>
        new Line(w).Space().Add($" {key} ", Styles.Key).Space().Cell(name, 11, Styles.Bold).Add(what).Build();
}
