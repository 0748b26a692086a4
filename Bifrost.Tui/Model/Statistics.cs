using System.Globalization;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;

namespace Bifrost.Tui.Model;

internal enum StatsPeriod { Day, Week, Month }

/// <summary>One day, week or month of history. A sum is null (unknown) when a day of the period has none on record: a
/// day whose book was unvalued at its last status counted as 0.00 and made a losing month read as a flat one.</summary>
internal sealed record PeriodRow(string Period, int Days, double? Realized, double? Unrealized, double? Fees, double? Pnl, long Hedges, int WinningDays,
    int UnknownDays = 0);

/// <summary>p50 / p95 of a latency in milliseconds, over <see cref="Count"/> orders (null when none).</summary>
internal sealed record Percentiles(int Count, double? P50, double? P95);

/// <summary>The History &amp; statistics screen (and `stats`): per period totals, win rate, histogram, slippage, latency.</summary>
internal sealed record StatsVm(
    StatsPeriod By,
    IReadOnlyList<PeriodRow> Periods,
    int Days,
    int WinningDays,
    IReadOnlyList<string> Histogram,
    int SlippageOrders,
    double? SlippageBps,
    Percentiles Ack,
    Percentiles Fill,
    int NoSessionDays = 0,
    string? CutPeriod = null)
{
    public double? WinRate => Days == 0 ? null : (double)WinningDays / Days;
}

/// <summary>
/// Statistics from the daily summaries (the store's session days) and the orders' timelines. Pure. Days come newest
/// first from the store; periods are listed newest first too. Weeks are ISO weeks, months calendar months of the session day.
/// A day without a session (a weekend or a holiday the daemon ran through: day P&amp;L 0.00, no hedges) is left out: counted,
/// it was a day without a gain in the win rate and the histogram.
/// </summary>
internal static class Statistics
{
    public static StatsPeriod ParsePeriod(string? text) => (text ?? "day").ToLowerInvariant() switch
    {
        "day" or "daily" => StatsPeriod.Day,
        "week" or "weekly" => StatsPeriod.Week,
        "month" or "monthly" => StatsPeriod.Month,
        _ => throw new FormatException($"--by: expected day, week or month, got '{text}'"),
    };

    public static string PeriodOf(DateOnly day, StatsPeriod by) => by switch
    {
        StatsPeriod.Week => $"{ISOWeek.GetYear(day.ToDateTime(TimeOnly.MinValue))}-W{ISOWeek.GetWeekOfYear(day.ToDateTime(TimeOnly.MinValue)):00}",
        StatsPeriod.Month => day.ToString("yyyy-MM", CultureInfo.InvariantCulture),
        _ => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
    };

    /// <param name="nextOlder">the store's day just older than <paramref name="days"/> when a limit cut the window: when it
    /// falls in the oldest week or month, that period is cut short and is left out, not shown with a part of its days' sums.</param>
    public static StatsVm Build(IReadOnlyList<DailySummary> days, IReadOnlyList<OrderTimeline> orders, StatsPeriod by, int histogramWidth = 30,
        DailySummary? nextOlder = null)
    {
        var ordered = days.Where(d => d.HasSession).OrderByDescending(d => d.Day).ToList();
        var periods = ordered
            .GroupBy(d => PeriodOf(d.Day, by))
            .Select(g => new PeriodRow(
                g.Key,
                g.Count(),
                // The stored realised, unrealised and fees are the strategy's running totals (the day's last status), so a
                // period shows them at its end (its newest day): summed, a week with nothing realised read five times
                // the total realised to date, and the fees as many times what was paid.
                g.First().Realized,
                g.First().Unrealized,
                g.First().Fees,
                SumOrUnknown(g, d => d.Daily),
                g.Sum(d => d.HedgesFilled),
                g.Count(d => d.Daily > 0),
                g.Count(d => d.Daily is null)))
            .ToList();
        string? cut = null;
        if (nextOlder is not null && by != StatsPeriod.Day && periods.Count > 0 && PeriodOf(nextOlder.Day, by) == periods[^1].Period)
        {
            cut = periods[^1].Period;
            periods.RemoveAt(periods.Count - 1);
        }
        var pnls = ordered.Where(d => d.Daily is not null).Select(d => d.Daily!.Value).ToList();

        var slippages = orders
            .Where(o => o.Filled > 0 && o.AvgPrice is not null && o.DecisionPrice is > 0 && o.OrderType.Equals("MKT", StringComparison.OrdinalIgnoreCase))
            .Select(o => (o.Side == TradeSide.Buy ? 1 : -1) * (o.AvgPrice!.Value - o.DecisionPrice!.Value) / o.DecisionPrice.Value * 10_000)
            .ToList();
        var acks = orders.Where(o => o.AckNanos is { } a && a >= o.SentNanos).Select(o => (o.AckNanos!.Value - o.SentNanos) / 1e6).ToList();
        var fills = orders.Where(o => o.LastFillNanos is { } f && f >= o.SentNanos && o.Filled > 0).Select(o => (o.LastFillNanos!.Value - o.SentNanos) / 1e6).ToList();

        return new StatsVm(by, periods, pnls.Count, pnls.Count(p => p > 0), Histogram(pnls, histogramWidth),
            slippages.Count, slippages.Count == 0 ? null : slippages.Average(), Percentile(acks), Percentile(fills), days.Count(d => !d.HasSession), cut);
    }

    private static double? SumOrUnknown(IEnumerable<DailySummary> days, Func<DailySummary, double?> value)
    {
        var sum = 0.0;
        foreach (var d in days)
        {
            if (value(d) is not { } v) return null;
            sum += v;
        }
        return sum;
    }

    public static Percentiles Percentile(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return new Percentiles(0, null, null);
        var sorted = values.Order().ToArray();
        double At(double q) => sorted[(int)Math.Clamp(Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new Percentiles(sorted.Length, At(0.50), At(0.95));
    }

    /// <summary>The daily P&amp;L distribution as text rows: "[-200, -100)  ####  3". At most 8 equal-width bins.</summary>
    public static IReadOnlyList<string> Histogram(IReadOnlyList<double> values, int width)
    {
        if (values.Count == 0) return ["no days with P&L yet"];
        var min = values.Min();
        var max = values.Max();
        var bins = Math.Clamp(values.Count, 1, 8);
        if (max - min < 1e-9) return [$"{Money(min)} … {Money(max)}  {new string('#', Math.Max(1, width))}  {values.Count}"];
        var step = (max - min) / bins;
        var counts = new int[bins];
        foreach (var v in values) counts[Math.Min(bins - 1, (int)((v - min) / step))]++;
        var top = counts.Max();
        var rows = new List<string>(bins);
        for (var i = 0; i < bins; i++)
        {
            var lo = min + i * step;
            var bar = counts[i] == 0 ? "" : new string('#', Math.Max(1, counts[i] * width / top));
            rows.Add($"{Money(lo),10} … {Money(lo + step),10}  {bar.PadRight(width)}  {counts[i]}");
        }
        return rows;
    }

    private static string Money(double v) => v.ToString("+#,0.00;-#,0.00;0.00", CultureInfo.InvariantCulture);

    /// <summary>The periods as CSV (header + one line per period), numbers with invariant culture.</summary>
    public static string Csv(StatsVm s)
    {
        static string N(double? v) => v?.ToString("0.####", CultureInfo.InvariantCulture) ?? "";
        var lines = new List<string> { "period,days,realized,unrealized,fees,pnl,hedges_filled,winning_days" };
        lines.AddRange(s.Periods.Select(p =>
            $"{p.Period},{p.Days},{N(p.Realized)},{N(p.Unrealized)},{N(p.Fees)},{N(p.Pnl)},{p.Hedges},{p.WinningDays}"));
        return string.Join('\n', lines) + "\n";
    }

    /// <summary>The statistics as text lines (the `stats` command and the console screen share them).</summary>
    public static IReadOnlyList<string> Lines(StatsVm s)
    {
        static string N(double? v) => v is { } x ? x.ToString("#,0.00;-#,0.00;0.00", CultureInfo.InvariantCulture) : "-";
        static string Ms(double? v) => v is { } x ? x.ToString("0.0", CultureInfo.InvariantCulture) + " ms" : "-";
        var by = s.By.ToString().ToLowerInvariant();
        var lines = new List<string>
        {
            $"per {by} (session days as stored)      realised  unrealised        fees         P&L  hedges  win days",
        };
        lines.AddRange(s.Periods.Select(p =>
            $"{p.Period,-12} {p.Days,3} day(s) {N(p.Realized),12} {N(p.Unrealized),11} {N(p.Fees),11} {N(p.Pnl),11} {p.Hedges,7}  {p.WinningDays}/{p.Days}"));
        if (s.Periods.Count == 0) lines.Add("no days recorded yet");
        else lines.Add("realised, unrealised, fees: the strategy's totals at the period's end; P&L: the period's own");
        var unknown = s.Periods.Sum(p => p.UnknownDays);
        if (unknown > 0)
            lines.Add($"-: not known; {unknown} day(s) have no P&L on record (the book unvalued at the day's last status), so their periods' sums are not shown");
        if (s.CutPeriod is { } cutPeriod)
            lines.Add($"{cutPeriod} left out: the days read (--limit) begin inside it, so its sums would be a part of its days'");
        if (s.NoSessionDays > 0)
            lines.Add($"{s.NoSessionDays} day(s) without a session (weekends, holidays) left out");
        lines.Add("");
        lines.Add($"win rate (days with P&L > 0): {(s.WinRate is { } w ? (w * 100).ToString("0", CultureInfo.InvariantCulture) + " %" : "-")} of {s.Days} day(s)");
        lines.Add($"slippage vs decision mid (market orders): {(s.SlippageBps is { } b ? b.ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture) + " bps" : "-")} over {s.SlippageOrders} order(s) (positive = paid)");
        lines.Add($"order latency sent → acknowledged: p50 {Ms(s.Ack.P50)}, p95 {Ms(s.Ack.P95)} ({s.Ack.Count}); sent → filled: p50 {Ms(s.Fill.P50)}, p95 {Ms(s.Fill.P95)} ({s.Fill.Count}) [operation clock]");
        lines.Add("");
        lines.Add("daily P&L distribution:");
        lines.AddRange(s.Histogram);
        return lines;
    }
}
