using System.Collections.Concurrent;
using System.Net.Sockets;
using Bifrost.Ib.Messages;
using Bifrost.Ib.Messages.Events;
using Bifrost.Ib.Messages.Requests;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Client;

/// <summary>
/// One TWS API session (one socket, one client id). <see cref="ConnectAsync"/> performs the handshake and startApi and
/// returns once the session is ready (managedAccounts and nextValidId both arrived). From then on a reader loop decodes
/// every frame and calls the handler — serially, on the loop's thread; requests may be sent from any thread and are paced
/// (≤ 45 msgs per rolling second by default), then written on the caller's path or, optionally, by the session's sending
/// thread in the order they were queued (<see cref="IbClientOptions.DedicatedSender"/>). Protocol violations, a closed
/// socket, a failed write or a throwing handler end the session with an <see cref="IbProtocolError"/> (when applicable)
/// and exactly one <see cref="IbDisconnected"/>; nothing escapes the loop. An instance connects once: reconnecting means a new instance (crash-only, like the daemon).
/// </summary>
public sealed partial class IbClient : IAsyncDisposable
{
    private readonly IbClientOptions _options;
    private readonly IbEventHandler _handler;
    private readonly IbClientDispatcher _dispatcher;
    private readonly IbPacer _pacer;
    private readonly IbFieldWriter _writer = new(IbTextPolicy.ClientAscii);
    private readonly IbFieldWriter _scratch = new(IbTextPolicy.ClientAscii);
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Lock _encodeLock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<int, IbReqMktData> _subscriptions = new();
    private Socket? _socket;
    private NetworkStream? _stream;
    private IbSendThread? _sender;
    private Task _readerLoop = Task.CompletedTask;
    private int _state; // 0 new, 1 connecting/connected, 2 closed
    private int _disconnectRaised;
    private volatile bool _closingByClient;
    private int _nextOrderId = -1;
    private int _nextRequestId = IbProtocol.FirstRequestId;
    private bool _haveAccounts;
    private bool _haveNextId;

    public IbClient(IbEventHandler handler, IbClientOptions? options = null)
    {
        _handler = handler;
        _options = options ?? new IbClientOptions();
        _dispatcher = new IbClientDispatcher(this, handler);
        _pacer = new IbPacer(_options.Time, _options.PacingBurst, _options.PacingRatePerSecond);
    }

    public int ClientId { get; private set; }
    public int ServerVersion { get; private set; }
    public string ConnectionTime { get; private set; } = "";
    public IReadOnlyList<string> ManagedAccounts { get; private set; } = [];
    public bool IsConnected => Volatile.Read(ref _state) == 1 && _ready.Task.IsCompletedSuccessfully;

    /// <summary>Completes when the reader loop has ended (after <see cref="IbDisconnected"/> was raised).</summary>
    public Task Completion => _readerLoop;

    /// <summary>Active streaming market-data requests by ticker id, for resubscribing after error 1101.</summary>
    public IReadOnlyDictionary<int, IbReqMktData> MarketDataSubscriptions => _subscriptions;

    /// <summary>
    /// Connects, shakes hands (refusing servers below <see cref="IbProtocol.MinServerVersion"/>), sends startApi and waits
    /// for readiness within <see cref="IbClientOptions.ReadyTimeout"/>. Throws <see cref="IbConnectException"/> on failure.
    /// </summary>
    public async Task ConnectAsync(string host, int port, int clientId, CancellationToken ct = default)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
            throw new InvalidOperationException("an IbClient connects once; create a new instance to reconnect");
        ClientId = clientId;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct, _stop.Token);
        timeout.CancelAfter(_options.ReadyTimeout);
        try
        {
            _socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await _socket.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                throw new IbConnectException($"couldn't connect to TWS at {host}:{port} (502): {ex.Message}", ex);
            }
            _stream = new NetworkStream(_socket, ownsSocket: true);
            if (_options.DedicatedSender) _sender = new IbSendThread(_socket, OnSendFailed, _options.Sent, _options.Log);
            var frames = new IbFrameReader(_stream, _options.MaxFrameBytes);
            await _stream.WriteAsync(IbHandshake.ClientHello(options: _options.ConnectOptions), timeout.Token).ConfigureAwait(false);
            await ReadServerHelloAsync(frames, timeout.Token).ConfigureAwait(false);
            await SendAsync(new IbStartApi(clientId, _options.OptionalCapabilities), timeout.Token).ConfigureAwait(false);
            _readerLoop = Task.Run(() => ReaderLoopAsync(frames), CancellationToken.None);
            await _ready.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not IbConnectException)
        {
            // If the socket closed first, the readiness task carries the better explanation (326? API disabled?).
            string why = _ready.Task.IsFaulted ? _ready.Task.Exception!.InnerException!.Message
                : ex is OperationCanceledException && !ct.IsCancellationRequested
                    ? "timed out waiting for readiness (managedAccounts + nextValidId)"
                    : ex.Message;
            await CloseAsync("connect failed: " + why, byClient: true).ConfigureAwait(false);
            throw new IbConnectException(why, ex);
        }
        catch
        {
            await CloseAsync("connect failed", byClient: true).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Closes the socket; the reader loop then raises <see cref="IbDisconnected"/> (ByClient = true).</summary>
    public async Task DisconnectAsync()
    {
        await CloseAsync("disconnect requested", byClient: true).ConfigureAwait(false);
        await _readerLoop.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await DisconnectAsync().ConfigureAwait(false);
        if (_sender is { } sender)
        {
            sender.Abort();
            await sender.Stopped.WaitAsync(SenderStopTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        _stop.Dispose();
        _writeLock.Dispose();
    }

    /// <summary>
    /// Sends one request: waits for a pacing token, then queues the frame for the sending thread (or, without one, writes
    /// it in a single write). Throws <see cref="IbNotConnectedException"/> when the session is not open or the write
    /// fails; with the sending thread a later write failure ends the session instead (<see cref="IbDisconnected"/>).
    /// Without a pacing wait it completes synchronously when the frame is queued (or the socket takes it at once).
    /// </summary>
    public async ValueTask SendAsync(IIbRequest request, CancellationToken ct = default)
    {
        var stream = _stream;
        if (stream is null || Volatile.Read(ref _state) != 1) throw new IbNotConnectedException("not connected (504)");
        var wait = _pacer.Reserve();
        if (wait > TimeSpan.Zero) await Task.Delay(wait, _options.Time, ct).ConfigureAwait(false);
        if (_sender is { } sender)
        {
            Enqueue(sender, request, ct);
            return;
        }
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            request.Encode(_writer.Begin());
            await stream.WriteAsync(_writer.Frame, ct).ConfigureAwait(false);
            if (_options.Sent is { } sent) sent(request);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
        {
            _ = CloseAsync("write failed: " + ex.Message, byClient: false);
            throw new IbNotConnectedException("not connected (504): " + ex.Message, ex);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Encodes a request into a scratch buffer that no code path writes to the socket, and drops it: the order path's
    /// encoder run between orders so its code and data are still in the caches when an order comes (at a live cadence
    /// an encode that takes ~1 µs back to back took ~25 µs of CPU after 100 ms of other work). Returns the frame's length.
    /// </summary>
    public int EncodeWithoutSending(IIbRequest request)
    {
        lock (_scratch)
        {
            request.Encode(_scratch.Begin());
            return _scratch.Frame.Length;
        }
    }

    /// <summary>Encodes and queues under one lock, so concurrent senders' frames go out whole and in queue order.</summary>
    private void Enqueue(IbSendThread sender, IIbRequest request, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        lock (_encodeLock)
        {
            request.Encode(_writer.Begin());
            if (Volatile.Read(ref _state) != 1 || !sender.TryEnqueue(_writer.Frame.Span, request))
                throw new IbNotConnectedException("not connected (504)");
        }
    }

    /// <summary>The sending thread's write failed: the session ends as a disconnect, as a failed write did before.</summary>
    private void OnSendFailed(Exception ex, int dropped)
    {
        _options.Log.Log(IbLogLevel.Error, $"write failed: {ex.Message} ({dropped} request(s) not sent)");
        _ = CloseAsync("write failed: " + ex.Message, byClient: false);
    }

    /// <summary>Reads frames until the 2-field version reply (something else may come first) and checks the version.</summary>
    private async Task ReadServerHelloAsync(IbFrameReader frames, CancellationToken ct)
    {
        while (true)
        {
            var frame = await frames.ReadFrameAsync(ct).ConfigureAwait(false)
                ?? throw new IbConnectException("TWS closed the socket during the handshake (version not accepted?)");
            if (frame.Span.Count((byte)0) != 2) continue;
            var hello = Decode(frame);
            if (hello.ServerVersion < IbProtocol.MinServerVersion)
            {
                throw new IbConnectException(
                    $"TWS too old: server version {hello.ServerVersion} < {IbProtocol.MinServerVersion} required by Bifrost.Ib");
            }
            ServerVersion = hello.ServerVersion;
            ConnectionTime = hello.ConnectionTime;
            return;
        }

        static IbServerHello Decode(ReadOnlyMemory<byte> payload)
        {
            var r = new IbFieldReader(payload.Span);
            return IbEventDecoder.Read<IbServerHello>(ref r);
        }
    }

    private async Task ReaderLoopAsync(IbFrameReader frames)
    {
        string reason = "socket closed by TWS";
        try
        {
            while (true)
            {
                var frame = await frames.ReadFrameAsync(_stop.Token).ConfigureAwait(false);
                if (frame is null) break;
                if (!IbEventDecoder.Dispatch(frame.Value.Span, _dispatcher, out int id))
                {
                    int fields = frame.Value.Span.Count((byte)0);
                    _options.Log.Log(IbLogLevel.Debug, $"skipped message id {id} ({fields} fields)");
                    _dispatcher.OnConnectionEvent(new IbSkippedMessage(id, fields));
                }
            }
        }
        catch (IbProtocolException ex)
        {
            reason = "protocol error: " + ex.Message;
            _options.Log.Log(IbLogLevel.Error, reason);
            SafeRaise(new IbProtocolError(ex.Message, Fatal: true));
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            reason = _closingByClient ? "closed by client" : "socket error: " + ex.Message;
        }
        catch (Exception ex)
        {
            // The handler threw: the session state can no longer be trusted; report and end it rather than crash the loop.
            reason = "event handler threw: " + ex.GetType().Name + ": " + ex.Message;
            _options.Log.Log(IbLogLevel.Error, reason);
            SafeRaise(new IbProtocolError(reason, Fatal: true));
        }
        if (_closingByClient) reason = "closed by client";
        await CloseAsync(reason, _closingByClient).ConfigureAwait(false);
        RaiseDisconnected(reason, _closingByClient);
    }

    private async Task CloseAsync(string reason, bool byClient)
    {
        if (byClient) _closingByClient = true;
        if (Interlocked.Exchange(ref _state, 2) == 2) return;
        _options.Log.Log(IbLogLevel.Info, "closing: " + reason);
        _ready.TrySetException(new IbConnectException(
            "socket closed before the session was ready (client id in use (326)? API disabled? untrusted IP?): " + reason));
        _ = _ready.Task.Exception; // observed: a failed readiness is reported through ConnectAsync only
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_sender is { } sender)
        {
            // Closing by choice writes what was queued first (a send that returned is on its way, as with a direct
            // write); a lost session drops it.
            if (byClient)
            {
                sender.Complete();
                await sender.Stopped.WaitAsync(SenderStopTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            sender.Abort(); // a write still blocked fails on the closed socket without being reported
        }
        try
        {
            _socket?.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // already gone
        }
        _stream?.Dispose();
        if (_readerLoop.IsCompleted) RaiseDisconnected(reason, byClient);
    }

    private void RaiseDisconnected(string reason, bool byClient)
    {
        if (Interlocked.Exchange(ref _disconnectRaised, 1) == 1) return;
        // Only a session that got as far as the reader loop reports a disconnect; a failed connect throws instead.
        if (!_readyObserved) return;
        SafeRaise(new IbDisconnected(reason, byClient));
    }

    private volatile bool _readyObserved;

    /// <summary>How long a close waits for the sending thread to write what was queued.</summary>
    private static readonly TimeSpan SenderStopTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Tests: the sending thread is running.</summary>
    internal bool SenderAlive => _sender?.IsAlive == true;

    /// <summary>Tests: the session's socket (to make its writes fail).</summary>
    internal Socket? SocketForTests => _socket;

    private void SafeRaise(IIbEvent e)
    {
        try
        {
            _dispatcher.OnConnectionEvent(e);
        }
        catch (Exception ex)
        {
            _options.Log.Log(IbLogLevel.Error, $"event handler threw on {e.GetType().Name}: {ex.Message}");
        }
    }

    internal void ObserveNextValidId(int orderId)
    {
        int current;
        do
        {
            current = Volatile.Read(ref _nextOrderId);
            if (orderId <= current) break;
        }
        while (Interlocked.CompareExchange(ref _nextOrderId, orderId, current) != current);
        _haveNextId = true;
        CheckReady();
    }

    internal void ObserveManagedAccounts(IReadOnlyList<string> accounts)
    {
        ManagedAccounts = accounts;
        _haveAccounts = true;
        CheckReady();
    }

    private void CheckReady()
    {
        if (_haveAccounts && _haveNextId)
        {
            _readyObserved = true;
            _ready.TrySetResult();
        }
    }

    internal void ForgetSubscription(int tickerId) => _subscriptions.TryRemove(tickerId, out _);
}
