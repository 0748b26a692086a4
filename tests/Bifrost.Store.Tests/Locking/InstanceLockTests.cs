using System.Diagnostics;
using Bifrost.Store.Locking;
using Bifrost.Store.Tests.Support;

namespace Bifrost.Store.Tests.Locking;

public sealed class InstanceLockTests : IDisposable
{
    private readonly TempStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public void SecondDaemonOnTheSameStore_IsRefusedWithAMessageNamingTheHolderPid()
    {
        using var first = InstanceLock.Acquire(_store.Path);

        var e = Assert.Throws<InstanceLockedException>(() => InstanceLock.Acquire(_store.Path));

        Assert.Equal(Environment.ProcessId, e.HolderPid);
        Assert.Contains($"pid {Environment.ProcessId}", e.Message);
        Assert.Contains(first.LockPath, e.Message);
    }

    [Fact]
    public void ReleasedLock_CanBeTakenAgain()
    {
        InstanceLock.Acquire(_store.Path).Dispose();
        using var again = InstanceLock.Acquire(_store.Path);
        Assert.True(File.Exists(again.LockPath));
    }

    [Fact]
    public void TheLockIsARealFlock_VisibleToFlock1()
    {
        using (InstanceLock.Acquire(_store.Path))
            Assert.Equal(1, Flock1(InstanceLock.LockPathFor(_store.Path))); // busy
        Assert.Equal(0, Flock1(InstanceLock.LockPathFor(_store.Path)));     // free
    }

    [Fact]
    public void LockHeldByAProcessKilledWithSigkill_IsReleasedByTheKernel()
    {
        using var child = ChildProcess.Start("child-lock", _store.Path);
        child.WaitForLine(l => l.StartsWith("locked", StringComparison.Ordinal), TimeSpan.FromSeconds(60));

        var refused = Assert.Throws<InstanceLockedException>(() => InstanceLock.Acquire(_store.Path));
        Assert.Equal(child.Pid, refused.HolderPid);

        child.KillHard();

        using var mine = InstanceLock.Acquire(_store.Path); // no stale lock to clean up
    }

    // flock -n <file> true: exit 0 if the lock was free, 1 if another process holds it.
    private static int Flock1(string path)
    {
        using var p = Process.Start(new ProcessStartInfo("flock", ["-n", path, "true"]))!;
        p.WaitForExit();
        return p.ExitCode;
    }
}
