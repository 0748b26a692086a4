using System.Diagnostics;
using System.Text.Json.Nodes;
using Bifrost.Sim.Backtest;
using Bifrost.Sim.Sweep;

namespace Bifrost.Sim.Tests.Sweep;

/// <summary>`merge` streams shard files: the same results.json as merging in memory, the same refusals, and a merge of
/// shard files larger than the process's whole GC heap.</summary>
public sealed class StreamingMergeTests
{
    private static SweepRun MakeRun(int index, int curvePoints)
    {
        var rng = new Random(index);
        var metrics = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var name in SweepMetrics.Names) metrics[name] = Math.Round(rng.NextDouble() * 1000 - 500, 6);
        var curve = Enumerable.Range(0, curvePoints).Select(i => (1_772_461_800_000_000_000L + i * 1_000_000_000L, Math.Round(rng.NextDouble() * 2000 - 1000, 9))).ToList();
        return new SweepRun(index, [JsonValue.Create(10 + index % 7), JsonValue.Create(index % 3 == 0 ? "target" : "band_edge")],
            index % 97 == 5 ? "simulated failure" : null, metrics, new SortedDictionary<string, long>(StringComparer.Ordinal) { ["COOLDOWN"] = index % 5 },
            $"hash{index:D6}", curve);
    }

    private static SweepResultFile ShardFile(Shard shard, int total, int curvePoints) =>
        new("sweepsha", "configsha", "ticks.parquet", "datasha", 12345, "1.0.0", total, shard, ["strategy.rules[0].half_width", "strategy.hedge_to"], "total_pnl",
            Enumerable.Range(0, total).Where(shard.Owns).Select(i => MakeRun(i, curvePoints)).ToList());

    private static List<string> WriteShards(string dir, int count, int total, int curvePoints)
    {
        var paths = new List<string>();
        for (var s = 0; s < count; s++)
        {
            var path = Path.Combine(dir, $"shard-{s}-of-{count}.json");
            using (var w = new StreamWriter(path) { NewLine = "\n" })
            {
                var file = ShardFile(new Shard(s, count), total, curvePoints);
                file.WriteJson(w, file.Runs);
            }
            paths.Add(path);
        }
        return paths;
    }

    [Fact]
    public void StreamingMerge_WritesTheSameResultsJson_AsMergingInMemory_EvenWithAShardGivenTwice()
    {
        var dir = Directory.CreateTempSubdirectory("bifrost-merge-");
        try
        {
            var paths = WriteShards(dir.FullName, 3, 200, 40);
            var inMemory = SweepResultFile.Merge(paths.Select(p => (p, SweepResultFile.Read(p))).ToList()).Merged;
            var whole = ShardFile(Bifrost.Sim.Sweep.Shard.All, 200, 40) with { Shard = null };
            Assert.Equal(whole.ToJson(), inMemory.ToJson());

            var results = Path.Combine(dir.FullName, "results.json");
            var outcome = StreamingMerge.Merge([paths[2], paths[0], paths[1], paths[0]], results, allowMissing: false);
            Assert.Empty(outcome.Missing);
            Assert.Equal(inMemory.ToJson(), File.ReadAllText(results));
            Assert.Equal(200, outcome.Summary.Runs.Count);
            Assert.All(outcome.Summary.Runs, r => Assert.Empty(r.Curve)); // summaries only: curves stay on disk
            Assert.Equal(inMemory.ToCsv("sharpe"), outcome.Summary.ToCsv("sharpe"));
            Assert.Equal(MakeRun(17, 40).Curve, StreamingMerge.CurveOf(results, 17));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void StreamingMerge_RefusesAnotherSweep_ConflictingRuns_AndMissingRuns()
    {
        var dir = Directory.CreateTempSubdirectory("bifrost-merge-");
        try
        {
            var paths = WriteShards(dir.FullName, 2, 20, 5);
            var results = Path.Combine(dir.FullName, "results.json");

            var other = Path.Combine(dir.FullName, "other.json");
            var otherFile = ShardFile(new Shard(1, 2), 20, 5) with { DataSha256 = "otherdata" };
            File.WriteAllText(other, otherFile.ToJson());
            var e = Assert.Throws<BacktestConfigException>(() => StreamingMerge.Merge([paths[0], other], results, allowMissing: false));
            Assert.Contains("data_sha256", e.Message);
            Assert.Contains("other.json", e.Message);

            var conflicting = Path.Combine(dir.FullName, "conflict.json");
            var original = ShardFile(new Shard(1, 2), 20, 5);
            File.WriteAllText(conflicting, (original with { Runs = original.Runs.Select(r => r.Index == 3 ? r with { OrderListHash = "changed" } : r).ToList() }).ToJson());
            var c = Assert.Throws<BacktestConfigException>(() => StreamingMerge.Merge([paths[0], paths[1], conflicting], results, allowMissing: false));
            Assert.Contains("run 3", c.Message);

            var partial = StreamingMerge.Merge([paths[0]], results, allowMissing: false);
            Assert.Equal(Enumerable.Range(0, 10).Select(i => 2 * i + 1), partial.Missing);
            Assert.False(File.Exists(results), "a merge with missing runs writes nothing unless --allow-missing");
            Assert.Empty(Directory.GetFiles(dir.FullName, "*.partial"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    public static TheoryData<string, string> Tampered => new()
    {
        // Same orders, another statistic: the first copy was kept before, whichever file came first.
        { "metric", "differs between two files with the same orders" },
        { "curve", "differs between two files with the same orders" },
        { "value", "differs between two files with the same orders" },
        // A run a shard file cannot hold.
        { "outside-shard", "run 4 does not belong to its shard 1/2" },
        { "beyond-total", "run 21 is outside the sweep's runs 0..19" },
        { "values-count", "run 3 has 1 parameter value(s) for 2 parameter(s)" },
        // Header fields the hashes are meant to imply, compared anyway (a hand-edited or foreign file).
        { "header-metric", "its metric is sharpe" },
        { "header-parameters", "its parameters (the swept paths)" },
    };

    [Theory]
    [MemberData(nameof(Tampered))]
    public void Merge_ACopyOrAHeaderThatDisagrees_IsRefused_InMemoryAndStreaming(string tamper, string expected)
    {
        var dir = Directory.CreateTempSubdirectory("bifrost-merge-");
        try
        {
            var paths = WriteShards(dir.FullName, 2, 20, 5);
            var shard1 = ShardFile(new Shard(1, 2), 20, 5);
            List<SweepRun> Runs(Func<SweepRun, SweepRun> change) => shard1.Runs.Select(r => r.Index == 3 ? change(r) : r).ToList();
            var bad = tamper switch
            {
                "metric" => shard1 with { Runs = Runs(r => r with { Metrics = new SortedDictionary<string, double>(r.Metrics.ToDictionary(), StringComparer.Ordinal) { ["total_pnl"] = 1e6 } }) },
                "curve" => shard1 with { Runs = Runs(r => r with { Curve = r.Curve.Select(p => (p.T, p.Pnl + 1)).ToList() }) },
                "value" => shard1 with { Runs = Runs(r => r with { Values = [JsonValue.Create(99), r.Values[1]] }) },
                "outside-shard" => shard1 with { Runs = [.. shard1.Runs, MakeRun(4, 5)] },
                "beyond-total" => shard1 with { Runs = [.. shard1.Runs, MakeRun(21, 5)] },
                "values-count" => shard1 with { Runs = Runs(r => r with { Values = [r.Values[0]] }) },
                "header-metric" => shard1 with { Metric = "sharpe" },
                "header-parameters" => shard1 with { Paths = ["strategy.rules[0].half_width", "strategy.cooldown_seconds"] },
                _ => throw new ArgumentOutOfRangeException(nameof(tamper)),
            };
            var badPath = Path.Combine(dir.FullName, "bad.json");
            File.WriteAllText(badPath, bad.ToJson());
            var results = Path.Combine(dir.FullName, "results.json");

            var streaming = Assert.Throws<BacktestConfigException>(() => StreamingMerge.Merge([paths[0], paths[1], badPath], results, allowMissing: true));
            Assert.Contains(expected, streaming.Message);
            Assert.False(File.Exists(results));
            var inMemory = Assert.Throws<BacktestConfigException>(() =>
                SweepResultFile.Merge([(paths[0], SweepResultFile.Read(paths[0])), (paths[1], SweepResultFile.Read(paths[1])), (badPath, SweepResultFile.Read(badPath))]));
            Assert.Contains(expected, inMemory.Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void MergeCommand_ThatRefuses_LeavesNoOutputDirectoryBehind_AndASuccessfulOneReplacesOldFiles()
    {
        var dir = Directory.CreateTempSubdirectory("bifrost-merge-cli-");
        try
        {
            var paths = WriteShards(dir.FullName, 2, 20, 5);
            var other = Path.Combine(dir.FullName, "other.json");
            File.WriteAllText(other, (ShardFile(new Shard(1, 2), 20, 5) with { DataSha256 = "otherdata" }).ToJson());
            var conflicting = Path.Combine(dir.FullName, "conflict.json");
            var original = ShardFile(new Shard(1, 2), 20, 5);
            File.WriteAllText(conflicting, (original with { Runs = original.Runs.Select(r => r.Index == 3 ? r with { OrderListHash = "changed" } : r).ToList() }).ToJson());
            var before = Directory.GetFileSystemEntries(dir.FullName).Order().ToList();

            // OUT under a parent that does not exist yet: a refusal removes what it created, the parent included.
            var outDir = Path.Combine(dir.FullName, "new-parent", "merged");
            Assert.Equal(2, Program.Main(["merge", outDir, paths[0], other]));                    // another data file
            Assert.Equal(2, Program.Main(["merge", outDir, paths[0], paths[1], conflicting]));    // a run that disagrees
            Assert.Equal(2, Program.Main(["merge", outDir, paths[0]]));                           // runs missing
            Assert.Equal(before, Directory.GetFileSystemEntries(dir.FullName).Order().ToList());

            // An existing OUT keeps its other files on a refusal and gets the merge's files on success.
            var existing = Directory.CreateDirectory(Path.Combine(dir.FullName, "existing")).FullName;
            File.WriteAllText(Path.Combine(existing, "results.json"), "stale");
            File.WriteAllText(Path.Combine(existing, "notes.txt"), "mine");
            Assert.Equal(2, Program.Main(["merge", existing, paths[0], other]));
            Assert.Equal("stale", File.ReadAllText(Path.Combine(existing, "results.json")));
            Assert.Equal(0, Program.Main(["merge", existing, paths[0], paths[1]]));
            Assert.Equal(Enumerable.Range(0, 20), SweepResultFile.ReadRuns(Path.Combine(existing, "results.json")).Select(r => r.Index));
            Assert.Equal("mine", File.ReadAllText(Path.Combine(existing, "notes.txt")));
            Assert.Equal(0, Program.Main(["merge", outDir, paths[1], paths[0]]));
            Assert.True(File.Exists(Path.Combine(outDir, "results.csv")));
            Assert.Equal(File.ReadAllText(Path.Combine(existing, "results.json")), File.ReadAllText(Path.Combine(outDir, "results.json")));
            Assert.Empty(Directory.GetDirectories(dir.FullName, ".*", SearchOption.AllDirectories)); // no staging left
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task MergeCommand_OfShardFilesLargerThanItsWholeHeap_Succeeds()
    {
        // 4,000 runs with 500-point curves: ~75 MB of shard files, merged by the real CLI in a process whose GC heap is
        // capped at 48 MB. Reading the files whole (their text alone) would not fit.
        var dir = Directory.CreateTempSubdirectory("bifrost-merge-big-");
        try
        {
            var paths = WriteShards(dir.FullName, 4, 4000, 500);
            var bytes = paths.Sum(p => new FileInfo(p).Length);
            Assert.True(bytes > 64L << 20, $"shard files are only {bytes:N0} bytes");
            var outDir = Path.Combine(dir.FullName, "merged");
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "bifrost-sim.dll"));
            start.ArgumentList.Add("merge");
            start.ArgumentList.Add(outDir);
            foreach (var p in paths) start.ArgumentList.Add(p);
            start.Environment["DOTNET_GCHeapHardLimit"] = "0x3000000";
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            await process.WaitForExitAsync(deadline.Token);
            Assert.True(process.ExitCode == 0, $"merge exited {process.ExitCode}: {await stderr}");
            Assert.Contains("4000 of 4000 run(s)", await stdout);
            var merged = Path.Combine(outDir, "results.json");
            Assert.Equal(Enumerable.Range(0, 4000), SweepResultFile.ReadRuns(merged).Select(r => r.Index));
            Assert.Equal(MakeRun(2345, 500).Curve, StreamingMerge.CurveOf(merged, 2345));
            Assert.True(File.Exists(Path.Combine(outDir, "best-equity.svg")));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
