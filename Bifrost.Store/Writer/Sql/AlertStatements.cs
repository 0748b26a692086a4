using Bifrost.Store.Records;
using Microsoft.Data.Sqlite;

namespace Bifrost.Store.Writer.Sql;

internal sealed class AlertStatements(SqliteConnection c) : IDisposable
{
    private readonly Statement _insert = new(c,
        "INSERT INTO alerts(time_ns, venue_ns, severity, code, message) VALUES (@time, @venue, @severity, @code, @message)");

    private readonly Statement _delivery = new(c, """
        INSERT INTO alert_deliveries(alert_id, channel, status, attempts, detail, wall_ns)
        VALUES (@alert, @channel, @status, @attempts, @detail, @wall)
        """);

    private readonly Statement _ack = new(c, "UPDATE alerts SET acknowledged = 1 WHERE id = @id");

    public void Insert(SqliteTransaction tx, AlertRecord a, AlertHandle? handle)
    {
        _insert.Run(tx, a.TimeNanos, a.VenueNanos, Columns.Text(a.Severity), a.Code, a.Message);
        if (handle is not null) handle.Id = _insert.LastInsertRowId;
    }

    public void Delivered(SqliteTransaction tx, AlertHandle alert, AlertDeliveryRecord d) =>
        _delivery.Run(tx, d.AlertId != 0 ? d.AlertId : alert.Id, d.Channel, Columns.Text(d.Status), d.Attempts, d.Detail, d.WallNanos);

    public void Acknowledge(SqliteTransaction tx, long id) => _ack.Run(tx, id);

    public void Dispose()
    {
        _insert.Dispose();
        _ack.Dispose();
        _delivery.Dispose();
    }
}
