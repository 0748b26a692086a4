using Bifrost.Daemon.Configuration;
using Bifrost.Daemon.Engine;
using Bifrost.Daemon.Logging;
using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Bifrost.Ib.Client;
using Bifrost.Ib.Messages.Model;
using Bifrost.Ib.Messages.Requests;
using Microsoft.Extensions.Logging;
using Microsoft.FSharp.Collections;

namespace Bifrost.Daemon.Broker;

/// <summary>What a new session knows when it is up.</summary>
public sealed record BrokerSession(IReadOnlyList<string> Accounts, int ServerVersion, int Number);

/// <summary>
/// The IB adapter behind <see cref="IBrokerPort"/>: owns the connection loop (a new <see cref="IbClient"/> per
/// session, capped exponential backoff with jitter between attempts, quiet during the configured TWS restart window),
/// posts BrokerConnected / BrokerDisconnected, and sends the engine's commands on the current session. The reducer
/// decides what a (re)connect means (re-sync, resubscribe); this class only carries messages.
/// </summary>
public sealed class IbBroker : IBrokerPort, IAsyncDisposable
{
    private const string SummaryTags = "NetLiquidation,TotalCashValue,AvailableFunds,BuyingPower,ExcessLiquidity,GrossPositionValue";
    private readonly ConnectionSettings _connection;
    private readonly DaemonTimings _timings;
    private readonly string _account;
    private readonly EngineChannel _channel;
    private readonly ILogger _logger;
    private readonly Func<bool> _inRestartWindow;
    private readonly IbClientOptions _clientOptions;
    private readonly Random _jitter = new();
    private volatile IbSession? _current;
    private int _attempt;

    public IbBroker(ConnectionSettings connection, DaemonTimings timings, string account, EngineChannel channel, ILogger logger,
        Func<bool>? inRestartWindow = null, IbClientOptions? clientOptions = null)
    {
        _connection = connection;
        _timings = timings;
        _account = account;
        _channel = channel;
        _logger = logger;
        _inRestartWindow = inRestartWindow ?? (() => false);
        var options = clientOptions ?? new IbClientOptions();
        _clientOptions = options with
        {
            ReadyTimeout = connection.ConnectTimeout,
            Log = new IbLogAdapter(logger),
            DedicatedSender = options.DedicatedSender || connection.DedicatedSender,
        };
    }

    /// <summary>Told of every failed connect (outside the TWS restart window) and every start-up the broker did not
    /// answer; the daemon alerts on it while the engine has not started (after that the engine's own alerts speak).</summary>
    public Action<string>? StartTrouble { get; set; }

    /// <summary>The configured universe; set once the contract ids are known.</summary>
    public ContractTable? Contracts { get; set; }

    public bool IsConnected => _current?.Client?.IsConnected == true;

    /// <summary>One line for systemd STATUS= / logs.</summary>
    public string Describe() => IsConnected
        ? $"connected to {_connection.Host}:{_connection.Port}"
        : $"connecting to {_connection.Host}:{_connection.Port} (attempt {Volatile.Read(ref _attempt)})";

    /// <summary>
    /// Connects, and reconnects after every loss, until <paramref name="ct"/> is cancelled. After each connect (and the
    /// broker-clock sync) it awaits <paramref name="onConnected"/> — the daemon's startup runs there the first time —
    /// then posts BrokerConnected; after each loss it posts BrokerDisconnected.
    /// </summary>
    public async Task RunAsync(Func<BrokerSession, CancellationToken, Task> onConnected, CancellationToken ct)
    {
        var sessions = 0;
        while (!ct.IsCancellationRequested)
        {
            var attempt = Interlocked.Increment(ref _attempt);
            var session = new IbSession(_channel, _logger, _account, _connection.ClientId);
            var client = new IbClient(session, _clientOptions);
            session.Client = client;
            try
            {
                await client.ConnectAsync(_connection.Host, _connection.Port, _connection.ClientId, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IbConnectException or OperationCanceledException)
            {
                await client.DisposeAsync().ConfigureAwait(false);
                if (ct.IsCancellationRequested) break;
                var delay = Backoff.Delay(attempt, _timings.ReconnectMin, _timings.ReconnectMax, _jitter.NextDouble());
                if (_inRestartWindow()) Log.ConnectFailedInRestartWindow(_logger, _connection.Host, _connection.Port, attempt, e.Message, (long)delay.TotalMilliseconds);
                else
                {
                    Log.ConnectFailed(_logger, _connection.Host, _connection.Port, attempt, e.Message, (long)delay.TotalMilliseconds);
                    StartTrouble?.Invoke($"cannot connect to {_connection.Host}:{_connection.Port}: {e.Message}");
                }
                await Delay(delay, ct).ConfigureAwait(false);
                continue;
            }
            Volatile.Write(ref _attempt, 0);
            sessions++;
            Log.Connected(_logger, _connection.Host, _connection.Port, _connection.ClientId, client.ServerVersion, string.Join(",", client.ManagedAccounts),
                _clientOptions.DedicatedSender ? "the sending thread" : "the engine");
            using var sessionStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            string? startFailed = null;
            try
            {
                if (_timings.Clock == ClockSource.Broker) await SyncClockAsync(session, client, sessionStop.Token).ConfigureAwait(false);
                _current = session;
                await onConnected(new BrokerSession(client.ManagedAccounts, client.ServerVersion, sessions), ct).ConfigureAwait(false);
                _channel.Post(EventPayload.NewBrokerConnected(ListModule.OfSeq(client.ManagedAccounts)));
                await client.Completion.WaitAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // shutting down
            }
            catch (BrokerUnansweredException e)
            {
                startFailed = e.Message; // the engine has not started: nothing to tell it, the start is tried again
            }
            finally
            {
                _current = null;
                await sessionStop.CancelAsync().ConfigureAwait(false);
                await client.DisposeAsync().ConfigureAwait(false);
            }
            if (ct.IsCancellationRequested) break;
            if (startFailed is not null)
            {
                // That session is over: the engine hears it as the others (what TWS told it, a 1100, ends with it).
                _channel.Post(EventPayload.NewBrokerDisconnected("start-up not answered: " + startFailed));
                var wait = Backoff.Delay(Interlocked.Increment(ref _attempt), _timings.ReconnectMin, _timings.ReconnectMax, _jitter.NextDouble());
                Log.StartUnanswered(_logger, startFailed, (long)wait.TotalMilliseconds);
                StartTrouble?.Invoke($"start-up on {_connection.Host}:{_connection.Port} not answered: {startFailed}");
                await Delay(wait, ct).ConfigureAwait(false);
                continue;
            }
            Log.Disconnected(_logger, session.DisconnectReason);
            _channel.Post(EventPayload.NewBrokerDisconnected(session.DisconnectReason));
            await Delay(Backoff.Delay(1, _timings.ReconnectMin, _timings.ReconnectMax, _jitter.NextDouble()), ct).ConfigureAwait(false);
        }
    }

    private static async Task Delay(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Broker clock: the first currentTime before anything is stamped, then one every clock_poll_ms. Not
    /// answered (the session dropped, TWS silent for 5 s) it is a start-up the broker did not answer: tried again on the
    /// next connection. Before, the timeout escaped the connection loop and the daemon exited 1.</summary>
    private async Task SyncClockAsync(IbSession session, IbClient client, CancellationToken ct)
    {
        try
        {
            await client.ReqCurrentTimeAsync(ct).ConfigureAwait(false);
            await Task.WhenAny(session.FirstTime, client.Completion).WaitAsync(TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
            if (!session.FirstTime.IsCompleted) throw new IbNotConnectedException("the session closed");
        }
        catch (Exception e) when (e is TimeoutException or IbNotConnectedException)
        {
            throw new BrokerUnansweredException($"the broker's clock (currentTime) not answered: {e.Message}", e);
        }
        Log.ClockSynced(_logger, DateTime.UnixEpoch.AddTicks(_channel.Clock.NowNanos() / 100));
        _ = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(_timings.ClockPoll);
            try
            {
                while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false) && client.IsConnected)
                    await client.ReqCurrentTimeAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or IbNotConnectedException)
            {
            }
        }, CancellationToken.None);
    }

    private (IbSession Session, IbClient Client) Session()
    {
        var s = _current;
        if (s?.Client is not { IsConnected: true } c) throw new BrokerUnavailableException("not connected to the broker (504)");
        return (s, c);
    }

    private static async ValueTask Send(Func<ValueTask> send)
    {
        try
        {
            await send().ConfigureAwait(false);
        }
        catch (IbNotConnectedException e)
        {
            throw new BrokerUnavailableException(e.Message, e);
        }
    }

    // ------------------------------------------------------------------ IBrokerPort

    // The order path (place, cancel) calls the client directly: no closure, and no state machine when the send completes
    // synchronously (queued for the sending thread without a pacing wait).

    public ValueTask PlaceOrderAsync(OrderRequest order, CancellationToken ct = default)
    {
        var (_, client) = Session();
        var contract = (Contracts ?? throw new InvalidOperationException("contracts not resolved")).Get(order.ContractId).Contract;
        ValueTask<int> sent;
        try
        {
            sent = client.PlaceOrderAsync(contract, IbTranslate.Order(order), order.IbOrderId, ct);
        }
        catch (IbNotConnectedException e)
        {
            throw new BrokerUnavailableException(e.Message, e);
        }
        // A send that waited (pacing) is rare: its Task is allocated only then.
        if (!sent.IsCompletedSuccessfully) return Translate(new ValueTask(sent.AsTask()));
        _ = sent.Result;
        return ValueTask.CompletedTask;
    }

    /// <summary>Translates and encodes the order into the client's scratch buffer, which is never written to the socket.</summary>
    public void WarmOrderPath(OrderRequest order)
    {
        if (_current?.Client is not { IsConnected: true } client || Contracts is not { } contracts) return;
        client.EncodeWithoutSending(new IbPlaceOrder(order.IbOrderId, contracts.Get(order.ContractId).Contract, IbTranslate.Order(order)));
    }

    public ValueTask CancelOrderAsync(int ibOrderId, CancellationToken ct = default)
    {
        var (_, client) = Session();
        ValueTask sent;
        try
        {
            sent = client.CancelOrderAsync(ibOrderId, ct);
        }
        catch (IbNotConnectedException e)
        {
            throw new BrokerUnavailableException(e.Message, e);
        }
        if (!sent.IsCompletedSuccessfully) return Translate(sent);
        sent.GetAwaiter().GetResult();
        return ValueTask.CompletedTask;
    }

    private static async ValueTask Translate(ValueTask pending)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (IbNotConnectedException e)
        {
            throw new BrokerUnavailableException(e.Message, e);
        }
    }

    public async ValueTask ReconcileAsync(IReadOnlyList<ReconcileScope> scopes, CancellationToken ct = default)
    {
        var (session, client) = Session();
        foreach (var scope in scopes)
        {
            if (scope.IsPositions) await Send(() => client.ReqPositionsAsync(ct)).ConfigureAwait(false);
            else if (scope.IsOpenOrders) await Send(() => client.ReqAllOpenOrdersAsync(ct)).ConfigureAwait(false);
            else if (scope.IsExecutions)
                await Send(async () => await client.ReqExecutionsAsync(new IbExecutionFilter { AcctCode = _account }, ct).ConfigureAwait(false)).ConfigureAwait(false);
            else if (scope.IsAccountValues)
            {
                if (session.AccountSummaryReqId is { } previous) await Send(() => client.CancelAccountSummaryAsync(previous, ct)).ConfigureAwait(false);
                await Send(async () => session.AccountSummaryReqId = await client.ReqAccountSummaryAsync(SummaryTags, ct: ct).ConfigureAwait(false)).ConfigureAwait(false);
            }
        }
    }

    public async ValueTask SubscribeAsync(IReadOnlyList<ContractId> contracts, CancellationToken ct = default)
    {
        var (session, client) = Session();
        var table = Contracts ?? throw new InvalidOperationException("contracts not resolved");
        foreach (var conId in contracts)
        {
            // Cancel-and-request under a new ticker id is safe whether or not TWS still has the old subscription (1101).
            if (session.UnmapTicker(conId, out var old)) await Send(() => client.CancelMktDataAsync(old, ct)).ConfigureAwait(false);
            var tickerId = client.NextRequestId();
            session.MapTicker(tickerId, conId);
            await Send(() => client.SendAsync(new IbReqMktData(tickerId, table.Get(conId).Contract), ct)).ConfigureAwait(false);
        }
    }

    /// <summary>reqContractDetails on the current session: what the broker says of every contract that matches
    /// (expired ones included, so a leg held past its expiry can still be checked).</summary>
    public async Task<IReadOnlyList<IbContractDetails>> DetailsAsync(IbContract contract, TimeSpan timeout, CancellationToken ct)
    {
        var (session, client) = Session();
        var reqId = client.NextRequestId();
        var reply = session.ExpectContractDetails(reqId);
        await Send(() => client.SendAsync(new IbReqContractDetails(reqId, contract, IncludeExpired: true), ct)).ConfigureAwait(false);
        return await reply.WaitAsync(timeout, ct).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_current?.Client is { } c) await c.DisposeAsync().ConfigureAwait(false);
    }
}
