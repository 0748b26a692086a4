using System.Globalization;
using System.Net;
using System.Text;

namespace Bifrost.Sim.Sweep;

/// <summary>Hand-written SVG: a heatmap of a metric over two swept parameters, and an equity curve. No dependencies;
/// open the files in any browser.</summary>
public static class SvgPlots
{
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    /// <summary>Mean of the metric per (x, y) cell. Parameters with more than <paramref name="maxBins"/> distinct numeric
    /// values (random/LHS sweeps) are binned into equal-width bins.</summary>
    public static string Heatmap(SweepResultFile results, string metric, int xParam, int yParam, int maxBins = 8)
    {
        var ok = results.Runs.Where(r => r.Error is null && double.IsFinite(r.Metric(metric))).ToList();
        var xs = Axis(ok.Select(r => r.Values[xParam]).ToList(), maxBins);
        var ys = yParam >= 0 ? Axis(ok.Select(r => r.Values[yParam]).ToList(), maxBins) : new AxisBins([""], _ => 0);
        var sum = new double[xs.Labels.Count, ys.Labels.Count];
        var count = new int[xs.Labels.Count, ys.Labels.Count];
        foreach (var r in ok)
        {
            var (i, j) = (xs.Bin(r.Values[xParam]), yParam >= 0 ? ys.Bin(r.Values[yParam]) : 0);
            sum[i, j] += r.Metric(metric);
            count[i, j]++;
        }
        var cellValues = new List<double>();
        for (var i = 0; i < xs.Labels.Count; i++)
        for (var j = 0; j < ys.Labels.Count; j++)
            if (count[i, j] > 0) cellValues.Add(sum[i, j] / count[i, j]);
        var higher = SweepMetrics.HigherIsBetter(metric);
        var lo = cellValues.Count > 0 ? cellValues.Min() : 0;
        var hi = cellValues.Count > 0 ? cellValues.Max() : 0;
        var maxAbs = Math.Max(1e-12, Math.Max(Math.Abs(lo), Math.Abs(hi)));
        // Values of both signs: diverging around zero (red worse, green better). One sign only: light to dark green
        // from the worst to the best cell, so the differences show.
        var diverging = lo < 0 && hi > 0;
        double Goodness(double v) => diverging
            ? (higher ? v : -v) / maxAbs
            : 0.12 + 0.88 * (hi - lo < 1e-12 ? 1 : (higher ? v - lo : hi - v) / (hi - lo));

        const int cell = 64, left = 120, top = 56, right = 140, bottom = 70;
        var width = left + cell * xs.Labels.Count + right;
        var height = top + cell * ys.Labels.Count + bottom;
        var sb = Header(width, height);
        var yName = yParam >= 0 ? results.Paths[yParam] : "";
        Text(sb, width / 2.0, 24, $"{metric} by {results.Paths[xParam]}{(yParam >= 0 ? " and " + yName : "")}", 15, "middle", bold: true);
        var perCell = Enumerable.Range(0, xs.Labels.Count).SelectMany(i => Enumerable.Range(0, ys.Labels.Count).Select(j => count[i, j])).Where(c => c > 0).ToList();
        var cells = perCell.Count == 0 ? "no runs"
            : perCell.Max() == 1 ? $"one run per cell, {ok.Count} run(s)"
            : $"mean over {perCell.Min()}–{perCell.Max()} run(s) per cell, {ok.Count} run(s)";
        Text(sb, width / 2.0, 42, $"{cells}; {(diverging ? "red below zero, green above" : "darker is better")}{(higher ? "" : " (lower is better)")}", 11, "middle");
        for (var i = 0; i < xs.Labels.Count; i++)
        for (var j = 0; j < ys.Labels.Count; j++)
        {
            var x = left + i * cell;
            var y = top + (ys.Labels.Count - 1 - j) * cell; // y grows upwards
            if (count[i, j] == 0)
            {
                sb.Append(Ci, $"<rect x=\"{x}\" y=\"{y}\" width=\"{cell}\" height=\"{cell}\" fill=\"#eeeeee\" stroke=\"#ffffff\"/>\n");
                continue;
            }
            var v = sum[i, j] / count[i, j];
            var goodness = Goodness(v);
            sb.Append(Ci, $"<rect x=\"{x}\" y=\"{y}\" width=\"{cell}\" height=\"{cell}\" fill=\"{Diverging(goodness)}\" stroke=\"#ffffff\"><title>{Esc(xs.Labels[i])}, {Esc(ys.Labels[j])}: {v:F2} ({count[i, j]} run(s))</title></rect>\n");
            Text(sb, x + cell / 2.0, y + cell / 2.0 + 4, Short(v), 11, "middle", color: Math.Abs(goodness) > 0.6 ? "#ffffff" : "#222222");
        }
        for (var i = 0; i < xs.Labels.Count; i++) Text(sb, left + i * cell + cell / 2.0, top + ys.Labels.Count * cell + 16, xs.Labels[i], 11, "middle");
        for (var j = 0; j < ys.Labels.Count; j++) Text(sb, left - 8, top + (ys.Labels.Count - 1 - j) * cell + cell / 2.0 + 4, ys.Labels[j], 11, "end");
        Text(sb, left + xs.Labels.Count * cell / 2.0, top + ys.Labels.Count * cell + 40, results.Paths[xParam], 12, "middle");
        if (yParam >= 0)
            sb.Append(Ci, $"<text x=\"20\" y=\"{top + ys.Labels.Count * cell / 2.0}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 20 {top + ys.Labels.Count * cell / 2.0})\">{Esc(yName)}</text>\n");
        // Legend: best at the top.
        var lx = left + xs.Labels.Count * cell + 30;
        for (var k = 0; k <= 10; k++)
        {
            var g = diverging ? 1 - k / 5.0 : 1 - 0.88 * k / 10.0;
            sb.Append(Ci, $"<rect x=\"{lx}\" y=\"{top + k * 14}\" width=\"18\" height=\"14\" fill=\"{Diverging(g)}\"/>\n");
        }
        var (best, worst) = diverging ? (higher ? maxAbs : -maxAbs, higher ? -maxAbs : maxAbs) : (higher ? hi : lo, higher ? lo : hi);
        Text(sb, lx + 24, top + 10, Short(best), 10, "start");
        if (diverging) Text(sb, lx + 24, top + 5 * 14 + 10, "0", 10, "start");
        Text(sb, lx + 24, top + 10 * 14 + 10, Short(worst), 10, "start");
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    /// <summary>Total P&amp;L over simulated time (zero line, min/max labels) and, below it on the same time axis, the
    /// drawdown from the running peak.</summary>
    public static string EquityCurve(IReadOnlyList<(long T, double Pnl)> curve, string title)
    {
        const int width = 900, left = 80, right = 20, top = 40, panel = 270, gap = 50, ddPanel = 130, bottom = 50;
        const int height = top + panel + gap + ddPanel + bottom;
        var sb = Header(width, height);
        Text(sb, width / 2.0, 24, title, 14, "middle", bold: true);
        if (curve.Count < 2)
        {
            Text(sb, width / 2.0, height / 2.0, "not enough points", 12, "middle");
            return sb.Append("</svg>\n").ToString();
        }
        var t0 = curve[0].T;
        var t1 = Math.Max(curve[^1].T, t0 + 1);
        double X(long t) => left + (double)(t - t0) / (t1 - t0) * (width - left - right);

        var lo = Math.Min(0, curve.Min(p => p.Pnl));
        var hi = Math.Max(0, curve.Max(p => p.Pnl));
        if (hi - lo < 1e-9) hi = lo + 1;
        double Y(double v) => top + (hi - v) / (hi - lo) * panel;
        sb.Append(Ci, $"<rect x=\"{left}\" y=\"{top}\" width=\"{width - left - right}\" height=\"{panel}\" fill=\"none\" stroke=\"#999999\"/>\n");
        sb.Append(Ci, $"<line x1=\"{left}\" y1=\"{Y(0):F1}\" x2=\"{width - right}\" y2=\"{Y(0):F1}\" stroke=\"#bbbbbb\" stroke-dasharray=\"4 3\"/>\n");
        sb.Append("<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"");
        foreach (var (t, v) in curve) sb.Append(Ci, $"{X(t):F1},{Y(v):F1} ");
        sb.Append("\"/>\n");
        foreach (var v in new[] { lo, 0.0, hi }.Distinct())
            Text(sb, left - 6, Y(v) + 4, v.ToString("N0", Ci), 11, "end");
        Text(sb, width / 2.0, top + panel + 18, $"final {curve[^1].Pnl.ToString("N2", Ci)}, low {curve.Min(p => p.Pnl).ToString("N2", Ci)}, high {curve.Max(p => p.Pnl).ToString("N2", Ci)} (total P&L, money)", 11, "middle");

        // Drawdown: running peak minus P&L, drawn downwards from zero.
        var dd = new double[curve.Count];
        var peak = double.NegativeInfinity;
        for (var i = 0; i < curve.Count; i++)
        {
            peak = Math.Max(peak, curve[i].Pnl);
            dd[i] = peak - curve[i].Pnl;
        }
        var maxDd = Math.Max(dd.Max(), 1e-9);
        var ddTop = top + panel + gap;
        double Yd(double d) => ddTop + d / maxDd * ddPanel;
        sb.Append(Ci, $"<rect x=\"{left}\" y=\"{ddTop}\" width=\"{width - left - right}\" height=\"{ddPanel}\" fill=\"none\" stroke=\"#999999\"/>\n");
        sb.Append(Ci, $"<polygon fill=\"#d62728\" fill-opacity=\"0.35\" stroke=\"#d62728\" stroke-width=\"1\" points=\"{X(curve[0].T):F1},{Yd(0):F1} ");
        for (var i = 0; i < curve.Count; i++) sb.Append(Ci, $"{X(curve[i].T):F1},{Yd(dd[i]):F1} ");
        sb.Append(Ci, $"{X(curve[^1].T):F1},{Yd(0):F1}\"/>\n");
        Text(sb, left - 6, Yd(0) + 4, "0", 11, "end");
        Text(sb, left - 6, Yd(maxDd) + 4, (-dd.Max()).ToString("N0", Ci), 11, "end");
        Text(sb, left + 6, ddTop - 6, $"drawdown from the running peak (max {dd.Max().ToString("N2", Ci)})", 11, "start");
        Text(sb, left, height - bottom + 18, Time(t0), 11, "start");
        Text(sb, width - right, height - bottom + 18, Time(t1), 11, "end");
        return sb.Append("</svg>\n").ToString();
    }

    private static string Time(long ns) => DateTime.UnixEpoch.AddTicks(ns / 100).ToString("yyyy-MM-dd HH:mm'Z'", Ci);

    private sealed record AxisBins(IReadOnlyList<string> Labels, Func<System.Text.Json.Nodes.JsonNode?, int> Bin);

    private static AxisBins Axis(List<System.Text.Json.Nodes.JsonNode?> values, int maxBins)
    {
        var texts = values.Select(SweepResultFile.ValueText).Distinct().ToList();
        var numeric = values.All(v => v is System.Text.Json.Nodes.JsonValue j && j.TryGetValue<double>(out _));
        if (numeric)
        {
            double Num(System.Text.Json.Nodes.JsonNode? v) => v!.GetValue<double>();
            var distinct = values.Select(Num).Distinct().OrderBy(x => x).ToList();
            if (distinct.Count <= maxBins)
                return new AxisBins(distinct.Select(d => d.ToString("G6", Ci)).ToList(), v => distinct.IndexOf(Num(v)));
            var (min, max) = (distinct[0], distinct[^1]);
            var w = (max - min) / maxBins;
            var labels = Enumerable.Range(0, maxBins).Select(k => (min + (k + 0.5) * w).ToString("G3", Ci)).ToList();
            return new AxisBins(labels, v => Math.Min(maxBins - 1, (int)((Num(v) - min) / w)));
        }
        texts.Sort(StringComparer.Ordinal);
        return new AxisBins(texts, v => texts.IndexOf(SweepResultFile.ValueText(v)));
    }

    /// <summary>−1 red … 0 white … +1 green.</summary>
    private static string Diverging(double g)
    {
        g = Math.Clamp(g, -1, 1);
        var (r, gr, b) = g >= 0
            ? (Lerp(255, 26, g), Lerp(255, 150, g), Lerp(255, 65, g))
            : (Lerp(255, 215, -g), Lerp(255, 48, -g), Lerp(255, 39, -g));
        return $"#{r:x2}{gr:x2}{b:x2}";
    }

    private static int Lerp(int a, int b, double t) => (int)Math.Round(a + (b - a) * t);

    private static string Short(double v) => Math.Abs(v) >= 1000 ? v.ToString("N0", Ci) : v.ToString("F1", Ci);

    private static StringBuilder Header(int width, int height) =>
        new StringBuilder().Append(Ci, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\">\n")
            .Append(Ci, $"<rect width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>\n");

    private static void Text(StringBuilder sb, double x, double y, string text, int size, string anchor, bool bold = false, string color = "#222222") =>
        sb.Append(Ci, $"<text x=\"{x:F1}\" y=\"{y:F1}\" font-size=\"{size}\" text-anchor=\"{anchor}\" fill=\"{color}\"{(bold ? " font-weight=\"bold\"" : "")}>{Esc(text)}</text>\n");

    private static string Esc(string s) => WebUtility.HtmlEncode(s);
}
