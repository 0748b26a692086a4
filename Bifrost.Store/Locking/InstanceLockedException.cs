namespace Bifrost.Store.Locking;

/// <summary>Another live process holds a single-instance lock; the daemon must refuse to start.</summary>
public sealed class InstanceLockedException(string lockPath, int? holderPid, string? holderStore, string what)
    : Exception($"another Bifrost daemon is already running for {what}: '{lockPath}' is locked by " +
                (holderPid is { } pid ? $"pid {pid}" : "another process (pid unknown)") +
                (holderStore is { } s ? $" using store {s}" : "") + ". Stop it first.")
{
    public string LockPath { get; } = lockPath;
    public int? HolderPid { get; } = holderPid;
    public string? HolderStore { get; } = holderStore;
}
