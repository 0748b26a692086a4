namespace Bifrost.Store.Locking;

/// <summary>
/// Single-instance lock for a store: <see cref="LockFile"/> on <c>&lt;real path of the db&gt;.lock</c>. Keyed on the
/// store's real path (symlinks and relative parts resolved), so the same store reached through a link is the same lock.
/// </summary>
public static class InstanceLock
{
    public static string LockPathFor(string storePath) => RealPath.Of(storePath) + ".lock";

    /// <summary>Takes the lock or throws <see cref="InstanceLockedException"/> naming the holder's pid.</summary>
    public static LockFile Acquire(string storePath, string? account = null)
    {
        var real = RealPath.Of(storePath);
        var holder = new Dictionary<string, string> { ["store"] = real };
        if (account is not null) holder["account"] = account;
        return LockFile.Acquire(real + ".lock", holder, $"this store ({real})");
    }
}
