using System.Text;

namespace Bifrost.Store.Locking;

/// <summary>
/// An exclusive flock(2) on a lock file (what .NET does on Unix for FileShare.None), held for the process lifetime. The
/// kernel drops it when the last descriptor closes — so also when the process dies, kill -9 included: no stale-lock
/// cleanup, and `flock(1)` sees the same lock. The file holds a few "key: value" lines about the holder (pid, store,
/// account) so a refused process can say who holds it; the pid named is the one the kernel reports as the holder
/// (<see cref="LockHolder"/>), never a stale one from the file.
/// </summary>
public sealed class LockFile : IDisposable
{
    private readonly FileStream _stream;

    private LockFile(string path, FileStream stream)
    {
        Path = path;
        _stream = stream;
    }

    public string Path { get; }

    /// <summary>Takes the lock or throws <see cref="InstanceLockedException"/> describing the live holder.</summary>
    /// <param name="what">What the lock protects, for the refusal ("this store", "account DU123 on this host").</param>
    public static LockFile Acquire(string path, IReadOnlyDictionary<string, string> holder, string what)
    {
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir) && !Directory.Exists(dir))
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(dir);
            else Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        FileStream stream;
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            stream = new FileStream(path, options);
        }
        catch (IOException e) when (File.Exists(path))
        {
            var (pid, fields, known) = LockHolder.Find(path);
            // Nobody holds it (a read-only filesystem, a full disk…): say what is wrong, never "locked by" a stale pid.
            if (pid is null && known) throw new IOException($"cannot open the lock file '{path}': {e.Message}", e);
            throw new InstanceLockedException(path, pid, pid is null ? null : fields.GetValueOrDefault("store"), what);
        }
        var text = new StringBuilder().Append($"pid: {Environment.ProcessId}\n");
        foreach (var (k, v) in holder) text.Append($"{k}: {v.ReplaceLineEndings(" ")}\n");
        stream.SetLength(0);
        stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
        stream.Flush();
        return new LockFile(path, stream);
    }

    /// <summary>Releases the lock (the file stays; its content is stale and harmless once unlocked).</summary>
    public void Dispose() => _stream.Dispose();
}
