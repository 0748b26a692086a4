using Bifrost.Store.Records;

namespace Bifrost.Daemon.Alerts;

/// <summary>
/// One channel's bounded queue of alerts waiting to be sent. Criticals are taken before anything else (oldest first
/// within a severity class). When full, the oldest non-critical waiting is evicted to make room; only when every waiting
/// alert is critical is the incoming one refused. What is lost is handed back to the caller, which records it.
/// </summary>
public sealed class AlertQueue(int capacity)
{
    private readonly object _gate = new();
    private readonly LinkedList<(AlertRecord Alert, AlertHandle Handle)> _critical = new();
    private readonly LinkedList<(AlertRecord Alert, AlertHandle Handle)> _other = new();
    private readonly SemaphoreSlim _ready = new(0);
    private bool _completed;

    /// <summary>Queues the alert; returns the alert lost to make room (the evicted one, or this one when refused), if any.</summary>
    public (AlertRecord Alert, AlertHandle Handle)? Add(AlertRecord alert, AlertHandle handle)
    {
        (AlertRecord, AlertHandle)? lost = null;
        lock (_gate)
        {
            if (_completed) return (alert, handle);
            if (_critical.Count + _other.Count >= Math.Max(1, capacity))
            {
                if (_other.First is { } oldest)
                {
                    lost = oldest.Value;
                    _other.RemoveFirst();
                }
                else return (alert, handle); // full of criticals: they stay, in the order they came
            }
            (alert.Severity == AlertSeverity.Critical ? _critical : _other).AddLast((alert, handle));
        }
        if (lost is null) _ready.Release(); // an eviction leaves the count as it was: the signal for it still stands
        return lost;
    }

    /// <summary>The next alert to send (criticals first), or null once completed and empty.</summary>
    public async Task<(AlertRecord Alert, AlertHandle Handle)?> TakeAsync()
    {
        while (true)
        {
            lock (_gate)
            {
                if (_completed && _critical.Count + _other.Count == 0) return null;
            }
            await _ready.WaitAsync().ConfigureAwait(false);
            lock (_gate)
            {
                var from = _critical.Count > 0 ? _critical : _other;
                if (from.First is { } next)
                {
                    from.RemoveFirst();
                    return next.Value;
                }
            }
        }
    }

    /// <summary>Takes no more alerts; <see cref="TakeAsync"/> returns null once the queue is empty.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            if (_completed) return;
            _completed = true;
        }
        _ready.Release(); // wake a waiting reader to see the end
    }

    /// <summary>Empties the queue (at stop, after the drain): what was never attempted.</summary>
    public List<(AlertRecord Alert, AlertHandle Handle)> TakeAll()
    {
        lock (_gate)
        {
            var all = _critical.Concat(_other).ToList();
            _critical.Clear();
            _other.Clear();
            return all;
        }
    }
}
