using Bifrost.Store.Control;
using Bifrost.Store.Records;
using Bifrost.Store.Sqlite;

namespace Bifrost.Store.ReadModel;

public sealed partial class StoreReader
{
    /// <summary>Alerts newest first.</summary>
    public IReadOnlyList<AlertRecord> GetAlerts(bool unacknowledgedOnly = false, int limit = 100) =>
        Query($"""
            SELECT id, time_ns, severity, code, message, acknowledged FROM alerts
            {(unacknowledgedOnly ? "WHERE acknowledged = 0" : "")} ORDER BY time_ns DESC, id DESC LIMIT @limit
            """,
            r => new AlertRecord(r.GetInt64(1), EnumText<AlertSeverity>.Parse(r.GetString(2)), r.GetString(3), r.GetString(4))
            {
                Id = r.GetInt64(0),
                Acknowledged = r.GetInt64(5) != 0,
            },
            ("@limit", limit));

    /// <summary>A control command and its outcome (the monitor polls this after enqueueing).</summary>
    public ControlCommand? GetControlCommand(long id) =>
        One($"SELECT {ControlRows.Columns} FROM control_queue WHERE id = @id", ControlRows.Read, ("@id", id));

    /// <summary>Recent control commands, newest first.</summary>
    public IReadOnlyList<ControlCommand> ListControlCommands(int limit = 50) =>
        Query($"SELECT {ControlRows.Columns} FROM control_queue ORDER BY id DESC LIMIT @limit", ControlRows.Read, ("@limit", limit));
}
