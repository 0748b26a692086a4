namespace Bifrost.Store.Records;

/// <summary>
/// One execution, keyed by IB's execId (unique): a repeated execDetails for the same execId is ignored, never an error.
/// <see cref="Commission"/> is null until the commissionReport arrives (then written with a FillCommission write).
/// <see cref="OrderRef"/> may name an order not in the orders table (manual orders from another client).
/// </summary>
public sealed record FillRecord(
    string ExecId,
    string? OrderRef,
    long ContractId,
    TradeSide Side,
    double Qty,
    double Price,
    long TimeNanos,
    double? Commission = null,
    long? PermId = null)
{
    /// <summary>Venue time (engine clock); <see cref="TimeNanos"/> is the receive (wall) time. Null when unknown.</summary>
    public long? VenueNanos { get; init; }

    /// <summary>IB's client id of the execution (schema 11; null on rows from before).</summary>
    public int? ClientId { get; init; }

    /// <summary>The daemon's own client id when it recorded the fill: another client's fill of our ref was refused
    /// live, and a restart refuses it again (schema 11; null on rows from before, and in a backtest).</summary>
    public int? EngineClientId { get; init; }
}
