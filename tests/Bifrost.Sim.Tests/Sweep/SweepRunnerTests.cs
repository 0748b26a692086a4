using System.Xml.Linq;
using Bifrost.Sim.Backtest;
using Bifrost.Sim.Sweep;
using Bifrost.Sim.Tests.Backtest;

namespace Bifrost.Sim.Tests.Sweep;

/// <summary>Sweeps over the bundled sample with a 10-second clock (to keep the tests quick): results do not depend on
/// the parallelism, and shards merged give exactly the unsharded result.</summary>
public sealed class SweepRunnerTests
{
    private static readonly string Config = File.ReadAllText(SampleData.BacktestConfig).Replace("\"clock_seconds\": 1,", "\"clock_seconds\": 10,");

    private static readonly SweepSpec Spec = SweepSpec.Parse("""
        { "method": "grid", "parameters": [ { "path": "strategy.rules[0].half_width", "values": [35, 75] },
                                            { "path": "strategy.hedge_to", "values": ["target", "band_edge"] } ] }
        """);

    private static SweepResultFile Run(Shard shard, int parallel) =>
        SweepRunner.Run(new SweepRunner.Options(SampleData.TickFile, Config, Spec, shard, parallel));

    [Fact]
    public void Results_AreIdentical_WhateverTheParallelism_AndShardsMergeToTheWhole()
    {
        var serial = Run(Shard.All, 1);
        var parallel = Run(Shard.All, 4);
        Assert.Equal(serial.ToJson(), parallel.ToJson());
        Assert.Equal(4, serial.Runs.Count);
        Assert.All(serial.Runs, r => Assert.Null(r.Error));

        var a = Run(new Shard(0, 3), 2);
        var b = Run(new Shard(1, 3), 1);
        var c = Run(new Shard(2, 3), 1);
        Assert.Equal([0, 3], a.Runs.Select(r => r.Index));
        var (merged, missing) = SweepResultFile.Merge([("c", c), ("a", a), ("b", b)]);
        Assert.Empty(missing);
        Assert.Equal(serial.ToJson(), merged.ToJson());
    }

    [Fact]
    public void ResultFile_RoundTrips_AndMergeRefusesAnotherSweep()
    {
        var whole = Run(new Shard(0, 2), 2);
        var path = Path.Combine(Path.GetTempPath(), $"bifrost-shard-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, whole.ToJson());
            var back = SweepResultFile.Read(path);
            Assert.Equal(whole.ToJson(), back.ToJson());
            var (_, missing) = SweepResultFile.Merge([(path, back)]);
            Assert.Equal([1, 3], missing);
            var other = back with { ConfigSha256 = "different" };
            Assert.Throws<BacktestConfigException>(() => SweepResultFile.Merge([(path, back), ("other", other)]));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Report_WritesSortedCsv_AndWellFormedSvg()
    {
        var results = Run(Shard.All, 2);
        var dir = Path.Combine(Path.GetTempPath(), $"bifrost-sweep-{Guid.NewGuid():N}");
        try
        {
            SweepReport.Write(results, dir, "total_pnl");
            var csv = File.ReadAllLines(Path.Combine(dir, "results.csv"));
            Assert.Equal(5, csv.Length);
            var pnl = csv.Skip(1).Select(l => double.Parse(l.Split(',')[4], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(pnl.OrderByDescending(x => x), pnl);
            foreach (var svg in new[] { "heatmap.svg", "best-equity.svg" })
                Assert.Equal("svg", XDocument.Load(Path.Combine(dir, svg)).Root!.Name.LocalName);
            Assert.Contains("one run per cell, 4 run(s)", File.ReadAllText(Path.Combine(dir, "heatmap.svg")));
            Assert.Contains("drawdown from the running peak", File.ReadAllText(Path.Combine(dir, "best-equity.svg")));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void InvalidPoint_IsReportedAsAFailedRun_NotACrash()
    {
        var spec = SweepSpec.Parse("""{ "parameters": [ { "path": "strategy.rules[0].half_width", "values": [-5, 50] } ] }""");
        var results = SweepRunner.Run(new SweepRunner.Options(SampleData.TickFile, Config, spec, Shard.All, 2));
        Assert.Contains("strategy.rules", results.Runs[0].Error);
        Assert.Null(results.Runs[1].Error);
        Assert.Equal(1, results.Sorted("total_pnl")[0].Index);
    }

    [Fact]
    public void PointThatThrows_IsRecordedAsFailed_AndTheSweepGoesOn()
    {
        var results = SweepRunner.Run(new SweepRunner.Options(SampleData.TickFile, Config, Spec, Shard.All, 2,
            Source: setup => setup.Config.Strategy.HedgeTo.IsToBandEdge && setup.Config.Strategy.Rules.Head is Bifrost.Domain.HedgeRule.FixedBand { halfWidth: 75.0 }
                ? throw new InvalidOperationException("simulated bug")
                : new ParquetTickSource(SampleData.TickFile, setup.Settings.Mapping())));
        Assert.Equal(4, results.Runs.Count);
        Assert.Equal("InvalidOperationException: simulated bug", results.Runs[3].Error);
        Assert.All(results.Runs.Take(3), r => Assert.Null(r.Error));
    }

    [Fact]
    public void Merge_RefusesShardsRunOnDifferentDataUnderTheSameName()
    {
        var dirA = Path.Combine(Path.GetTempPath(), $"bifrost-data-a-{Guid.NewGuid():N}");
        var dirB = dirA.Replace("-a-", "-b-");
        try
        {
            Directory.CreateDirectory(dirA);
            Directory.CreateDirectory(dirB);
            var a = Path.Combine(dirA, "ticks.parquet");
            var b = Path.Combine(dirB, "ticks.parquet");
            File.Copy(SampleData.TickFile, a);
            Bifrost.Sim.Ticks.TickGenerator.WriteFile(b, new Bifrost.Sim.Ticks.GeneratorOptions { Seed = 99, QuotesPerSecond = 0.1 });
            var shard0 = SweepRunner.Run(new SweepRunner.Options(a, Config, Spec, new Shard(0, 2), 1));
            var shard1 = SweepRunner.Run(new SweepRunner.Options(b, Config, Spec, new Shard(1, 2), 1));
            Assert.Equal(shard0.Data, shard1.Data);
            var e = Assert.Throws<BacktestConfigException>(() => SweepResultFile.Merge([("shard-0", shard0), ("shard-1", shard1)]));
            Assert.Contains("data_sha256", e.Message);
            Assert.Contains("shard-1", e.Message);
            var version = Assert.Throws<BacktestConfigException>(() => SweepResultFile.Merge([("x", shard0), ("y", shard0 with { EngineVersion = "0.9" })]));
            Assert.Contains("engine_version", version.Message);
        }
        finally
        {
            foreach (var d in new[] { dirA, dirB })
                if (Directory.Exists(d)) Directory.Delete(d, recursive: true);
        }
    }

    [Fact]
    public void Checkpoint_ResumedAfterAKill_SkipsFinishedRuns_AndGivesTheSameResult()
    {
        var path = Path.Combine(Path.GetTempPath(), $"bifrost-checkpoint-{Guid.NewGuid():N}.jsonl");
        try
        {
            var whole = Run(Shard.All, 2);
            SweepRunner.Run(new SweepRunner.Options(SampleData.TickFile, Config, Spec, Shard.All, 2, Checkpoint: path));
            var lines = File.ReadAllLines(path);
            Assert.Equal(5, lines.Length); // header + 4 runs
            // As if killed while writing the third run: two whole lines and a torn one.
            File.WriteAllText(path, string.Join("\n", lines.Take(3)) + "\n" + lines[3][..40]);
            var computed = 0;
            var resumed = SweepRunner.Run(new SweepRunner.Options(SampleData.TickFile, Config, Spec, Shard.All, 2, Checkpoint: path,
                Source: setup =>
                {
                    Interlocked.Increment(ref computed);
                    return new ParquetTickSource(SampleData.TickFile, setup.Settings.Mapping());
                }));
            Assert.Equal(2, computed);
            Assert.Equal(whole.ToJson(), resumed.ToJson());
            Assert.Equal(5, File.ReadAllLines(path).Length);

            var otherSpec = SweepSpec.Parse(Spec.Text.Replace("75", "80"));
            var e = Assert.Throws<BacktestConfigException>(() =>
                SweepRunner.Run(new SweepRunner.Options(SampleData.TickFile, Config, otherSpec, Shard.All, 2, Checkpoint: path)));
            Assert.Contains("another sweep", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
