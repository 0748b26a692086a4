using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Bifrost.Domain;
using Bifrost.Ib.Messages;
using Bifrost.Ib.Messages.Events;
using Bifrost.Ib.Messages.Requests;
using Bifrost.Ib.Server;
using Bifrost.Ib.Wire;
using Bifrost.Sim.Broker;
using Bifrost.Sim.Ticks;

namespace Bifrost.Sim.Gateway;

/// <summary>
/// The replay gateway: a TWS-protocol server on 127.0.0.1 that replays a Parquet tick file on a simulated clock, fills
/// orders through the shared <see cref="SimulatedBroker"/>, keeps one shared paper account for every client id, writes a
/// ledger and injects scripted faults. All engine state is mutated under one async lock (<see cref="_gate"/>), so the
/// order of messages is a function of the inputs; each client has its own writer task so no socket blocks the engine.
/// Start with <see cref="StartAsync"/>; stop with <see cref="DisposeAsync"/>.
/// </summary>
public sealed partial class ReplayGateway : IAsyncDisposable
{
    private readonly GatewayOptions _options;
    private readonly IbServerListener _listener;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<int, GatewaySession> _sessions = new();
    private readonly Dictionary<int, int> _nextOrderId = new();
    private readonly GatewayLedger _ledger;
    private readonly SimulatedBroker _broker;
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private readonly List<Task> _background = [];
    private ControlChannel? _control;
    private long _sessionSerial;

    private ReplayGateway(GatewayOptions options, GatewayContracts contracts, long firstTickNanos)
    {
        _options = options;
        Contracts = contracts;
        _firstTickNanos = firstTickNanos;
        _now = firstTickNanos;
        _ledger = new GatewayLedger(options.LedgerPath);
        var account = new SimAccount(options.Account, options.StartingCash);
        _broker = new SimulatedBroker(options.FillModel, account,
            conId => contracts.TryGet(conId, out var k) ? GatewayContracts.Multiplier(k) : 1,
            conId => contracts.TryGet(conId, out var k) && k.IsOption);
        _listener = new IbServerListener(options.Port, new IbServerOptions { ConnectionTime = () => TwsTime(NowNanos) + " US/Eastern" });
        _rules.AddRange(options.Faults.Select(r => new ArmedRule(r)));
    }

    public GatewayContracts Contracts { get; }
    public int Port => _listener.Port;
    public int? ControlPort => _control?.Port;
    public string Account => _options.Account;
    public string? LedgerPath => _ledger.Path;
    public ReplaySpeed Speed => _options.Speed;

    /// <summary>The simulated clock (UTC nanoseconds since the epoch).</summary>
    public long NowNanos => Interlocked.Read(ref _now);

    private readonly System.Collections.Concurrent.ConcurrentQueue<TickToOrderStamp> _tickToOrder = new();

    /// <summary>For every placeOrder received: microseconds since the last tick frame was written to that client
    /// (loopback tick → order, measured on the gateway's side of the socket). Exact when ticks are sparser than the
    /// client's reaction time; under a flood of ticks it is a lower bound.</summary>
    public IReadOnlyList<double> TickToOrderMicros =>
        _tickToOrder.Select(t => (t.OrderRead - t.TickWritten) * 1e6 / System.Diagnostics.Stopwatch.Frequency).ToList();

    /// <summary>The same measurements as Stopwatch timestamps, in the order the placeOrders arrived: a client in this
    /// process (the loopback benchmark) lines them up with its own stamps.</summary>
    public IReadOnlyList<TickToOrderStamp> TickToOrderStamps => [.. _tickToOrder];
    public DateTimeOffset Now => DateTimeOffset.UnixEpoch.AddTicks(NowNanos / 100);

    /// <summary>Completes when the tick file has been fully replayed (never in step mode until stepped to the end).</summary>
    public Task ReplayFinished => _replayFinished.Task;

    /// <summary>Client ids with a live session.</summary>
    public IReadOnlyList<int> ConnectedClientIds
    {
        get
        {
            lock (_sessions) return [.. _sessions.Keys.Order()];
        }
    }

    /// <summary>Opens the tick file, binds 127.0.0.1:<see cref="GatewayOptions.Port"/> (and the control port if asked),
    /// seeds positions, arms the fault script and starts replaying.</summary>
    public static async Task<ReplayGateway> StartAsync(GatewayOptions options, CancellationToken ct = default)
    {
        options.Validate();
        var contracts = TickFileReader.ScanContracts(options.DataPath);
        if (contracts.Count == 0) throw new TickDataException($"{options.DataPath}: no ticks to replay");
        long first;
        using (var probe = new TickFileReader(options.DataPath))
            first = probe.ReadBatches().SelectMany(b => b).Select(t => t.TsNanos).First();
        var gateway = new ReplayGateway(options, new GatewayContracts(contracts, options.TradingClasses), first);
        try
        {
            gateway.Seed();
            gateway.OpenReplay();
            if (options.ControlPort is { } cp) gateway._control = new ControlChannel(gateway, cp);
            await gateway.FireStartRulesAsync().ConfigureAwait(false);
            gateway._background.Add(Task.Run(gateway.AcceptLoopAsync, CancellationToken.None));
            gateway._background.Add(Task.Run(gateway.ReplayLoopAsync, CancellationToken.None));
            if (gateway._control is not null) gateway._background.Add(Task.Run(() => gateway._control.RunAsync(gateway._stop.Token), CancellationToken.None));
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private void Seed()
    {
        foreach (var seed in _options.SeedPositions)
        {
            var conId = Contracts.Find(seed.Contract) ?? throw new ArgumentException($"--seed-position: unknown contract '{seed.Contract}' (known: {string.Join(", ", Contracts.All.Values.Select(k => k.ToString()).Order())})");
            _broker.Account.Seed(conId, seed.Quantity, double.IsNaN(seed.AvgCost) ? 0 : seed.AvgCost);
            if (double.IsNaN(seed.AvgCost)) _seedCostPending.Add(conId);
        }
    }

    // ------------------------------------------------------------------ connections

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(socket));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        var connection = await IbServerConnection.AcceptAsync(socket, new IbServerOptions { ConnectionTime = () => TwsTime(NowNanos) + " US/Eastern" }, _stop.Token).ConfigureAwait(false);
        if (connection is null) return;
        GatewaySession? session = null;
        await _gate.WaitAsync(_stop.Token).ConfigureAwait(false);
        try
        {
            _messagesReceived++; // startApi
            lock (_sessions)
            {
                if (!_sessions.TryGetValue(connection.ClientId, out var existing) || !existing.IsOpen)
                {
                    session = new GatewaySession(connection, ++_sessionSerial);
                    _sessions[connection.ClientId] = session;
                }
            }
            if (session is not null) StartBurst(session);
            await EvaluateRulesAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
        if (session is null)
        {
            Log($"client id {connection.ClientId} already connected: 326");
            try
            {
                await connection.SendErrorAsync(-1, IbErrorCodes.ClientIdInUse, "Unable to connect as the client id is already in use. Retry with a unique client id.").ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException) { }
            await connection.DisposeAsync().ConfigureAwait(false);
            return;
        }
        Log($"client {session.ClientId} connected from {connection.RemoteEndPoint}");
        try
        {
            while (session.IsOpen)
            {
                IIbRequest? request;
                try
                {
                    request = await connection.ReadRequestAsync(_stop.Token).ConfigureAwait(false);
                }
                catch (IbProtocolException ex)
                {
                    Log($"client {session.ClientId}: protocol error, closing: {ex.Message}");
                    break;
                }
                if (request is null) break;
                if (request is IbPlaceOrder && Volatile.Read(ref session.LastTickWritten) is var tick and > 0)
                    _tickToOrder.Enqueue(new TickToOrderStamp(tick, System.Diagnostics.Stopwatch.GetTimestamp()));
                await _gate.WaitAsync(_stop.Token).ConfigureAwait(false);
                try
                {
                    if (!session.IsOpen) break;
                    _messagesReceived++;
                    if (session.CountRequest(_wall.ElapsedMilliseconds, _options.PacingLimitPerSecond)) PacingExceeded(session);
                    HandleRequest(session, request);
                    await EvaluateRulesAsync().ConfigureAwait(false);
                }
                finally
                {
                    _gate.Release();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // gateway stopping
        }
        finally
        {
            await UnregisterAsync(session).ConfigureAwait(false);
        }
    }

    private async Task UnregisterAsync(GatewaySession session)
    {
        lock (_sessions)
        {
            if (_sessions.TryGetValue(session.ClientId, out var s) && ReferenceEquals(s, session)) _sessions.Remove(session.ClientId);
        }
        await session.CloseAsync(flush: false).ConfigureAwait(false);
        Log($"client {session.ClientId} disconnected");
    }

    /// <summary>Reference §2.4: managedAccounts, nextValidId, farm status, then this client's open orders.</summary>
    private void StartBurst(GatewaySession s)
    {
        s.Send(new IbManagedAccounts(_options.Account));
        s.Send(new IbNextValidId(NextOrderId(s.ClientId)));
        s.Send(new IbError(-1, IbErrorCodes.MarketDataFarmOk, FaultScript.DefaultText(2104)));
        s.Send(new IbError(-1, IbErrorCodes.HistoricalFarmOk, FaultScript.DefaultText(2106)));
        s.Send(new IbError(-1, IbErrorCodes.SecDefFarmOk, FaultScript.DefaultText(2158)));
        foreach (var o in _broker.WorkingOrders.Where(o => o.Request.ClientId == s.ClientId).OrderBy(o => o.Request.OrderId).ToList())
            SendOrderSnapshot(s, o);
    }

    private int NextOrderId(int clientId) =>
        _nextOrderId.TryGetValue(clientId, out var id) ? id : _nextOrderId[clientId] = _options.FirstOrderId;

    private IEnumerable<GatewaySession> Sessions(int? clientId = null)
    {
        lock (_sessions) return _sessions.Values.Where(s => s.IsOpen && (clientId is null || s.ClientId == clientId)).OrderBy(s => s.ClientId).ToList();
    }

    private GatewaySession? SessionOf(int clientId)
    {
        lock (_sessions) return _sessions.TryGetValue(clientId, out var s) && s.IsOpen ? s : null;
    }

    private void PacingExceeded(GatewaySession s)
    {
        var second = _wall.ElapsedMilliseconds / 1000;
        if (s.PacingViolationSecond == second) return;
        s.PacingViolationSecond = second;
        Log($"client {s.ClientId}: more than {_options.PacingLimitPerSecond} messages in a second: 100");
        s.Send(new IbError(-1, IbErrorCodes.MaxRateExceeded, FaultScript.DefaultText(100)));
        if (_options.DisconnectOnPacingViolation) _ = s.CloseAsync(flush: true);
    }

    // ------------------------------------------------------------------ request dispatch

    private void HandleRequest(GatewaySession s, IIbRequest request)
    {
        switch (request)
        {
            case IbReqCurrentTime:
                if (_loseCurrentTime) _loseCurrentTime = false;
                else s.Send(new IbCurrentTime(NowNanos / 1_000_000_000));
                break;
            case IbReqIds:
                s.Send(new IbNextValidId(NextOrderId(s.ClientId)));
                break;
            case IbReqManagedAccts:
                s.Send(new IbManagedAccounts(_options.Account));
                break;
            case IbReqMarketDataType:
                // Always live (type 1): the replay has no delayed or frozen data to offer.
                foreach (var sub in s.Subscriptions.Values) s.Send(new IbMarketDataType(sub.TickerId, 1));
                break;
            case IbReqMktData md:
                SubscribeMarketData(s, md);
                break;
            case IbCancelMktData cmd:
                s.Subscriptions.Remove(cmd.TickerId);
                break;
            case IbReqContractDetails cd:
                ContractDetails(s, cd);
                break;
            case IbPlaceOrder po:
                PlaceOrder(s, po);
                break;
            case IbCancelOrder co:
                CancelOrder(s, co.OrderId);
                break;
            case IbReqGlobalCancel:
                foreach (var o in _broker.WorkingOrders.ToList()) HandleBrokerEvents(_broker.Cancel(o.Request.ClientId, o.Request.OrderId, NowNanos));
                break;
            case IbReqOpenOrders:
                OpenOrders(s, allClients: false);
                break;
            case IbReqAllOpenOrders:
                OpenOrders(s, allClients: true);
                break;
            case IbReqAutoOpenOrders:
                break;
            case IbReqExecutions ex:
                Executions(s, ex);
                break;
            case IbReqPositions:
                s.PositionsSubscribed = true;
                Positions(s);
                break;
            case IbCancelPositions:
                s.PositionsSubscribed = false;
                break;
            case IbReqAccountSummary sum:
                AccountSummary(s, sum);
                break;
            case IbCancelAccountSummary cas:
                s.AccountSummaryRequests.Remove(cas.ReqId);
                break;
            case IbReqAccountUpdates au:
                AccountUpdates(s, au);
                break;
            case IbMalformedRequest bad:
                Log($"client {s.ClientId}: malformed request {bad.MessageId}: {bad.Reason}");
                s.Send(new IbError(-1, IbErrorCodes.ErrorReadingRequest, $"Error reading request. Message id {bad.MessageId}: {bad.Reason}"));
                break;
            case IbUnknownRequest unknown:
                s.Send(new IbError(-1, IbErrorCodes.ErrorValidatingRequest, $"Error validating request. Message id {unknown.MessageId} is not supported by the replay gateway."));
                break;
            case IbStartApi:
                s.Send(new IbError(-1, IbErrorCodes.ErrorValidatingRequest, "Error validating request. startApi was already received."));
                break;
        }
    }

    // ------------------------------------------------------------------ time helpers

    private static readonly TimeZoneRule Eastern = TimeZoneRule.UsEastern;

    internal static DateTime EasternLocal(long nanos)
    {
        var offset = SessionCalendarModule.utcOffset(Eastern, Timestamp.NewTimestamp(nanos));
        return DateTime.UnixEpoch.AddTicks(nanos / 100).AddMinutes(offset);
    }

    internal static int EasternOffsetMinutes(long nanos) => SessionCalendarModule.utcOffset(Eastern, Timestamp.NewTimestamp(nanos));

    /// <summary><c>yyyyMMdd HH:mm:ss</c> in US/Eastern, as TWS writes times.</summary>
    internal static string TwsTime(long nanos) => EasternLocal(nanos).ToString("yyyyMMdd HH:mm:ss", CultureInfo.InvariantCulture);

    private void Log(string message) => _options.Log?.WriteLine($"[gateway {TwsTime(NowNanos)}] {message}");

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        _control?.Dispose();
        foreach (var s in Sessions()) await s.CloseAsync(flush: false).ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_background).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or ObjectDisposedException) { }
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _replay?.Dispose();
            _ledger.Dispose();
        }
        finally
        {
            _gate.Release();
        }
    }
}

/// <summary>Stopwatch timestamps of one loopback tick → order: the last tick frame written to the client before its
/// placeOrder, and that placeOrder read.</summary>
public readonly record struct TickToOrderStamp(long TickWritten, long OrderRead);
