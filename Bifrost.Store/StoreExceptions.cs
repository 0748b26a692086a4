namespace Bifrost.Store;

/// <summary>The store file is missing, not yet initialised, or cannot be opened. The monitor shows this and retries.</summary>
public sealed class StoreUnavailableException(string path, string reason, Exception? inner = null)
    : Exception($"Bifrost store '{path}' is unavailable: {reason}", inner)
{
    public string StorePath { get; } = path;
}

/// <summary>The store's schema version is not the one this build understands (newer: upgrade Bifrost; older: run the daemon).</summary>
public sealed class StoreSchemaException(string path, int found, int expected, string advice)
    : Exception($"Bifrost store '{path}' has schema version {found}; this build understands version {expected}. {advice}")
{
    public string StorePath { get; } = path;
    public int FoundVersion { get; } = found;
    public int ExpectedVersion { get; } = expected;
}

/// <summary>A synchronous <c>RecordNow</c> could not be committed: the caller must not proceed (e.g. must not send the order).</summary>
public sealed class StoreWriteException(string message, Exception inner) : Exception(message, inner);
