using Bifrost.Store.Files;
using Bifrost.Store.Sqlite;
using Microsoft.Data.Sqlite;

namespace Bifrost.Store.Maintenance;

/// <summary>
/// A consistent copy of the store while the daemon runs, through SQLite's online backup API (a reader in WAL mode: the
/// daemon's writer is never blocked). The copy is created 0600 before SQLite opens it, checked with quick_check, and left
/// in rollback-journal mode as a single self-contained file.
/// </summary>
public static class StoreBackup
{
    /// <summary>Copies <paramref name="storePath"/> to <paramref name="targetPath"/> (which must not exist); returns its size.</summary>
    public static long Run(string storePath, string targetPath)
    {
        // A pipe's open waited for a writer for ever, and a device or an empty file read as an empty store: "done".
        if (RegularFile.Problem(storePath) is { } notAStore) throw new IOException(notAStore);
        if (File.Exists(targetPath) || Directory.Exists(targetPath)) throw new IOException($"'{targetPath}' already exists; choose a new file");
        StoreFile.CreateOwnerOnly(targetPath);
        try
        {
            using (var source = StoreIntegrity.OpenReadOnly(storePath))
            using (var target = StoreIntegrity.OpenWith(targetPath, SqliteOpenMode.ReadWrite))
            {
                source.BackupDatabase(target);
                target.Execute("PRAGMA journal_mode=DELETE;");
            }
            var problem = StoreIntegrity.Problem(targetPath);
            if (problem is not null) throw new IOException($"the copy failed its check: {problem}");
            return new FileInfo(targetPath).Length;
        }
        catch
        {
            File.Delete(targetPath);
            throw;
        }
    }
}
