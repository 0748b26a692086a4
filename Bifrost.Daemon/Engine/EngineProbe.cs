using System.Diagnostics;

namespace Bifrost.Daemon.Engine;

/// <summary>
/// Optional latency probe (benchmarks, diagnostics): the Stopwatch timestamp at which the engine dequeued the event
/// being processed, and for each order the elapsed ticks from that dequeue to the order journaled, to the order handed
/// to the broker (the engine thread is free again) and to the placeOrder bytes written to the socket (reported by the IB
/// client's <c>Sent</c> hook through <see cref="Written"/>, on the sending thread). Each order also notes whether a
/// gen-0 collection happened between dequeue and write, so a tail can be told apart from GC pauses, and where its time
/// went (<see cref="Phases"/>): wall time per stage and, when <see cref="ThreadCpuNanos"/> is given, the engine thread's
/// own CPU time in it — wall well above CPU is time spent waiting for a core, not work.
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
    private readonly List<OrderPhases> _phases = [];
    private readonly Dictionary<int, OrderPhases> _phasesSending = [];
    private (long Wall, long Cpu) _atDequeue, _atDispatch, _atRecorded;
    private int _engineThread;
    private long _queuedNanos = -1;

    /// <summary>The calling thread's CPU time in ns (the benchmark passes Linux's CLOCK_THREAD_CPUTIME_ID); null: wall only.</summary>
    public Func<long>? ThreadCpuNanos { get; init; }

    public long DequeuedAt
    {
        get => _dequeuedAt;
        internal set
        {
            _dequeuedAt = value;
            _gen0AtDequeue = GC.CollectionCount(0);
            _atDequeue = (value, ThreadCpuNanos?.Invoke() ?? -1);
            _engineThread = Environment.CurrentManagedThreadId;
            _queuedNanos = -1;
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

    /// <summary>Per order sent, the stages of its way out (same order as <see cref="TickToOrderTicks"/>).</summary>
    public IReadOnlyList<OrderPhases> Phases
    {
        get
        {
            lock (_tickToOrder) return [.. _phases];
        }
    }

    /// <summary>The engine loop took an input off its queue; <paramref name="receivedWallNanos"/> is when the input was
    /// queued (decoded and stamped by the broker's reader), so the wait in the queue is known too.</summary>
    internal void Dequeued(long receivedWallNanos)
    {
        DequeuedAt = Stopwatch.GetTimestamp();
        _queuedNanos = Math.Max(0, EngineClock.WallNanos() - receivedWallNanos);
    }

    private (long Wall, long Cpu) Now() => (Stopwatch.GetTimestamp(), ThreadCpuNanos?.Invoke() ?? -1);

    /// <summary>The engine starts on an order command (the reducer has decided; commands before it are done).</summary>
    internal void Dispatching() => _atDispatch = Now();

    internal void Recorded()
    {
        _atRecorded = Now();
        var at = _atRecorded.Wall;
        lock (_tickToOrder) _toRecorded.Add(at - _dequeuedAt);
    }

    /// <summary>The engine is about to hand order <paramref name="ibOrderId"/> to the broker.</summary>
    internal void Sending(int ibOrderId)
    {
        var sending = Now();
        var phases = new OrderPhases(
            new PhaseTime(_atDispatch.Wall - _atDequeue.Wall, Cpu(_atDequeue, _atDispatch)),
            new PhaseTime(_atRecorded.Wall - _atDispatch.Wall, Cpu(_atDispatch, _atRecorded)),
            new PhaseTime(sending.Wall - _atRecorded.Wall, Cpu(_atRecorded, sending)),
            new PhaseTime(sending.Wall, sending.Cpu), // completed by Written
            _queuedNanos, _atDequeue.Wall);
        lock (_tickToOrder)
        {
            _sending[ibOrderId] = (_dequeuedAt, _gen0AtDequeue);
            _phasesSending[ibOrderId] = phases;
        }
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
        // The engine's CPU only when the engine itself wrote (the caller's path), not the sending thread.
        var cpu = Environment.CurrentManagedThreadId == _engineThread ? ThreadCpuNanos?.Invoke() ?? -1 : -1;
        lock (_tickToOrder)
        {
            if (!_sending.Remove(ibOrderId, out var s)) return;
            _tickToOrder.Add(at - s.At);
            _gcDuring.Add(gen0 != s.Gen0);
            if (_phasesSending.Remove(ibOrderId, out var p))
            {
                var sent = p.SendingToWritten;
                _phases.Add(p with { SendingToWritten = new PhaseTime(at - sent.WallTicks, cpu < 0 || sent.CpuNanos < 0 ? -1 : cpu - sent.CpuNanos) });
            }
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
            _phases.Clear();
            _phasesSending.Clear();
        }
    }

    private static long Cpu((long Wall, long Cpu) from, (long Wall, long Cpu) to) => from.Cpu < 0 || to.Cpu < 0 ? -1 : to.Cpu - from.Cpu;
}

/// <summary>One stage of an order's way out: Stopwatch ticks of wall time, and the engine thread's CPU ns (-1: unknown).</summary>
public readonly record struct PhaseTime(long WallTicks, long CpuNanos);

/// <summary>
/// An order's way out, stage by stage: dequeue → the order command reached (the reducer's step and the commands before
/// it), → journaled, → handed to the IB client, → placeOrder bytes written; and before all that, how long the input that
/// triggered it waited in the engine's queue (ns of wall clock; -1 when it did not come through the queue), and the
/// Stopwatch timestamp of the dequeue, so the stages can be lined up with another clock reader in the same process.
/// </summary>
public readonly record struct OrderPhases(PhaseTime ToDispatch, PhaseTime ToJournaled, PhaseTime ToSending, PhaseTime SendingToWritten,
    long QueuedNanos = -1, long DequeuedAt = 0)
{
    /// <summary>Stopwatch timestamp of the placeOrder bytes written.</summary>
    public long WrittenAt => DequeuedAt + ToDispatch.WallTicks + ToJournaled.WallTicks + ToSending.WallTicks + SendingToWritten.WallTicks;

    /// <summary>Stopwatch timestamp at which the triggering input was queued (the dequeue when it was not).</summary>
    public long QueuedAt => DequeuedAt - (QueuedNanos < 0 ? 0 : (long)(QueuedNanos * (Stopwatch.Frequency / 1e9)));
}
