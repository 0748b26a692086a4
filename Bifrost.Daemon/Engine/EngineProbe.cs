using System.Diagnostics;

namespace Bifrost.Daemon.Engine;

/// <summary>
/// Optional latency probe (benchmarks, diagnostics): the Stopwatch timestamp at which the engine dequeued the event
/// being processed, and for each order the elapsed ticks from that dequeue to the placeOrder bytes being written.
/// </summary>
public sealed class EngineProbe
{
    private readonly List<long> _tickToOrder = [];
    private readonly List<long> _toRecorded = [];
    private long _recordedAt;

    public long DequeuedAt { get; internal set; }

    /// <summary>Stopwatch ticks from dequeue to placeOrder written, one per order sent.</summary>
    public IReadOnlyList<long> TickToOrderTicks
    {
        get
        {
            lock (_tickToOrder) return [.. _tickToOrder];
        }
    }

    /// <summary>Stopwatch ticks from dequeue to the order row committed (RecordNow returned), one per order.</summary>
    public IReadOnlyList<long> TickToRecordedTicks
    {
        get
        {
            lock (_tickToOrder) return [.. _toRecorded];
        }
    }

    internal void Recorded()
    {
        _recordedAt = Stopwatch.GetTimestamp();
        lock (_tickToOrder) _toRecorded.Add(_recordedAt - DequeuedAt);
    }

    internal void OrderWritten()
    {
        var elapsed = Stopwatch.GetTimestamp() - DequeuedAt;
        lock (_tickToOrder) _tickToOrder.Add(elapsed);
    }

    public void Clear()
    {
        lock (_tickToOrder)
        {
            _tickToOrder.Clear();
            _toRecorded.Clear();
        }
    }
}
