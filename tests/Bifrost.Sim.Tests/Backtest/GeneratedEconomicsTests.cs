using Bifrost.Domain;
using Bifrost.Domain.Strategy;
using Bifrost.Domain.Trading;
using Bifrost.Sim.Backtest;
using Bifrost.Sim.Ticks;
using Xunit.Abstractions;

namespace Bifrost.Sim.Tests.Backtest;

/// <summary>
/// The generator can test the economics: a long ATM straddle (10 lots, 18 days), delta-hedged within a 5-share band, on
/// generated data with constant realised vol σr and constant implied vol σi = 20% (no skew), earns before costs
/// (the attribution's parts except spread and fees) Σ ½ΓS²(σr² − σi²)Δt over the run's valuations, the greeks taken at
/// each valuation — below, at and above σi. Each run is one session (6.5 h of calendar time): an overnight gap's
/// ½Γ(ΔS)² would add a noise several times the one-day signal.
/// <para>Tolerance: |mean over seeds of (P&amp;L − prediction)| ≤ 3 standard errors of that mean + $3 (the option mids
/// are rounded to cents: ±$0.5 per straddle mark per lot-equivalent), and the sign follows σr − σi.</para>
/// </summary>
public sealed class GeneratedEconomicsTests(ITestOutputHelper output)
{
    private const double ImpliedVol = 0.20;
    private const int Seeds = 8;

    private static BacktestSetup Setup() => BacktestSetup.FromJson("""
        {
          "run_id": "gamma", "account": "DU0000001", "mode": "paper",
          "strategy": {
            "underlying": { "symbol": "XYZ" },
            "legs": [ { "right": "C", "strike": 100, "expiry": "2026-03-20", "quantity": 10 },
                      { "right": "P", "strike": 100, "expiry": "2026-03-20", "quantity": 10 } ],
            "rules": [ { "type": "band", "half_width": 5, "unit": "shares" } ],
            "lot_size": 1, "min_hedge_shares": 1, "cooldown_seconds": 0, "hard_delta_limit": 1e9,
            "risk_free_rate": 0.05, "dividend_yield": 0, "fallback_vol": 0.5
          },
          "guards": { "lag_after_seconds": 86400, "stale_after_seconds": 86400, "max_feed_latency_seconds": 86400, "max_spread_bps": 10000 },
          "risk": { "max_position": 10000000, "max_order_notional": 1e15, "max_daily_trades": 1000000,
                    "daily_loss_limit": 1e15, "max_drawdown": 1e15, "check_buying_power": false },
          "calendar": { "zone": "America/New_York", "open": "09:30", "close": "16:00" },
          "backtest": { "clock_seconds": 60, "ack_latency_ms": 0, "fill_latency_ms": 0, "partial_fills": false, "commission": "zero" }
        }
        """);

    private static GeneratorOptions Market(ulong seed, double realised) => new()
    {
        Seed = seed, Days = 1, RealisedVol = realised, ImpliedVol = ImpliedVol, Skew = 0.0, Strikes = [100.0],
        QuotesPerSecond = 0.2, OptionQuoteProbability = 1.0,
    };

    private static (double Pnl, double Predicted, double Spread) Run(ulong seed, double realised)
    {
        var setup = Setup();
        var predicted = 0.0;
        State? previous = null;
        var runner = new BacktestRunner(setup)
        {
            AfterEachEvent = (e, s) =>
            {
                if (!(e.Payload.IsQuoteReceived || e.Payload.IsClockTicked) || !s.ValuedAt.Equals(s.Now)) return;
                if (previous is { } p && double.IsFinite(p.Book.Gamma) && double.IsFinite(StateModule.spot(p)))
                {
                    var dt = DurationModule.toSeconds(TimestampModule.since(p.ValuedAt, s.Now)) / (365.0 * 86_400.0);
                    var spot = StateModule.spot(p);
                    predicted += 0.5 * p.Book.Gamma * spot * spot * (realised * realised - ImpliedVol * ImpliedVol) * dt;
                }
                previous = s;
            },
        };
        var ticks = TickGenerator.Generate(Market(seed, realised)).Select(t => t.Tick).ToArray();
        var r = runner.Execute(new MemoryTickSource($"gbm-{seed}", [ticks]));
        var a = r.Attribution;
        Assert.True(r.Hedges > 50, $"seed {seed}: only {r.Hedges} hedges");
        return (Attribution.total(a) - a.Spread - a.Fees, predicted, a.Spread);
    }

    [Theory]
    [InlineData(0.15)]
    [InlineData(0.20)]
    [InlineData(0.30)]
    public void HedgedLongGamma_EarnsHalfGammaS2TimesVarianceGap(double realised)
    {
        var runs = new (double Pnl, double Predicted, double Spread)[Seeds];
        Parallel.For(0, Seeds, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i => runs[i] = Run((ulong)(500 + i), realised));
        var diff = runs.Select(x => x.Pnl - x.Predicted).ToArray();
        var mean = diff.Average();
        var se = Math.Sqrt(diff.Sum(d => (d - mean) * (d - mean)) / (Seeds - 1) / Seeds);
        var tolerance = 3 * se + 3.0;
        var pnl = runs.Average(x => x.Pnl);
        var predicted = runs.Average(x => x.Predicted);
        output.WriteLine($"σr {realised:P0} vs σi {ImpliedVol:P0}: mean P&L before costs {pnl:F2}, predicted {predicted:F2}, mean diff {mean:F2} " +
                         $"(se {se:F2}, tolerance {tolerance:F2}); mean spread cost {runs.Average(x => x.Spread):F2}; per seed " +
                         string.Join(" ", runs.Select(x => $"{x.Pnl:F1}/{x.Predicted:F1}")));
        Assert.InRange(mean, -tolerance, tolerance);
        if (realised > ImpliedVol) Assert.True(pnl > 0 && predicted > 0);
        if (realised < ImpliedVol) Assert.True(pnl < 0 && predicted < 0);
    }
}
