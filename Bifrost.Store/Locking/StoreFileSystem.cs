namespace Bifrost.Store.Locking;

/// <summary>The store's directory is on a read-only filesystem: the daemon cannot write its lock, journal or store.</summary>
public sealed class StoreReadOnlyException(string path, string detail)
    : Exception($"store.path: '{path}' is on a read-only filesystem ({detail}); the daemon must write its store, journal and lock. " +
                "Remount it read-write or point store.path at a writable filesystem.")
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
}
