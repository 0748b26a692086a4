using Microsoft.Data.Sqlite;

namespace Bifrost.Store.Writer.Sql;

internal sealed class EngineStateStatements(SqliteConnection c) : IDisposable
{
    private readonly Statement _set = new(c, """
        INSERT INTO engine_state(key, value, updated_ns) VALUES (@key, @value, @time)
        ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_ns = excluded.updated_ns
        """);

    // Monotonic: the stored mark only moves up (compared as integers).
    private readonly Statement _highWater = new(c, $"""
        INSERT INTO engine_state(key, value, updated_ns) VALUES ('{EngineKeys.NextOrderId}', @value, @time)
        ON CONFLICT(key) DO UPDATE SET
            value = MAX(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER)), updated_ns = excluded.updated_ns
        """);

    public void Set(SqliteTransaction tx, string key, string value, long nanos) => _set.Run(tx, key, value, nanos);

    public void RaiseHighWater(SqliteTransaction tx, long next, long nanos) => _highWater.Run(tx, next.ToString(System.Globalization.CultureInfo.InvariantCulture), nanos);

    public void Dispose()
    {
        _set.Dispose();
        _highWater.Dispose();
    }
}
