namespace Bifrost.Store;

/// <summary>How commits reach the disk (PRAGMA synchronous, in WAL mode).</summary>
public enum Durability
{
    /// <summary>
    /// WAL + synchronous=NORMAL (the default): a commit is written to the WAL with write(2) before it returns, so it
    /// survives kill -9 of the process; only an OS crash or power loss can lose the last commits (the database stays
    /// consistent). That is the guarantee the daemon needs — broker state is reconciled from IB at startup — and it keeps
    /// fsync off every commit.
    /// </summary>
    ProcessCrash,

    /// <summary>WAL + synchronous=FULL: every commit is fsynced, so it also survives power loss. Costs an fsync per commit.</summary>
    PowerLoss,
}

/// <summary>Options common to every connection to the store.</summary>
public record StoreOptions
{
    public Durability Durability { get; init; } = Durability.ProcessCrash;

    /// <summary>How long a connection waits for a lock held by another connection before failing (PRAGMA busy_timeout).</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
