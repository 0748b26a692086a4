using System.Text.Json;
using Bifrost.Domain;
using Bifrost.Domain.PortfolioRuns;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;

namespace Bifrost.Daemon.PortfolioRuns;

/// <summary>Portfolio runs read back from the store at start (oldest first), as the run machine had them.</summary>
public static class PortfolioRestore
{
    public static FSharpList<Run> Read(StoreReader reader) =>
        ListModule.OfSeq(reader.ListPortfolioRuns(100_000).OrderBy(r => r.CreatedNanos).ThenBy(r => r.Id, StringComparer.Ordinal).Select(ToRun));

    /// <summary>The schedule's stored state (PortfolioScheduleRestored None: never stored, it arms at its first tick).</summary>
    public static Bifrost.Domain.Trading.EventPayload Schedule(StoreReader reader, string name) =>
        Bifrost.Domain.Trading.EventPayload.NewPortfolioScheduleRestored(reader.GetPortfolioScheduleHandledThrough(name) is { } ns
            ? FSharpOption<ScheduleState>.Some(new ScheduleState(Timestamp.NewTimestamp(ns)))
            : FSharpOption<ScheduleState>.None);

    private static readonly Dictionary<string, RunStatus> Statuses = RunStatusModule.all.ToDictionary(RunStatusModule.name);

    private static readonly Dictionary<string, RunOrderStatus> OrderStatuses = new[]
    {
        RunOrderStatus.Planned, RunOrderStatus.Working, RunOrderStatus.Filled, RunOrderStatus.Rejected, RunOrderStatus.Cancelled,
    }.ToDictionary(RunOrderStatusModule.name);

    private static FSharpOption<T> Opt<T>(T? v) where T : class => v is null ? FSharpOption<T>.None : FSharpOption<T>.Some(v);
    private static FSharpOption<T> Opt<T>(T? v) where T : struct => v is { } x ? FSharpOption<T>.Some(x) : FSharpOption<T>.None;

    public static RunPurpose Purpose(string text)
    {
        var colon = text.IndexOf(':');
        var (kind, value) = colon < 0 ? (text, "") : (text[..colon], text[(colon + 1)..]);
        return kind switch
        {
            "scheduled" => RunPurpose.NewScheduledSlot(value),
            "fallback_after" => RunPurpose.NewFallbackAfter(value),
            _ => RunPurpose.NewOperatorRequested(value),
        };
    }

    public static Run ToRun(PortfolioRunRecord r)
    {
        var status = Statuses[r.Status];
        var created = Timestamp.NewTimestamp(r.CreatedNanos);
        var updated = Timestamp.NewTimestamp(r.UpdatedNanos);
        var reasons = JsonSerializer.Deserialize<string[]>(r.ReasonsJson) ?? [];
        var cleared = status.IsQueued || status.IsPreTrade || status.IsBlocked ? FSharpOption<Timestamp>.None : FSharpOption<Timestamp>.Some(created);
        var fallback = r.FallbackSnapshotId is { } fb
            ? FSharpOption<FallbackRecord>.Some(new FallbackRecord(fb, r.FallbackReason ?? "", updated))
            : FSharpOption<FallbackRecord>.None;
        return new Run(r.Id, r.SnapshotId, r.SnapshotHash, Purpose(r.Purpose), status, ListModule.OfSeq(reasons), cleared,
            ListModule.OfSeq(r.Orders.Select(o => ToOrder(r, o))), fallback, Opt(r.CancelRequestedBy), created, updated);
    }

    private static RunOrder ToOrder(PortfolioRunRecord run, PortfolioRunOrderRecord o)
    {
        var side = o.Side == "buy" ? Side.Buy : Side.Sell;
        var key = new OrderKey(run.Id, o.Symbol, side, run.SnapshotId);
        var fills = new List<RunFill>();
        foreach (var f in JsonDocument.Parse(o.FillsJson).RootElement.EnumerateArray())
        {
            var commission = f.GetProperty("commission");
            fills.Add(new RunFill(f.GetProperty("exec_id").GetString()!, f.GetProperty("quantity").GetInt32(), f.GetProperty("price").GetDouble(),
                commission.ValueKind == JsonValueKind.Number ? FSharpOption<double>.Some(commission.GetDouble()) : FSharpOption<double>.None,
                Timestamp.NewTimestamp(f.GetProperty("venue_ns").GetInt64()), Timestamp.NewTimestamp(f.GetProperty("received_ns").GetInt64())));
        }
        var times = new List<Tuple<RunOrderStatus, Timestamp, Timestamp>>();
        foreach (var t in JsonDocument.Parse(o.StatusTimesJson).RootElement.EnumerateArray())
            times.Add(Tuple.Create(OrderStatuses[t.GetProperty("status").GetString()!], Timestamp.NewTimestamp(t.GetProperty("venue_ns").GetInt64()),
                Timestamp.NewTimestamp(t.GetProperty("received_ns").GetInt64())));
        return new RunOrder(o.OrderRef, key, o.Quantity, o.Filled, OrderStatuses[o.Status], o.Sent, Opt(o.Reason),
            o.IbOrderId is { } ib ? FSharpOption<int>.Some((int)ib) : FSharpOption<int>.None, Opt(o.PermId), ListModule.OfSeq(fills),
            ListModule.OfSeq(times));
    }
}
