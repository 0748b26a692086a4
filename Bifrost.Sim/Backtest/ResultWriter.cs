using System.Globalization;
using System.Text;
using System.Text.Json;
using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Format;
using Bifrost.Parquet.Writing;

namespace Bifrost.Sim.Backtest;

/// <summary>A run's files: <c>summary.json</c> (every statistic), <c>equity.parquet</c> and <c>equity.csv</c> (the
/// curve), <c>orders.csv</c> (the canonical order list that the hash covers). All byte-identical for identical inputs.</summary>
public static class ResultWriter
{
    public static void WriteAll(BacktestResult r, string directory, string? parametersJson = null)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "summary.json"), SummaryJson(r, parametersJson));
        WriteCurveParquet(r, Path.Combine(directory, "equity.parquet"));
        File.WriteAllText(Path.Combine(directory, "equity.csv"), CurveCsv(r));
        File.WriteAllText(Path.Combine(directory, "orders.csv"), "time_ns,order_ref,side,qty,type,limit\n" + string.Concat(r.OrderList.Select(l => l + "\n")));
    }

    /// <summary>The statistics as JSON (stable key order, shortest round-trip numbers, null for non-finite).</summary>
    public static string SummaryJson(BacktestResult r, string? parametersJson = null, bool indented = true)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented }))
        {
            w.WriteStartObject();
            WriteSummary(w, r);
            if (parametersJson is not null)
            {
                w.WritePropertyName("parameters");
                using var doc = JsonDocument.Parse(parametersJson);
                doc.RootElement.WriteTo(w);
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + (indented ? "\n" : "");
    }

    /// <summary>Writes the summary's properties into an open object (shared with the sweep's result files).</summary>
    public static void WriteSummary(Utf8JsonWriter w, BacktestResult r)
    {
        w.WriteString("run_id", r.RunId);
        w.WriteString("data", Path.GetFileName(r.Data));
        w.WriteNumber("start_ns", r.StartNanos);
        w.WriteNumber("end_ns", r.EndNanos);
        w.WriteNumber("ticks_read", r.TicksRead);
        w.WriteNumber("events", r.Events);
        w.WriteString("final_state", r.FinalState);
        Num(w, "total_pnl", r.TotalPnl);
        Num(w, "realized_pnl", r.RealizedPnl);
        Num(w, "unrealized_pnl", r.UnrealizedPnl);
        Num(w, "fees", r.Fees);
        Num(w, "financing", r.Financing);
        w.WriteStartObject("attribution");
        Num(w, "delta", r.Attribution.Delta);
        Num(w, "gamma", r.Attribution.Gamma);
        Num(w, "theta", r.Attribution.Theta);
        Num(w, "vega", r.Attribution.Vega);
        Num(w, "spread", r.Attribution.Spread);
        Num(w, "opening", r.Attribution.Opening);
        Num(w, "fees", r.Attribution.Fees);
        Num(w, "basis", r.Attribution.Basis);
        Num(w, "residual", r.Attribution.Residual);
        w.WriteEndObject();
        Num(w, "sharpe", r.Sharpe ?? double.NaN);
        w.WriteNumber("sharpe_days", r.SharpeDays);
        Num(w, "max_drawdown", r.MaxDrawdown);
        Num(w, "max_abs_net_delta", r.MaxAbsNetDelta);
        Num(w, "max_position", r.MaxPosition);
        Num(w, "max_notional", r.MaxNotional);
        w.WriteNumber("orders", r.Orders);
        w.WriteNumber("hedges", r.Hedges);
        w.WriteNumber("fills", r.Fills);
        w.WriteNumber("shares_traded", r.SharesTraded);
        Num(w, "turnover", r.Turnover);
        w.WriteStartObject("slippage_vs_mid");
        w.WriteNumber("fills", r.Slippage.Fills);
        w.WriteNumber("quantity", r.Slippage.Shares);
        Num(w, "avg_bps", r.Slippage.AverageBps);
        Num(w, "avg_per_share", r.Slippage.AveragePerShare);
        w.WriteEndObject();
        w.WriteNumber("guard_block_events", r.GuardBlockEvents);
        w.WriteStartObject("guard_blocks");
        foreach (var (k, v) in r.GuardBlocks) w.WriteNumber(k, v);
        w.WriteEndObject();
        w.WriteStartObject("seconds_in_state");
        foreach (var (k, v) in r.SecondsInState) Num(w, k, v);
        w.WriteEndObject();
        w.WriteStartObject("alerts");
        foreach (var (k, v) in r.Alerts) w.WriteNumber(k, v);
        w.WriteEndObject();
        w.WriteNumber("anomalies", r.Anomalies);
        w.WriteString("order_list_sha256", r.OrderListHash);
    }

    private static void Num(Utf8JsonWriter w, string name, double v)
    {
        if (double.IsFinite(v)) w.WriteNumber(name, v);
        else w.WriteNull(name);
    }

    public static string CurveCsv(BacktestResult r)
    {
        var sb = new StringBuilder("time_ns,time_utc,total_pnl,realized_pnl,unrealized_pnl,fees,financing,net_delta,spot\n");
        foreach (var p in r.Curve)
            sb.Append(CultureInfo.InvariantCulture,
                $"{p.TimeNanos},{DateTime.UnixEpoch.AddTicks(p.TimeNanos / 100):yyyy-MM-ddTHH:mm:ss.fffZ},{p.TotalPnl:R},{p.RealizedPnl:R},{p.UnrealizedPnl:R},{p.Fees:R},{p.Financing:R},{p.NetDelta:R},{p.Spot:R}\n");
        return sb.ToString();
    }

    public static void WriteCurveParquet(BacktestResult r, string path)
    {
        ColumnDescriptor[] schema =
        [
            ColumnDescriptor.Create("ts", ValueKind.TimestampNanos),
            ColumnDescriptor.Create("total_pnl", ValueKind.Double),
            ColumnDescriptor.Create("realized_pnl", ValueKind.Double),
            ColumnDescriptor.Create("unrealized_pnl", ValueKind.Double),
            ColumnDescriptor.Create("fees", ValueKind.Double),
            ColumnDescriptor.Create("financing", ValueKind.Double),
            ColumnDescriptor.Create("net_delta", ValueKind.Double),
            ColumnDescriptor.Create("spot", ValueKind.Double),
        ];
        var c = r.Curve;
        using var w = new ParquetFileWriter(path, schema, new ParquetWriterOptions { Compression = CompressionCodec.Zstd, CreatedBy = "bifrost-sim backtest" });
        if (c.Count == 0) return;
        w.WriteRowGroup(
            new Int64Column(c.Select(p => p.TimeNanos).ToArray()),
            new DoubleColumn(c.Select(p => p.TotalPnl).ToArray()),
            new DoubleColumn(c.Select(p => p.RealizedPnl).ToArray()),
            new DoubleColumn(c.Select(p => p.UnrealizedPnl).ToArray()),
            new DoubleColumn(c.Select(p => p.Fees).ToArray()),
            new DoubleColumn(c.Select(p => p.Financing).ToArray()),
            new DoubleColumn(c.Select(p => p.NetDelta).ToArray()),
            new DoubleColumn(c.Select(p => p.Spot).ToArray()));
    }

    /// <summary>The short console summary.</summary>
    public static string Text(BacktestResult r, RunTiming? timing = null)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        var a = r.Attribution;
        string T(long ns) => DateTime.UnixEpoch.AddTicks(ns / 100).ToString("yyyy-MM-dd HH:mm:ss'Z'", ci);
        sb.AppendLine(ci, $"backtest {r.RunId} on {Path.GetFileName(r.Data)}: {T(r.StartNanos)} .. {T(r.EndNanos)}, final state {r.FinalState}");
        sb.AppendLine(ci, $"  P&L        total {r.TotalPnl,10:N2}   realised {r.RealizedPnl:N2}   unrealised {r.UnrealizedPnl:N2}   fees {r.Fees:N2}   financing {r.Financing:N2}");
        sb.AppendLine(ci, $"  attributed gamma {a.Gamma,10:N2}   theta {a.Theta:N2}   vega {a.Vega:N2}   delta {a.Delta:N2}   spread {a.Spread:N2}   opening {a.Opening:N2}   mid-vs-model {a.Basis:N2}   fees {a.Fees:N2}   residual {a.Residual:N2}   (sum = engine P&L, financing aside)");
        var caveat = r.SharpeDays < 20 ? $"; from {r.SharpeDays} day(s), fewer than 20: not meaningful annualised" : "";
        sb.AppendLine(ci, $"  risk       max drawdown {r.MaxDrawdown:N2}   Sharpe {(r.Sharpe is { } s ? s.ToString("F2", ci) : "n/a")} (1-min P&L increments, x sqrt(252*390){caveat})");
        sb.AppendLine(ci, $"  exposure   max |net delta| {r.MaxAbsNetDelta:N0} shares   max stock position {r.MaxPosition:N0} shares   max stock notional {r.MaxNotional:N0}");
        sb.AppendLine(ci, $"  trading    {r.Hedges} hedges / {r.Orders} orders, {r.Fills} fills, {r.SharesTraded:N0} shares, turnover {r.Turnover:N0}");
        sb.AppendLine(ci, $"  slippage   {r.Slippage.AverageBps:F2} bps = {r.Slippage.AveragePerShare:F4} per share vs mid at fill");
        sb.AppendLine(ci, $"  guard      {r.GuardBlockEvents} blocks recorded: {(r.GuardBlocks.Count == 0 ? "none" : string.Join(", ", r.GuardBlocks.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}")))}");
        var total = r.SecondsInState.Values.Sum();
        sb.AppendLine(ci, $"  states     {string.Join(", ", r.SecondsInState.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {100 * kv.Value / Math.Max(total, 1e-9):F1}%"))}");
        if (r.Alerts.Count > 0) sb.AppendLine(ci, $"  alerts     {string.Join(", ", r.Alerts.Select(kv => $"{kv.Key} {kv.Value}"))}");
        sb.AppendLine(ci, $"  orders     sha256 {r.OrderListHash}");
        if (timing is { } t)
            sb.AppendLine(ci, $"  run        {r.TicksRead:N0} ticks, {r.Events:N0} engine events in {t.Elapsed.TotalSeconds:F2} s ({t.EventsPerSecond(r.TicksRead):N0} ticks/s), peak RSS {t.PeakWorkingSetBytes / 1048576.0:F0} MiB");
        if (timing is { Cpu.Ticks: > 0 } g)
            sb.AppendLine(ci, $"  cpu        {g.Cpu.TotalSeconds:F2} s; allocated {g.AllocatedBytes / 1048576.0:N0} MiB ({g.AllocatedBytes / (double)Math.Max(1, r.Events):N0} B/event), collections gen0 {g.Gen0:N0}, gen1 {g.Gen1:N0}, gen2 {g.Gen2:N0}, paused {g.GcPause.TotalSeconds:F2} s");
        return sb.ToString();
    }
}
