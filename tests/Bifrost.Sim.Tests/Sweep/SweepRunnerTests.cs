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
}
