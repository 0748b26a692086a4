namespace Bifrost.Store.Records;

/// <summary>
/// One order the daemon placed, keyed by its deterministic <see cref="OrderRef"/> (e.g. oi_{run}_{i}). Written whole
/// (upsert) when created and when the daemon's view of it changes; <see cref="OrderProgress"/> is the narrow update for
/// broker status callbacks. <see cref="Purpose"/> is e.g. hedge | flatten | rebalance | manual (the History screen counts
/// 'hedge'). <see cref="Filled"/> counts the executions applied; <see cref="ReportedFilled"/> is the highest fill count the
/// broker reported in orderStatus (it can run ahead of the executions, and a restart needs it to see a fill not yet applied).
/// <see cref="CancelRequested"/>: the engine asked for its cancel (a restart sends it again while the order is open).
/// </summary>
public sealed record OrderRecord(
    string OrderRef,
    string? RunId,
    string Purpose,
    long ContractId,
    TradeSide Side,
    double Qty,
    string OrderType,
    double? LimitPrice,
    string Tif,
    string Status,
    long CreatedNanos,
    long UpdatedNanos,
    long? IbOrderId = null,
    long? PermId = null,
    double Filled = 0,
    double? AvgPrice = null,
    string? RejectReason = null,
    double ReportedFilled = 0,
    bool CancelRequested = false);

/// <summary>
/// A status change reported by the broker for an existing order. Null fields leave the stored value unchanged (IB repeats
/// orderStatus with partial information). An update for an unknown orderRef is a no-op.
/// </summary>
public sealed record OrderProgress(
    string OrderRef,
    string Status,
    long UpdatedNanos,
    double? Filled = null,
    double? AvgPrice = null,
    long? IbOrderId = null,
    long? PermId = null,
    string? RejectReason = null,
    double? ReportedFilled = null,
    bool? CancelRequested = null);
