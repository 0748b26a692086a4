using Bifrost.Store.Records;

namespace Bifrost.Store.Writer;

// Typed shorthands for TryEnqueue: each returns false if the queue is full.
public sealed partial class StoreWriter
{
    public bool Record(OperationRecord operation) => TryEnqueue(new StoreWrite.Operation(operation));

    public bool UpsertOrder(OrderRecord order) => TryEnqueue(new StoreWrite.Order(order));

    public bool UpdateOrder(OrderProgress progress) => TryEnqueue(new StoreWrite.OrderUpdate(progress));

    public bool AddFill(FillRecord fill) => TryEnqueue(new StoreWrite.Fill(fill));

    public bool SetFillCommission(string execId, double commission) => TryEnqueue(new StoreWrite.FillCommission(execId, commission));

    public bool RaiseAlert(AlertRecord alert, AlertHandle? handle = null) => TryEnqueue(new StoreWrite.Alert(alert) { Handle = handle });

    public bool RecordDelivery(AlertHandle alert, AlertDeliveryRecord delivery) => TryEnqueue(new StoreWrite.AlertDelivered(alert, delivery));

    public bool AcknowledgeAlert(long alertId) => TryEnqueue(new StoreWrite.AlertAcknowledged(alertId));

    public bool SetStatus(StatusSnapshot status) => TryEnqueue(new StoreWrite.Status(status));

    public bool Heartbeat(long timeNanos) => TryEnqueue(new StoreWrite.Heartbeat(timeNanos));

    public bool AppendHistory(StatusSnapshot status) => TryEnqueue(new StoreWrite.History(status));

    public bool StartRun(RunRecord run) => TryEnqueue(new StoreWrite.RunStarted(run));

    public bool EndRun(string runId, long endedNanos, string? summaryJson = null, IReadOnlyDictionary<string, long>? guardBlocks = null) =>
        TryEnqueue(new StoreWrite.RunEnded(runId, endedNanos, summaryJson, guardBlocks ?? new Dictionary<string, long>()));

    public bool RecordRunMetrics(RunMetrics metrics) => TryEnqueue(new StoreWrite.RunResult(metrics));

    public bool SetEngineState(string key, string value, long timeNanos) => TryEnqueue(new StoreWrite.EngineState(key, value, timeNanos));

    public bool RecordPortfolioSnapshot(PortfolioSnapshotRecord snapshot) => TryEnqueue(new StoreWrite.PortfolioSnapshot(snapshot));

    public bool RecordPortfolioRun(PortfolioRunRecord run) => TryEnqueue(new StoreWrite.PortfolioRun(run));

    public bool SetPortfolioSchedule(string name, long handledThroughNanos) => TryEnqueue(new StoreWrite.PortfolioSchedule(name, handledThroughNanos));
}
