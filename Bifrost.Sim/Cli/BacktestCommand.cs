using System.CommandLine;
using System.Diagnostics;
using Bifrost.Parquet;
using Bifrost.Sim.Backtest;
using Bifrost.Sim.Ticks;

namespace Bifrost.Sim.Cli;

/// <summary>`bifrost-sim backtest --data FILE --config CONFIG [--out DIR] [--store PATH] [--threads N]`.</summary>
public static class BacktestCommand
{
    public static Command Create()
    {
        var data = new Option<FileInfo>("--data") { Description = "Parquet tick file (canonical schema, or mapped in backtest.column_mapping)", Required = true };
        var config = new Option<FileInfo>("--config") { Description = "config JSON: the engine's config plus an optional \"backtest\" section", Required = true };
        var output = new Option<DirectoryInfo?>("--out") { Description = "directory for summary.json, equity.parquet/.csv and orders.csv" };
        var store = new Option<FileInfo?>("--store") { Description = "Bifrost store (SQLite) to record the run in, for the monitor's history" };
        var threads = new Option<int>("--threads")
        {
            // 2 is the default because it measured fastest on an otherwise idle machine (0.86-0.92x the wall time of 1
            // thread, about the same CPU); only on a machine whose cores are already busy is 1 faster (README, Performance).
            Description = "2 (default): decode the next row groups on a second thread; 1: decode and simulate on one thread (results are identical)",
            DefaultValueFactory = _ => 2,
        };
        var cmd = new Command("backtest", "Replay ticks through the engine's reducer and the simulated broker; print and write the run's statistics.")
        {
            data, config, output, store, threads,
        };
        cmd.SetAction(r =>
        {
            var dataPath = r.GetValue(data)!.FullName;
            if (!File.Exists(dataPath)) return GenerateCommand.Fail($"no such data file: {dataPath}");
            if (r.GetValue(threads) < 1) return GenerateCommand.Fail("--threads must be >= 1");
            if (r.GetValue(output) is { } outDir && OutputPaths.CheckDirectory("--out", outDir.FullName) is { } badOut) return GenerateCommand.Fail(badOut);
            if (r.GetValue(store) is { } storePath && OutputPaths.CheckStore(storePath.FullName) is { } badStore) return GenerateCommand.Fail(badStore);
            BacktestStore? db = null;
            try
            {
                var setup = BacktestSetup.FromFile(r.GetValue(config)!.FullName);
                // Opened before the run: a store that cannot be used is refused now, not after minutes of simulation.
                if (r.GetValue(store) is { } storeToOpen) db = BacktestStore.Open(storeToOpen.FullName);
                var (result, timing) = RunTimed(setup, new ParquetTickSource(dataPath, setup.Settings.Mapping(), prefetch: r.GetValue(threads) > 1));
                Console.Write(ResultWriter.Text(result, timing));
                if (r.GetValue(output) is { } dir)
                {
                    try
                    {
                        ResultWriter.WriteAll(result, dir.FullName);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        return GenerateCommand.Fail($"--out: cannot write '{dir.FullName}': {e.Message}");
                    }
                    Console.WriteLine($"  wrote      {Path.Combine(dir.FullName, "summary.json")}, equity.parquet, equity.csv, orders.csv");
                }
                if (r.GetValue(store) is { } storeFile)
                {
                    var id = BacktestStore.NewRunId("bt", result.RunId);
                    db!.Record(id, result, ParametersOf(r.GetValue(config)!.FullName, dataPath));
                    db.Dispose(); // flushes: the run is in the store before it is reported stored
                    db = null;
                    Console.WriteLine($"  stored     run {id} in {storeFile.FullName}");
                }
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
                DisposeQuietly(db);
            }
        });
        return cmd;
    }

    /// <summary>Closes a store left open by a refusal; a second failure must not hide the first.</summary>
    internal static void DisposeQuietly(BacktestStore? db)
    {
        try
        {
            db?.Dispose();
        }
        catch (Exception e) when (OutputPaths.IsStoreFailure(e) || e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"bifrost-sim: warning: closing the store: {e.Message}");
        }
    }

    /// <summary>Runs and measures wall time and peak memory (reported, never part of the results).</summary>
    public static (BacktestResult Result, RunTiming Timing) RunTimed(BacktestSetup setup, ITickSource source)
    {
        var process = Process.GetCurrentProcess();
        var (cpu, allocated) = (process.TotalProcessorTime, GC.GetTotalAllocatedBytes());
        var (g0, g1, g2, paused) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
        var clock = Stopwatch.StartNew();
        var result = BacktestRunner.Run(setup, source);
        var elapsed = clock.Elapsed;
        process.Refresh();
        return (result, new RunTiming(elapsed, PeakRss(), process.TotalProcessorTime - cpu, GC.GetTotalAllocatedBytes() - allocated,
            GC.CollectionCount(0) - g0, GC.CollectionCount(1) - g1, GC.CollectionCount(2) - g2, GC.GetTotalPauseDuration() - paused));
    }

    /// <summary>Peak resident set size of this process (VmHWM on Linux).</summary>
    public static long PeakRss()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line[6..].Trim().Split(' ')[0]) * 1024;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return Process.GetCurrentProcess().PeakWorkingSet64;
    }

    /// <summary>What the store records as the run's parameters: the config document and the data file.</summary>
    private static string ParametersOf(string configPath, string dataPath)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(configPath), documentOptions: new System.Text.Json.JsonDocumentOptions
        {
            CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true,
        });
        return new System.Text.Json.Nodes.JsonObject { ["data"] = dataPath, ["config"] = node }.ToJsonString();
    }
}
