namespace Bifrost.Store.Locking;

/// <summary>Another process holds the store's single-instance lock; the daemon must refuse to start.</summary>
public sealed class InstanceLockedException(string lockPath, int? holderPid)
    : Exception($"Another Bifrost daemon is already using this store: '{lockPath}' is locked by " +
                (holderPid is { } pid ? $"pid {pid}" : "another process (pid unknown)") + ". Stop it first, or use another store path.")
{
    public string LockPath { get; } = lockPath;
    public int? HolderPid { get; } = holderPid;
}
