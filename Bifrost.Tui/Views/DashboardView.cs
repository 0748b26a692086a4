using Bifrost.Store.Records;
using Bifrost.Tui.Model;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Bifrost.Tui.Views;

/// <summary>Positions (strategy-owned and external apart) on the left; greeks, band, P&amp;L and limits on the right.</summary>
internal static class DashboardView
{
    public static IRenderable Render(DashboardVm d, Viewport vp)
    {
        var leftWidth = vp.Width >= 100 ? vp.Width * 55 / 100 : Math.Min(46, vp.Width * 58 / 100);
        var rightWidth = vp.Width - leftWidth - 1;
        var layout = new Layout("dashboard").SplitColumns(
            new Layout("positions", Positions(d, leftWidth)).Size(leftWidth),
            new Layout("gap", new Text(" ")).Size(1),
            new Layout("numbers", Numbers(d, rightWidth)));
        return layout;
    }

    private static IRenderable Positions(DashboardVm d, int w)
    {
        const int type = 3, qty = 6, price = 7;
        var symbol = Math.Max(6, w - type - qty - 2 * price - 4);
        var lines = new List<IRenderable>();

        void Header(string title, string note, Style style)
        {
            lines.Add(new Line(w).Add(title, style).Add(note, Styles.Dim).Build());
            lines.Add(new Line(w).Cell("symbol", symbol, Styles.Dim).Space().Cell("typ", type, Styles.Dim).Space()
                .Cell("qty", qty, Styles.Dim, right: true).Space().Cell("avg", price, Styles.Dim, right: true).Space()
                .Cell("mkt", price, Styles.Dim, right: true).Build());
        }

        void Rows(IReadOnlyList<PositionRow> rows)
        {
            if (rows.Count == 0) lines.Add(Line.Of(w, "(none)", Styles.Dim));
            foreach (var p in rows)
                lines.Add(new Line(w).Cell(p.Symbol, symbol, p.IsHedge ? Styles.Bold : null).Space().Cell(p.SecType, type).Space()
                    .Cell(Format.Quantity(p.Quantity), qty, null, right: true).Space()
                    .Cell(Format.Price(p.AvgCost), price, null, right: true).Space()
                    .Cell(Format.Price(p.MarketPrice), price, null, right: true).Build());
        }

        Header("STRATEGY-OWNED", $"  hedge {Format.Quantity(d.StrategyHedgeShares)} sh", Styles.Title);
        Rows(d.Strategy);
        lines.Add(Line.Of(w, " "));
        Header("EXTERNAL / MANUAL", $"  never touched, {Format.Quantity(d.ExternalShares)} sh", Styles.Title);
        Rows(d.External);
        return new Rows(lines);
    }

    private static IRenderable Numbers(DashboardVm d, int w)
    {
        var lines = new List<IRenderable>();
        var g = d.Units;
        // Net greeks in trader units, each with its unit (no title line: the units say what they are). Unknown greeks
        // come as zeros: shown as unknown, never as a flat book.
        if (d.GreeksUnknown is { } whyGreeks)
        {
            lines.Add(new Line(w).Add("Δ ", Styles.Title).Add("unknown", Styles.Bad).Add("  Γ θ ν ", Styles.Title).Add("unknown", Styles.Bad).Build());
            lines.Add(Line.Of(w, "  " + whyGreeks, Styles.Warn));
        }
        else
        {
            lines.Add(new Line(w).Add("Δ ", Styles.Title).Add(Format.Signed(g.DeltaShares, 1), Styles.Bold).Add(" sh", Styles.Dim)
                .Add("  Γ ", Styles.Title).Add(Format.Signed(g.GammaSharesPerDollar, 2)).Add(" sh/$1", Styles.Dim).Build());
            lines.Add(new Line(w).Add("θ ", Styles.Title).Add(Format.Money(g.ThetaPerDay), Styles.Money(g.ThetaPerDay)).Add(" $/day", Styles.Dim)
                .Add("  ν ", Styles.Title).Add(Format.Money(g.VegaPerVolPoint)).Add(" $/vol pt", Styles.Dim).Build());
        }

        if (d.Band is { } unknownBand && d.GreeksUnknown is not null)
        {
            lines.Add(new Line(w).Add("HEDGE BAND ", Styles.Title)
                .Add($"[{Format.Signed(unknownBand.Lower, 0)}, {Format.Signed(unknownBand.Upper, 0)}] target {Format.Signed(unknownBand.Target, 0)}").Build());
            lines.Add(new Line(w).Add("Δ unknown: inside or outside cannot be said", Styles.Bad).Build());
        }
        else if (d.Band is { } b)
        {
            lines.Add(new Line(w).Add("HEDGE BAND ", Styles.Title)
                .Add($"[{Format.Signed(b.Lower, 0)}, {Format.Signed(b.Upper, 0)}] target {Format.Signed(b.Target, 0)}").Build());
            var where = b.Inside ? "inside" : "OUTSIDE";
            var gauge = Gauges.Band(new HedgeBand(b.Lower, b.Upper, b.Target), b.Delta, Math.Max(7, Math.Min(40, w - 16)));
            lines.Add(new Line(w).Add(gauge.Bar, b.Inside ? Styles.Good : Styles.Bad).Add($" Δ {Format.Signed(b.Delta, 0)} {where}",
                b.Inside ? Style.Plain : Styles.Bad).Build());
        }
        else
        {
            lines.Add(new Line(w).Add("HEDGE BAND ", Styles.Title).Add("not reported", Styles.Dim).Build());
        }

        var p = d.Pnl;
        var a = d.Attribution;
        if (d.PnlUnknown is { } whyPnl)
        {
            // Unmarked holdings are valued at 0 by the daemon's report: the run's and the day's P&L are not known.
            lines.Add(new Line(w).Add("P&L run ", Styles.Title).Add("unknown", Styles.Bad).Add("  today ", Styles.Dim).Add("unknown", Styles.Bad).Build());
            lines.Add(new Line(w).Add("real ", Styles.Dim).Add(Format.Money(p.Realized), Styles.Money(p.Realized)).Add(" unreal ", Styles.Dim).Add("unknown", Styles.Bad).Build());
            lines.Add(Line.Of(w, "  " + whyPnl, Styles.Warn));
        }
        else
        {
            lines.Add(new Line(w).Add("P&L run ", Styles.Title).Add(Format.Money(a.Total), Styles.Money(a.Total))
                .Add("  today ", Styles.Dim).Add(Format.Money(a.Today), Styles.Money(a.Today)).Build());
            lines.Add(new Line(w).Add("real ", Styles.Dim).Add(Format.Money(p.Realized), Styles.Money(p.Realized))
                .Add(" unreal ", Styles.Dim).Add(Format.Money(p.Unrealized), Styles.Money(p.Unrealized)).Build());
            // The parts and the unattributed rest add up to the run's P&L above.
            var parts = a.Parts.Select(x => (x.Label + " " + Format.Money(x.Value), Styles.Money(x.Value)))
                .Append(("unattributed " + Format.Money(a.Unattributed), Math.Abs(a.Unattributed) >= 0.005 ? Styles.Warn : Styles.Dim));
            lines.AddRange(Flow(w, "= ", parts));
        }

        var acct = d.Account;
        var nav = new Line(w).Add("NAV ", Styles.Title);
        if (acct.Nav is { } n) nav.Add(Format.Number(n, 2), Styles.Bold);
        if (acct.Note is { } note) nav.Add(acct.Nav is null ? note : $"  {note}", Styles.Dim);
        if (acct.Account is { } id) nav.Add($"  {id}", Styles.Dim);
        lines.Add(nav.Build());
        if (acct.Values.Count > 0)
            lines.AddRange(Flow(w, "", acct.Values.Select(v => ($"{v.Label} {Format.Number(v.Value, 0)}", Style.Plain))).Take(1));

        lines.Add(Line.Of(w, "RISK LIMITS", Styles.Title));
        if (d.Limits.Count == 0) lines.Add(Line.Of(w, "(none reported)", Styles.Dim));
        const int bar = 8;
        var values = w >= 52;
        var name = Math.Max(6, w - bar - 11 - (values ? 20 : 0));
        foreach (var l in d.Limits)
        {
            var style = Styles.Level(l.Level);
            var pct = double.IsInfinity(l.Fraction) ? "∞" : Format.Percent(l.Fraction);
            var tag = l.Level switch { LimitLevel.Breached => " OVER", LimitLevel.Near => " near", _ => "" };
            var line = new Line(w).Cell(l.Name, name).Space().Add(Gauges.Limit(new LimitUsage(l.Name, l.Value, l.Limit), bar).Bar, style)
                .Add($" {pct,4}{tag}", style);
            if (values) line.Space(6 - tag.Length).Add($"{Format.Number(l.Value, 0)}/{Format.Number(l.Limit, 0)}", Styles.Dim);
            lines.Add(line.Build());
        }
        return new Rows(lines);
    }

    /// <summary>Items laid out left to right, wrapping at the width (an item is never split).</summary>
    private static IEnumerable<IRenderable> Flow(int w, string lead, IEnumerable<(string Text, Style Style)> items)
    {
        var result = new List<IRenderable>();
        var line = new Line(w).Add(lead, Styles.Dim);
        var used = lead.Length;
        foreach (var (text, style) in items)
        {
            if (used > lead.Length && used + 2 + text.Length > w)
            {
                result.Add(line.Build());
                line = new Line(w).Add(new string(' ', lead.Length));
                used = lead.Length;
            }
            if (used > lead.Length) line.Space(2);
            line.Add(text, style);
            used += (used > lead.Length ? 2 : 0) + text.Length;
        }
        result.Add(line.Build());
        return result;
    }
}
