using System.Threading.Channels;
using Bifrost.Store.Sqlite;

namespace Bifrost.Store.Writer;

/// <summary>
/// The store's single writer, kept off the hot path: <see cref="TryEnqueue"/> puts a write on a bounded queue and returns
/// at once (false when full); one background task drains the queue and commits whatever is there, up to
/// <see cref="StoreWriterOptions.MaxBatchSize"/> items, per transaction. A batch that fails for the database's sake
/// (full, locked, I/O) is kept and retried with backoff — never dropped — and <see cref="WriteFailed"/> /
/// <see cref="WriteRecovered"/> report the transitions so the daemon can block orders meanwhile.
/// <para>
/// Durability rule: something is "recorded" once <see cref="FlushAsync"/> (or <see cref="RecordNow"/>) has returned
/// after it — then it is committed to the WAL and survives kill -9 (see <see cref="Durability"/>). The daemon uses
/// <see cref="RecordNow"/> for the writes that must be on disk before it acts: the order row and the raised order-id
/// high-water mark, before placeOrder bytes are sent (so a restart never reuses an order id nor meets an orderRef it
/// has no row for). Everything else — operations, status, fills (IB re-sends them at reconciliation) — is queued.
/// </para>
/// </summary>
public sealed partial class StoreWriter : IAsyncDisposable, IDisposable
{
    private readonly Channel<StoreWrite> _queue;
    private readonly BatchCommitter _committer;
    private readonly StoreWriterOptions _options;
    private readonly WriterHealth _health = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly Task _loop;
    private bool _gaveUp;
    private long _batchesCommitted;
    private int _disposed;

    private StoreWriter(string path, StoreWriterOptions options)
    {
        Path = path;
        _options = options;
        _committer = new BatchCommitter(StoreConnection.OpenWriter(path, options), path);
        _queue = Channel.CreateBounded<StoreWrite>(new BoundedChannelOptions(options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // with TryWrite: "full" is reported to the caller, nothing dropped
        });
        _health.Failed += f => WriteFailed?.Invoke(f);
        _health.Recovered += () => WriteRecovered?.Invoke();
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Creates the store if needed (file mode 0600), migrates its schema, and starts the background writer.</summary>
    public static StoreWriter Open(string path, StoreWriterOptions? options = null) => new(path, options ?? new StoreWriterOptions());

    public string Path { get; }

    /// <summary>Writes started failing. Raised on the writing thread; keep handlers short.</summary>
    public event Action<WriteFailure>? WriteFailed;

    /// <summary>Writes succeed again after a <see cref="WriteFailed"/>; the failed batch has been committed.</summary>
    public event Action? WriteRecovered;

    /// <summary>An item was refused for its own data and dropped (a bug; the rest of its batch was committed).</summary>
    public event Action<WriteRejection>? ItemRejected;

    public bool IsFailing => _health.IsFailing;

    /// <summary>Transactions committed by the background writer (tests check that writes are batched).</summary>
    internal long BatchesCommitted => Interlocked.Read(ref _batchesCommitted);

    /// <summary>Items queued and not yet taken by the background writer.</summary>
    public int QueueDepth => _queue.Reader.Count;

    /// <summary>Queues a write; never blocks. False if the queue is full (or the writer is disposed).</summary>
    public bool TryEnqueue(StoreWrite item) => _queue.Writer.TryWrite(item);

    /// <summary>Returns once everything enqueued before this call is committed (waits through failures and retries).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            // The marker waits for space if the queue is full: flushing must not be refused.
            await _queue.Writer.WriteAsync(new StoreWrite.FlushMarker(done), cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException e)
        {
            throw new ObjectDisposedException(nameof(StoreWriter), e);
        }
        await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Commits the items now, on the caller's thread, in one transaction, and returns only once they are committed.
    /// Throws <see cref="StoreWriteException"/> if they cannot be: the caller must not proceed (e.g. not send the order).
    /// Items queued earlier may still be in the queue: rows carry their own times, readers order by time.
    /// </summary>
    public void RecordNow(params StoreWrite[] items)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        IReadOnlyList<WriteRejection> rejected;
        try
        {
            rejected = _committer.Commit(items);
        }
        catch (Exception e)
        {
            _health.SyncFailed(e, items.Length);
            throw new StoreWriteException($"could not record {items.Length} item(s) in '{Path}': {e.Message}", e);
        }
        _health.SyncSucceeded();
        if (rejected.Count > 0)
            throw new StoreWriteException($"store refused {rejected[0].Item.GetType().Name}: {rejected[0].Error.Message}", rejected[0].Error);
    }

    private async Task RunAsync()
    {
        var batch = new List<StoreWrite>(_options.MaxBatchSize);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < _options.MaxBatchSize && reader.TryRead(out var item)) batch.Add(item);
            await CommitWithRetryAsync(batch).ConfigureAwait(false);
            batch.Clear();
        }
    }

    private async Task CommitWithRetryAsync(List<StoreWrite> batch)
    {
        var delay = _options.MinRetryDelay;
        while (!_gaveUp)
        {
            IReadOnlyList<WriteRejection> rejected;
            try
            {
                rejected = _committer.Commit(batch);
            }
            catch (Exception e)
            {
                _health.BatchFailed(e, batch.Count);
                if (_abort.IsCancellationRequested)
                {
                    // Shutdown timed out while the store is failing: stop retrying; what is left is lost (already reported).
                    _gaveUp = true;
                    break;
                }
                try { await Task.Delay(delay, _abort.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
                continue;
            }
            Interlocked.Increment(ref _batchesCommitted);
            _health.BatchSucceeded();
            foreach (var r in rejected) RaiseRejected(r);
            CompleteFlushMarkers(batch, null);
            return;
        }
        CompleteFlushMarkers(batch, new ObjectDisposedException(nameof(StoreWriter), "the writer was disposed while the store was failing"));
    }

    private void RaiseRejected(WriteRejection r)
    {
        try { ItemRejected?.Invoke(r); }
        catch (Exception) { /* a handler must not stop the writer */ }
    }

    private static void CompleteFlushMarkers(List<StoreWrite> batch, Exception? error)
    {
        foreach (var item in batch)
        {
            if (item is not StoreWrite.FlushMarker m) continue;
            if (error is null) m.Done.TrySetResult();
            else m.Done.TrySetException(error);
        }
    }

    /// <summary>
    /// Stops accepting writes, drains the queue (retrying failures for up to ShutdownTimeout), and closes the store.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _queue.Writer.TryComplete();
        var finished = await Task.WhenAny(_loop, Task.Delay(_options.ShutdownTimeout)).ConfigureAwait(false);
        if (finished != _loop) await _abort.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _committer.Dispose();
        _abort.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
