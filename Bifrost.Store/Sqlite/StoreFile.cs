namespace Bifrost.Store.Sqlite;

/// <summary>
/// Creates the database file ourselves, with mode 0600, before SQLite opens it: SQLite would create it with the process
/// umask (often 0644), and the store holds positions and account data. SQLite gives the -wal and -shm files the mode of
/// the database file, so they are 0600 too; <see cref="RestrictSidecars"/> re-checks after open.
/// </summary>
internal static class StoreFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void EnsureCreated(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        try
        {
            // CreateNew + UnixCreateMode: the file never exists with a wider mode, not even for a moment.
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) create.UnixCreateMode = OwnerOnly;
            using var _ = new FileStream(path, create);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Already there (created earlier or by another writer). Tighten it in case it was made by hand.
        }
        Restrict(path);
    }

    /// <summary>Creates a new, empty file with mode 0600 (fails if it exists).</summary>
    public static void CreateOwnerOnly(string path)
    {
        using var _ = Maintenance.OwnerOnlyFile.Open(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
    }

    public static void RestrictSidecars(string path)
    {
        foreach (var suffix in new[] { "-wal", "-shm" })
            if (File.Exists(path + suffix)) Restrict(path + suffix);
    }

    private static void Restrict(string path)
    {
        if (OperatingSystem.IsWindows()) return;
        if (File.GetUnixFileMode(path) != OwnerOnly) File.SetUnixFileMode(path, OwnerOnly);
    }
}
