using BenchmarkDotNet.Attributes;
using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;

namespace Bifrost.Benchmarks.Domain;

/// <summary>Reducer steps per second on a 4-leg option book, every step an underlying quote that makes the reducer
/// re-value all four legs (greeks), attribute P&L, classify delta and consult the hedge rules (target ≥ 2 M/s).</summary>
[MemoryDiagnoser]
public class ReducerBenchmarks
{
    private const int Steps = 10_000;
    private Config _cfg = null!;
    private State _running = null!;
    private Event[] _ticks = null!;

    public static string BookConfig => """
    {
      "run_id": "bench", "account": "DU1", "mode": "paper",
      "strategy": {
        "underlying": { "symbol": "XYZ", "con_id": 1 },
        "legs": [
          { "right": "C", "strike": 100, "expiry": "2026-06-19", "quantity": 10, "con_id": 2 },
          { "right": "P", "strike": 100, "expiry": "2026-06-19", "quantity": 10, "con_id": 3 },
          { "right": "C", "strike": 105, "expiry": "2026-06-19", "quantity": 5, "con_id": 4 },
          { "right": "P", "strike": 95, "expiry": "2026-06-19", "quantity": 5, "con_id": 5 }
        ],
        "rules": [ { "type": "band", "half_width": 100000, "unit": "shares" } ],
        "hard_delta_limit": 1000000
      },
      "risk": { "max_position": 100000, "max_order_notional": 10000000, "daily_loss_limit": 1e9, "max_drawdown": 1e9 },
      "calendar": { "zone": "UTC", "open": "00:00", "close": "23:59" }
    }
    """;

    private static Event At(long nanos, EventPayload p) => new(Timestamp.NewTimestamp(nanos), Timestamp.NewTimestamp(nanos), p);

    private static Quote QuoteOf(int conId, double bid, double ask, long t) =>
        new(ContractIdModule.create(conId).ResultValue, bid, ask, 0.5 * (bid + ask), 100, 100, 0.2, Timestamp.NewTimestamp(t), Timestamp.NewTimestamp(t));

    [GlobalSetup(Target = nameof(UnderlyingTicks))]
    public void Setup()
    {
        var parsed = ConfigJson.parse(BookConfig);
        if (parsed.IsError) throw new InvalidOperationException(parsed.ErrorValue.Message);
        _cfg = parsed.ResultValue;
        var t0 = 1_767_225_600_000_000_000L; // 2026-01-01
        var start = new List<Event>
        {
            At(t0, EventPayload.NewEngineStarted(RestoredModule.empty)),
            At(t0, EventPayload.NewBrokerConnected(ListModule.OfSeq(new[] { "DU1" }))),
        };
        foreach (var (id, q) in new[] { (2, 10), (3, 10), (4, 5), (5, 5) })
            start.Add(At(t0, EventPayload.NewPositionReported(ContractIdModule.create(id).ResultValue, q, 3.0)));
        start.Add(At(t0, EventPayload.PositionsEnded));
        start.Add(At(t0, EventPayload.OpenOrdersEnded));
        start.Add(At(t0, EventPayload.ExecutionsEnded));
        foreach (var id in new[] { 2, 3, 4, 5 })
            start.Add(At(t0, EventPayload.NewQuoteReceived(QuoteOf(id, 2.9, 3.1, t0))));
        var run = Reducer.run(_cfg, StateModule.initial(_cfg), start);
        _running = run.Item1;
        if (!_running.Fsm.IsRunning) throw new InvalidOperationException($"not running: {_running.Fsm}");
        var rng = new Random(1);
        var spot = 100.0;
        _ticks = new Event[Steps];
        for (var i = 0; i < Steps; i++)
        {
            spot *= 1 + 0.0002 * (rng.NextDouble() - 0.5);
            var t = t0 + (i + 1) * 1_000_000L; // a tick per millisecond keeps every leg's quote fresh
            _ticks[i] = At(t, EventPayload.NewQuoteReceived(QuoteOf(1, spot - 0.01, spot + 0.01, t)));
        }
    }

    [Benchmark(OperationsPerInvoke = Steps)]
    public State UnderlyingTicks()
    {
        var s = _running;
        foreach (var e in _ticks) s = Reducer.step(_cfg, s, e).Item1;
        return s;
    }

    /// <summary>The once-a-second clock step (time decay, risk, timers, hedge rules, the status heartbeat): in a
    /// backtest with a 1-s clock it is a third of the engine events.</summary>
    [Benchmark(OperationsPerInvoke = Steps)]
    public State ClockTicks()
    {
        var s = _running;
        foreach (var e in _clock) s = Reducer.step(_cfg, s, e).Item1;
        return s;
    }

    /// <summary>The live feed's default path: TWS streams the underlying's bid and ask as separate ticks, each merged
    /// into the last quote and revaluing the book (the backtest's Parquet rows arrive as whole quotes instead).</summary>
    [Benchmark(OperationsPerInvoke = Steps)]
    public State StreamedTicks()
    {
        var s = _running;
        foreach (var e in _streamed) s = Reducer.step(_cfg, s, e).Item1;
        return s;
    }

    private Event[] _streamed = null!;

    [GlobalSetup(Target = nameof(StreamedTicks))]
    public void SetupStreamed()
    {
        Setup();
        var underlying = ContractIdModule.create(1).ResultValue;
        _streamed = new Event[Steps];
        for (var i = 0; i < Steps; i++)
        {
            // Each underlying quote of the tick benchmark, as the two ticks TWS would send for it.
            var q = ((EventPayload.QuoteReceived)_ticks[i / 2].Payload).Item;
            var field = i % 2 == 0 ? TickField.BidPrice : TickField.AskPrice;
            var t = _ticks[i / 2].Received.Item + (i % 2) * 500_000L;
            _streamed[i] = At(t, EventPayload.NewTickReceived(underlying, field, i % 2 == 0 ? q.Bid : q.Ask));
        }
    }

    /// <summary>Option quotes, round the four legs: each judged by the bad-quote guard against the leg's expected mid,
    /// then re-valued with its vol (the backtest's option rows carry their IV, as here) and attributed.</summary>
    [Benchmark(OperationsPerInvoke = Steps)]
    public State OptionQuotes()
    {
        var s = _running;
        foreach (var e in _options) s = Reducer.step(_cfg, s, e).Item1;
        return s;
    }

    private Event[] _options = null!;

    [GlobalSetup(Target = nameof(OptionQuotes))]
    public void SetupOptions()
    {
        Setup();
        var t0 = _running.Now.Item;
        // The book priced (the start quotes only the legs), then one quote of each leg: their vols and bases taken.
        _running = Reducer.step(_cfg, _running, At(t0, EventPayload.NewQuoteReceived(QuoteOf(1, 99.99, 100.01, t0)))).Item1;
        var spot = StateModule.spot(_running);
        var rng = new Random(2);
        _options = new Event[Steps];
        for (var i = 0; i < Steps; i++)
        {
            var leg = _running.Legs[i % 4];
            var t = t0 + (i + 1) * 1_000_000L;
            // Priced at a vol wandering around 20 %, quoted a cent either side: ordinary quotes the guard lets through.
            var vol = 0.2 + 0.002 * (rng.NextDouble() - 0.5);
            var years = OptionContractModule.yearsToExpiry(Timestamp.NewTimestamp(t), leg.Option);
            var price = Bifrost.Domain.Pricing.BlackScholes.price(leg.Option.Right,
                new Bifrost.Domain.Pricing.BsInputs(spot, leg.Option.Strike, years, 0.05, 0.0, vol));
            var q = QuoteOf(ContractIdModule.value(leg.Option.ContractId), price - 0.01, price + 0.01, t);
            _options[i] = At(t, EventPayload.NewQuoteReceived(new Quote(q.ContractId, q.Bid, q.Ask, q.Last, q.BidSize, q.AskSize, vol, q.VenueTime, q.ReceiveTime)));
        }
        // The path measured is the ordinary one: every quote judged (a basis within the band) and none held.
        var s = _running;
        foreach (var e in _options) s = Reducer.step(_cfg, s, e).Item1;
        if (!s.HeldQuotes.IsEmpty || s.Legs.Any(l => !(Math.Abs(l.QuoteBasis) < 0.05)))
            throw new InvalidOperationException("a leg's quotes are held or not judged");
    }

    /// <summary>Portfolio symbols' quotes, round a 20-stock universe (the daemon with a `portfolio` section): each judged
    /// by the bad-quote guard against its accepted mid and kept for sizing; the engine memory's remembered prices
    /// checked on every one (saved again only on a 1 % move, which these quotes never make).</summary>
    [Benchmark(OperationsPerInvoke = Steps)]
    public State PortfolioQuotes()
    {
        var s = _running;
        foreach (var e in _portfolio) s = Reducer.step(_cfg, s, e).Item1;
        return s;
    }

    private Event[] _portfolio = null!;

    [GlobalSetup(Target = nameof(PortfolioQuotes))]
    public void SetupPortfolio()
    {
        Setup();
        const int symbols = 20;
        var universe = Enumerable.Range(0, symbols).Select(i => $"S{i:D2}").ToArray();
        var section = $$"""
            { "portfolio": { "universe": [{{string.Join(", ", universe.Select(u => $"\"{u}\""))}}], "max_position_size": 0.01,
              "risk": { "max_position_fraction": 0.05, "max_position_shares": 10000, "max_order_notional": 100000,
                        "max_daily_trades": 100, "daily_loss_limit": 100000, "max_drawdown": 100000 } } }
            """;
        var merged = System.Text.Json.Nodes.JsonNode.Parse(BookConfig)!.AsObject();
        merged["portfolio"] = System.Text.Json.Nodes.JsonNode.Parse(section)!["portfolio"]!.DeepClone();
        var parsed = Bifrost.Domain.PortfolioRuns.PortfolioSettingsJson.parse("XYZ", _cfg.Calendar, merged.ToJsonString());
        if (parsed.IsError || parsed.ResultValue is null) throw new InvalidOperationException(parsed.IsError ? $"portfolio: {parsed.ErrorValue.Field}: {parsed.ErrorValue.Message}" : "portfolio: none");
        var ids = universe.Select((u, i) => Tuple.Create(u, ContractIdModule.create(100 + i).ResultValue));
        var setup = new Bifrost.Domain.PortfolioRuns.PortfolioSetup(parsed.ResultValue.Value, MapModule.OfSeq(ids));
        var t0 = _running.Now.Item;
        _running = Reducer.step(_cfg, _running, At(t0, EventPayload.NewPortfolioConfigured(setup))).Item1;
        var prices = Enumerable.Range(0, symbols).Select(i => 20.0 + 10 * i).ToArray();
        for (var i = 0; i < symbols; i++)
            _running = Reducer.step(_cfg, _running, At(t0, EventPayload.NewQuoteReceived(QuoteOf(100 + i, prices[i] - 0.01, prices[i] + 0.01, t0)))).Item1;
        var rng = new Random(3);
        _portfolio = new Event[Steps];
        for (var i = 0; i < Steps; i++)
        {
            var k = i % symbols;
            var p = prices[k] * (1 + 0.002 * (rng.NextDouble() - 0.5)); // within a fifth of a per cent of the remembered price
            var t = t0 + (i + 1) * 1_000_000L;
            _portfolio[i] = At(t, EventPayload.NewQuoteReceived(QuoteOf(100 + k, p - 0.01, p + 0.01, t)));
        }
        var s = _running;
        foreach (var e in _portfolio) s = Reducer.step(_cfg, s, e).Item1;
        if (!s.HeldQuotes.IsEmpty || s.Memory.PortfolioPrices.Length != symbols)
            throw new InvalidOperationException("a symbol's quote is held, or the prices are not remembered");
    }

    private Event[] _clock = null!;

    /// <summary>The clock step of the daemon with a `portfolio` section (the 20-stock universe above): the feed watch
    /// also looks at every portfolio symbol's last quote.</summary>
    [Benchmark(OperationsPerInvoke = Steps)]
    public State PortfolioClockTicks()
    {
        var s = _running;
        foreach (var e in _clock) s = Reducer.step(_cfg, s, e).Item1;
        return s;
    }

    [GlobalSetup(Target = nameof(PortfolioClockTicks))]
    public void SetupPortfolioClock()
    {
        SetupPortfolio(); // every symbol quoted at the start: ten seconds of clock steps find none quiet
        Clock(_running.Now.Item);
    }

    [GlobalSetup(Target = nameof(ClockTicks))]
    public void SetupClock()
    {
        Setup();
        Clock(_running.Now.Item);
    }

    private void Clock(long t0)
    {
        // One underlying quote a second keeps the book fresh; the clock step between quotes is what is measured.
        _clock = new Event[Steps];
        for (var i = 0; i < Steps; i++)
        {
            var t = t0 + (i + 1) * 1_000_000L;
            _clock[i] = At(t, EventPayload.ClockTicked);
        }
    }
}
