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
    private readonly Dictionary<string, string> _awaitingCommission = [];
    private bool _queueFull;
    private EngineMemory? _unsavedMemory;
    private bool _pendingMemoryWritten;
    private int _labelledDay = -1;
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

    /// <summary>Delivers alerts to the operator (never blocks); null = store only.</summary>
    public Bifrost.Daemon.Alerts.AlertNotifier? Notifier { get; init; }

    /// <summary>Receive (wall) time of the input being processed: time_ns of what it records (schema v4).</summary>
    private long _wallNanos = EngineClock.WallNanos();

    /// <summary>Called by the loop before each reducer step with the input's receive (wall) time.</summary>
    public void BeginStep(long wallNanos) => _wallNanos = wallNanos;

    /// <summary>Where the dispatcher reports what it could not do (set by the loop).</summary>
    public Action<EventPayload> Feedback { get; set; } = _ => { };

    public EngineProbe? Probe { get; set; }

    /// <summary>Set by an Exit command.</summary>
    public int? ExitCode { get; private set; }

    /// <summary>The last status written (final status at exit, tests).</summary>
    public StoreStatus? LastStatus { get; private set; }

    // ------------------------------------------------------------------ inputs the store keeps (before the reducer step)

    /// <summary>Fills recorded by this process whose commissionReport has not arrived (yet): exec id → order ref.</summary>
    public IReadOnlyDictionary<string, string> AwaitingCommission => _awaitingCommission;

    /// <summary>Is this input a broker fact the store keeps even after the engine has stopped (a fill, a commission)?</summary>
    public static bool IsRecordOnly(EventPayload p) => p is EventPayload.ExecutionReported or EventPayload.CommissionReported;

    /// <summary>Broker facts recorded as they arrive: fills (exec id unique in the store) and their commissions.</summary>
    public void Observe(Event e)
    {
        switch (e.Payload)
        {
            case EventPayload.ExecutionReported x:
            {
                var id = ExecIdModule.value(x.Item.ExecId);
                if (!_fillsRecorded.Add(id)) return;
                Log.Fill(_logger, SideModule.name(x.Item.Side), x.Item.Quantity, _status.Describe(x.Item.ContractId), x.Item.Price, x.Item.Ref, id);
                double? commission = _pendingCommissions.Remove(id, out var c) ? c : null;
                if (commission is null) _awaitingCommission[id] = x.Item.Ref;
                Enqueue(_store.AddFill(StoreMapping.Fill(x.Item, _wallNanos, e.Venue.Nanos, commission, _cfg.Control.ClientId?.Value)));
                break;
            }
            case EventPayload.CommissionReported cr:
            {
                var id = ExecIdModule.value(cr.Item1);
                _awaitingCommission.Remove(id);
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
                return PlaceAsync(p.Item, state);
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
                var alert = StoreMapping.Alert(a.Item, _wallNanos);
                var handle = new AlertHandle();
                Enqueue(_store.RaiseAlert(alert, handle));
                Notifier?.Post(alert, handle);
                break;
            case Command.PublishStatus ps:
                Publish(ps.Item, state);
                break;
            case Command.CompleteControl cc:
                var (done, text) = cc.Item2 is ControlOutcome.Done d ? (true, d.Item) : (false, ((ControlOutcome.Refused)cc.Item2).Item);
                if (cc.controlId > 0) _control.Complete(cc.controlId, done, text);
                break;
            case Command.SaveMemory m:
                SaveMemory(m.Item);
                break;
            case Command.RecordPortfolioSnapshot ps:
                Enqueue(_store.RecordPortfolioSnapshot(PortfolioRuns.PortfolioMapping.Snapshot(ps.Item)));
                break;
            case Command.RecordPortfolioRun pr:
                Enqueue(_store.RecordPortfolioRun(PortfolioRuns.PortfolioMapping.Run(pr.Item)));
                break;
            case Command.LoadPortfolioSignals ls:
                Feedback(EventPayload.NewPortfolioSignalsLoaded(PortfolioRuns.SignalsDirectory.Newest(ls.slotId, ls.dir, DateTime.UtcNow)));
                break;
            case Command.PersistPortfolioSchedule ps:
                Enqueue(_store.SetPortfolioSchedule(ps.name, ps.Item2.HandledThrough.Nanos));
                break;
            case Command.Exit x:
                Log.ExitRequested(_logger, x.code);
                ExitCode = x.code;
                break;
        }
        return ValueTask.CompletedTask;
    }

    private volatile bool _ordersClosed;
    private OrderRequest? _lastOrder;
    private long _lastWarm;
    private bool _warmFailed;

    /// <summary>How often, at most, <see cref="KeepOrderPathWarm"/> runs the order path dry (null: never, for the
    /// benchmark's cold comparison). At 10 ms it cost the engine ~0.5 % of a core while quotes flowed (README, Performance).</summary>
    public TimeSpan? WarmEvery { get; init; } = DefaultWarmEvery;

    public static readonly TimeSpan DefaultWarmEvery = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Called by the loop when its queue is empty: at most every <see cref="WarmEvery"/>, runs the last order's way out
    /// without sending or writing anything (its store row mapped, its journal line built in the journal's buffers, its
    /// placeOrder translated and encoded into the IB client's scratch buffer), so that code and its data are in the
    /// caches when the next order comes. At a hedger's cadence, orders seconds apart, each order otherwise ran cold: ~2-4×
    /// its back-to-back CPU time. Nothing before the session's first order (there is no order to rehearse) and nothing
    /// once orders are closed. A failure only stops the warming (logged once): the real order path reports its own.
    /// Returns whether it ran.
    /// </summary>
    public bool KeepOrderPathWarm()
    {
        if (_lastOrder is not { } o || _ordersClosed || _warmFailed || WarmEvery is not { } every) return false;
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        if (System.Diagnostics.Stopwatch.GetElapsedTime(_lastWarm, now) < every) return false;
        _lastWarm = now;
        try
        {
            _journal?.WarmUp(new JournalEntry(StoreMapping.OrderRow(o, _clock.NowNanos()), o.IbOrderId + 1L, null));
            _broker.WarmOrderPath(o);
            Warmed++;
            return true;
        }
        catch (Exception e)
        {
            _warmFailed = true;
            Log.OrderPathWarmFailed(_logger, e.Message);
            return false;
        }
    }

    /// <summary>How many times <see cref="KeepOrderPathWarm"/> ran the order path (tests, benchmarks).</summary>
    public long Warmed { get; private set; }

    /// <summary>Closes the gate for new orders (stop signal or stop control). True the first time.</summary>
    public bool CloseOrders()
    {
        if (_ordersClosed) return false;
        _ordersClosed = true;
        return true;
    }

    /// <summary>True once a stop was received: no order leaves after that.</summary>
    public bool OrdersClosed => _ordersClosed;

    private async ValueTask PlaceAsync(OrderRequest o, State state)
    {
        if (_ordersClosed)
        {
            // Decided before the reducer saw the Stop, or by a handler racing it: never sent, and the reducer is told.
            Log.OrderHeldAtStop(_logger, OrderRefModule.value(o.Ref));
            Feedback(EventPayload.NewOrderErrorReported(o.IbOrderId, 0, "not sent: the daemon is stopping"));
            return;
        }
        Probe?.Dispatching();
        var now = _clock.NowNanos();
        var orderRef = OrderRefModule.value(o.Ref);
        var row = StoreMapping.OrderRow(o, now);
        var run = o.RunId != _cfg.RunId && _runsStarted.Add(o.RunId)
            ? new RunRecord(o.RunId, StoreMapping.RunKindOf(o.Purpose), now, StoreMapping.RunParameters(o, state), _cfg.RunId)
            : null;
        var writes = new List<StoreWrite>(3) { new StoreWrite.Order(row), new StoreWrite.OrderIdHighWater(o.IbOrderId + 1L, now) };
        if (run is not null) writes.Add(new StoreWrite.RunStarted(run));
        var rowsFollow = false;
        try
        {
            // Recorded before a single byte goes out: a restart never reuses this id nor meets an orderRef it has no row
            // for. The journal line is the durable record (merged into the store at start); the rows follow through the
            // queue once the order is sent. Without a journal the rows are committed synchronously.
            if (_journal is not null)
            {
                _journal.Append(new JournalEntry(row, o.IbOrderId + 1L, run));
                rowsFollow = true;
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
        _lastOrder = o;
        try
        {
            Probe?.Sending(o.IbOrderId);
            await _broker.PlaceOrderAsync(o).ConfigureAwait(false);
            Probe?.HandedOff();
            if (_logger.IsEnabled(LogLevel.Information)) // its arguments are built before the logger's own check
                Log.OrderSent(_logger, SideModule.name(o.Side), o.Quantity, _status.Describe(o.ContractId), OrderPurposeModule.name(o.Purpose), orderRef, o.IbOrderId);
        }
        catch (BrokerUnavailableException e)
        {
            Log.OrderNotSent(_logger, orderRef, o.IbOrderId, e.Message);
            Feedback(EventPayload.NewOrderErrorReported(o.IbOrderId, 504, "not sent: " + e.Message));
        }
        finally
        {
            // Queued after the send, sent or not: queuing wakes the store's writer thread, which on a busy machine took
            // the engine's core while the order was still on its way out. No event is stepped in between (the loop
            // awaits this command), so the store still sees the order's rows before anything that follows from it.
            if (rowsFollow)
                foreach (var w in writes) Enqueue(_store.TryEnqueue(w));
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
        Enqueue(_store.Record(StoreMapping.Operation(op, _wallNanos)));
        var k = op.Kind;
        // The log reads like a trader's: what was decided and what the book reconciled to (adoptions), in symbols.
        if (k.IsReconciled) Log.Reconciliation(_logger, op.Detail);
        else if (k.IsIntent) Log.Decision(_logger, op.Detail);
        if (op.OrderRef.Length > 0 && (k.IsOrderStatusChanged || k.IsFillApplied || k.IsOrderRejected || k.IsAnomaly || k.IsCancelSent))
        {
            var r = OrderRefModule.create(op.OrderRef);
            if (r.IsOk && state.Orders.TryGetValue(r.ResultValue, out var order))
                Enqueue(_store.UpdateOrder(StoreMapping.Progress(order, op.Time.Nanos)));
        }
        if (k.IsControlCompleted && op.RunId.Length > 0 && op.RunId != _cfg.RunId)
        {
            var summary = System.Text.Json.JsonSerializer.Serialize(new { result = op.Detail, status = StoreMapping.BatchStatus(op.Detail) });
            // A run refused before any order went out (e.g. market_data_error) still gets its row, ended `failed`.
            if (!_runsStarted.Contains(op.RunId) && StoreMapping.BatchStatus(op.Detail) == "failed"
                && StoreMapping.OperatorRunKind(op.RunId, _cfg.RunId) is { } kind && _runsStarted.Add(op.RunId))
                Enqueue(_store.StartRun(new RunRecord(op.RunId, kind, op.Time.Nanos, "{}", _cfg.RunId)));
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

    /// <summary>Where a memory the store did not take is kept (<see cref="PendingMemory"/>); null: nowhere (tests).</summary>
    public string? PendingMemoryPath { get; init; }

    /// <summary>At exit: one more try to put a memory the store refused into it. True when nothing is left unsaved.</summary>
    public bool SaveUnsavedMemory()
    {
        if (_unsavedMemory is { } memory) SaveMemory(memory);
        return _unsavedMemory is null;
    }

    /// <summary>
    /// The engine memory (operator state, day counters, option book) is committed synchronously, in the order the
    /// reducer decided it: a queued older value can never overwrite a newer one, and a Pause is on disk before the
    /// operator is told it is done. A failed write is retried on the next clock tick (the store failure is reported),
    /// and kept beside the store meanwhile (<see cref="PendingMemory"/>): an exit before the retry succeeds loses nothing.
    /// </summary>
    private void SaveMemory(EngineMemory memory)
    {
        if (memory.Day >= 0 && memory.Day != _labelledDay)
        {
            // The daily views group by this label (session day in the calendar's zone).
            _labelledDay = memory.Day;
            var (start, end) = SessionCalendarModule.dayBounds(_cfg.Calendar, memory.Day).ToValueTuple();
            var date = DateOnly.FromDayNumber(DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + memory.Day)
                .ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            Enqueue(_store.TryEnqueue(new StoreWrite.SessionDay(date, start.Nanos, end.Nanos, SessionCalendarModule.zoneName(_cfg.Calendar),
                SessionCalendarModule.hasSession(_cfg.Calendar, memory.Day))));
        }
        var json = MemoryJson.Write(memory);
        var now = _clock.NowNanos();
        try
        {
            _store.RecordNow(new StoreWrite.EngineState(MemoryJson.Key, json, now));
            _unsavedMemory = null;
            if (_pendingMemoryWritten && PendingMemoryPath is { } path)
            {
                try
                {
                    PendingMemory.Delete(path);
                    _pendingMemoryWritten = false;
                }
                catch (IOException)
                {
                    // Left for the next start, which finds the store's row newer and drops it.
                }
            }
        }
        catch (Exception e) when (e is StoreWriteException or ObjectDisposedException)
        {
            var first = _unsavedMemory is null;
            _unsavedMemory = memory;
            if (first)
            {
                Log.StoreFailing(_logger, "engine memory not saved: " + e.Message);
                Feedback(EventPayload.NewStoreFailed("engine memory could not be saved: " + e.Message));
            }
            KeepAside(json, now, e.Message);
        }
    }

    private void KeepAside(string json, long now, string storeError)
    {
        if (PendingMemoryPath is not { } path) return;
        try
        {
            PendingMemory.Write(path, json, now);
            if (!_pendingMemoryWritten) Log.MemoryKeptAside(_logger, path, storeError);
            _pendingMemoryWritten = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.MemoryLost(_logger, $"store: {storeError}; {path}: {e.Message}", "a pause, a halt or the day's counters decided since");
        }
    }

    /// <summary>Timer duties on each ClockTicked: heartbeat (wall clock, what the monitor compares), the store-queue
    /// recovery check and the systemd watchdog — sent from the loop so a stuck loop stops feeding it.</summary>
    public void OnClockTick()
    {
        Enqueue(_store.Heartbeat(EngineClock.WallNanos()));
        if (_unsavedMemory is { } memory) SaveMemory(memory);
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
