using System.Diagnostics;

namespace Bifrost.Daemon.Engine;

/// <summary>
/// Optional latency probe (benchmarks, diagnostics): the Stopwatch timestamp at which the engine dequeued the event
/// being processed, and for each order the elapsed ticks from that dequeue to the order journaled, to the order handed
/// to the broker (the engine thread is free again) and to the placeOrder bytes written to the socket (reported by the IB
/// client's <c>Sent</c> hook through <see cref="Written"/>, on the sending thread). Each order also notes whether a
/// gen-0 collection happened between dequeue and write, so a tail can be told apart from GC pauses.
/// </summary>
public sealed class EngineProbe
{
    private readonly List<long> _tickToOrder = [];
    private readonly List<bool> _gcDuring = [];
    private readonly List<long> _toRecorded = [];
    private readonly List<long> _toHandedOff = [];
    private readonly Dictionary<int, (long At, int Gen0)> _sending = [];
    private long _dequeuedAt;
    private int _gen0AtDequeue;

    public long DequeuedAt
    {
        get => _dequeuedAt;
        internal set
        {
            _dequeuedAt = value;
            _gen0AtDequeue = GC.CollectionCount(0);
        }
    }

    /// <summary>Stopwatch ticks from dequeue to placeOrder written, one per order sent.</summary>
    public IReadOnlyList<long> TickToOrderTicks
    {
        get
        {
            lock (_tickToOrder) return [.. _tickToOrder];
        }
    }

    /// <summary>Per entry of <see cref="TickToOrderTicks"/>: a gen-0 collection happened in between.</summary>
    public IReadOnlyList<bool> GcDuringOrder
    {
        get
        {
            lock (_tickToOrder) return [.. _gcDuring];
        }
    }

    /// <summary>Stopwatch ticks from dequeue to the order journaled (or committed), one per order.</summary>
    public IReadOnlyList<long> TickToRecordedTicks
    {
        get
        {
            lock (_tickToOrder) return [.. _toRecorded];
        }
    }

    /// <summary>Stopwatch ticks from dequeue to the broker call returning (queued for the sending thread), one per order.</summary>
    public IReadOnlyList<long> TickToHandedOffTicks
    {
        get
        {
            lock (_tickToOrder) return [.. _toHandedOff];
        }
    }

    internal void Recorded()
    {
        var at = Stopwatch.GetTimestamp();
        lock (_tickToOrder) _toRecorded.Add(at - _dequeuedAt);
    }

    /// <summary>The engine is about to hand order <paramref name="ibOrderId"/> to the broker.</summary>
    internal void Sending(int ibOrderId)
    {
        lock (_tickToOrder) _sending[ibOrderId] = (_dequeuedAt, _gen0AtDequeue);
    }

    internal void HandedOff()
    {
        var at = Stopwatch.GetTimestamp();
        lock (_tickToOrder) _toHandedOff.Add(at - _dequeuedAt);
    }

    /// <summary>The placeOrder bytes of <paramref name="ibOrderId"/> were written (any thread).</summary>
    public void Written(int ibOrderId)
    {
        var at = Stopwatch.GetTimestamp();
        var gen0 = GC.CollectionCount(0);
        lock (_tickToOrder)
        {
            if (!_sending.Remove(ibOrderId, out var s)) return;
            _tickToOrder.Add(at - s.At);
            _gcDuring.Add(gen0 != s.Gen0);
        }
    }

    public void Clear()
    {
        lock (_tickToOrder)
        {
            _tickToOrder.Clear();
            _gcDuring.Clear();
            _toRecorded.Clear();
            _toHandedOff.Clear();
            _sending.Clear();
        }
    }
}
