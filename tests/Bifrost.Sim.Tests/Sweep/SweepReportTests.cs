using System.Text.Json.Nodes;
using Bifrost.Sim.Sweep;

namespace Bifrost.Sim.Tests.Sweep;

/// <summary>The files a sweep leaves: its "best" run is one that has the metric it is best by.</summary>
public sealed class SweepReportTests
{
    [Fact]
    public void BestEquity_IsNeverARunWithoutTheSortMetric()
    {
        // Run 0 failed; run 1 ran but has no Sharpe (a flat curve): neither is "the best run by sharpe".
        var flat = new SweepRun(1, [JsonValue.Create(20)], null,
            new SortedDictionary<string, double>(StringComparer.Ordinal) { ["total_pnl"] = 0, ["sharpe"] = double.NaN },
            new SortedDictionary<string, long>(StringComparer.Ordinal), "hash1", [(1_772_461_800_000_000_000L, 0.0), (1_772_461_860_000_000_000L, 0.0)]);
        var results = new SweepResultFile("sweepsha", "configsha", "ticks.parquet", "datasha", 1, "1.0.0", 2, null, ["strategy.rules[0].half_width"], "sharpe",
            [SweepRun.Failed(0, [JsonValue.Create(10)], "boom"), flat]);
        var dir = Directory.CreateTempSubdirectory("bifrost-report-").FullName;
        try
        {
            var written = SweepReport.Write(results, dir, "sharpe");
            Assert.DoesNotContain(written, f => Path.GetFileName(f) == "best-equity.svg");
            Assert.False(File.Exists(Path.Combine(dir, "best-equity.svg")));
            Assert.True(File.Exists(Path.Combine(dir, "results.csv")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
