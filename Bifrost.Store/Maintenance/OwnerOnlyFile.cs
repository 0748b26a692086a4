namespace Bifrost.Store.Maintenance;

/// <summary>
/// Opens a file that is created with mode 0600 atomically (O_CREAT with the mode, whatever the umask can only narrow
/// it), never created wider and tightened afterwards: the store's sidecars — journal, locks, backups — hold account data.
/// An existing file is tightened to 0600 too, in case it was made by hand.
/// </summary>
public static class OwnerOnlyFile
{
    public const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static FileStream Open(string path, FileMode mode, FileAccess access, FileShare share = FileShare.Read, int bufferSize = 4096)
    {
        var options = new FileStreamOptions { Mode = mode, Access = access, Share = share, BufferSize = bufferSize };
        if (!OperatingSystem.IsWindows() && mode is FileMode.Create or FileMode.CreateNew or FileMode.OpenOrCreate or FileMode.Append)
            options.UnixCreateMode = Mode;
        var stream = new FileStream(path, options);
        if (!OperatingSystem.IsWindows() && File.GetUnixFileMode(stream.SafeFileHandle) != Mode) File.SetUnixFileMode(stream.SafeFileHandle, Mode);
        return stream;
    }

    /// <summary>Replaces the content of a file (creating it 0600).</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        using var f = Open(path, FileMode.Create, FileAccess.Write, FileShare.None);
        f.Write(bytes);
    }
}
