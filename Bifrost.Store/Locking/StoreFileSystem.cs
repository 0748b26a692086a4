namespace Bifrost.Store.Locking;

/// <summary>The store's directory is on a read-only filesystem: the daemon cannot write its lock, journal or store.</summary>
public sealed class StoreReadOnlyException(string path, string detail)
    : Exception($"store.path: '{path}' is on a read-only filesystem ({detail}); the daemon must write its store, journal and lock. " +
                "Remount it read-write or point store.path at a writable filesystem.")
{
    public string StorePath { get; } = path;
}

/// <summary>The store file exists and this process cannot write it (another user's, read-only mode, immutable): SQLite
/// would open it read-only without a word, and the first write would fail the start.</summary>
public sealed class StoreNotWritableException(string path, string detail)
    : Exception($"store.path: '{path}' cannot be written by this process ({detail}); SQLite would open it read-only and the " +
                "daemon could record nothing (no order, fill or halt). Give the daemon's user write access to it (a backup restored " +
                "as root is root's: chown it to the daemon's user) and start again.")
{
    public string StorePath { get; } = path;
}

/// <summary>Tells a read-only filesystem apart from lock contention and other I/O errors.</summary>
public static class StoreFileSystem
{
    /// <summary>errno EROFS on Linux; .NET carries the raw errno as the IOException's HResult on Unix.</summary>
    private const int Erofs = 30;

    public static bool IsReadOnly(IOException e) => !OperatingSystem.IsWindows() && (e.HResult == Erofs || e.Message.Contains("Read-only file system", StringComparison.Ordinal));

    /// <summary>Throws <see cref="StoreReadOnlyException"/> when the store's directory cannot be written because its
    /// filesystem is mounted read-only. Probes by creating (and removing) a 0600 file next to the store.</summary>
    public static void RequireWritable(string storePath)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(storePath));
        if (string.IsNullOrEmpty(dir) || !Directory.Exists(dir)) return; // created later; its own error then
        var probe = Path.Combine(dir, $".bifrost-probe-{Environment.ProcessId}");
        try
        {
            using (Maintenance.OwnerOnlyFile.Open(probe, FileMode.Create, FileAccess.Write, FileShare.None)) { }
            File.Delete(probe);
        }
        catch (IOException e) when (IsReadOnly(e))
        {
            throw new StoreReadOnlyException(storePath, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not read-only: permissions or another I/O error, reported by whatever opens the store next.
        }
    }

    /// <summary>Throws <see cref="StoreNotWritableException"/> when the store file exists and cannot be opened for writing
    /// by this process. Before, the start connected and crashed on its first write (exit 1: restarted into the same crash).</summary>
    public static void RequireWritableStore(string storePath)
    {
        if (!File.Exists(storePath)) return; // a first start creates it
        try
        {
            using (File.OpenHandle(storePath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite)) { }
        }
        catch (Exception e) when (e is UnauthorizedAccessException || e is IOException io && !IsReadOnly(io))
        {
            throw new StoreNotWritableException(storePath, e.Message);
        }
    }
}
