using Bifrost.Daemon.Broker;
using Bifrost.Daemon.Control;
using Bifrost.Daemon.Logging;
using Bifrost.Daemon.Systemd;
using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Bifrost.Store;
using Bifrost.Store.Records;
using Bifrost.Store.Writer;
using Microsoft.Extensions.Logging;
using StoreStatus = Bifrost.Store.Records.StatusSnapshot;

namespace Bifrost.Daemon.Engine;

/// <summary>
/// The daemon's interpreter of the reducer's command union: PlaceOrder → order row + raised id high-water mark
/// recorded (RecordNow) and only then placeOrder; records → the store's queue; CompleteControl → the control queue;
/// Exit → the loop's exit code. It decides nothing: when something cannot be done (store down, broker gone) it tells
/// the reducer with an event (<see cref="EngineLoop.Feedback"/>), which decides.
/// </summary>
public sealed class CommandDispatcher
{
    private readonly Config _cfg;
    private readonly StoreWriter _store;
    private readonly OrderJournal? _journal;
    private readonly IBrokerPort _broker;
    private readonly IControlCompleter _control;
    private readonly StatusMapper _status;
    private readonly EngineClock _clock;
    private readonly ILogger _logger;
    private readonly SdNotify? _notify;
    private readonly int _storeCapacity;
    private readonly TimeSpan _historyEvery;
    private readonly HashSet<string> _runsStarted = [];
    private readonly HashSet<string> _fillsRecorded = [];
    private readonly Dictionary<string, double> _pendingCommissions = [];
    private bool _queueFull;
    private string? _lastHistoryKey;
    private long _lastHistoryWall;
    private string? _lastNotifyStatus;

    public CommandDispatcher(Config cfg, StoreWriter store, IBrokerPort broker, IControlCompleter control, StatusMapper status,
        EngineClock clock, ILogger logger, SdNotify? notify = null, int storeCapacity = 65_536, TimeSpan? historyEvery = null,
        OrderJournal? journal = null)
    {
        _journal = journal;
        _cfg = cfg;
        _store = store;
        _broker = broker;
        _control = control;
        _status = status;
        _clock = clock;
        _logger = logger;
        _notify = notify;
        _storeCapacity = storeCapacity;
        _historyEvery = historyEvery ?? TimeSpan.FromSeconds(60);
    }

    /// <summary>Where the dispatcher reports what it could not do (set by the loop).</summary>
    public Action<EventPayload> Feedback { get; set; } = _ => { };

    public EngineProbe? Probe { get; set; }

    /// <summary>Set by an Exit command.</summary>
    public int? ExitCode { get; private set; }

    /// <summary>The last status written (final status at exit, tests).</summary>
    public StoreStatus? LastStatus { get; private set; }

    // ------------------------------------------------------------------ inputs the store keeps (before the reducer step)

    /// <summary>Broker facts recorded as they arrive: fills (exec id unique in the store) and their commissions.</summary>
    public void Observe(Event e)
    {
        switch (e.Payload)
        {
            case EventPayload.ExecutionReported x:
            {
                var id = ExecIdModule.value(x.Item.ExecId);
                if (!_fillsRecorded.Add(id)) return;
                Log.Fill(_logger, id, x.Item.Ref, SideModule.name(x.Item.Side), x.Item.Quantity, x.Item.Price, ContractIdModule.value(x.Item.ContractId));
                double? commission = _pendingCommissions.Remove(id, out var c) ? c : null;
                Enqueue(_store.AddFill(StoreMapping.Fill(x.Item, e.Received.Nanos, commission)));
                break;
            }
            case EventPayload.CommissionReported cr:
            {
                var id = ExecIdModule.value(cr.Item1);
                if (_fillsRecorded.Contains(id)) Enqueue(_store.SetFillCommission(id, cr.commission));
                else _pendingCommissions[id] = cr.commission;
                break;
            }
        }
    }

    // ------------------------------------------------------------------ commands

    public ValueTask DispatchAsync(Command command, State state)
    {
        switch (command)
        {
            case Command.PlaceOrder p:
                return PlaceAsync(p.Item);
            case Command.CancelOrder c:
                return CancelAsync(c.Item1, c.ibOrderId);
            case Command.RequestReconcile r:
                return Broker(() => _broker.ReconcileAsync([.. r.Item]), "reconcile");
            case Command.SubscribeMarketData s:
                return Broker(() => _broker.SubscribeAsync([.. s.Item]), "subscribe");
            case Command.RecordOperation op:
                Record(op.Item, state);
                break;
            case Command.RaiseAlert a:
                Log.Alert(_logger, a.Item.Severity.ToString(), a.Item.Code, a.Item.Message);
                Enqueue(_store.RaiseAlert(StoreMapping.Alert(a.Item)));
                break;
            case Command.PublishStatus ps:
                Publish(ps.Item, state);
                break;
            case Command.CompleteControl cc:
                var (done, text) = cc.Item2 is ControlOutcome.Done d ? (true, d.Item) : (false, ((ControlOutcome.Refused)cc.Item2).Item);
                if (cc.controlId > 0) _control.Complete(cc.controlId, done, text);
                break;
            case Command.Exit x:
                Log.ExitRequested(_logger, x.code);
                ExitCode = x.code;
                break;
        }
        return ValueTask.CompletedTask;
    }

    private async ValueTask PlaceAsync(OrderRequest o)
    {
        var now = _clock.NowNanos();
        var orderRef = OrderRefModule.value(o.Ref);
        var row = StoreMapping.OrderRow(o, now);
        var run = o.RunId != _cfg.RunId && _runsStarted.Add(o.RunId)
            ? new RunRecord(o.RunId, StoreMapping.RunKindOf(o.Purpose), now, "{}", _cfg.RunId)
            : null;
        var writes = new List<StoreWrite>(3) { new StoreWrite.Order(row), new StoreWrite.OrderIdHighWater(o.IbOrderId + 1L, now) };
        if (run is not null) writes.Add(new StoreWrite.RunStarted(run));
        try
        {
            // Recorded before a single byte goes out: a restart never reuses this id nor meets an orderRef it has no row
            // for. The journal line is the durable record (merged into the store at start); the rows follow through the
            // queue. Without a journal the rows are committed synchronously.
            if (_journal is not null)
            {
                _journal.Append(new JournalEntry(row, o.IbOrderId + 1L, run));
                foreach (var w in writes) Enqueue(_store.TryEnqueue(w));
            }
            else _store.RecordNow([.. writes]);
            Probe?.Recorded();
        }
        catch (Exception e) when (e is StoreWriteException or ObjectDisposedException or IOException)
        {
            Log.OrderNotSent(_logger, orderRef, o.IbOrderId, "store: " + e.Message);
            Feedback(EventPayload.NewOrderErrorReported(o.IbOrderId, 0, "not sent: the order could not be recorded: " + e.Message));
            return;
        }
        try
        {
            await _broker.PlaceOrderAsync(o).ConfigureAwait(false);
            Probe?.OrderWritten();
            Log.OrderSent(_logger, orderRef, o.IbOrderId, SideModule.name(o.Side), o.Quantity, ContractIdModule.value(o.ContractId), OrderPurposeModule.name(o.Purpose));
        }
        catch (BrokerUnavailableException e)
        {
            Log.OrderNotSent(_logger, orderRef, o.IbOrderId, e.Message);
            Feedback(EventPayload.NewOrderErrorReported(o.IbOrderId, 504, "not sent: " + e.Message));
        }
    }

    private async ValueTask CancelAsync(OrderRef orderRef, int ibOrderId)
    {
        try
        {
            await _broker.CancelOrderAsync(ibOrderId).ConfigureAwait(false);
        }
        catch (BrokerUnavailableException e)
        {
            // The reducer learns the order's fate from reconciliation after the reconnect.
            Log.OrderNotSent(_logger, OrderRefModule.value(orderRef), ibOrderId, "cancel not sent: " + e.Message);
        }
    }

    private async ValueTask Broker(Func<ValueTask> send, string what)
    {
        try
        {
            await send().ConfigureAwait(false);
        }
        catch (BrokerUnavailableException e)
        {
            // Syncing resumes at the next BrokerConnected.
            Log.BrokerError(_logger, 504, -1, $"{what} not sent: {e.Message}");
        }
    }

    private void Record(Operation op, State state)
    {
        Enqueue(_store.Record(StoreMapping.Operation(op)));
        var k = op.Kind;
        if (op.OrderRef.Length > 0 && (k.IsOrderStatusChanged || k.IsFillApplied || k.IsOrderRejected || k.IsAnomaly || k.IsCancelSent))
        {
            var r = OrderRefModule.create(op.OrderRef);
            if (r.IsOk && state.Orders.TryGetValue(r.ResultValue, out var order))
                Enqueue(_store.UpdateOrder(StoreMapping.Progress(order, op.Time.Nanos)));
        }
        if (k.IsControlCompleted && op.RunId.Length > 0 && op.RunId != _cfg.RunId)
        {
            var summary = System.Text.Json.JsonSerializer.Serialize(new { result = op.Detail });
            if (_runsStarted.Contains(op.RunId)) Enqueue(_store.EndRun(op.RunId, op.Time.Nanos, summary));
        }
    }

    private void Publish(Bifrost.Domain.Trading.StatusSnapshot snapshot, State state)
    {
        var wall = EngineClock.WallNanos();
        var status = _status.Map(snapshot, state, wall);
        LastStatus = status;
        Enqueue(_store.SetStatus(status));
        var key = StatusMapper.ChangeKey(status);
        if (key != _lastHistoryKey || wall - _lastHistoryWall >= _historyEvery.Ticks * 100)
        {
            _lastHistoryKey = key;
            _lastHistoryWall = wall;
            Enqueue(_store.AppendHistory(status));
        }
        var text = $"{status.FsmState}, {EnumText<Bifrost.Store.Records.Health>.ToText(status.Health)}, {status.Connection}";
        if (text != _lastNotifyStatus)
        {
            _lastNotifyStatus = text;
            _notify?.Status(text);
        }
    }

    /// <summary>Timer duties on each ClockTicked: heartbeat (wall clock, what the monitor compares), the store-queue
    /// recovery check and the systemd watchdog — sent from the loop so a stuck loop stops feeding it.</summary>
    public void OnClockTick()
    {
        Enqueue(_store.Heartbeat(EngineClock.WallNanos()));
        if (_queueFull && _store.QueueDepth < _storeCapacity / 2)
        {
            _queueFull = false;
            Log.StoreRecovered(_logger);
            Feedback(EventPayload.StoreRecovered);
        }
        _notify?.Watchdog();
    }

    private void Enqueue(bool accepted)
    {
        if (accepted || _queueFull) return;
        _queueFull = true;
        Log.StoreQueueFull(_logger);
        Feedback(EventPayload.NewStoreFailed("store queue full"));
    }
}
