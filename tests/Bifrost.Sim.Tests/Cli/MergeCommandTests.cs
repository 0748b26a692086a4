using System.Text.Json.Nodes;
using Bifrost.Sim.Sweep;

namespace Bifrost.Sim.Tests.Cli;

/// <summary>What `merge` tells the trader about the runs it combined: a run that failed in one shard is said loudly,
/// never hidden behind "N of N run(s)".</summary>
[Collection(CliConsole.Name)]
public sealed class MergeCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bifrost-merge-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static SweepRun Run(int index, string? error) =>
        error is not null
            ? SweepRun.Failed(index, [JsonValue.Create(10 + index)], error)
            : new SweepRun(index, [JsonValue.Create(10 + index)], null,
                new SortedDictionary<string, double>(StringComparer.Ordinal) { ["total_pnl"] = 100 + index, ["sharpe"] = 1.0 + index },
                new SortedDictionary<string, long>(StringComparer.Ordinal), $"hash{index}", [(1_772_461_800_000_000_000L, 0.0), (1_772_461_860_000_000_000L, 100.0 + index)]);

    private string WriteShard(Shard shard, int total, Func<int, string?> errorOf)
    {
        var file = new SweepResultFile("sweepsha", "configsha", "ticks.parquet", "datasha", 12345, "1.0.0", total, shard, ["strategy.rules[0].half_width"], "total_pnl",
            Enumerable.Range(0, total).Where(shard.Owns).Select(i => Run(i, errorOf(i))).ToList());
        var path = Path.Combine(_dir, SweepReport.ShardFileName(shard));
        File.WriteAllText(path, file.ToJson());
        return path;
    }

    [Fact]
    public void Merge_OfShardsWhereRunsFailed_SaysHowManyAndWhich_NotASilentNOfN()
    {
        // Runs 3 and 7 threw in shard 1 (a bug hit by their parameters, an unreadable row group on that node): their
        // shard finished and its file holds them as failed. The merged report ranks the other 8 and must say so.
        string? ErrorOf(int i) => i is 3 or 7 ? $"InvalidOperationException: boom at run {i}" : null;
        var shards = new[] { WriteShard(new Shard(0, 2), 10, ErrorOf), WriteShard(new Shard(1, 2), 10, ErrorOf) };

        var (code, stdout, _) = CliRunner.Run(["merge", Path.Combine(_dir, "merged"), .. shards]);

        Assert.Equal(0, code);
        Assert.Contains("2 of 10 run(s) failed (runs 3, 7)", stdout);
        Assert.Contains("boom at run 3", stdout);
        Assert.Contains("8 ranked", stdout);
    }
}
