using System.Collections.Concurrent;
using Bifrost.Daemon.Engine;
using Bifrost.Daemon.Logging;
using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Bifrost.Ib.Client;
using Bifrost.Ib.Messages;
using Bifrost.Ib.Messages.Events;
using Bifrost.Ib.Messages.Model;
using Bifrost.Ib.Wire;
using Microsoft.Extensions.Logging;

namespace Bifrost.Daemon.Broker;

/// <summary>
/// One TWS session's event handler (called serially on the IbClient reader thread): translates every message with
/// <see cref="IbTranslate"/> and posts the result to the engine channel. It keeps only session bookkeeping — ticker id →
/// contract, pending contract-details lookups, the clock — never engine state. Ticks arrive by reference (no boxing).
/// </summary>
internal sealed class IbSession : IbEventHandler
{
    private readonly EngineChannel _channel;
    private readonly ILogger _logger;
    private readonly string _account;
    private readonly ConcurrentDictionary<int, ContractId> _tickers = new();
    private readonly ConcurrentDictionary<int, (List<IbContractDetails> Found, TaskCompletionSource<IReadOnlyList<IbContractDetails>> Done)> _lookups = new();
    private readonly TaskCompletionSource _firstTime = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IbSession(EngineChannel channel, ILogger logger, string account, int clientId)
    {
        _channel = channel;
        _logger = logger;
        _account = account;
        ClientId = clientId;
    }

    public IbClient? Client { get; set; }

    public int ClientId { get; }

    public string DisconnectReason { get; private set; } = "socket closed";

    /// <summary>The active accountSummary request, cancelled before a new one (TWS allows two at a time).</summary>
    public int? AccountSummaryReqId { get; set; }

    /// <summary>Completes at the first currentTime reply.</summary>
    public Task FirstTime => _firstTime.Task;

    public void MapTicker(int tickerId, ContractId conId) => _tickers[tickerId] = conId;

    public bool UnmapTicker(ContractId conId, out int tickerId)
    {
        foreach (var (id, c) in _tickers)
        {
            if (!c.Equals(conId)) continue;
            _tickers.TryRemove(id, out _);
            tickerId = id;
            return true;
        }
        tickerId = 0;
        return false;
    }

    public Task<IReadOnlyList<IbContractDetails>> ExpectContractDetails(int reqId)
    {
        var tcs = new TaskCompletionSource<IReadOnlyList<IbContractDetails>>(TaskCreationOptions.RunContinuationsAsynchronously);
        _lookups[reqId] = ([], tcs);
        return tcs.Task;
    }

    // ------------------------------------------------------------------ market data

    public override void OnTickPrice(in IbTickPrice m)
    {
        if (!_tickers.TryGetValue(m.TickerId, out var conId) || IbTranslate.PriceField(m.TickType) is not { } field) return;
        _channel.Post(EventPayload.NewTickReceived(conId, field, IbTranslate.PriceValue(m.Price)));
    }

    public override void OnTickSize(in IbTickSize m)
    {
        if (!_tickers.TryGetValue(m.TickerId, out var conId) || IbTranslate.SizeField(m.TickType) is not { } field) return;
        _channel.Post(EventPayload.NewTickReceived(conId, field, m.Size is { } s ? (double)s : 0.0));
    }

    public override void OnTickOptionComputation(in IbTickOptionComputation m)
    {
        if (!_tickers.TryGetValue(m.TickerId, out var conId)) return;
        if (IbTranslate.OptionComputation(conId, m) is { } e) _channel.Post(e);
    }

    public override void OnTickGeneric(in IbTickGeneric m)
    {
        if (!_tickers.TryGetValue(m.TickerId, out var conId)) return;
        if (IbTranslate.Halt(conId, m) is { } e) _channel.Post(e);
    }

    public override void OnTickString(in IbTickString m)
    {
    }

    // ------------------------------------------------------------------ orders and fills

    public override void OnOrderStatus(IbOrderStatus m)
    {
        if (IbTranslate.OrderStatus(m, ClientId) is { } r) _channel.Post(EventPayload.NewOrderStatusReported(r));
    }

    public override void OnOpenOrder(IbOpenOrder m)
    {
        if (IbTranslate.OpenOrder(m) is { } r) _channel.Post(EventPayload.NewOpenOrderReported(r));
    }

    public override void OnOpenOrderEnd(IbOpenOrderEnd m) => _channel.Post(EventPayload.OpenOrdersEnded);

    public override void OnExecDetails(IbExecDetails m)
    {
        if (IbTranslate.Execution(m) is { } x) _channel.Post(EventPayload.NewExecutionReported(x));
        else
        {
            // Not booked: its order waits for the fill, and the reconciliation it leads to names the order; the log
            // names the report.
            var e = m.Execution;
            Log.ExecutionUnreadable(_logger, e.ExecId, e.OrderRef, e.Side, e.Shares?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
                m.Contract.Symbol, m.Contract.ConId, e.Price);
        }
    }

    public override void OnExecDetailsEnd(IbExecDetailsEnd m) => _channel.Post(EventPayload.ExecutionsEnded);

    public override void OnCommissionReport(IbCommissionReport m)
    {
        if (IbTranslate.Commission(m) is { } e) _channel.Post(e);
    }

    // ------------------------------------------------------------------ account

    public override void OnPosition(IbPosition m)
    {
        if (IbTranslate.Position(m, _account) is { } e) _channel.Post(e);
    }

    public override void OnPositionEnd(IbPositionEnd m) => _channel.Post(EventPayload.PositionsEnded);

    public override void OnAccountSummary(IbAccountSummary m)
    {
        if (IbTranslate.AccountValue(m, _account) is { } e) _channel.Post(e);
    }

    public override void OnNextValidId(IbNextValidId m) => _channel.Post(EventPayload.NewNextValidIdReceived(m.OrderId));

    public override void OnCurrentTime(IbCurrentTime m)
    {
        _channel.Clock.ObserveBrokerSeconds(m.EpochSeconds);
        _firstTime.TrySetResult();
    }

    // ------------------------------------------------------------------ contract details (startup resolution)

    public override void OnContractData(IbContractData m)
    {
        if (_lookups.TryGetValue(m.ReqId, out var l)) lock (l.Found) l.Found.Add(m.Details);
    }

    public override void OnContractDataEnd(IbContractDataEnd m)
    {
        if (_lookups.TryRemove(m.ReqId, out var l)) l.Done.TrySetResult(l.Found);
    }

    // ------------------------------------------------------------------ errors and connection

    /// <summary>Routed by what the id is: a lookup or ticker this session issued and still maps, else (IbTranslate.Error)
    /// possibly an order. Request ids start at <see cref="IbProtocol.FirstRequestId"/>, above every order id.</summary>
    public override void OnError(IbError m)
    {
        if (_lookups.TryRemove(m.Id, out var l))
        {
            l.Done.TrySetException(new BrokerRequestRefused(m.Code, m.Message ?? ""));
            return;
        }
        if (_tickers.TryGetValue(m.Id, out var conId))
        {
            if (m.IsInformational) Log.BrokerMessage(_logger, m.Code, m.Id, m.Message);
            else Log.BrokerError(_logger, m.Code, m.Id, m.Message);
            if (IbTranslate.MarketDataError(m, conId) is { } refused) _channel.Post(refused);
            return;
        }
        var e = IbTranslate.Error(m);
        if (m.IsInformational || e is not null && !e.IsOrderErrorReported) Log.BrokerMessage(_logger, m.Code, m.Id, m.Message);
        else Log.BrokerError(_logger, m.Code, m.Id, m.Message);
        if (e is not null) _channel.Post(e);
    }

    public override void OnConnectionEvent(IIbEvent e)
    {
        switch (e)
        {
            case IbDisconnected d:
                DisconnectReason = d.Reason;
                break;
            case IbProtocolError p:
                Log.IbLibrary(_logger, "protocol error: " + p.Message);
                break;
        }
    }

    public override void OnOther(IIbEvent e)
    {
    }
}

/// <summary>Routes the IB library's diagnostics to the daemon's log.</summary>
internal sealed class IbLogAdapter(ILogger logger) : IIbLog
{
    public void Log(IbLogLevel level, string message)
    {
        if (level >= IbLogLevel.Warning) Logging.Log.IbLibrary(logger, message);
        else if (logger.IsEnabled(LogLevel.Debug)) logger.LogDebug(2099, "IB client: {Message}", message);
    }
}
