namespace Bifrost.Store.Records;

/// <summary>An alert for the operator. <see cref="Code"/> is stable (e.g. STORE_WRITE_FAILED); the message is for humans.</summary>
public sealed record AlertRecord(long TimeNanos, AlertSeverity Severity, string Code, string Message)
{
    public long Id { get; init; }

    public bool Acknowledged { get; init; }

    /// <summary>Venue time (engine clock); <see cref="TimeNanos"/> is the receive (wall) time. Null when unknown.</summary>
    public long? VenueNanos { get; init; }
}
