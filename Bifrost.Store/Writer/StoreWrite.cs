using Bifrost.Store.Records;

namespace Bifrost.Store.Writer;

/// <summary>
/// Everything the writer can record, as one closed union: the queue carries these, a batch applies them in order in
/// one transaction. The private constructor keeps the set closed (the applier's switch is exhaustive).
/// </summary>
public abstract record StoreWrite
{
    private StoreWrite() { }

    /// <summary>Append one row to the operations log.</summary>
    public sealed record Operation(OperationRecord Record) : StoreWrite;

    /// <summary>Insert or replace an order by orderRef (created time is kept from the first write).</summary>
    public sealed record Order(OrderRecord Record) : StoreWrite;

    /// <summary>Apply a broker status change to an existing order.</summary>
    public sealed record OrderUpdate(OrderProgress Progress) : StoreWrite;

    /// <summary>Insert a fill; a fill whose execId is already stored is ignored.</summary>
    public sealed record Fill(FillRecord Record) : StoreWrite;

    /// <summary>Set the commission of a stored fill when IB's commissionReport arrives.</summary>
    public sealed record FillCommission(string ExecId, double Commission) : StoreWrite;

    /// <summary>Insert an alert; <see cref="Handle"/>, when given, receives the row id.</summary>
    public sealed record Alert(AlertRecord Record) : StoreWrite
    {
        public AlertHandle? Handle { get; init; }
    }

    /// <summary>Record the notifier's outcome for an alert (its id taken from the handle, filled by the alert's insert).</summary>
    public sealed record AlertDelivered(AlertHandle Handle, AlertDeliveryRecord Delivery) : StoreWrite;

    public sealed record AlertAcknowledged(long AlertId) : StoreWrite;

    /// <summary>Replace the current status row.</summary>
    public sealed record Status(StatusSnapshot Snapshot) : StoreWrite;

    /// <summary>Touch only the heartbeat of the current status row (cheap, every timer tick).</summary>
    public sealed record Heartbeat(long TimeNanos) : StoreWrite;

    /// <summary>Append a snapshot to status_history.</summary>
    public sealed record History(StatusSnapshot Snapshot) : StoreWrite;

    /// <summary>Record a run's start; starting a run id that exists is a no-op (restart-safe).</summary>
    public sealed record RunStarted(RunRecord Run) : StoreWrite;

    /// <summary>Close a run with its summary and guard-block counts by reason.</summary>
    public sealed record RunEnded(string RunId, long EndedNanos, string? SummaryJson, IReadOnlyDictionary<string, long> GuardBlocks)
        : StoreWrite;

    /// <summary>Insert or replace a run's result metrics (the run must have been started).</summary>
    public sealed record RunResult(RunMetrics Metrics) : StoreWrite;

    public sealed record EngineState(string Key, string Value, long TimeNanos) : StoreWrite;

    /// <summary>
    /// Raise the persisted next-order-id high-water mark; it never goes down, so a stale or reordered write cannot
    /// make the daemon reuse an IB order id after a restart.
    /// </summary>
    public sealed record OrderIdHighWater(long NextOrderId, long TimeNanos) : StoreWrite;

    /// <summary>
    /// Label an exchange session day: instants in [start, end) belong to <paramref name="Day"/> (yyyy-MM-dd, the local
    /// date in the calendar's zone). The daily views group by it; SQLite knows no time zones. <paramref name="HasSession"/>
    /// false: a weekend or a holiday, which the statistics leave out.
    /// </summary>
    public sealed record SessionDay(string Day, long StartNanos, long EndNanos, string Zone, bool HasSession = true) : StoreWrite;
    /// <summary>Insert a frozen portfolio snapshot with its lines; a snapshot id stored already is left as it is.</summary>
    public sealed record PortfolioSnapshot(PortfolioSnapshotRecord Record) : StoreWrite;

    /// <summary>Insert or update a portfolio run and its orders.</summary>
    public sealed record PortfolioRun(PortfolioRunRecord Record) : StoreWrite;

    /// <summary>Set a portfolio schedule's handled-through instant (upsert by name; the newest write wins).</summary>
    public sealed record PortfolioSchedule(string Name, long HandledThroughNanos) : StoreWrite;

    /// <summary>Completes when everything queued before it is committed.</summary>
    internal sealed record FlushMarker(TaskCompletionSource Done) : StoreWrite;
}
