using Bifrost.Sim.Backtest;
using Bifrost.Sim.Sweep;
using Bifrost.Sim.Tests.Backtest;

namespace Bifrost.Sim.Tests.Sweep;

/// <summary>A sweep decodes its data file once and every run, on every worker, reads the same decoded ticks; the results
/// are byte-identical to runs that each stream the file.</summary>
public sealed class SharedTicksTests
{
    private static readonly string Config = File.ReadAllText(SampleData.BacktestConfig).Replace("\"clock_seconds\": 1,", "\"clock_seconds\": 10,");

    private static readonly SweepSpec Spec = SweepSpec.Parse("""
        { "method": "grid", "parameters": [ { "path": "strategy.rules[0].half_width", "values": [35, 50, 75] },
                                            { "path": "strategy.hedge_to", "values": ["target", "band_edge"] } ] }
        """);

    [Fact]
    public void Sweep_DecodesTheFileOnce_EveryWorkerReadsTheSharedTicks_ResultsAsIfStreamed()
    {
        var dir = Directory.CreateTempSubdirectory("bifrost-shared-ticks-");
        try
        {
            var data = Path.Combine(dir.FullName, "ticks.parquet");
            File.Copy(SampleData.TickFile, data);
            var notes = new List<string>();
            var streamed = SweepRunner.Run(new SweepRunner.Options(data, Config, Spec, Shard.All, 2, SharedTicksBudgetBytes: 0, Note: notes.Add,
                OnDecoded: _ => Assert.Fail("over budget: nothing may be decoded up front")));
            Assert.Contains(notes, n => n.Contains("budget"));

            var decodes = 0;
            DecodedTicks? shared = null;
            // The file disappears right after the one decode: a run that read it again would fail.
            var once = SweepRunner.Run(new SweepRunner.Options(data, Config, Spec, Shard.All, 2, OnDecoded: ticks =>
            {
                Interlocked.Increment(ref decodes);
                shared = ticks;
                File.Delete(data);
            }));

            Assert.Equal(1, decodes);
            Assert.False(File.Exists(data));
            Assert.Equal(6, once.Runs.Count);
            Assert.All(once.Runs, r => Assert.Null(r.Error));
            Assert.Equal(streamed.ToJson(), once.ToJson());
            Assert.True(shared!.TickCount > 70_000, $"decoded {shared.TickCount} ticks");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void SharedTicks_AreTheSameArrays_ForEveryRun()
    {
        var ticks = DecodedTicks.Load(SampleData.TickFile, Bifrost.Sim.Ticks.ColumnMapping.Identity);
        var first = ticks.Batches().ToList();
        var second = ticks.Batches().ToList();
        Assert.Equal(first.Count, second.Count);
        Assert.All(first.Zip(second), pair => Assert.Same(pair.First, pair.Second));
        // A run over the shared ticks leaves them as they were (runs only read them).
        var before = first.Select(b => b.ToArray()).ToList();
        var setup = BacktestSetup.FromJson(Config);
        BacktestRunner.Run(setup, ticks);
        Assert.All(first.Zip(before), pair => Assert.Equal(pair.Second, pair.First));
    }
}
