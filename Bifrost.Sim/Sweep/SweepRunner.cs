using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Bifrost.Parquet;
using Bifrost.Sim.Backtest;
using Bifrost.Sim.Ticks;

namespace Bifrost.Sim.Sweep;

/// <summary>Runs a sweep's runs (or one shard's) in parallel, each a complete single-threaded backtest of its own.
/// The result file lists runs by index, so it does not depend on the degree of parallelism or the finishing order.
/// The data file is decoded once per process (per column mapping) and its ticks shared read-only by every run, unless
/// the decoded ticks would exceed the memory budget; then each run streams the file as before (same results).</summary>
public static class SweepRunner
{
    public sealed record Options(string DataPath, string ConfigText, SweepSpec Spec, Shard Shard, int Parallelism, Action<int, int, TimeSpan>? Progress = null,
        Action<SweepRun, BacktestResult?>? OnRun = null, Func<BacktestSetup, ITickSource>? Source = null, string? Checkpoint = null,
        long? SharedTicksBudgetBytes = null, Action<string>? Note = null, Action<DecodedTicks>? OnDecoded = null);

    public static SweepResultFile Run(Options o)
    {
        var baseConfig = SweepSpec.ParseConfig(o.ConfigText);
        var runs = o.Spec.Expand();
        var (dataSha, dataBytes) = SweepIdentity.OfData(o.DataPath);
        var sweepSha = SweepSpec.Sha256(o.Spec.Text);
        var configSha = SweepSpec.Sha256(o.ConfigText);
        using var checkpoint = o.Checkpoint is { } cp
            ? SweepCheckpoint.Open(cp, SweepCheckpoint.Header(sweepSha, configSha, dataSha, dataBytes, SweepIdentity.EngineVersion, runs.Count, o.Shard))
            : null;
        var mine = Enumerable.Range(0, runs.Count).Where(o.Shard.Owns).ToArray();
        var results = new SweepRun[mine.Length];
        var todo = new List<int>();
        for (var k = 0; k < mine.Length; k++)
        {
            if (checkpoint is not null && checkpoint.Done.TryGetValue(mine[k], out var finished)) results[k] = finished;
            else todo.Add(k);
        }
        var done = mine.Length - todo.Count;
        var sources = SourceFactory(o, todo.Count);
        var clock = Stopwatch.StartNew();
        o.Progress?.Invoke(done, mine.Length, TimeSpan.Zero);
        Parallel.For(0, todo.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, o.Parallelism) }, t =>
        {
            var k = todo[t];
            var index = mine[k];
            var values = runs[index];
            BacktestResult? result = null;
            SweepRun run;
            try
            {
                var setup = BacktestSetup.FromJson(SweepSpec.Apply(baseConfig, o.Spec.Parameters, values));
                var source = sources(setup);
                result = BacktestRunner.Run(setup, source);
                run = SweepRun.Of(index, values, result);
            }
            catch (Exception e) when (e is BacktestConfigException or TickDataException or ParquetException)
            {
                run = SweepRun.Failed(index, values, e.Message);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A bug hit by one point's parameters fails that point, not the sweep (the others still run).
                run = SweepRun.Failed(index, values, $"{e.GetType().Name}: {e.Message}");
            }
            results[k] = run;
            checkpoint?.Append(run);
            o.OnRun?.Invoke(run, result);
            var n = Interlocked.Increment(ref done);
            o.Progress?.Invoke(n, mine.Length, clock.Elapsed);
        });
        return new SweepResultFile(sweepSha, configSha, Path.GetFileName(o.DataPath), dataSha, dataBytes,
            SweepIdentity.EngineVersion, runs.Count,
            o.Shard.Count == 1 ? null : o.Shard, o.Spec.Parameters.Select(p => p.Path).ToList(), o.Spec.Metric, results);
    }

    /// <summary>Where each run's ticks come from: the test's source, the shared decoded file, or the file streamed per run.</summary>
    private static Func<BacktestSetup, ITickSource> SourceFactory(Options o, int runs)
    {
        if (o.Source is { } given) return given;
        Func<BacktestSetup, ITickSource> streamed = setup => new ParquetTickSource(o.DataPath, setup.Settings.Mapping(), prefetch: false);
        if (runs == 0) return streamed;
        long budget = o.SharedTicksBudgetBytes ?? DecodedTicks.DefaultBudgetBytes;
        long needed;
        try { needed = DecodedTicks.EstimateBytes(o.DataPath); }
        catch (ParquetException) { return streamed; } // each run reports the damaged file as its own failure, as before
        if (needed > budget)
        {
            o.Note?.Invoke($"sweep: the decoded ticks would take {needed / (1 << 20):N0} MiB, over the {budget / (1 << 20):N0} MiB budget: each run reads {Path.GetFileName(o.DataPath)} itself");
            return streamed;
        }
        // One decode per mapping; workers asking at once wait for it. A decode failure is cached too, so every run
        // fails with the same message without decoding again.
        var decoded = new ConcurrentDictionary<string, Lazy<DecodedTicks>>(StringComparer.Ordinal);
        return setup =>
        {
            var mapping = setup.Settings.Mapping();
            return decoded.GetOrAdd(mapping.Key, _ => new Lazy<DecodedTicks>(() =>
            {
                var ticks = DecodedTicks.Load(o.DataPath, mapping);
                o.OnDecoded?.Invoke(ticks);
                return ticks;
            })).Value;
        };
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
