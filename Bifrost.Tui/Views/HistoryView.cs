using System.Globalization;
using Bifrost.Tui.Model;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Bifrost.Tui.Views;

/// <summary>Daily P&amp;L and hedge counts, then runs (live, backtest, sweep…) with their guard blocks by reason.</summary>
internal static class HistoryView
{
    public static IRenderable Render(HistoryVm? h, Viewport vp)
    {
        var w = vp.Width;
        if (h is null) return Line.Of(w, "loading…", Styles.Dim);
        var lines = new List<IRenderable>();

        lines.Add(Line.Of(w, "DAILY P&L AND HEDGES (exchange session days, newest first)", Styles.Title));
        lines.Add(new Line(w).Cell("day", 10, Styles.Dim).Space().Cell("realised", 10, Styles.Dim, true).Space().Cell("unreal", 10, Styles.Dim, true)
            .Space().Cell("fees", 8, Styles.Dim, true).Space().Cell("daily", 10, Styles.Dim, true).Space().Cell("hedges", 7, Styles.Dim, true)
            .Space().Cell("filled", 6, Styles.Dim, true).Space().Cell("shares", 9, Styles.Dim, true).Build());
        if (h.Days.Count == 0) lines.Add(Line.Of(w, "(no days recorded)", Styles.Dim));
        foreach (var d in h.Days.Take(vp.DayRows))
            lines.Add(new Line(w).Cell(d.Day, 10).Space().Cell(Format.OptionalMoney(d.Realized), 10, Money(d.Realized), true).Space()
                .Cell(Format.OptionalMoney(d.Unrealized), 10, Money(d.Unrealized), true).Space().Cell(Format.OptionalMoney(d.Fees), 8, null, true).Space()
                .Cell(Format.OptionalMoney(d.Daily), 10, Money(d.Daily), true).Space().Cell(Count(d.HedgeOrders), 7, null, true).Space()
                .Cell(Count(d.HedgesFilled), 6, null, true).Space().Cell(d.HedgeQty.ToString("#,0", CultureInfo.InvariantCulture), 9, null, true).Build());
        while (lines.Count < 2 + vp.DayRows) lines.Add(Line.Blank);

        lines.Add(new Line(w).Add("RUNS ", Styles.Title).Add(h.Offset > 0 ? $"(from #{h.Offset + 1}, ↑ newer)" : "(newest first)", Styles.Dim).Build());
        const int id = 14, kind = 8, started = 11, pnl = 9, orders = 5;
        var blocks = Math.Max(6, w - id - kind - started - pnl - orders - 5);
        lines.Add(new Line(w).Cell("run", id, Styles.Dim).Space().Cell("kind", kind, Styles.Dim).Space().Cell("started", started, Styles.Dim).Space()
            .Cell("P&L", pnl, Styles.Dim, true).Space().Cell("hedge", orders, Styles.Dim, true).Space().Cell("guard blocks by reason", blocks, Styles.Dim).Build());
        if (h.Runs.Count == 0) lines.Add(Line.Of(w, "(no runs recorded)", Styles.Dim));
        foreach (var r in h.Runs.Take(vp.RunRows))
            lines.Add(new Line(w).Cell((r.Parent is null ? "" : " ") + r.RunId, id).Space().Cell(r.Kind, kind).Space().Cell(r.Started.Length >= 16 ? r.Started[5..16] : r.Started, started).Space()
                .Cell(Format.OptionalMoney(r.TotalPnl), pnl, Money(r.TotalPnl), true).Space().Cell(r.Hedges is { } x ? Count(x) : "-", orders, null, true).Space()
                .Cell(r.GuardBlocks, blocks, r.GuardBlockTotal > 0 ? Styles.Warn : Styles.Dim).Build());
        return new Rows(lines);
    }

    private static string Count(long n) => n.ToString("#,0", CultureInfo.InvariantCulture);

    private static Style? Money(double? v) => v is { } x ? Styles.Money(x) : null;
}
