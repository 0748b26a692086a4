using Bifrost.Store.Locking;
using Bifrost.Store.Records;
using Bifrost.Store.Sqlite;
using Microsoft.Data.Sqlite;

namespace Bifrost.Store.Control;

/// <summary>
/// The control channel between monitor and daemon, on its own small read-write connection that touches only
/// control_queue. The monitor <see cref="Enqueue"/>s; the daemon <see cref="TryClaimNext"/>s — one UPDATE … RETURNING in
/// an IMMEDIATE transaction moves the oldest pending command to 'taken', so two claimers can never take the same one —
/// and writes the outcome back with <see cref="Complete"/>. Never creates or migrates the store (the daemon's writer does).
/// Not thread-safe: one instance per thread.
/// </summary>
public sealed class ControlQueue : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly (uint Major, uint Minor, ulong Inode)? _fileId;

    private ControlQueue(string path, SqliteConnection connection, (uint, uint, ulong)? fileId)
    {
        Path = path;
        _connection = connection;
        _fileId = fileId;
    }

    public string Path { get; }

    /// <summary>Opens an existing store; <see cref="StoreUnavailableException"/> if it is missing or not initialised.</summary>
    public static ControlQueue Open(string path, StoreOptions? options = null)
    {
        // Taken before the open: a file replaced in between reads as replaced later (one reopen too many, never one too few).
        var fileId = Native.FileId(path);
        return new(path, StoreConnection.OpenExisting(path, SqliteOpenMode.ReadWrite, options ?? new StoreOptions()), fileId);
    }

    /// <summary>
    /// The path now names another file, or none: a backup restored, the store moved. The connection stays on the file it
    /// opened, so what is enqueued here would go where no daemon reads it; a long-lived sender reopens first.
    /// </summary>
    public bool FileReplaced => !Equals(Native.FileId(Path), _fileId);

    /// <summary>Monitor side: queues a command and returns its id (to poll its outcome with <see cref="Get"/>).</summary>
    public long Enqueue(ControlCommandKind command, string argumentsJson, string requestedBy)
    {
        using var cmd = _connection.Command(
            "INSERT INTO control_queue(created_ns, command, args_json, requested_by, os_user) VALUES (@t, @c, @a, @by, @os) RETURNING id",
            ("@t", UnixNanos.Now()), ("@c", EnumText<ControlCommandKind>.ToText(command)),
            ("@a", string.IsNullOrWhiteSpace(argumentsJson) ? "{}" : argumentsJson), ("@by", requestedBy), ("@os", Environment.UserName));
        return Convert.ToInt64(cmd.ExecuteScalar());
    }

    /// <summary>Daemon side: claims the oldest pending command (exactly once across all claimers), or null if none.</summary>
    public ControlCommand? TryClaimNext()
    {
        using var tx = _connection.BeginTransaction(deferred: false);
        using var cmd = _connection.Command($"""
            UPDATE control_queue SET status = 'taken', taken_ns = @t
            WHERE id = (SELECT id FROM control_queue WHERE status = 'pending' ORDER BY id LIMIT 1)
            RETURNING {ControlRows.Columns}
            """, ("@t", UnixNanos.Now()));
        cmd.Transaction = tx;
        ControlCommand? claimed = null;
        using (var r = cmd.ExecuteReader())
            if (r.Read()) claimed = ControlRows.Read(r);
        tx.Commit();
        return claimed;
    }

    /// <summary>Daemon side: writes the outcome of a command it claimed. False if the id is not a taken command.</summary>
    public bool Complete(long id, ControlOutcome outcome, string result)
    {
        using var cmd = _connection.Command("""
            UPDATE control_queue SET status = @s, result = @r, completed_ns = @t WHERE id = @id AND status = 'taken'
            """,
            ("@s", outcome == ControlOutcome.Done ? "done" : "refused"), ("@r", result), ("@t", UnixNanos.Now()), ("@id", id));
        return cmd.ExecuteNonQuery() == 1;
    }

    /// <summary>
    /// Monitor side: withdraws a command no daemon has taken yet (refused with <paramref name="result"/>), so a late daemon
    /// cannot run it after its writer gave up on it. False if it was taken (or finished) meanwhile.
    /// </summary>
    public bool Withdraw(long id, string result)
    {
        using var cmd = _connection.Command(
            "UPDATE control_queue SET status = 'refused', result = @r, completed_ns = @t WHERE id = @id AND status = 'pending'",
            ("@r", result), ("@t", UnixNanos.Now()), ("@id", id));
        return cmd.ExecuteNonQuery() == 1;
    }

    /// <summary>Daemon startup: the commands a previous (killed) daemon took and never answered, oldest first. Each is
    /// answered by what it did (ControlWorker.ResolveAbandoned), never re-run: a half-done flatten or manual order must
    /// not execute twice.</summary>
    public IReadOnlyList<ControlCommand> Taken()
    {
        using var cmd = _connection.Command($"SELECT {ControlRows.Columns} FROM control_queue WHERE status = 'taken' ORDER BY id");
        using var r = cmd.ExecuteReader();
        var taken = new List<ControlCommand>();
        while (r.Read()) taken.Add(ControlRows.Read(r));
        return taken;
    }

    public ControlCommand? Get(long id)
    {
        using var cmd = _connection.Command($"SELECT {ControlRows.Columns} FROM control_queue WHERE id = @id", ("@id", id));
        using var r = cmd.ExecuteReader();
        return r.Read() ? ControlRows.Read(r) : null;
    }

    public void Dispose() => _connection.Dispose();
}
