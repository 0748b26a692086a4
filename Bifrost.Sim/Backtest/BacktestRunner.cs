using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Bifrost.Sim.Broker;
using Bifrost.Sim.Ticks;
using Microsoft.FSharp.Collections;

namespace Bifrost.Sim.Backtest;

/// <summary>
/// The deterministic, clock-stepped backtest: one reducer (the engine's own <see cref="Reducer.step"/>), one simulated
/// broker (the fill model shared with the replay gateway), and a virtual clock.
/// <para>
/// Time: three sources are merged in time order — broker wake-ups (acks and fills falling due by latency), ticks (in
/// file order) and ClockTicked every <c>clock_seconds</c> on an epoch-aligned grid. Equal times are broken by that
/// rank: broker, then ticks, then the clock. Everything an input causes (commands, the broker's answers, the
/// reducer's reactions) is processed FIFO at the same simulated time before the next input. The clock skips silent
/// stretches longer than <c>idle_gap_seconds</c>, so nights and weekends cost nothing.
/// </para>
/// <para>
/// Start-up goes through the same reducer path as live: EngineStarted (empty store), BrokerConnected [account],
/// then the reducer's RequestReconcile is answered from the <see cref="SimAccount"/> (positions, open orders,
/// executions). The option book of the config is seeded into the account before start, each leg at the mid of its
/// first two-sided quote in the data (the run reads ahead until every leg has one), so the book starts at zero P&amp;L.
/// </para>
/// </summary>
public sealed class BacktestRunner
{
    private readonly Config _cfg;
    private readonly BacktestSettings _settings;
    private readonly SimAccount _account;
    private readonly SimulatedBroker _broker;
    private readonly RunStatistics _stats;
    private readonly Queue<Event> _pending = new();
    private readonly List<(long Time, EventPayload Payload)> _translated = new();
    private readonly List<BrokerEvent> _brokerEvents = new();
    private readonly Dictionary<int, ContractId> _ids = new();
    private readonly Dictionary<int, int> _multipliers = new();
    private readonly Dictionary<int, bool> _isOption = new();
    private State _state;
    private long _now;
    private long _nextClock = long.MaxValue;
    private long _nextBrokerDue = long.MaxValue;
    private bool _exited;
    private long _events;
    private long _ticksRead;
    private double _cash;
    private double _financing;
    private long _lastAccrual;

    public BacktestRunner(BacktestSetup setup)
    {
        // Nobody reads a backtest's status: the curve is sampled from the state (SampleEquity).
        _cfg = ConfigModule.withoutHeartbeat(setup.Config);
        _settings = setup.Settings;
        var calendar = _cfg.Calendar;
        _stats = new RunStatistics(_settings.CurveNanos, t => SessionCalendarModule.tradingDay(calendar, Timestamp.NewTimestamp(t)));
        var strategy = _cfg.Strategy;
        Register(strategy.Underlying.ContractId, 1, false);
        foreach (var leg in strategy.Legs) Register(leg.Option.ContractId, leg.Option.Multiplier, true);
        _account = new SimAccount(_cfg.Account, 0.0);
        _broker = new SimulatedBroker(_settings.FillModel(), _account, id => _multipliers.GetValueOrDefault(id, 1), id => _isOption.GetValueOrDefault(id));
        _state = StateModule.initial(_cfg);
    }

    private void Register(ContractId id, int multiplier, bool option)
    {
        var n = ContractIdModule.value(id);
        _ids[n] = id;
        _multipliers[n] = multiplier;
        _isOption[n] = option;
    }

    /// <summary>Runs the whole data set and returns the deterministic result.</summary>
    public static BacktestResult Run(BacktestSetup setup, ITickSource source) => new BacktestRunner(setup).Execute(source);

    /// <summary>The engine state at the end of the last run (for tests).</summary>
    public State FinalState => _state;

    /// <summary>Called after every reducer step with the event and the new state (tests check invariants per step).</summary>
    public Action<Event, State>? AfterEachEvent { get; init; }

    /// <summary>Runs once; a runner is not reusable.</summary>
    public BacktestResult Execute(ITickSource source)
    {
        using var batches = source.Batches().GetEnumerator();
        var head = ReadAheadForBook(batches, source.Name);
        var start = FirstTime(head) ?? throw new TickDataException($"{source.Name}: no ticks");
        SeedBook();
        _now = start;
        _lastAccrual = start;
        _nextClock = GridCeil(start);
        _stats.OnFsm(_state.Fsm, start);
        Deliver(start, EventPayload.NewEngineStarted(RestoredModule.empty));
        Deliver(start, EventPayload.NewBrokerConnected(FSharpList<string>.Cons(_cfg.Account, FSharpList<string>.Empty)));

        var last = start;
        foreach (var batch in Concat(head, batches))
        {
            foreach (var tick in batch)
            {
                if (_exited) break;
                RunTimersBefore(tick.TsNanos, brokerInclusive: true);
                if (_exited) break;
                OnTick(tick);
                last = tick.TsNanos;
            }
            if (_exited) break;
            source.Release(batch); // every tick of it was copied out above
        }
        // Let in-flight orders and the next clock step play out after the last tick (never beyond the idle gap).
        if (!_exited) RunTimersBefore(Math.Min(GridCeil(last) + _settings.ClockNanos, last + _settings.IdleGapNanos) + 1, brokerInclusive: true);
        return Finish(source.Name, start);
    }

    private BacktestResult Finish(string data, long start)
    {
        var end = _now;
        var s = _state;
        var (total, realized, unrealized, fees) = SampleEquity(end);
        var (curve, sharpe) = _stats.FinishCurve(_settings.CurveSeconds);
        return new BacktestResult
        {
            RunId = _cfg.RunId,
            Data = data,
            StartNanos = start,
            EndNanos = end,
            TicksRead = _ticksRead,
            Events = _events,
            FinalState = FsmStateModule.name(s.Fsm),
            TotalPnl = total,
            RealizedPnl = realized,
            UnrealizedPnl = unrealized,
            Fees = fees,
            Financing = _financing,
            Attribution = s.Attribution,
            Sharpe = sharpe,
            MaxDrawdown = _stats.MaxDrawdown,
            SharpeDays = _stats.CurveDays,
            MaxAbsNetDelta = _stats.MaxAbsNetDelta,
            MaxPosition = _stats.MaxPosition,
            MaxNotional = _stats.MaxNotional,
            Orders = _stats.Orders,
            Hedges = _stats.Hedges,
            Fills = _stats.Fills,
            SharesTraded = _stats.Shares,
            Turnover = _stats.Turnover,
            Slippage = _stats.Slippage,
            GuardBlocks = _stats.GuardBlocks,
            GuardBlockEvents = _stats.GuardBlockEvents,
            SecondsInState = _stats.FinishStates(end),
            Alerts = _stats.Alerts,
            Anomalies = s.Anomalies,
            OrderList = _stats.OrderList,
            OrderListHash = RunStatistics.HashOrders(_stats.OrderList),
            Curve = curve,
        };
    }

    // ---- start-up -------------------------------------------------------------------------------------------------

    private readonly Dictionary<int, double> _firstMid = new();

    /// <summary>Reads batches until every leg of the book has had a two-sided quote and the underlying a quote (or the
    /// data ends).</summary>
    private List<Tick[]> ReadAheadForBook(IEnumerator<Tick[]> batches, string name)
    {
        var head = new List<Tick[]>();
        var legs = _cfg.Strategy.Legs.Select(l => ContractIdModule.value(l.Option.ContractId)).ToHashSet();
        var underlying = ContractIdModule.value(_cfg.Strategy.Underlying.ContractId);
        var sawUnderlying = false;
        while ((_firstMid.Count < legs.Count || !sawUnderlying) && batches.MoveNext())
        {
            var batch = batches.Current;
            head.Add(batch);
            foreach (var t in batch)
            {
                sawUnderlying |= t.ConId == underlying;
                if (legs.Contains(t.ConId) && !_firstMid.ContainsKey(t.ConId) && t.Bid > 0 && t.Ask >= t.Bid && double.IsFinite(t.Ask))
                    _firstMid[t.ConId] = 0.5 * (t.Bid + t.Ask);
            }
        }
        // Without it the engine never has a price to hedge at: a run of no hedges that exits 0 (a con_id copied from the
        // daemon's config is IB's, not the data's derived one).
        if (!sawUnderlying && head.Any(b => b.Length > 0))
        {
            var symbol = _cfg.Strategy.Underlying.Symbol;
            throw new TickDataException($"{name}: no quote for the underlying {symbol} (con_id {underlying}): the data's {symbol} is con_id "
                + $"{ContractKey.Stock(symbol).ConId}; check strategy.underlying (leave con_id out to use the data's) against the data (bifrost-sim inspect)");
        }
        if (_firstMid.Count < legs.Count)
        {
            var missing = _cfg.Strategy.Legs.Where(l => !_firstMid.ContainsKey(ContractIdModule.value(l.Option.ContractId)))
                .Select(l => $"{l.Option.Underlying} {l.Option.Right} {l.Option.Strike} (con_id {ContractIdModule.value(l.Option.ContractId)})");
            throw new TickDataException($"{name}: no two-sided quote for option leg(s) {string.Join(", ", missing)}: check the legs' strike/expiry against the data (bifrost-sim inspect)");
        }
        return head;
    }

    private void SeedBook()
    {
        foreach (var leg in _cfg.Strategy.Legs)
        {
            var id = ContractIdModule.value(leg.Option.ContractId);
            var mid = _firstMid[id];
            _account.Seed(id, leg.Quantity, mid);
            _cash -= leg.Quantity * mid * leg.Option.Multiplier;
        }
    }

    private static long? FirstTime(List<Tick[]> head) => head.FirstOrDefault(b => b.Length > 0) is { } b ? b[0].TsNanos : null;

    private static IEnumerable<Tick[]> Concat(List<Tick[]> head, IEnumerator<Tick[]> rest)
    {
        foreach (var b in head) yield return b;
        while (rest.MoveNext()) yield return rest.Current;
    }

    // ---- the virtual clock ----------------------------------------------------------------------------------------

    private long GridCeil(long t)
    {
        var step = _settings.ClockNanos;
        var q = Math.DivRem(t, step, out var r);
        return (r > 0 ? q + 1 : q) * step;
    }

    private long GridFloor(long t)
    {
        var step = _settings.ClockNanos;
        var q = Math.DivRem(t, step, out var r);
        return (r < 0 ? q - 1 : q) * step;
    }

    /// <summary>Fires broker wake-ups (at or before <paramref name="t"/> when inclusive) and clock ticks strictly before
    /// it, in time order, broker first on ties.</summary>
    private void RunTimersBefore(long t, bool brokerInclusive)
    {
        while (!_exited)
        {
            var b = _nextBrokerDue;
            var c = _nextClock;
            if (b <= c && (b < t || (brokerInclusive && b == t)))
            {
                Advance(b);
                _translated.Clear();
                foreach (var e in _broker.Advance(b)) Translate(e);
                EnqueueTranslated();
                Drain();
            }
            else if (c < t)
            {
                Advance(c);
                var next = c + _settings.ClockNanos;
                if (t - next > _settings.IdleGapNanos) next = Math.Max(next, GridFloor(t));
                _nextClock = next;
                Enqueue(c, EventPayload.ClockTicked);
                Drain();
            }
            else return;
        }
    }

    private void Advance(long t)
    {
        if (t > _now) _now = t;
        if (_settings.FinancingRate != 0 && _now > _lastAccrual)
        {
            var years = (_now - _lastAccrual) / (365.0 * 86_400e9);
            var interest = _cash * (Math.Exp(_settings.FinancingRate * years) - 1.0);
            _cash += interest;
            _financing += interest;
        }
        _lastAccrual = _now;
    }

    // ---- inputs ---------------------------------------------------------------------------------------------------

    private void OnTick(in Tick tick)
    {
        _ticksRead++;
        if (!_ids.TryGetValue(tick.ConId, out var id)) return; // not in the engine's universe
        Advance(tick.TsNanos);
        // The exchange sees the quote first (working orders may trade on it), then the engine receives it, then the fills.
        _translated.Clear();
        _brokerEvents.Clear();
        _broker.OnQuote(tick.ConId, new TopOfBook(tick.Bid, tick.Ask, tick.BidSize, tick.AskSize, tick.TsNanos), tick.TsNanos, _brokerEvents);
        foreach (var e in _brokerEvents) Translate(e);
        var quote = new Quote(id, tick.Bid, tick.Ask, tick.Last, tick.BidSize, tick.AskSize, tick.Iv,
            Timestamp.NewTimestamp(tick.TsNanos), Timestamp.NewTimestamp(tick.TsNanos));
        Enqueue(tick.TsNanos, EventPayload.NewQuoteReceived(quote));
        EnqueueTranslated();
        Drain();
    }

    private void Enqueue(long t, EventPayload payload)
    {
        var ts = Timestamp.NewTimestamp(t);
        _pending.Enqueue(new Event(ts, ts, payload));
    }

    private void Deliver(long t, EventPayload payload)
    {
        Enqueue(t, payload);
        Drain();
    }

    private void EnqueueTranslated()
    {
        foreach (var (t, p) in _translated) Enqueue(t, p);
        _translated.Clear();
    }

    private void Translate(BrokerEvent e)
    {
        if (e is OrderExecuted x)
        {
            var ex = x.Execution;
            var mult = _multipliers.GetValueOrDefault(ex.Order.Request.ConId, 1);
            _stats.OnFill(ex, mult);
            _cash -= ex.Order.Request.Side * ex.Quantity * ex.Price * mult + ex.Commission;
        }
        BrokerTranslation.ToDomain(e, IdOf, _translated);
    }

    private ContractId IdOf(int conId) => _ids.TryGetValue(conId, out var id) ? id : ContractIdModule.create(conId).ResultValue;

    /// <summary>Runs the reducer over everything pending at the current time, interpreting each command as it comes.</summary>
    private void Drain()
    {
        while (!_exited && _pending.TryDequeue(out var e))
        {
            var (next, commands) = Reducer.step(_cfg, _state, e);
            _state = next;
            _events++;
            AfterEachEvent?.Invoke(e, next);
            _stats.OnFsm(next.Fsm, _now);
            // Walked by its tail: foreach over an F# list allocates an enumerator per event, and most lists are empty.
            for (var c = commands; !c.IsEmpty; c = c.Tail) Interpret(c.Head);
            // The equity curve is sampled from the engine's state on every clock step, not from its status
            // snapshots, so the statistics do not depend on how often the engine publishes status.
            if (e.Payload.IsClockTicked) SampleEquity(_now);
        }
        if (_exited) _pending.Clear();
        UpdateBrokerDue();
    }

    private (double Total, double Realized, double Unrealized, double Fees) SampleEquity(long t)
    {
        var s = _state;
        var realized = PortfolioModule.totalRealized(s.Portfolio);
        var unrealized = StateModule.unrealized(_cfg, s);
        var fees = PortfolioModule.totalFees(s.Portfolio);
        var total = realized + unrealized - fees + _financing;
        _stats.OnEquity(new EquityPoint(t, total, realized, unrealized, fees, _financing, StateModule.netDelta(_cfg, s), StateModule.spot(s)));
        _stats.OnExposure(StateModule.netDelta(_cfg, s), StateModule.hedgePosition(_cfg, s), StateModule.spot(s));
        return (total, realized, unrealized, fees);
    }

    private void Interpret(Command cmd)
    {
        switch (cmd)
        {
            case Command.PlaceOrder p:
                _stats.OnOrder(p.Item, _now);
                _translated.Clear();
                foreach (var e in _broker.Submit(BrokerTranslation.ToSimOrder(p.Item, _settings.ClientId), _now)) Translate(e);
                EnqueueTranslated();
                break;
            case Command.CancelOrder c:
                _translated.Clear();
                foreach (var e in _broker.Cancel(_settings.ClientId, c.ibOrderId, _now)) Translate(e);
                EnqueueTranslated();
                break;
            case Command.RequestReconcile r:
                foreach (var scope in r.Item) AnswerReconcile(scope);
                break;
            case Command.RecordOperation op:
                _stats.OnOperation(op.Item);
                break;
            case Command.RaiseAlert a:
                _stats.OnAlert(a.Item);
                break;
            case Command.Exit:
                _exited = true;
                break;
            // SubscribeMarketData: the data streams regardless. CompleteControl: no operator in a backtest. PublishStatus:
            // the curve is sampled from the state on clock steps instead (SampleEquity).
        }
    }

    /// <summary>Answers a reconciliation from the simulated account and broker, in a fixed order.</summary>
    private void AnswerReconcile(ReconcileScope scope)
    {
        if (scope.IsPositions)
        {
            foreach (var (conId, (qty, cost)) in _account.Positions.OrderBy(p => p.Key))
                Enqueue(_now, EventPayload.NewPositionReported(IdOf(conId), qty, cost));
            Enqueue(_now, EventPayload.PositionsEnded);
        }
        else if (scope.IsOpenOrders)
        {
            foreach (var o in _broker.WorkingOrders.OrderBy(o => o.Request.ClientId).ThenBy(o => o.Request.OrderId))
            {
                Enqueue(_now, EventPayload.NewOpenOrderReported(new OpenOrderReport(o.Request.OrderId, o.PermId, o.Request.ClientId, o.Request.OrderRef,
                    IdOf(o.Request.ConId), BrokerTranslation.SideOf(o.Request.Side), o.Request.Quantity, o.Filled, OrderUpdate.Acknowledged)));
            }
            Enqueue(_now, EventPayload.OpenOrdersEnded);
        }
        else if (scope.IsExecutions)
        {
            foreach (var x in _broker.Executions)
            {
                var execId = ExecIdModule.create(x.ExecId).ResultValue;
                var r = x.Order.Request;
                Enqueue(_now, EventPayload.NewExecutionReported(new ExecutionReport(execId, r.OrderId, x.Order.PermId, r.ClientId, r.OrderRef,
                    IdOf(r.ConId), BrokerTranslation.SideOf(r.Side), x.Quantity, x.Price)));
                Enqueue(_now, EventPayload.NewCommissionReported(execId, x.Commission));
            }
            Enqueue(_now, EventPayload.ExecutionsEnded);
        }
        // AccountValues: buying power is not simulated (no AccountValueReported, so the engine skips that check).
    }

    /// <summary>When the broker next has something to do without a new quote: an acknowledgement or an order going live.</summary>
    private void UpdateBrokerDue()
    {
        var due = long.MaxValue;
        foreach (var o in _broker.WorkingOrders)
        {
            if (o.Status == SimOrderStatus.PendingSubmit && o.AckAt > _now) due = Math.Min(due, o.AckAt);
            if (o.ActiveAt > _now) due = Math.Min(due, o.ActiveAt);
        }
        _nextBrokerDue = due;
    }
}
