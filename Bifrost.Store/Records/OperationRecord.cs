namespace Bifrost.Store.Records;

/// <summary>
/// One row of the operations log (R-M4): every intent, order sent, status change, fill, cancel, reject, control, guard block,
/// alert… <see cref="Detail"/> carries the state/reason that triggered it (free text or JSON). <see cref="Id"/> is assigned
/// by the store and is 0 on records not yet read back. <see cref="TimeNanos"/> is the receive (wall) time,
/// <see cref="VenueNanos"/> the venue (engine) time, null when unknown (schema v4).
/// </summary>
public sealed record OperationRecord(
    long TimeNanos,
    OperationKind Kind,
    string? RunId = null,
    string? OrderRef = null,
    long? ContractId = null,
    TradeSide? Side = null,
    double? Qty = null,
    double? Price = null,
    string? Detail = null)
{
    public long Id { get; init; }

    /// <summary>Venue time (the engine's clock: the broker's under daemon.clock=broker); null when that clock was not set.</summary>
    public long? VenueNanos { get; init; }
}
