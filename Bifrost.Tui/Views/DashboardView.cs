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
        var g = d.Greeks;
        lines.Add(Line.Of(w, "NET GREEKS", Styles.Title));
        lines.Add(new Line(w).Cell("delta", 6).Cell(Format.Signed(g.Delta, 1), 9, Styles.Bold, right: true).Space(2)
            .Cell("gamma", 6).Cell(Format.Signed(g.Gamma, 2), 9, null, right: true).Build());
        lines.Add(new Line(w).Cell("vega", 6).Cell(Format.Signed(g.Vega, 1), 9, null, right: true).Space(2)
            .Cell("theta", 6).Cell(Format.Signed(g.Theta, 2), 9, null, right: true).Build());

        if (d.Band is { } b)
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
        lines.Add(Line.Of(w, "P&L TODAY", Styles.Title));
        lines.Add(new Line(w).Cell("realised", 8).Cell(Format.Money(p.Realized), 10, Styles.Money(p.Realized), right: true).Space(2)
            .Cell("fees", 5).Cell(Format.Money(p.Fees), 8, null, right: true).Build());
        lines.Add(new Line(w).Cell("unreal", 8).Cell(Format.Money(p.Unrealized), 10, Styles.Money(p.Unrealized), right: true).Space(2)
            .Cell("daily", 5).Cell(Format.Money(p.Daily), 8, Styles.Money(p.Daily), right: true).Build());
        lines.Add(new Line(w).Add("attr γ").Cell(Format.Money(p.AttrGamma), 7, Styles.Money(p.AttrGamma), right: true)
            .Add(" θ").Cell(Format.Money(p.AttrTheta), 7, Styles.Money(p.AttrTheta), right: true)
            .Add(" ν").Cell(Format.Money(p.AttrVega), 7, Styles.Money(p.AttrVega), right: true).Build());
        lines.Add(new Line(w).Add("     Δ").Cell(Format.Money(p.AttrDelta), 7, Styles.Money(p.AttrDelta), right: true)
            .Add(" residual").Cell(Format.Money(p.AttrResidual), 8, null, right: true).Build());

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
            if (values) line.Space(5 - tag.Length).Add($"{Format.Number(l.Value, 0)}/{Format.Number(l.Limit, 0)}", Styles.Dim);
            lines.Add(line.Build());
        }
        return new Rows(lines);
    }
}
