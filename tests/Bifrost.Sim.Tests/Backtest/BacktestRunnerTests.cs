using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Bifrost.Sim.Backtest;
using Bifrost.Sim.Broker;
using Bifrost.Sim.Ticks;

namespace Bifrost.Sim.Tests.Backtest;

public sealed class BacktestRunnerTests
{
    private static readonly long T0 = new DateTimeOffset(2026, 3, 2, 15, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000L; // 10:00 New York
    private static readonly int Stock = ContractKey.Stock("XYZ").ConId;
    private static readonly int Call = ContractKey.Option("XYZ", 'C', 100, 20260320).ConId;

    private static string Json(string account = "DU0000001", string backtest = "") => $$"""
        {
          "run_id": "t", "account": "{{account}}", "mode": "paper",
          "strategy": {
            "underlying": { "symbol": "XYZ" },
            "legs": [ { "right": "C", "strike": 100, "expiry": "2026-03-20", "quantity": 10 } ],
            "rules": [ { "type": "band", "half_width": 50 } ],
            "min_hedge_shares": 1, "cooldown_seconds": 0
          },
          "risk": { "max_position": 5000, "max_order_notional": 1000000, "daily_loss_limit": 100000, "max_drawdown": 100000, "check_buying_power": false },
          "calendar": { "zone": "America/New_York", "open": "09:30", "close": "16:00" },
          "backtest": { {{backtest}} }
        }
        """;

    private static long Sec(double s) => T0 + (long)(s * 1e9);

    /// <summary>The stock at 100 every second, the call quoted once after a second.</summary>
    private static Tick[] Quiet(int seconds, double stockSize = 1e6)
    {
        var ticks = new List<Tick> { new(Sec(0), Stock, 99.99, 100.01, 100, stockSize, stockSize, double.NaN) };
        ticks.Add(new Tick(Sec(1), Call, 2.00, 2.10, double.NaN, 50, 50, 0.20));
        for (var i = 2; i <= seconds; i++) ticks.Add(new Tick(Sec(i), Stock, 99.99, 100.01, 100, stockSize, stockSize, double.NaN));
        return ticks.ToArray();
    }

    private static (BacktestResult Result, State State) Run(string json, params Tick[] ticks)
    {
        var runner = new BacktestRunner(BacktestSetup.FromJson(json));
        var result = runner.Execute(new MemoryTickSource("memory", [ticks]));
        return (result, runner.FinalState);
    }

    [Fact]
    public void Startup_AdoptsTheSeededBookAtTheFirstMid_ThenHedgesIt()
    {
        var (r, s) = Run(Json(), Quiet(30));

        Assert.Equal("Running/Idle", r.FinalState);
        var call = ContractIdModule.create(Call).ResultValue;
        var holding = PortfolioModule.holding(call, s.Portfolio);
        Assert.Equal(10, holding.Quantity);
        Assert.Equal(2.05, holding.AvgCost, 10);
        // A 10-lot ATM call is ~+550 shares of delta: one sell brings it inside the 50-share band.
        Assert.Equal(1, r.Hedges);
        Assert.StartsWith($"{Sec(1)},oi_t_1,SELL,", r.OrderList[0]);
        Assert.InRange(StateModule.netDelta(BacktestSetup.FromJson(Json()).Config, s), -50, 50);
    }

    [Fact]
    public void HedgeFill_ArrivesAfterTheFillLatency()
    {
        var (r, _) = Run(Json(backtest: "\"fill_latency_ms\": 25, \"ack_latency_ms\": 5"), Quiet(30));

        Assert.Equal(1, r.Fills);
        Assert.Equal(0.025, r.SecondsInState["Running/HedgePending"], 9);
    }

    [Fact]
    public void LargeHedge_FillsBySize_AcrossQuotes()
    {
        var (r, s) = Run(Json(), Quiet(30, stockSize: 200));

        Assert.Equal(1, r.Orders);
        Assert.True(r.Fills >= 3, $"{r.Fills} fills");
        Assert.Equal(r.SharesTraded, -PortfolioModule.strategyQty(ContractIdModule.create(Stock).ResultValue, s.Portfolio));
        Assert.Equal(1.0, r.Slippage.AveragePerShare / 0.01, 9); // sold at the bid, a cent under the mid
    }

    [Fact]
    public void HedgeFilledAcrossQuotes_IsChargedTheOrdersCommission_NotAMinimumPlusEveryPart()
    {
        var (r, _) = Run(Json(), Quiet(30, stockSize: 100));

        Assert.Equal(1, r.Orders);
        Assert.True(r.Fills >= 3, $"{r.Fills} fills");
        // IB fixed: $0.005 a share with a $1 minimum per order (500-odd shares: above it), whatever the number of fills.
        Assert.Equal(Math.Max(1.0, 0.005 * r.SharesTraded), r.Fees, 9);
    }

    [Fact]
    public void SharpeDays_CountsExchangeSessionDays_NotUtcDates()
    {
        // Two Sydney sessions (10:00-16:00 at UTC+11:00: 23:00-05:00 UTC), each across a UTC midnight: 2 days, not 3 dates.
        var json = Json().Replace("\"zone\": \"America/New_York\", \"open\": \"09:30\", \"close\": \"16:00\"",
            "\"zone\": \"UTC+11:00\", \"open\": \"10:00\", \"close\": \"16:00\"");
        var open = new DateTimeOffset(2026, 3, 1, 23, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000L; // 2 March 10:00 Sydney
        var ticks = new List<Tick>();
        foreach (var day in new[] { open, open + 86_400_000_000_000L })
        {
            ticks.Add(new Tick(day, Call, 2.00, 2.10, double.NaN, 50, 50, 0.20));
            for (var s = 1; s < 6 * 3600; s += 10) ticks.Add(new Tick(day + s * 1_000_000_000L, Stock, 99.99, 100.01, 100, 1e6, 1e6, double.NaN));
        }

        var (r, _) = Run(json, ticks.ToArray());

        Assert.Equal(3, r.Curve.Select(p => p.TimeNanos / 86_400_000_000_000L).Distinct().Count()); // the UTC dates it spans
        Assert.Equal(2, r.SharpeDays);
    }

    [Fact]
    public void LiveAccountInPaperMode_IsRefusedAtConfig_LikeLive()
    {
        var e = Assert.Throws<BacktestConfigException>(() => Run(Json(account: "U1234567"), Quiet(30)));
        Assert.StartsWith("account:", e.Message);
    }

    [Fact]
    public void LegWithoutQuotes_IsAClearError()
    {
        var stockOnly = Quiet(5).Where(t => t.ConId == Stock).ToArray();
        var e = Assert.Throws<TickDataException>(() => Run(Json(), stockOnly));
        Assert.Contains("no two-sided quote for option leg", e.Message);
    }

    [Fact]
    public void UnderlyingConIdNotInTheData_IsAClearError_NotARunThatNeverHedges()
    {
        // The daemon's config with IB's real con_id for the underlying: the file's XYZ has the derived id, so the engine
        // would never see a price of it (no hedge all run, exit 0) while the legs' quotes mark the book.
        var json = Json().Replace("\"underlying\": { \"symbol\": \"XYZ\" }", "\"underlying\": { \"symbol\": \"XYZ\", \"con_id\": 265598 }");
        var e = Assert.Throws<TickDataException>(() => Run(json, Quiet(30)));
        Assert.Contains("no quote for the underlying XYZ (con_id 265598)", e.Message);
        Assert.Contains($"con_id {Stock}", e.Message); // the id the data's XYZ has
    }

    [Fact]
    public void BacktestSection_UnknownKey_IsNamed()
    {
        var e = Assert.Throws<BacktestConfigException>(() => BacktestSetup.FromJson(Json(backtest: "\"clock\": 1")));
        Assert.Contains("backtest.clock: unknown key", e.Message);
    }

    [Fact]
    public void EngineConfigError_NamesTheKeyPath()
    {
        var e = Assert.Throws<BacktestConfigException>(() => BacktestSetup.FromJson(Json().Replace("\"half_width\": 50", "\"half_width\": -1")));
        Assert.Contains("strategy.rules", e.Message);
    }

    [Fact]
    public void ClockTicks_SampleTheEquityCurve_PerCurveBucket()
    {
        var (r, _) = Run(Json(backtest: "\"curve_seconds\": 10"), Quiet(60));

        // One point per 10-second bucket (the last sample in each), plus the final mark.
        Assert.InRange(r.Curve.Count, 6, 8);
        Assert.True(r.Curve.Zip(r.Curve.Skip(1)).All(p => p.First.TimeNanos < p.Second.TimeNanos));
    }
}

public sealed class BrokerTranslationTests
{
    private static readonly int Stock = ContractKey.Stock("XYZ").ConId;

    private static OrderRequest Request(OrderType type) => new(OrderRefModule.create("oi_r_1").ResultValue, 41, "r", OrderPurpose.Hedge,
        ContractIdModule.create(Stock).ResultValue, Side.Sell, 300, type, TimeInForce.Day, "DU1", false);

    [Fact]
    public void MarketOrder_BecomesASimMarketSell()
    {
        var sim = BrokerTranslation.ToSimOrder(Request(OrderType.Market), 7);
        Assert.Equal(new SimOrderRequest(7, 41, Stock, -1, 300, false, double.NaN, "DAY", "oi_r_1", "DU1"), sim);
    }

    [Fact]
    public void LimitOrder_KeepsItsLimit()
    {
        var sim = BrokerTranslation.ToSimOrder(Request(OrderType.NewLimit(99.5)), 7);
        Assert.True(sim.IsLimit);
        Assert.Equal(99.5, sim.LimitPrice);
    }

    [Fact]
    public void Execution_BecomesExecDetails_Commission_ThenStatus()
    {
        var broker = new SimulatedBroker(new FillModelOptions { AckLatencyNanos = 0, FillLatencyNanos = 0 }, new SimAccount("DU1", 0), _ => 1, _ => false);
        broker.OnQuote(Stock, new TopOfBook(99.99, 100.01, 1000, 1000, 1), 1);
        var events = broker.Submit(BrokerTranslation.ToSimOrder(Request(OrderType.Market), 7), 5);
        var output = new List<(long Time, EventPayload Payload)>();
        foreach (var e in events) BrokerTranslation.ToDomain(e, id => ContractIdModule.create(id).ResultValue, output);

        Assert.Collection(output,
            p => Assert.True(p.Payload.IsOrderStatusReported),
            p =>
            {
                var x = Assert.IsType<EventPayload.ExecutionReported>(p.Payload).Item;
                Assert.Equal(("oi_r_1", 300, 99.99, 7), (x.Ref, x.Quantity, x.Price, x.ClientId));
                Assert.True(x.Side.IsSell);
            },
            p => Assert.Equal(1.5, Assert.IsType<EventPayload.CommissionReported>(p.Payload).commission, 9),
            p => Assert.True(Assert.IsType<EventPayload.OrderStatusReported>(p.Payload).Item.Status.IsFullyFilled));
        Assert.All(output, p => Assert.Equal(5, p.Time));
    }

    [Fact]
    public void Refusal_BecomesAnOrderError_WithIbsCode()
    {
        var broker = new SimulatedBroker(new FillModelOptions(), new SimAccount("DU1", 0), _ => 1, _ => false);
        var output = new List<(long Time, EventPayload Payload)>();
        foreach (var e in broker.Cancel(7, 99, 10)) BrokerTranslation.ToDomain(e, id => ContractIdModule.create(id).ResultValue, output);
        var error = Assert.IsType<EventPayload.OrderErrorReported>(Assert.Single(output).Payload);
        Assert.Equal((99, 10147), (error.ibOrderId, error.code));
    }
}
