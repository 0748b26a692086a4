namespace Bifrost.Sim.Broker;

/// <summary>The simulated broker shared by the backtester and the replay gateway: accepts, acknowledges, fills
/// (through <see cref="FillModel"/>), cancels and refuses orders under a clock it is given, and books executions to
/// the shared <see cref="SimAccount"/>. Single-threaded by design: the caller serialises calls.</summary>
public sealed class SimulatedBroker(FillModelOptions options, SimAccount account, Func<int, int> multiplierOf, Func<int, bool> isOption)
{
    private readonly Dictionary<int, TopOfBook> _book = new();
    private readonly Dictionary<(int ClientId, int OrderId), SimOrder> _orders = new();
    private readonly List<SimOrder> _working = new();
    private readonly List<SimExecution> _executions = new();
    private long _execSeq;
    private long _permSeq;
    private readonly Dictionary<int, bool> _rejectNext = new();
    private bool _holdNext;

    public FillModelOptions Options { get; } = options;
    public SimAccount Account { get; } = account;
    public IReadOnlyList<SimExecution> Executions => _executions;
    public IEnumerable<SimOrder> Orders => _orders.Values;
    public IEnumerable<SimOrder> WorkingOrders => _working;

    public TopOfBook Top(int conId) => _book.TryGetValue(conId, out var t) ? t : default;

    /// <summary>Fault injection: the next order (from any client) is rejected with code 201.</summary>
    public void RejectNextOrder() => _rejectNext[0] = true;

    /// <summary>Fault injection: the next order (from any client) that the broker accepts is held — it stays working
    /// (PreSubmitted) and never trades until <see cref="ReleaseHeld"/>; a cancel still ends it.</summary>
    public void HoldNextOrder() => _holdNext = true;

    /// <summary>Fault injection: every held order becomes matchable again, and trades now if the book allows.</summary>
    public List<BrokerEvent> ReleaseHeld(long now)
    {
        var events = new List<BrokerEvent>();
        foreach (var o in _working) o.Held = false;
        Advance(now, events);
        return events;
    }

    private readonly HashSet<int> _halted = new();

    /// <summary>Fault injection: the exchange halts the contract (or reopens it): its working orders are acknowledged
    /// but trade nothing while it is halted, and trade against the book when it reopens.</summary>
    public List<BrokerEvent> SetHalted(int conId, bool halted, long now)
    {
        if (halted) _halted.Add(conId);
        else _halted.Remove(conId);
        var events = new List<BrokerEvent>();
        Advance(now, events);
        return events;
    }

    public List<BrokerEvent> Submit(SimOrderRequest r, long now)
    {
        var events = new List<BrokerEvent>();
        // The duplicate check comes first so a duplicate never consumes an injected reject.
        if (_orders.ContainsKey((r.ClientId, r.OrderId)))
        {
            events.Add(new OrderRefused(now, r, r.ClientId, r.OrderId, 103, $"Duplicate order id {r.OrderId}"));
            return events;
        }
        string? problem =
            r.Quantity <= 0 ? $"Order rejected - reason: quantity {r.Quantity} must be positive" :
            r.IsLimit && !(r.LimitPrice > 0) ? $"Order rejected - reason: limit price {r.LimitPrice} must be positive" :
            r.Side is not (1 or -1) ? "Order rejected - reason: action must be BUY or SELL" :
            _rejectNext.Remove(0) ? "Order rejected - reason: injected by the replay gateway's fault script" : null;
        var order = new SimOrder(r, 1_000_000 + ++_permSeq, now, now + Options.AckLatencyNanos, now + Options.FillLatencyNanos);
        _orders[(r.ClientId, r.OrderId)] = order;
        if (problem is not null)
        {
            order.Status = SimOrderStatus.Rejected;
            events.Add(new OrderRefused(now, r, r.ClientId, r.OrderId, 201, problem));
            return events;
        }
        if (_holdNext)
        {
            order.Held = true;
            _holdNext = false;
        }
        _working.Add(order);
        Advance(now, events);
        return events;
    }

    public List<BrokerEvent> Cancel(int clientId, int orderId, long now)
    {
        var events = new List<BrokerEvent>();
        if (!_orders.TryGetValue((clientId, orderId), out var o))
            events.Add(new OrderRefused(now, null!, clientId, orderId, 10147, $"OrderId {orderId} that needs to be cancelled is not found."));
        else if (!o.IsWorking)
            events.Add(new OrderRefused(now, o.Request, clientId, orderId, 10148, $"OrderId {orderId} that needs to be cancelled cannot be cancelled, state: {o.StatusText}."));
        else
        {
            o.Status = SimOrderStatus.Cancelled;
            o.Held = false;
            _working.Remove(o);
            events.Add(new OrderCancelled(now, o));
        }
        return events;
    }

    /// <summary>Fault injection: a cancel that races a fill. Half of what is left of the working order (at least one)
    /// trades first — at its limit, or at the touch for a market order — then the cancel ends the rest. An order that is
    /// not working is refused as <see cref="Cancel"/> refuses it.</summary>
    public List<BrokerEvent> CancelRacingAFill(int clientId, int orderId, long now)
    {
        if (!_orders.TryGetValue((clientId, orderId), out var o) || !o.IsWorking || o.Remaining < 2) return Cancel(clientId, orderId, now);
        var events = new List<BrokerEvent>();
        var top = Top(o.Request.ConId);
        var touch = o.Request.Side > 0 ? top.Ask : top.Bid;
        var price = o.Request.IsLimit ? o.Request.LimitPrice : double.IsFinite(touch) && touch > 0 ? touch : top.Mid;
        if (!(price > 0)) return Cancel(clientId, orderId, now);
        // No acknowledgement event: its snapshot would report the order as it stands once cancelled, ahead of the 202.
        if (o.Status == SimOrderStatus.PendingSubmit) o.Status = SimOrderStatus.Submitted;
        events.Add(new OrderExecuted(now, Book(o, o.Remaining / 2, price, now, top)));
        events.AddRange(Cancel(clientId, orderId, now));
        return events;
    }

    /// <summary>A new top of book: working orders on it may trade.</summary>
    public List<BrokerEvent> OnQuote(int conId, TopOfBook top, long now)
    {
        var events = new List<BrokerEvent>();
        OnQuote(conId, top, now, events);
        return events;
    }

    /// <summary>A new top of book, its events added to <paramref name="events"/> (the backtest's per-tick path: no list
    /// per quote).</summary>
    public void OnQuote(int conId, TopOfBook top, long now, List<BrokerEvent> events)
    {
        _book[conId] = top;
        Advance(now, events);
    }

    /// <summary>Time passes: acknowledgements fall due and orders past their latency trade against the book.</summary>
    public List<BrokerEvent> Advance(long now)
    {
        var events = new List<BrokerEvent>();
        Advance(now, events);
        return events;
    }

    private void Advance(long now, List<BrokerEvent> events)
    {
        for (var i = 0; i < _working.Count; i++)
        {
            var o = _working[i];
            if (o.Held) continue;
            if (o.Status == SimOrderStatus.PendingSubmit && o.AckAt <= now)
            {
                o.Status = SimOrderStatus.Submitted;
                events.Add(new OrderAcknowledged(Math.Max(o.AckAt, o.PlacedAt), o));
            }
            if (_halted.Count > 0 && _halted.Contains(o.Request.ConId)) continue;
            if (o.ActiveAt > now || !_book.TryGetValue(o.Request.ConId, out var top)) continue;
            var (qty, price) = FillModel.Match(o.Request.Side, o.Request.IsLimit, o.Request.LimitPrice, o.Remaining, top, Options.PartialFillsBySize);
            if (qty <= 0) continue;
            if (o.Status == SimOrderStatus.PendingSubmit)
            {
                o.Status = SimOrderStatus.Submitted;
                events.Add(new OrderAcknowledged(now, o));
            }
            var exec = Book(o, qty, price, now, top);
            if (o.Remaining == 0)
            {
                o.Status = SimOrderStatus.Filled;
                _working.RemoveAt(i--);
            }
            events.Add(new OrderExecuted(now, exec));
            // A size-limited fill consumed the displayed size: the rest waits for the next quote.
            if (Options.PartialFillsBySize) _book[o.Request.ConId] = ConsumeTouch(top, o.Request.Side, qty);
        }
    }

    /// <summary>Books a fill of <paramref name="qty"/> at <paramref name="price"/>: the order, the account, the execution.</summary>
    private SimExecution Book(SimOrder o, int qty, double price, long now, TopOfBook top)
    {
        var mult = multiplierOf(o.Request.ConId);
        var commission = Options.Commission.For(isOption(o.Request.ConId), qty, price, mult, o.Filled, o.AvgPrice * o.Filled * mult);
        o.AvgPrice = (o.AvgPrice * o.Filled + price * qty) / (o.Filled + qty);
        o.Filled += qty;
        o.LastFillPrice = price;
        Account.Apply(o.Request.ConId, o.Request.Side * qty, price, mult, commission);
        var exec = new SimExecution($"{o.Request.ClientId:D4}.{++_execSeq:D8}", o, qty, price, now, o.Filled, o.AvgPrice, commission, top.Mid);
        _executions.Add(exec);
        return exec;
    }

    private static TopOfBook ConsumeTouch(TopOfBook t, int side, int qty) =>
        side > 0 ? t with { AskSize = Math.Max(0, t.AskSize - qty) is var a && a > 0 ? a : double.NaN, Ask = t.AskSize - qty > 0 ? t.Ask : double.NaN }
                 : t with { BidSize = Math.Max(0, t.BidSize - qty) is var b && b > 0 ? b : double.NaN, Bid = t.BidSize - qty > 0 ? t.Bid : double.NaN };
}
