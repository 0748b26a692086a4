using System.Threading.Channels;
using Bifrost.Domain;
using Bifrost.Domain.Trading;

namespace Bifrost.Daemon.Engine;

/// <summary>An engine input with its receive (wall) time: the host's clock when it was posted, whatever the engine's
/// clock says (the broker's under daemon.clock=broker). Records carry both (schema v4).</summary>
public readonly record struct Inbound(Event Event, long WallNanos);

/// <summary>
/// The engine's one input queue: a bounded channel of domain events with a single reader (the engine loop) and many
/// producers (the IB reader thread, timers, the control poller). Producers only stamp and post; they never touch state.
/// Bounded on purpose: when the engine falls behind, <see cref="Post"/> blocks the IB reader (TCP backpressure to TWS)
/// rather than growing memory; timers use <see cref="TryPost"/> and skip a tick instead.
/// </summary>
public sealed class EngineChannel
{
    private readonly Channel<Inbound> _channel;
    private readonly Lock _gate = new();
    private List<Inbound>? _held;

    /// <param name="hold">Start holding: nothing reaches the engine until <see cref="Release"/> (see there).</param>
    public EngineChannel(EngineClock clock, int capacity, bool hold = false)
    {
        Clock = clock;
        _held = hold ? [] : null;
        _channel = Channel.CreateBounded<Inbound>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
            AllowSynchronousContinuations = false,
        });
    }

    public EngineClock Clock { get; }

    public ChannelReader<Inbound> Reader => _channel.Reader;

    /// <summary>Items waiting for the engine.</summary>
    public int Depth => _channel.Reader.Count;

    public Event Stamp(EventPayload payload)
    {
        var now = Timestamp.NewTimestamp(Clock.NowNanos());
        return new Event(now, now, payload);
    }

    /// <summary>Events held until <see cref="Release"/> (tests).</summary>
    public int Held
    {
        get
        {
            lock (_gate) return _held?.Count ?? 0;
        }
    }

    /// <summary>
    /// Ends holding: <paramref name="first"/> (EngineStarted, the restore) goes in first, then every event posted while
    /// holding, in order. Broker events arrive as soon as the socket is up, hundreds of milliseconds before the restore
    /// is read; reduced by an empty engine an execution would be an UNKNOWN_FILL, marked seen, and skipped by the
    /// reconciliation that follows — lost. Held, it is applied once, to the restored engine. Call it with the engine
    /// loop already reading (it waits for room like <see cref="Post"/>). <paramref name="alsoFirst"/> follows it before the
    /// held events (the portfolio's setup and stored runs, so an execution held meanwhile finds its run).
    /// </summary>
    public void Release(EventPayload first, params EventPayload[] alsoFirst)
    {
        lock (_gate)
        {
            // Producers wait on the gate meanwhile, so nothing overtakes the held events.
            Write(new Inbound(Stamp(first), EngineClock.WallNanos()));
            foreach (var p in alsoFirst) Write(new Inbound(Stamp(p), EngineClock.WallNanos()));
            foreach (var e in _held ?? []) Write(e);
            _held = null;
        }
    }

    private bool Write(Inbound e)
    {
        if (_channel.Writer.TryWrite(e)) return true;
        try
        {
            _channel.Writer.WriteAsync(e).AsTask().GetAwaiter().GetResult();
            return true;
        }
        catch (ChannelClosedException)
        {
            return false;
        }
    }

    private bool TryHold(Inbound e)
    {
        if (Volatile.Read(ref _held) is null) return false;
        lock (_gate)
        {
            if (_held is null) return false;
            _held.Add(e);
            return true;
        }
    }

    /// <summary>Posts an event stamped now; waits for room when the channel is full (backpressure). False once completed.</summary>
    public bool Post(EventPayload payload)
    {
        var e = new Inbound(Stamp(payload), EngineClock.WallNanos());
        return TryHold(e) || Write(e);
    }

    /// <summary>Posts without waiting; false when the channel is full or completed (timers skip a beat).</summary>
    public bool TryPost(EventPayload payload)
    {
        var e = new Inbound(Stamp(payload), EngineClock.WallNanos());
        return TryHold(e) || _channel.Writer.TryWrite(e);
    }

    /// <summary>No more inputs (the engine has exited).</summary>
    public void Complete() => _channel.Writer.TryComplete();
}
