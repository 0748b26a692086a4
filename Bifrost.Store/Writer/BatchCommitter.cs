using Bifrost.Store.Locking;
using Bifrost.Store.Sqlite;
using Bifrost.Store.Writer.Sql;
using Microsoft.Data.Sqlite;

namespace Bifrost.Store.Writer;

/// <summary>
/// Owns the writer's connection and commits lists of writes, each list in one IMMEDIATE transaction (taking the write
/// lock up front so busy_timeout applies, instead of failing on a lock upgrade). Both the background loop and the
/// synchronous RecordNow path come through here, serialised by one lock.
/// </summary>
internal sealed class BatchCommitter : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly WriteApplier _applier;
    private readonly Lock _lock = new();
    private readonly string _path;
    private readonly (uint Major, uint Minor, ulong Inode)? _fileId;

    public BatchCommitter(SqliteConnection connection, string path)
    {
        _connection = connection;
        _applier = new WriteApplier(connection);
        _path = path;
        _fileId = Native.FileId(path); // the file this connection opened (the writer created it, under the instance lock)
    }

    /// <summary>
    /// Commits all items, or throws with nothing committed. If an item is refused for its own data (a constraint), the
    /// batch is re-applied item by item under savepoints so only the bad items are dropped; they are returned.
    /// </summary>
    public IReadOnlyList<WriteRejection> Commit(IReadOnlyList<StoreWrite> items)
    {
        lock (_lock)
        {
            // The path removed or naming another file: SQLite would commit to the unlinked file without a word, rows no
            // reader or restart sees. Refused like a full disk (kept, retried, WriteFailed): the daemon sends no order.
            if (!Equals(Native.FileId(_path), _fileId))
                throw new IOException($"the store file '{_path}' was removed or replaced while this process had it open; " +
                                      "what is written now would be lost: stop the daemon and put the store back, or restore a backup");
            try
            {
                InTransaction(tx =>
                {
                    foreach (var item in items) _applier.Apply(tx, item);
                });
                return [];
            }
            catch (SqliteException e) when (e.IsItemError())
            {
                return CommitIsolated(items);
            }
        }
    }

    private List<WriteRejection> CommitIsolated(IReadOnlyList<StoreWrite> items)
    {
        var rejected = new List<WriteRejection>();
        InTransaction(tx =>
        {
            foreach (var item in items)
            {
                tx.Save("item");
                try
                {
                    _applier.Apply(tx, item);
                    tx.Release("item");
                }
                catch (SqliteException e) when (e.IsItemError())
                {
                    tx.Rollback("item");
                    tx.Release("item");
                    rejected.Add(new WriteRejection(item, e));
                }
            }
        });
        return rejected;
    }

    private void InTransaction(Action<SqliteTransaction> body)
    {
        var tx = _connection.BeginTransaction(deferred: false);
        try
        {
            body(tx);
            tx.Commit();
        }
        finally
        {
            // SQLite may already have rolled back (SQLITE_FULL, I/O errors); a second rollback failing must not hide
            // the original error.
            try { tx.Dispose(); } catch (SqliteException) { }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _applier.Dispose();
            _connection.Dispose();
        }
    }
}
