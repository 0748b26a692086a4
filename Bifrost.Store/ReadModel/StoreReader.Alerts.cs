using Bifrost.Store.Control;
using Bifrost.Store.Records;
using Bifrost.Store.Sqlite;

namespace Bifrost.Store.ReadModel;

public sealed partial class StoreReader
{
    /// <summary>Alerts newest first.</summary>
    public IReadOnlyList<AlertRecord> GetAlerts(bool unacknowledgedOnly = false, int limit = 100) =>
        Query($"""
            SELECT id, time_ns, severity, code, message, acknowledged, venue_ns FROM alerts
            {(unacknowledgedOnly ? "WHERE acknowledged = 0" : "")} ORDER BY time_ns DESC, id DESC LIMIT @limit
            """,
            r => new AlertRecord(r.GetInt64(1), EnumText<AlertSeverity>.Parse(r.GetString(2)), r.GetString(3), r.GetString(4))
            {
                Id = r.GetInt64(0),
                Acknowledged = r.GetInt64(5) != 0,
                VenueNanos = r.GetInt64OrNull(6),
            },
            ("@limit", limit));

    /// <summary>Whether the operator acknowledged the alert (false for an id not in the store).</summary>
    public bool IsAlertAcknowledged(long id) =>
        Query("SELECT acknowledged FROM alerts WHERE id = @id", r => r.GetInt64(0) != 0, ("@id", id)).FirstOrDefault();

    /// <summary>Unacknowledged alerts since <paramref name="sinceNanos"/> (wall) with no sent delivery on
    /// <paramref name="channel"/>, oldest first: what a restarted notifier still owes that channel.</summary>
    public IReadOnlyList<AlertRecord> GetAlertsNotSentTo(string channel, long sinceNanos) =>
        Query("""
            SELECT id, time_ns, severity, code, message, acknowledged, venue_ns FROM alerts a
            WHERE a.time_ns >= @since AND a.acknowledged = 0
              AND NOT EXISTS (SELECT 1 FROM alert_deliveries d WHERE d.alert_id = a.id AND d.channel = @channel AND d.status = @sent)
            ORDER BY a.time_ns, a.id
            """,
            r => new AlertRecord(r.GetInt64(1), EnumText<AlertSeverity>.Parse(r.GetString(2)), r.GetString(3), r.GetString(4))
            {
                Id = r.GetInt64(0),
                Acknowledged = r.GetInt64(5) != 0,
                VenueNanos = r.GetInt64OrNull(6),
            },
            ("@channel", channel), ("@since", sinceNanos), ("@sent", EnumText<DeliveryStatus>.ToText(DeliveryStatus.Sent)));

    /// <summary>The notifier's outcomes, newest first; for one alert when <paramref name="alertId"/> is given.</summary>
    public IReadOnlyList<AlertDeliveryRecord> GetAlertDeliveries(long? alertId = null, int limit = 100) =>
        Query($"""
            SELECT id, alert_id, channel, status, attempts, detail, wall_ns FROM alert_deliveries
            {(alertId is null ? "" : "WHERE alert_id = @alert")} ORDER BY id DESC LIMIT @limit
            """,
            r => new AlertDeliveryRecord(r.GetInt64(1), r.GetString(2), EnumText<DeliveryStatus>.Parse(r.GetString(3)), (int)r.GetInt64(4),
                r.GetString(5), r.GetInt64(6))
            {
                Id = r.GetInt64(0),
            },
            ("@alert", alertId), ("@limit", limit));

    /// <summary>A control command and its outcome (the monitor polls this after enqueueing).</summary>
    public ControlCommand? GetControlCommand(long id) =>
        One($"SELECT {ControlRows.Columns} FROM control_queue WHERE id = @id", ControlRows.Read, ("@id", id));

    /// <summary>Recent control commands, newest first.</summary>
    public IReadOnlyList<ControlCommand> ListControlCommands(int limit = 50) =>
        Query($"SELECT {ControlRows.Columns} FROM control_queue ORDER BY id DESC LIMIT @limit", ControlRows.Read, ("@limit", limit));
}
