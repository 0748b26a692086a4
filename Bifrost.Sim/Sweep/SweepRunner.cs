using System.Diagnostics;
using System.Text.Json.Nodes;
using Bifrost.Parquet;
using Bifrost.Sim.Backtest;
using Bifrost.Sim.Ticks;

namespace Bifrost.Sim.Sweep;

/// <summary>Runs a sweep's runs (or one shard's) in parallel, each a complete single-threaded backtest of its own.
/// The result file lists runs by index, so it does not depend on the degree of parallelism or the finishing order.</summary>
public static class SweepRunner
{
    public sealed record Options(string DataPath, string ConfigText, SweepSpec Spec, Shard Shard, int Parallelism, Action<int, int, TimeSpan>? Progress = null,
        Action<SweepRun, BacktestResult?>? OnRun = null);

    public static SweepResultFile Run(Options o)
    {
        var baseConfig = SweepSpec.ParseConfig(o.ConfigText);
        var runs = o.Spec.Expand();
        var mine = Enumerable.Range(0, runs.Count).Where(o.Shard.Owns).ToArray();
        var results = new SweepRun[mine.Length];
        var done = 0;
        var clock = Stopwatch.StartNew();
        o.Progress?.Invoke(0, mine.Length, TimeSpan.Zero);
        Parallel.For(0, mine.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, o.Parallelism) }, k =>
        {
            var index = mine[k];
            var values = runs[index];
            BacktestResult? result = null;
            SweepRun run;
            try
            {
                var setup = BacktestSetup.FromJson(SweepSpec.Apply(baseConfig, o.Spec.Parameters, values));
                result = BacktestRunner.Run(setup, new ParquetTickSource(o.DataPath, setup.Settings.Mapping(), prefetch: false));
                run = SweepRun.Of(index, values, result);
            }
            catch (Exception e) when (e is BacktestConfigException or TickDataException or ParquetException)
            {
                run = SweepRun.Failed(index, values, e.Message);
            }
            results[k] = run;
            o.OnRun?.Invoke(run, result);
            var n = Interlocked.Increment(ref done);
            o.Progress?.Invoke(n, mine.Length, clock.Elapsed);
        });
        return new SweepResultFile(SweepSpec.Sha256(o.Spec.Text), SweepSpec.Sha256(o.ConfigText), Path.GetFileName(o.DataPath), runs.Count,
            o.Shard.Count == 1 ? null : o.Shard, o.Spec.Parameters.Select(p => p.Path).ToList(), o.Spec.Metric, results);
    }

    /// <summary>The run whose values are given, re-run in full (for the best run's files after a merge).</summary>
    public static BacktestResult Rerun(string dataPath, string configText, SweepSpec spec, JsonNode?[] values)
    {
        var setup = BacktestSetup.FromJson(SweepSpec.Apply(SweepSpec.ParseConfig(configText), spec.Parameters, values));
        return BacktestRunner.Run(setup, new ParquetTickSource(dataPath, setup.Settings.Mapping()));
    }
}

/// <summary>A progress bar with ETA on stderr: redrawn in place on a terminal, a line per 10% when redirected.</summary>
public sealed class ProgressBar(TextWriter error, bool interactive)
{
    private readonly Lock _lock = new();
    private int _lastDecile = -1;

    public static ProgressBar ForStderr() => new(Console.Error, !Console.IsErrorRedirected);

    public void Report(int done, int total, TimeSpan elapsed)
    {
        lock (_lock)
        {
            var fraction = total == 0 ? 1.0 : (double)done / total;
            var eta = done == 0 ? "--:--" : Format(TimeSpan.FromSeconds(elapsed.TotalSeconds / done * (total - done)));
            const int width = 30;
            var filled = (int)Math.Round(fraction * width);
            var line = $"[{new string('#', filled)}{new string('.', width - filled)}] {done}/{total} runs {fraction,4:P0}  elapsed {Format(elapsed)}  ETA {eta}";
            if (interactive)
            {
                error.Write("\r" + line);
                if (done == total) error.WriteLine();
            }
            else
            {
                var decile = (int)(fraction * 10);
                if (decile == _lastDecile) return;
                _lastDecile = decile;
                error.WriteLine(line);
            }
        }
    }

    private static string Format(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss") : t.ToString(@"mm\:ss");
}
