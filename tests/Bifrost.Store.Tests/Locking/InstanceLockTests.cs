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
        Assert.Contains(first.Path, e.Message);
    }

    [Fact]
    public void ReleasedLock_CanBeTakenAgain()
    {
        InstanceLock.Acquire(_store.Path).Dispose();
        using var again = InstanceLock.Acquire(_store.Path);
        Assert.True(File.Exists(again.Path));
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

    [Fact]
    public void SameStoreThroughASymlinkedDirectory_IsTheSameLock()
    {
        var link = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"bifrost-link-{Guid.NewGuid():N}");
        Directory.CreateSymbolicLink(link, System.IO.Path.GetDirectoryName(_store.Path)!);
        try
        {
            var viaLink = System.IO.Path.Combine(link, System.IO.Path.GetFileName(_store.Path));
            Assert.Equal(InstanceLock.LockPathFor(_store.Path), InstanceLock.LockPathFor(viaLink));
            using var first = InstanceLock.Acquire(_store.Path);
            var e = Assert.Throws<InstanceLockedException>(() => InstanceLock.Acquire(viaLink));
            Assert.Equal(Environment.ProcessId, e.HolderPid);
            Assert.Equal(RealPath.Of(_store.Path), e.HolderStore);
        }
        finally
        {
            Directory.Delete(link);
        }
    }

    [Fact]
    public void SymlinkedStoreFile_IsTheSameLockAsItsTarget()
    {
        var link = _store.Path + "-link.db";
        File.WriteAllBytes(_store.Path, []);
        File.CreateSymbolicLink(link, _store.Path);
        using var first = InstanceLock.Acquire(_store.Path);
        Assert.Throws<InstanceLockedException>(() => InstanceLock.Acquire(link));
    }

    [Fact]
    public void AccountLock_SecondHolderOfTheSameAccount_IsRefusedNamingPidAndStore_OtherAccountsAreFree()
    {
        var dir = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(_store.Path)!, "locks");
        using var first = AccountLock.Acquire(dir, "DU1234567", _store.Path);
        var e = Assert.Throws<InstanceLockedException>(() => AccountLock.Acquire(dir, "DU1234567", _store.Path + "-other"));
        Assert.Equal(Environment.ProcessId, e.HolderPid);
        Assert.Contains("account DU1234567 on this host", e.Message);
        Assert.Contains($"using store {RealPath.Of(_store.Path)}", e.Message);
        using var other = AccountLock.Acquire(dir, "DU7654321", _store.Path);
        Assert.Equal(System.IO.Path.Combine(dir, "account-DU_2f_2e_2e.lock"), AccountLock.LockPathFor(dir, "DU/.."));
    }

    [Fact]
    public void StalePidInTheFile_IsNeverNamed_TheKernelsHolderIs()
    {
        // A previous holder died and left its pid; now a process that writes nothing (flock(1)) holds the lock.
        var lockPath = InstanceLock.LockPathFor(_store.Path);
        File.WriteAllText(lockPath, "pid: 999999\nstore: /somewhere/else.db\n");
        using var holder = Process.Start(new ProcessStartInfo("flock", ["-x", "--no-fork", lockPath, "sleep", "60"]))!;
        try
        {
            InstanceLockedException? e = null;
            var deadline = Environment.TickCount64 + 20_000;
            while (e is null && Environment.TickCount64 < deadline)
            {
                try
                {
                    InstanceLock.Acquire(_store.Path).Dispose();
                    Thread.Sleep(50); // flock(1) has not taken it yet
                }
                catch (InstanceLockedException refused)
                {
                    e = refused;
                }
            }
            Assert.NotNull(e);
            Assert.NotEqual(999999, e.HolderPid);
            Assert.Equal(holder.Id, e.HolderPid);
            Assert.Null(e.HolderStore); // the file's lines are not the holder's
            Assert.DoesNotContain("999999", e.Message);
        }
        finally
        {
            holder.Kill();
            holder.WaitForExit();
        }
    }

    // flock -n <file> true: exit 0 if the lock was free, 1 if another process holds it.
    private static int Flock1(string path)
    {
        using var p = Process.Start(new ProcessStartInfo("flock", ["-n", path, "true"]))!;
        p.WaitForExit();
        return p.ExitCode;
    }
}
