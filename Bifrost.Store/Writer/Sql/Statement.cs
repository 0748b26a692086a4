using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Bifrost.Store.Writer.Sql;

/// <summary>
/// A prepared statement on the writer's connection, bound and stepped through SQLitePCL.raw directly. The batch path
/// runs one of these per item; going through SqliteCommand costs a data reader and parameter inspection per row, which
/// was the largest cost of a write (measured by StoreWriterBenchmarks). It runs inside the transaction the connection
/// has open (SqliteConnection.BeginTransaction), and SQLite re-prepares it by itself after a schema change.
/// Values are bound by position of first appearance of each @name in the SQL.
/// </summary>
internal sealed partial class Statement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _stmt;
    private readonly int[] _indexes;
    private readonly string _sql;

    public Statement(SqliteConnection connection, string sql)
    {
        _sql = sql;
        _db = connection.Handle ?? throw new InvalidOperationException("the connection is not open");
        Check(raw.sqlite3_prepare_v2(_db, sql, out _stmt));
        _indexes = ParameterName().Matches(sql).Select(m => m.Value).Distinct()
            .Select(name => raw.sqlite3_bind_parameter_index(_stmt, name)).ToArray();
    }

    /// <summary>Runs once with these values; returns rows changed. The transaction is implied by the connection.</summary>
    public int Run(SqliteTransaction tx, params object?[] values)
    {
        _ = tx; // documents the requirement: callers hold the connection's open transaction
        if (values.Length != _indexes.Length)
            throw new ArgumentException($"expected {_indexes.Length} values, got {values.Length}: {_sql}");
        try
        {
            for (var i = 0; i < values.Length; i++) Check(Bind(_indexes[i], values[i]));
            var rc = raw.sqlite3_step(_stmt);
            if (rc != raw.SQLITE_DONE && rc != raw.SQLITE_ROW) Check(rc);
            return raw.sqlite3_changes(_db);
        }
        finally
        {
            raw.sqlite3_reset(_stmt);
            raw.sqlite3_clear_bindings(_stmt);
        }
    }

    /// <summary>The rowid of the last row inserted on this connection (read right after <see cref="Run"/>).</summary>
    public long LastInsertRowId => raw.sqlite3_last_insert_rowid(_db);

    private int Bind(int index, object? value) => value switch
    {
        null => raw.sqlite3_bind_null(_stmt, index),
        long v => raw.sqlite3_bind_int64(_stmt, index, v),
        int v => raw.sqlite3_bind_int64(_stmt, index, v),
        bool v => raw.sqlite3_bind_int64(_stmt, index, v ? 1 : 0),
        double v => raw.sqlite3_bind_double(_stmt, index, v),
        string v => raw.sqlite3_bind_text(_stmt, index, v),
        _ => throw new ArgumentException($"cannot bind {value.GetType().Name}"),
    };

    // Error codes and messages as Microsoft.Data.Sqlite reports them, so callers handle one exception type.
    private void Check(int rc)
    {
        if (rc == raw.SQLITE_OK) return;
        var message = raw.sqlite3_errmsg(_db).utf8_to_string();
        throw new SqliteException($"SQLite Error {rc}: '{message}'.", rc, raw.sqlite3_extended_errcode(_db));
    }

    public void Dispose() => _stmt.Dispose();

    [GeneratedRegex(@"@\w+")]
    private static partial Regex ParameterName();
}
