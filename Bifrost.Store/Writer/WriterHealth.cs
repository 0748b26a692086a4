namespace Bifrost.Store.Writer;

/// <summary>
/// Tracks whether writes are failing, from either path (background batches, synchronous RecordNow), and reports only
/// transitions: one WriteFailed when the first path starts failing, one WriteRecovered when both succeed again.
/// </summary>
internal sealed class WriterHealth
{
    private readonly Lock _lock = new();
    private bool _batchFailing;
    private bool _syncFailing;

    public event Action<WriteFailure>? Failed;
    public event Action? Recovered;

    public bool IsFailing
    {
        get { lock (_lock) return _batchFailing || _syncFailing; }
    }

    public void BatchFailed(Exception e, int pending) => Set(batch: true, failing: true, e, pending);

    public void BatchSucceeded() => Set(batch: true, failing: false, null, 0);

    public void SyncFailed(Exception e, int pending) => Set(batch: false, failing: true, e, pending);

    public void SyncSucceeded() => Set(batch: false, failing: false, null, 0);

    private void Set(bool batch, bool failing, Exception? error, int pending)
    {
        bool wasFailing, isFailing;
        lock (_lock)
        {
            wasFailing = _batchFailing || _syncFailing;
            if (batch) _batchFailing = failing;
            else _syncFailing = failing;
            isFailing = _batchFailing || _syncFailing;
        }
        // Handlers run on the writing thread; they must be quick (the daemon posts an event to its loop). A throwing
        // handler must not stop the writer, so its exception is dropped.
        try
        {
            if (!wasFailing && isFailing) Failed?.Invoke(new WriteFailure(error!, Records.UnixNanos.Now(), pending));
            else if (wasFailing && !isFailing) Recovered?.Invoke();
        }
        catch (Exception)
        {
        }
    }
}
