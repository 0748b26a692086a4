namespace Bifrost.Store.Records;

public enum DeliveryStatus { Sent, Failed }

/// <summary>
/// The notifier's word on one alert and one channel (alert_deliveries, schema v2): sent after <see cref="Attempts"/>
/// tries, or failed with the reason in <see cref="Detail"/>. <see cref="AlertId"/> is 0 when the alert row itself
/// could not be written. Times are wall clock.
/// </summary>
public sealed record AlertDeliveryRecord(long AlertId, string Channel, DeliveryStatus Status, int Attempts, string Detail, long WallNanos)
{
    public long Id { get; init; }
}

/// <summary>
/// Filled with the alerts row id once the writer has inserted it, so a delivery (queued later, applied later by the same
/// single writer) can name its alert without a round trip.
/// </summary>
public sealed class AlertHandle
{
    private long _id;

    public AlertHandle()
    {
    }

    /// <summary>For an alert already in the store (re-sent after a restart).</summary>
    public AlertHandle(long id) => _id = id;

    public long Id
    {
        get => Interlocked.Read(ref _id);
        internal set => Interlocked.Exchange(ref _id, value);
    }
}
