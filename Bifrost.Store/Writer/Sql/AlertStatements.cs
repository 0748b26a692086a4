using Bifrost.Store.Records;
using Microsoft.Data.Sqlite;

namespace Bifrost.Store.Writer.Sql;

internal sealed class AlertStatements(SqliteConnection c) : IDisposable
{
    private readonly Statement _insert = new(c,
        "INSERT INTO alerts(time_ns, severity, code, message) VALUES (@time, @severity, @code, @message)");

    private readonly Statement _ack = new(c, "UPDATE alerts SET acknowledged = 1 WHERE id = @id");

    public void Insert(SqliteTransaction tx, AlertRecord a) => _insert.Run(tx, a.TimeNanos, Columns.Text(a.Severity), a.Code, a.Message);

    public void Acknowledge(SqliteTransaction tx, long id) => _ack.Run(tx, id);

    public void Dispose()
    {
        _insert.Dispose();
        _ack.Dispose();
    }
}
