using System.Globalization;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;

namespace Bifrost.Tui.Model;

/// <summary>A run as the Runs screen and `runs` list it.</summary>
internal sealed record RunListRow(
    string RunId, string Kind, string Started, string Status, int Orders, double Filled, double Quantity, long Fills, double Fees, double? SlippageBps, string? Result)
{
    /// <summary>The start in UTC, ISO 8601 (<see cref="Started"/> is the console's zone, without an offset): for scripts.</summary>
    public string StartedUtc { get; init; } = "";
}

/// <summary>A run's orders and fills (the detail view).</summary>
internal sealed record RunDetailVm(RunListRow Run, IReadOnlyList<string> Orders, IReadOnlyList<string> Fills);

/// <summary>Runs from store rows. Pure.</summary>
internal static class RunsModel
{
    // IB order states after which an order no longer trades.
    public static bool IsFinished(string status) =>
        status is "Filled" or "Cancelled" or "ApiCancelled" or "Inactive" or "Rejected"
        || status.Equals("filled", StringComparison.OrdinalIgnoreCase) || status.Equals("cancelled", StringComparison.OrdinalIgnoreCase);

    /// <summary>running while an order works or the run has not ended; then done / partial / failed by what filled.</summary>
    public static string StatusOf(RunRecord run, IReadOnlyList<OrderRecord> orders)
    {
        if (run.Kind is RunKind.Live or RunKind.Backtest or RunKind.Sweep)
            return run.EndedNanos is null ? "running" : "ended";
        if (orders.Any(o => !IsFinished(o.Status)) || (run.EndedNanos is null && orders.Count == 0)) return "running";
        return Worse(FromOrders(orders), SummaryStatus(run.SummaryJson));
    }

    /// <summary>done when every order filled (or there was none), partial when some quantity filled, failed when none did.</summary>
    public static string FromOrders(IReadOnlyList<OrderRecord> orders) =>
        orders.Count == 0 || orders.All(o => o.Filled >= o.Qty) ? "done"
        : orders.Any(o => o.Filled > 0) ? "partial" : "failed";

    /// <summary>The daemon's batch word at the head of its run summary ("partial: …"), or null. It counts what never became
    /// an order row — a contract refused before it went out (market_data_error), a split's unsent rest — which the
    /// order rows alone read as done.</summary>
    public static string? BatchWord(string? result)
    {
        foreach (var word in (string[])["done", "partial", "failed"])
            if (result?.StartsWith(word + ":", StringComparison.Ordinal) == true) return word;
        return null;
    }

    /// <summary>The worse of two batch words (failed &lt; partial &lt; done); a missing one takes the other.</summary>
    public static string Worse(string batch, string? other) =>
        other is null ? batch : Rank(other) < Rank(batch) ? other : batch;

    private static int Rank(string batch) => batch switch { "failed" => 0, "partial" => 1, _ => 2 };

    private static string? SummaryStatus(string? json)
    {
        if (json is null) return null;
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            if (doc.RootElement is not { ValueKind: System.Text.Json.JsonValueKind.Object } root) return null;
            if (root.TryGetProperty("status", out var st) && st.ValueKind == System.Text.Json.JsonValueKind.String && st.GetString() is "done" or "partial" or "failed")
                return st.GetString();
            return root.TryGetProperty("result", out var r) && r.ValueKind == System.Text.Json.JsonValueKind.String ? BatchWord(r.GetString()) : null;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException) // a lone \uXXXX surrogate
        {
            return null;
        }
    }

    public static RunListRow Row(RunSummary summary, IReadOnlyList<OrderRecord> orders, IReadOnlyList<FillRecord> fills,
        IReadOnlyDictionary<string, double> decisionPrices, TimeZoneInfo zone)
    {
        var run = summary.Run;
        var slips = orders
            .Where(o => o.Filled > 0 && o.AvgPrice is not null && o.OrderType.Equals("MKT", StringComparison.OrdinalIgnoreCase)
                && decisionPrices.TryGetValue(o.OrderRef, out var d) && d > 0)
            .Select(o => (o.Side == TradeSide.Buy ? 1 : -1) * (o.AvgPrice!.Value - decisionPrices[o.OrderRef]) / decisionPrices[o.OrderRef] * 10_000)
            .ToList();
        string? result = null;
        if (run.SummaryJson is { } json)
        {
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(json);
                result = doc.RootElement.TryGetProperty("result", out var r) ? r.ToString() : json;
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException) // a lone \uXXXX surrogate
            {
                result = json;
            }
        }
        return new RunListRow(
            run.RunId,
            MonitorBuilder.EnumWord(run.Kind),
            Format.DateTime(run.StartedNanos, zone),
            StatusOf(run, orders),
            orders.Count,
            orders.Sum(o => o.Filled),
            orders.Sum(o => o.Qty),
            fills.Count,
            fills.Sum(f => f.Commission ?? 0),
            slips.Count == 0 ? null : slips.Average(),
            result) { StartedUtc = Format.Iso(run.StartedNanos) };
    }

    public static string Line(RunListRow r) =>
        $"{r.RunId,-28} {r.Kind,-9} {r.Started}  {r.Status,-8} orders {r.Orders,3}  filled {Qty(r.Filled)}/{Qty(r.Quantity)}  fills {r.Fills,3}  fees {r.Fees.ToString("0.00", CultureInfo.InvariantCulture),7}"
        + (r.SlippageBps is { } s ? $"  slip {s.ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture)} bps" : "");

    public static RunDetailVm Detail(RunListRow row, IReadOnlyList<OrderRecord> orders, IReadOnlyList<FillRecord> fills, Func<long, string> symbol, TimeZoneInfo zone) =>
        new(row,
            orders.Select(o => $"{o.OrderRef}  {o.Purpose}  {MonitorBuilder.EnumWord(o.Side)} {Qty(o.Qty)} {symbol(o.ContractId)} {o.OrderType}"
                + (o.LimitPrice is { } lp ? $" {Format.Price(lp)}" : "") + $"  {o.Status} {Qty(o.Filled)}/{Qty(o.Qty)}"
                + (o.AvgPrice is { } ap && o.Filled > 0 ? $" @ {Format.Price(ap)}" : "") + (o.RejectReason is { Length: > 0 } why ? $"  ({why})" : "")).ToList(),
            fills.Select(f => $"{Format.Time(f.TimeNanos, zone)}  {f.OrderRef}  {MonitorBuilder.EnumWord(f.Side)} {Qty(f.Qty)} {symbol(f.ContractId)} @ {Format.Price(f.Price)}  exec {f.ExecId}"
                + (f.Commission is { } c ? $"  fee {c.ToString("0.00", CultureInfo.InvariantCulture)}" : "")).ToList());

    private static string Qty(double q) => q.ToString("#,0.##", CultureInfo.InvariantCulture);

    /// <summary>Con id → symbol from a store's status row (<see cref="Symbols(StatusSnapshot?)"/>): a row whose JSON does
    /// not read names nothing, but fails nothing either.</summary>
    public static Func<long, string> Symbols(StoreReader reader)
    {
        try
        {
            return Symbols(reader.GetStatus());
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            return Symbols((StatusSnapshot?)null);
        }
    }

    /// <summary>Con id → symbol from the status snapshot's positions, else the daemon's configured contracts (a contract
    /// no longer held — the hedge a flatten closed — is still named), else "unknown contract (con id N)".</summary>
    public static Func<long, string> Symbols(StatusSnapshot? status)
    {
        var map = (status?.Positions ?? []).GroupBy(p => p.ContractId).ToDictionary(g => g.Key, g => g.First().Symbol);
        var config = DaemonConfig.Parse(status?.ConfigSummaryJson);
        return id => Model.Symbols.Of(id, map.GetValueOrDefault(id, ""), config);
    }
}
