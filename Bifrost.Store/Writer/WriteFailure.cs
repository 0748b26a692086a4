namespace Bifrost.Store.Writer;

/// <summary>
/// Raised once when writes start failing (disk full, locked, I/O error). The failed batch is kept and retried; the daemon
/// should alert and block new orders until <c>WriteRecovered</c>.
/// </summary>
public sealed record WriteFailure(Exception Error, long SinceNanos, int PendingInBatch);

/// <summary>
/// An item refused by the database because of its own data (a constraint): retrying cannot help, so it is dropped and
/// reported, and the rest of its batch is committed. It indicates a bug; the daemon should raise an anomaly.
/// </summary>
public sealed record WriteRejection(StoreWrite Item, Exception Error);
