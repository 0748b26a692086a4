using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Bifrost.Sim.Backtest;
using Bifrost.Sim.Sweep;
using Bifrost.Sim.Ticks;

namespace Bifrost.Benchmarks.Backtest;

/// <summary>Shared inputs: generated tick files (cached in the temp directory) and the sample's backtest config with
/// the quote-age guards opened up; the legs are the file's own expiry, quoted on every day of a multi-day file.</summary>
internal static class BenchInputs
{
    public static string TickFile(int days)
    {
        var path = Path.Combine(Path.GetTempPath(), $"bifrost-bench-xyz-{days}d.parquet");
        if (!File.Exists(path))
        {
            var tmp = path + ".tmp";
            TickGenerator.WriteFile(tmp, new GeneratorOptions { Days = days });
            File.Move(tmp, path, overwrite: true);
        }
        return path;
    }

    /// <summary>The generator lists one expiry per file, 18 calendar days past its last day (then the next Friday).</summary>
    public static string Expiry(int days) => days switch { 1 => "2026-03-20", 20 => "2026-04-17", _ => throw new ArgumentOutOfRangeException(nameof(days)) };

    public static string ConfigText(int days, double clockSeconds = 1) =>
        """
        {
          "run_id": "bench", "account": "DU0000001", "mode": "paper",
          "strategy": {
            "underlying": { "symbol": "XYZ" },
            "legs": [ { "right": "C", "strike": 100, "expiry": "EXPIRY", "quantity": 10 },
                      { "right": "P", "strike": 100, "expiry": "EXPIRY", "quantity": 10 } ],
            "rules": [ { "type": "band", "half_width": 50 } ],
            "min_hedge_shares": 10, "cooldown_seconds": 5, "hard_delta_limit": 2000
          },
          "guards": { "lag_after_seconds": 86400, "stale_after_seconds": 86400, "max_spread_bps": 10 },
          "risk": { "max_position": 5000, "max_order_notional": 500000, "max_daily_trades": 400, "daily_loss_limit": 1e9,
                    "max_drawdown": 1e9, "check_buying_power": false },
          "calendar": { "zone": "America/New_York", "open": "09:30", "close": "16:00" },
          "control": { "self_check_seconds": 60 },
          "backtest": { "clock_seconds": CLOCK }
        }
        """.Replace("EXPIRY", Expiry(days)).Replace("CLOCK", clockSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
}

/// <summary>
/// End-to-end backtest throughput on one thread, decode included: a 20-day generated file (~1.5 M ticks), the
/// engine's reducer (greeks on every underlying quote, hedging, guards, P&amp;L attribution) and the simulated broker.
/// Events/s = the ticks read (printed at setup) / the mean time. <c>ClockSeconds</c> shows what the engine's 1-second timer
/// costs (status snapshots every 60 s, as in the sample config). <c>Threads</c> is `backtest --threads`: 1 decodes on the
/// run's thread, 2 decodes the next row groups on a second thread; both are measured so the CLI's default is.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class BacktestThroughputBenchmarks
{
    private string _path = "";
    private BacktestSetup _setup = null!;

    [Params(1.0, 60.0)]
    public double ClockSeconds { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _path = BenchInputs.TickFile(20);
        _setup = BacktestSetup.FromJson(BenchInputs.ConfigText(20, ClockSeconds));
        var r = Run();
        Console.WriteLine($"// {_path}: {r.TicksRead:N0} ticks, {r.Events:N0} engine events, {r.Hedges} hedges (clock {ClockSeconds} s)");
    }

    [Benchmark(Description = "backtest 20 days")]
    public BacktestResult Run() => BacktestRunner.Run(_setup, new ParquetTickSource(_path, prefetch: Threads > 1));
}

/// <summary>Sweep scaling: the same 8 backtests of one generated day run 1 or 2 at a time (scaling = t(1) / t(2)), with
/// the data decoded once and shared (the default) or decoded by every run (the fallback over the memory budget), side
/// by side in one run: decode-once saving = t(per run) / t(shared) at the same parallelism. Ten iterations and the
/// median: on a shared host one iteration in three can lose a core for part of its 0.3 s.</summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 10)]
[MinColumn, MedianColumn]
public class SweepScalingBenchmarks
{
    private string _path = "";
    private string _config = "";
    private SweepSpec _spec = null!;

    [Params(1, 2)]
    public int Parallel { get; set; }

    [Params(true, false)]
    public bool DecodeOnce { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _path = BenchInputs.TickFile(1);
        _config = BenchInputs.ConfigText(1);
        _spec = SweepSpec.Parse("""{ "parameters": [ { "path": "strategy.rules[0].half_width", "values": [20, 30, 40, 50, 60, 75, 90, 100] } ] }""");
    }

    [Benchmark(Description = "sweep of 8 backtests")]
    public SweepResultFile Sweep() => SweepRunner.Run(new SweepRunner.Options(_path, _config, _spec, Shard.All, Parallel,
        SharedTicksBudgetBytes: DecodeOnce ? null : 0));
}
