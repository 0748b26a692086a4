using System.Threading.Channels;
using Bifrost.Domain;
using Bifrost.Domain.Trading;

namespace Bifrost.Daemon.Engine;

/// <summary>
/// The engine's one input queue: a bounded channel of domain events with a single reader (the engine loop) and many
/// producers (the IB reader thread, timers, the control poller). Producers only stamp and post; they never touch state.
/// Bounded on purpose: when the engine falls behind, <see cref="Post"/> blocks the IB reader (TCP backpressure to TWS)
/// rather than growing memory; timers use <see cref="TryPost"/> and skip a tick instead.
/// </summary>
public sealed class EngineChannel
{
    private readonly Channel<Event> _channel;

    public EngineChannel(EngineClock clock, int capacity)
    {
        Clock = clock;
        _channel = Channel.CreateBounded<Event>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
            AllowSynchronousContinuations = false,
        });
    }

    public EngineClock Clock { get; }

    public ChannelReader<Event> Reader => _channel.Reader;

    /// <summary>Items waiting for the engine.</summary>
    public int Depth => _channel.Reader.Count;

    public Event Stamp(EventPayload payload)
    {
        var now = Timestamp.NewTimestamp(Clock.NowNanos());
        return new Event(now, now, payload);
    }

    /// <summary>Posts an event stamped now; waits for room when the channel is full (backpressure). False once completed.</summary>
    public bool Post(EventPayload payload)
    {
        var e = Stamp(payload);
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

    /// <summary>Posts without waiting; false when the channel is full or completed (timers skip a beat).</summary>
    public bool TryPost(EventPayload payload) => _channel.Writer.TryWrite(Stamp(payload));

    /// <summary>No more inputs (the engine has exited).</summary>
    public void Complete() => _channel.Writer.TryComplete();
}
