using System.CommandLine;
using Bifrost.Sim.Backtest;
using Bifrost.Sim.Sweep;
using Bifrost.Store.Files;

namespace Bifrost.Sim.Cli;

/// <summary>`bifrost-sim merge OUT SHARD_FILES… [--sort metric] [--allow-missing]`: combines the shard files of one sweep.</summary>
public static class MergeCommand
{
    public static Command Create()
    {
        var output = new Argument<DirectoryInfo>("out") { Description = "output directory (results.json, results.csv, heatmap.svg, best-equity.svg)" };
        var files = new Argument<FileInfo[]>("shards") { Description = "shard result files (shard-i-of-n.json)", Arity = ArgumentArity.OneOrMore };
        var sort = new Option<string?>("--sort") { Description = "metric to sort by (default: the sweep file's)" };
        var allowMissing = new Option<bool>("--allow-missing") { Description = "write the merge even if some runs are in no file" };
        var cmd = new Command("merge", "Combine the result files of a sharded sweep into one report.") { output, files, sort, allowMissing };
        cmd.SetAction(r =>
        {
            try
            {
                var paths = r.GetValue(files)!.Select(f => f.FullName).ToList();
                // Streamed, so not read bounded as a config is: a pipe or a device is refused before it is opened.
                if (paths.Select(RegularFile.Problem).FirstOrDefault(p => p is not null) is { } notAFile) return GenerateCommand.Fail($"SHARDS: {notAFile}");
                var metric = r.GetValue(sort) ?? SweepResultFile.ReadHeader(paths[0]).Metric;
                if (!SweepMetrics.IsKnown(metric)) return GenerateCommand.Fail($"--sort: unknown metric '{metric}'");
                var outDir = r.GetValue(output)!.FullName;
                if (OutputPaths.CheckDirectory("OUT", outDir) is { } badOut) return GenerateCommand.Fail(badOut);
                // Written to a staging directory beside OUT and renamed on success: a refused merge leaves nothing.
                using var staged = new StagedDirectory(outDir);
                var resultsPath = Path.Combine(staged.Path, "results.json");
                // Streams: shard files are read a run at a time and results.json written as they come.
                var (merged, missing) = StreamingMerge.Merge(paths, resultsPath, r.GetValue(allowMissing));
                if (missing.Count > 0)
                {
                    var list = string.Join(", ", missing.Take(20)) + (missing.Count > 20 ? ", …" : "");
                    if (!r.GetValue(allowMissing))
                        return GenerateCommand.Fail($"{missing.Count} of {merged.RunsTotal} run(s) are in no shard file (runs {list}); pass every shard, or --allow-missing");
                    Console.Error.WriteLine($"bifrost-sim: warning: {missing.Count} of {merged.RunsTotal} run(s) missing (runs {list})");
                }
                Console.WriteLine(merged.ToTable(metric));
                if (merged.Failures() is { } failures) Console.WriteLine(failures);
                var written = SweepReport.Write(merged, staged.Path, metric, best => StreamingMerge.CurveOf(resultsPath, best.Index));
                staged.Commit();
                var ranked = merged.Runs.Count(x => SweepResultFile.Ranks(x, metric));
                Console.WriteLine($"merged {paths.Count} file(s), {merged.Runs.Count} of {merged.RunsTotal} run(s), {ranked} ranked by {metric} -> {string.Join(", ", written.Select(Path.GetFileName))} in {outDir}");
                return 0;
            }
            catch (Exception e) when (e is BacktestConfigException or IOException or UnauthorizedAccessException)
            {
                return GenerateCommand.Fail(e.Message);
            }
        });
        return cmd;
    }
}
