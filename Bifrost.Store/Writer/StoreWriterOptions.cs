namespace Bifrost.Store.Writer;

public sealed record StoreWriterOptions : StoreOptions
{
    /// <summary>Items the queue holds before <c>TryEnqueue</c> returns false (the daemon then alerts and blocks orders).</summary>
    public int QueueCapacity { get; init; } = 65_536;

    /// <summary>Most items per transaction. Batches form naturally: whatever is queued when the writer wakes, up to this.</summary>
    public int MaxBatchSize { get; init; } = 1_000;

    /// <summary>First wait before retrying a failed batch; doubles up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan MinRetryDelay { get; init; } = TimeSpan.FromMilliseconds(10);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long Dispose waits for the queue to drain (retrying failures) before giving up.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
