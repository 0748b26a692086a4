using Bifrost.Store.Locking;
using Bifrost.Store.Sqlite;
using Microsoft.Data.Sqlite;

namespace Bifrost.Store.ReadModel;

/// <summary>
/// Read-only view of the store for the monitor (and tests, and the simulator's reports). Opens with Mode=ReadOnly: in
/// WAL mode a reader never blocks the daemon's writer nor waits for it; each query is its own short read transaction,
/// so checkpoints are not held back. A locked or vanished store surfaces as <see cref="StoreUnavailableException"/>
/// (after busy_timeout), which the monitor shows and retries. Not thread-safe: one reader per thread.
/// </summary>
public sealed partial class StoreReader : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly (uint Major, uint Minor, ulong Inode)? _fileId;

    private StoreReader(string path, SqliteConnection connection, (uint, uint, ulong)? fileId)
    {
        Path = path;
        _connection = connection;
        _fileId = fileId;
    }

    public string Path { get; }

    /// <summary>Opens an existing store read-only; <see cref="StoreUnavailableException"/> if missing or not initialised.</summary>
    public static StoreReader Open(string path, StoreOptions? options = null)
    {
        var fileId = Native.FileId(path); // before the open: a file replaced in between reads as replaced
        return new(path, StoreConnection.OpenExisting(path, SqliteOpenMode.ReadOnly, options ?? new StoreOptions()), fileId);
    }

    /// <summary>The path now names another file, or none (a backup restored): this connection still reads the old one.</summary>
    public bool FileReplaced => !Equals(Native.FileId(Path), _fileId);

    private List<T> Query<T>(string sql, Func<SqliteDataReader, T> map, params (string Name, object? Value)[] parameters)
    {
        try
        {
            using var cmd = _connection.Command(sql, parameters);
            using var r = cmd.ExecuteReader();
            var rows = new List<T>();
            while (r.Read()) rows.Add(map(r));
            return rows;
        }
        catch (SqliteException e) when (IsUnavailable(e))
        {
            throw new StoreUnavailableException(Path, e.Message, e);
        }
    }

    private T? One<T>(string sql, Func<SqliteDataReader, T> map, params (string Name, object? Value)[] parameters) where T : class =>
        Query(sql, map, parameters).FirstOrDefault();

    // BUSY, LOCKED, CANTOPEN, IOERR, CORRUPT, NOTADB: the store's state, not the query, is the problem.
    private static bool IsUnavailable(SqliteException e) => e.SqliteErrorCode is 5 or 6 or 14 or 10 or 11 or 26;

    public void Dispose() => _connection.Dispose();
}
