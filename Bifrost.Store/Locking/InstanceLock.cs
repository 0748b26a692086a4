using System.Globalization;
using System.Text;

namespace Bifrost.Store.Locking;

/// <summary>
/// Single-instance lock for a store: an exclusive flock(2) on <c>&lt;db&gt;.lock</c> (what .NET does on Unix for
/// FileShare.None), held for the process lifetime. The kernel drops the lock when the last descriptor closes — so also
/// when the process dies, kill -9 included: no stale-lock cleanup, and `flock(1)` sees the same lock. The file holds the
/// holder's pid so a refused daemon can say who holds it (and `cat` shows it).
/// </summary>
public sealed class InstanceLock : IDisposable
{
    private readonly FileStream _stream;

    private InstanceLock(string lockPath, FileStream stream)
    {
        LockPath = lockPath;
        _stream = stream;
    }

    public string LockPath { get; }

    public static string LockPathFor(string storePath) => storePath + ".lock";

    /// <summary>Takes the lock or throws <see cref="InstanceLockedException"/> naming the holder's pid.</summary>
    public static InstanceLock Acquire(string storePath)
    {
        var lockPath = LockPathFor(storePath);
        var dir = Path.GetDirectoryName(Path.GetFullPath(lockPath));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        FileStream stream;
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            stream = new FileStream(lockPath, options);
        }
        catch (IOException) when (File.Exists(lockPath))
        {
            throw new InstanceLockedException(lockPath, UnlockedRead.Pid(lockPath));
        }
        var pid = Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
        stream.SetLength(0);
        stream.Write(pid);
        stream.Flush();
        return new InstanceLock(lockPath, stream);
    }

    /// <summary>Releases the lock (the file stays; its content is stale and harmless once unlocked).</summary>
    public void Dispose() => _stream.Dispose();
}
