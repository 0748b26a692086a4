using Bifrost.Store.Locking;
using Bifrost.Store.Sqlite;

namespace Bifrost.Store.Maintenance;

/// <summary>
/// Puts a backup in the store's place, the daemon stopped (its instance lock is held throughout). A store is its main
/// file and its <c>-wal</c>: a WAL left beside it (kill -9, or a console's open connection that kept the daemon's close
/// from checkpointing) holds committed pages SQLite replays over whatever main file it finds at that path, so a backup
/// copied over the main file alone came back mixed with the replaced store's newer pages. The replaced store is moved
/// aside whole (main file, -wal, -shm, as <c>&lt;store&gt;.replaced-&lt;UTC time&gt;</c>: still a readable store), and the
/// backup is copied beside it (SQLite's backup API, 0600, checked) and renamed into place, so the path never holds a
/// half-written file. The order journal stays: the next start merges the orders sent since the backup.
/// </summary>
public static class BackupRestore
{
    private static readonly string[] Sidecars = ["-wal", "-shm"];

    /// <summary>What the restore did: where the replaced store was kept (null when there was none) and the new size.</summary>
    public sealed record Report(string? ReplacedKeptAs, long Bytes);

    public static Report Run(string backupPath, string configuredPath, DateTime? nowUtc = null)
    {
        using var daemonStopped = InstanceLock.Acquire(configuredPath); // InstanceLockedException names the running daemon
        // store.path through a symlink: the store (and SQLite's -wal) live at the link's target; the link stays a link.
        var storePath = RealPath.Of(configuredPath);
        var staging = storePath + ".restoring";
        if (File.Exists(staging)) File.Delete(staging); // a restore cut short: a partial copy, never a store
        var bytes = StoreBackup.Run(backupPath, staging);
        try
        {
            RequireBifrostStore(backupPath, staging);
        }
        catch
        {
            File.Delete(staging);
            throw;
        }
        string? aside = null;
        if (File.Exists(storePath))
        {
            aside = $"{storePath}.replaced-{nowUtc ?? DateTime.UtcNow:yyyyMMdd'T'HHmmss'Z'}";
            if (File.Exists(aside)) throw new IOException($"'{aside}' already exists; try again in a second");
            // The main file first: a connection opened meanwhile finds no store rather than the old -wal beside the new file.
            File.Move(storePath, aside);
            foreach (var suffix in Sidecars)
                if (File.Exists(storePath + suffix)) File.Move(storePath + suffix, aside + suffix);
        }
        File.Move(staging, storePath);
        return new Report(aside, bytes);
    }

    private static void RequireBifrostStore(string backupPath, string copy)
    {
        using var c = StoreIntegrity.OpenReadOnly(copy);
        var version = (int)c.ScalarLong("PRAGMA user_version;");
        if (version == 0) throw new IOException($"'{backupPath}' is a SQLite file but no Bifrost store (schema version 0)");
        if (version > Schema.Migrations.Latest)
            throw new StoreSchemaException(backupPath, version, Schema.Migrations.Latest, "Restore it with the Bifrost that wrote it (refusing to downgrade it).");
    }
}
