using System.Threading.Channels;
using Bifrost.Ib.Messages;
using Bifrost.Ib.Messages.Requests;
using Bifrost.Ib.Server;

namespace Bifrost.Sim.Gateway;

/// <summary>One connected client: its socket, an outbound queue drained by its own writer task (so the engine never
/// blocks on a socket), its subscriptions and its pacing window. Engine state is touched under the gateway's lock only.</summary>
internal sealed class GatewaySession
{
    private readonly Channel<IIbServerMessage> _out = Channel.CreateUnbounded<IIbServerMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Queue<long> _pacingWindow = new();
    private int _pending;
    private int _closed;

    public GatewaySession(IbServerConnection connection, long serial)
    {
        Connection = connection;
        Serial = serial;
        Writer = Task.Run(WriteLoopAsync);
    }

    public IbServerConnection Connection { get; }
    public long Serial { get; }
    public int ClientId => Connection.ClientId;
    public Task Writer { get; }
    public bool IsOpen => Volatile.Read(ref _closed) == 0;
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Streaming subscriptions: ticker id → conId, and what was last sent on it (to send changes only).</summary>
    public Dictionary<int, MarketDataSubscription> Subscriptions { get; } = new();
    public bool PositionsSubscribed { get; set; }
    public bool AccountUpdatesSubscribed { get; set; }
    /// <summary>Account summary subscriptions: request id → the request (its tags), re-sent after every fill.</summary>
    public Dictionary<int, IbReqAccountSummary> AccountSummaryRequests { get; } = new();
    public long PacingViolationSecond { get; set; } = -1;

    /// <summary>Stopwatch timestamp of the last tick frame written to this client: the start of the loopback
    /// tick-to-order measurement (<see cref="ReplayGateway.TickToOrderMicros"/>).</summary>
    public long LastTickWritten;

    /// <summary>Queues a message; dropped silently once the session is closed (the client is gone).</summary>
    public void Send(IIbServerMessage message)
    {
        if (!IsOpen) return;
        Interlocked.Increment(ref _pending);
        if (!_out.Writer.TryWrite(message)) Interlocked.Decrement(ref _pending);
    }

    /// <summary>Counts one request in the rolling one-second window; true when the limit is exceeded.</summary>
    public bool CountRequest(long wallMillis, int limit)
    {
        _pacingWindow.Enqueue(wallMillis);
        while (_pacingWindow.Count > 0 && _pacingWindow.Peek() <= wallMillis - 1000) _pacingWindow.Dequeue();
        return _pacingWindow.Count > limit;
    }

    /// <summary>Closes after the queued messages were written (flush = true) or at once.</summary>
    public async Task CloseAsync(bool flush)
    {
        if (Interlocked.Exchange(ref _closed, 1) == 1) return;
        _out.Writer.TryComplete();
        if (flush) await Task.WhenAny(Writer, Task.Delay(2000)).ConfigureAwait(false);
        await Connection.CloseAsync().ConfigureAwait(false);
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            await foreach (var message in _out.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                await Connection.SendAsync(message).ConfigureAwait(false);
                if (message is Bifrost.Ib.Messages.Events.IbTickPrice or Bifrost.Ib.Messages.Events.IbTickSize) Volatile.Write(ref LastTickWritten, System.Diagnostics.Stopwatch.GetTimestamp());
                Interlocked.Decrement(ref _pending);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            // the client went away; the reader side notices and unregisters the session
            Interlocked.Exchange(ref _closed, 1);
            _out.Writer.TryComplete();
            await Connection.CloseAsync().ConfigureAwait(false);
        }
    }
}

internal sealed class MarketDataSubscription(int tickerId, int conId)
{
    public int TickerId { get; } = tickerId;
    public int ConId { get; } = conId;
    public double Bid = double.NaN, Ask = double.NaN, Last = double.NaN, BidSize = double.NaN, AskSize = double.NaN;
    /// <summary>Killed by the <c>kill-subscription</c> fault: it stays listed (the client thinks it is subscribed) but
    /// carries no tick until the client cancels it or asks again under a new ticker id.</summary>
    public bool Dead;
}
