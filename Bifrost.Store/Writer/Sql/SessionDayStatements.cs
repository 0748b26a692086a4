using Microsoft.Data.Sqlite;

namespace Bifrost.Store.Writer.Sql;

internal sealed class SessionDayStatements(SqliteConnection c) : IDisposable
{
    private readonly Statement _upsert = new(c, """
        INSERT INTO session_days(day, start_ns, end_ns, zone, has_session) VALUES (@day, @start, @end, @zone, @session)
        ON CONFLICT(day) DO UPDATE SET start_ns = excluded.start_ns, end_ns = excluded.end_ns, zone = excluded.zone,
            has_session = excluded.has_session
        """);

    public void Upsert(SqliteTransaction tx, StoreWrite.SessionDay d) => _upsert.Run(tx, d.Day, d.StartNanos, d.EndNanos, d.Zone, d.HasSession ? 1 : 0);

    public void Dispose() => _upsert.Dispose();
}
