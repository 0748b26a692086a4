using System.CommandLine;
using System.Diagnostics;
using Bifrost.Parquet;
using Bifrost.Sim.Backtest;
using Bifrost.Sim.Sweep;
using Bifrost.Sim.Ticks;

namespace Bifrost.Sim.Cli;

/// <summary>`bifrost-sim sweep --data FILE --config BASE.json --sweep SWEEP.json [--parallel N] [--shard i/n] [--out DIR] [--sort metric] [--store PATH]`.</summary>
public static class SweepCommand
{
    public static Command Create()
    {
        var data = new Option<FileInfo>("--data") { Description = "Parquet tick file", Required = true };
        var config = new Option<FileInfo>("--config") { Description = "base config JSON (as for backtest)", Required = true };
        var sweep = new Option<FileInfo>("--sweep") { Description = "sweep file: method (grid|random|lhs), parameters by JSON path", Required = true };
        var parallel = new Option<int>("--parallel") { Description = "backtests run at once (default: all cores)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var shard = new Option<string?>("--shard") { Description = "run only slice i of n (0-based; run k belongs to shard k mod n) and write shard-i-of-n.json" };
        var output = new Option<DirectoryInfo>("--out") { Description = "output directory", DefaultValueFactory = _ => new DirectoryInfo("sweep-out") };
        var sort = new Option<string?>("--sort") { Description = $"metric to sort by (default: the sweep file's): {string.Join(", ", SweepMetrics.Names)}" };
        var store = new Option<FileInfo?>("--store") { Description = "Bifrost store (SQLite) to record the sweep and each run in" };
        var cmd = new Command("sweep", "Run a grid / random / Latin-hypercube parameter sweep of backtests in parallel; table, CSV, heatmap and best equity curve.")
        {
            data, config, sweep, parallel, shard, output, sort, store,
        };
        cmd.SetAction(r =>
        {
            var dataPath = r.GetValue(data)!.FullName;
            if (!File.Exists(dataPath)) return GenerateCommand.Fail($"no such data file: {dataPath}");
            if (r.GetValue(parallel) < 1) return GenerateCommand.Fail("--parallel must be >= 1");
            if (OutputPaths.CheckDirectory("--out", r.GetValue(output)!.FullName) is { } badOut) return GenerateCommand.Fail(badOut);
            if (r.GetValue(store) is { } storePath && OutputPaths.CheckStore(storePath.FullName) is { } badStore) return GenerateCommand.Fail(badStore);
            BacktestStore? db = null;
            var storeClosed = false;
            try
            {
                var configPath = r.GetValue(config)!.FullName;
                var configText = BacktestSetup.ReadConfigText(configPath);
                BacktestSetup.FromJson(configText); // the base itself must be valid
                var spec = SweepSpec.FromFile(r.GetValue(sweep)!.FullName);
                try
                {
                    SweepPathCheck.Check(spec, configText);
                }
                catch (BacktestConfigException e)
                {
                    return GenerateCommand.Fail($"{r.GetValue(sweep)!.FullName}: {e.Message}");
                }
                var metric = r.GetValue(sort) ?? spec.Metric;
                if (!SweepMetrics.IsKnown(metric)) return GenerateCommand.Fail($"--sort: unknown metric '{metric}' (expected one of {string.Join(", ", SweepMetrics.Names)})");
                var slice = r.GetValue(shard) is { } s ? Shard.Parse(s) : Shard.All;
                var total = spec.Expand().Count;
                Console.Error.WriteLine($"sweep: {total} run(s) ({spec.Method}){(slice.Count > 1 ? $", shard {slice} runs {Enumerable.Range(0, total).Count(slice.Owns)}" : "")}, {r.GetValue(parallel)} at a time");
                var bar = ProgressBar.ForStderr();
                var clock = Stopwatch.StartNew();
                db = r.GetValue(store) is { } f ? BacktestStore.Open(f.FullName) : null;
                var sweepId = BacktestStore.NewRunId("sweep", BacktestSetup.FromJson(configText).Config.RunId) + (slice.Count > 1 ? $"-shard{slice.Index}of{slice.Count}" : "");
                var storeLock = new Lock();
                db?.StartSweep(sweepId, spec.Text);
                SweepResultFile results;
                string? checkpointPath = null;
                try
                {
                    var outDir = r.GetValue(output)!.FullName;
                    Directory.CreateDirectory(outDir);
                    checkpointPath = Path.Combine(outDir, (slice.Count > 1 ? Path.GetFileNameWithoutExtension(SweepReport.ShardFileName(slice)) : "sweep") + ".checkpoint.jsonl");
                    results = SweepRunner.Run(new SweepRunner.Options(dataPath, configText, spec, slice, r.GetValue(parallel), bar.Report,
                        db is not { } storeDb ? null : (run, result) =>
                        {
                            if (result is null) return;
                            lock (storeLock)
                                storeDb.Record($"{sweepId}-{run.Index:D5}", result, SweepSpec.Apply(SweepSpec.ParseConfig(configText), spec.Parameters, run.Values), sweepId);
                        }, Checkpoint: checkpointPath, Note: Console.Error.WriteLine));
                    db?.EndSweep(sweepId, $"{{\"runs\":{results.Runs.Count},\"metric\":\"{metric}\"}}");
                }
                finally
                {
                    storeClosed = true; // closed here; a failure closing it is reported below
                    db?.Dispose();
                }
                var dir = r.GetValue(output)!.FullName;
                Console.WriteLine(results.ToTable(metric));
                if (results.Failures() is { } failures) Console.WriteLine(failures);
                if (slice.Count > 1)
                {
                    Directory.CreateDirectory(dir);
                    var path = Path.Combine(dir, SweepReport.ShardFileName(slice));
                    File.WriteAllText(path, results.ToJson());
                    Console.WriteLine($"shard {slice}: {results.Runs.Count} run(s) in {clock.Elapsed.TotalSeconds:F1} s -> {path}");
                    Console.WriteLine($"when every shard is done: bifrost-sim merge {Path.Combine(dir, "merged")} {Path.Combine(dir, "shard-*-of-" + slice.Count + ".json")}");
                }
                else
                {
                    var files = SweepReport.Write(results, dir, metric);
                    Console.WriteLine($"{results.Runs.Count} run(s) in {clock.Elapsed.TotalSeconds:F1} s -> {string.Join(", ", files.Select(Path.GetFileName))} in {dir}");
                }
                // The results are written: the checkpoint has done its job.
                if (checkpointPath is not null) File.Delete(checkpointPath);
                if (db is not null) Console.WriteLine($"stored sweep {sweepId} in {r.GetValue(store)!.FullName}");
                return 0;
            }
            catch (Exception e) when (e is BacktestConfigException or TickDataException or ParquetException or IOException or UnauthorizedAccessException)
            {
                return GenerateCommand.Fail(e.Message);
            }
            catch (Exception e) when (OutputPaths.IsStoreFailure(e))
            {
                return GenerateCommand.Fail($"--store: {e.Message}");
            }
            finally
            {
                if (!storeClosed) BacktestCommand.DisposeQuietly(db);
            }
        });
        return cmd;
    }
}
