using System.Collections.Concurrent;
using System.Diagnostics;

namespace Bifrost.Daemon.Tests;

/// <summary>
/// A small tmpfs mounted for one test: a full or read-only filesystem without touching the real disk. It needs root
/// (CI runs the suite as root on a fresh clone, as here): without it, or when mount(8) fails, the test fails saying so,
/// never skips silently. Unmounted on Dispose and, should a test never get there, when the test host exits.
/// </summary>
public sealed class TmpfsMount : IDisposable
{
    private static readonly ConcurrentDictionary<string, TmpfsMount> Mounted = new();

    static TmpfsMount()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var m in Mounted.Values) m.Dispose();
        };
    }

    private TmpfsMount(string path) => Path = path;

    public string Path { get; }

    public static TmpfsMount Create(string parent, string name, int sizeKb)
    {
        if (!Environment.IsPrivilegedProcess)
            throw new InvalidOperationException(
                $"this test needs root: it mounts a {sizeKb} KiB tmpfs (mount -t tmpfs) to fill or write-protect the store's filesystem " +
                $"without touching the real disk; run the tests as root (CI does), user is {Environment.UserName}");
        var path = System.IO.Path.Combine(parent, name + "-mnt");
        Directory.CreateDirectory(path);
        var m = new TmpfsMount(path);
        m.Mount("-t", "tmpfs", "-o", $"size={sizeKb}k,mode=0700", "tmpfs", path);
        Mounted[path] = m;
        return m;
    }

    public void Remount(string mode) => Mount("-o", $"remount,{mode}", Path);

    private void Mount(params string[] args)
    {
        var (code, err) = Run("mount", args);
        if (code != 0)
            throw new InvalidOperationException($"this test needs root and a kernel that lets it mount tmpfs: mount {string.Join(' ', args)} failed ({code}): {err}");
    }

    private static (int Code, string Error) Run(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, err.Trim());
    }

    /// <summary>Writes zeros until the filesystem is full; returns the file to delete to free the space again.</summary>
    public string FillUp()
    {
        var filler = System.IO.Path.Combine(Path, "filler");
        using var f = File.Create(filler);
        var chunk = new byte[64 * 1024];
        try
        {
            while (true) f.Write(chunk);
        }
        catch (IOException)
        {
            // the filesystem is full
        }
        return filler;
    }

    public void Dispose()
    {
        if (!Mounted.TryRemove(Path, out _)) return;
        // Lazy: a daemon that still has a file open there does not keep the mount alive.
        Run("umount", ["-l", Path]);
        try
        {
            Directory.Delete(Path);
        }
        catch (IOException)
        {
        }
    }
}
