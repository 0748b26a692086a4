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
    /// <summary>The runs, without the stored fills the book's restore refused (<paramref name="refusedExecIds"/>: another
    /// order's or another client's, Restored.RefusedFills): not the run's either, as live (Reducer).</summary>
    public static FSharpList<Run> Read(StoreReader reader, PortfolioSetup setup, IReadOnlySet<string>? refusedExecIds = null) =>
        ListModule.OfSeq(reader.ListPortfolioRuns(100_000).OrderBy(r => r.CreatedNanos).ThenBy(r => r.Id, StringComparer.Ordinal).Select(ToRun)
            .Select(r => WithJournaledOrders(r, r.Status.IsQueued || r.Status.IsPreTrade ? reader.GetOrdersForRun(r.Id) : [],
                id => ContractIdModule.create((int)id) is { IsOk: true } c && PortfolioSetupModule.symbolOf(setup, c.ResultValue) is { } sym ? sym.Value : null))
            .Select(r => WithStoredFills(r, reader.GetFillsForOrder, refusedExecIds)));

    /// <summary>
    /// A run stored queued or pre_trade whose portfolio orders the store holds did send them: an order is journaled
    /// before the wire (and merged into the store at start), the run's own row is written after the step, so a crash
    /// between the two left the row behind. It comes back running with those orders (working, sent), so the restart
    /// follows them and their fills; "cancelled by the restart, nothing sent" would have been false while they lived at
    /// the broker.
    /// </summary>
    public static Run WithJournaledOrders(Run run, IReadOnlyList<OrderRecord> orders, Func<long, string?> symbolOf)
    {
        if (!(run.Status.IsQueued || run.Status.IsPreTrade)) return run;
        var mine = orders.Where(o => o.Purpose == OrderPurposeModule.name(OrderPurpose.PortfolioTrade) && symbolOf(o.ContractId) is not null).ToList();
        if (mine.Count == 0) return run;
        var runOrders = mine.Select(o =>
        {
            var at = Timestamp.NewTimestamp(o.CreatedNanos);
            var key = new OrderKey(run.Id, symbolOf(o.ContractId)!, o.Side == TradeSide.Buy ? Side.Buy : Side.Sell, run.SnapshotId);
            return new RunOrder(o.OrderRef, key, (int)o.Qty, 0, RunOrderStatus.Working, true, FSharpOption<string>.None,
                o.IbOrderId is { } ib ? FSharpOption<int>.Some((int)ib) : FSharpOption<int>.None,
                o.PermId is { } perm && perm != 0 ? FSharpOption<long>.Some(perm) : FSharpOption<long>.None, FSharpList<RunFill>.Empty,
                ListModule.OfSeq([Tuple.Create(RunOrderStatus.Working, at, at)]));
        });
        var cleared = FSharpOption<Timestamp>.Some(Timestamp.NewTimestamp(mine.Min(o => o.CreatedNanos)));
        return new Run(run.Id, run.SnapshotId, run.SnapshotHash, run.Purpose, RunStatus.Running, FSharpList<string>.Empty, cleared,
            ListModule.OfSeq(runOrders), run.Fallback, run.CancelRequestedBy, run.CreatedAt, run.UpdatedAt);
    }

    /// <summary>
    /// A running run takes the fills the store holds for its orders that its own row lacks. A fill is recorded as it
    /// arrives and the run's row after the engine's step, so a crash between the two left the run without a fill that
    /// the restart never delivers again (its exec id is already seen): the run could never end. Only while running (a
    /// finished run's outcome is its record); a total past the order's quantity is left alone (an overfill is the
    /// engine's to report, not the restore's to guess).
    /// </summary>
    public static Run WithStoredFills(Run run, Func<string, IReadOnlyList<FillRecord>> fillsOf, IReadOnlySet<string>? refusedExecIds = null)
    {
        if (!run.Status.IsRunning) return run;
        var orders = run.Orders.Select(o =>
        {
            var known = o.Fills.Select(f => f.ExecId).ToHashSet(StringComparer.Ordinal);
            var stored = fillsOf(o.Ref);
            // Of an execution's revisions (IB's correction ".02" of ".01") only the first counts (EXECUTION_CORRECTED).
            var revisions = Engine.StoreRestore.Revisions(stored);
            var missing = stored.Where(f => !known.Contains(f.ExecId) && !revisions.Contains(f.ExecId) && refusedExecIds?.Contains(f.ExecId) != true).ToList();
            var filled = o.Filled + missing.Sum(f => (int)f.Qty);
            if (missing.Count == 0 || filled > o.Quantity) return o;
            var fills = o.Fills.Concat(missing.Select(f => new RunFill(f.ExecId, (int)f.Qty, f.Price,
                f.Commission is { } c ? FSharpOption<double>.Some(c) : FSharpOption<double>.None,
                Timestamp.NewTimestamp(f.VenueNanos ?? f.TimeNanos), Timestamp.NewTimestamp(f.TimeNanos))));
            var last = missing[^1];
            var status = filled == o.Quantity ? RunOrderStatus.Filled : o.Status.IsPlanned ? RunOrderStatus.Working : o.Status;
            var times = status.Equals(o.Status) ? o.StatusTimes
                : ListModule.OfSeq(o.StatusTimes.Append(Tuple.Create(status, Timestamp.NewTimestamp(last.VenueNanos ?? last.TimeNanos), Timestamp.NewTimestamp(last.TimeNanos))));
            return new RunOrder(o.Ref, o.Key, o.Quantity, filled, status, true, o.Reason, o.IbOrderId, o.PermId, ListModule.OfSeq(fills), times);
        });
        return new Run(run.Id, run.SnapshotId, run.SnapshotHash, run.Purpose, run.Status, run.Reasons, run.ClearedAt, ListModule.OfSeq(orders),
            run.Fallback, run.CancelRequestedBy, run.CreatedAt, run.UpdatedAt);
    }

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
