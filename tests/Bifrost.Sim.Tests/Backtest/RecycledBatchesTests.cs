using Bifrost.Sim.Backtest;
using Bifrost.Sim.Ticks;

namespace Bifrost.Sim.Tests.Backtest;

/// <summary>
/// A streamed file's batch arrays are recycled once the run releases them: the run must read nothing of a batch after
/// releasing it, with or without the prefetch thread. The sample is rewritten in small row groups (so there is
/// something to recycle), and every released batch is poisoned before it goes back: a run that read a released batch,
/// or released one early, would see the poison and differ from the run on the same ticks held in memory.
/// </summary>
public sealed class RecycledBatchesTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"bifrost-recycle-{Guid.NewGuid():N}");
    private readonly string _file;

    public RecycledBatchesTests()
    {
        Directory.CreateDirectory(_dir);
        _file = Path.Combine(_dir, "small-groups.parquet");
        using var reader = new TickFileReader(SampleData.TickFile);
        var ticks = reader.ReadBatches().SelectMany(b => b).ToList();
        using var writer = new TickFileWriter(_file, rowGroupSize: 4_000);
        foreach (var t in ticks) writer.Write(t, reader.Contracts[t.ConId]);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Fills each released batch with garbage before the inner source may hand it out again.</summary>
    private sealed class Poisoning(ParquetTickSource inner) : ITickSource
    {
        public string Name => inner.Name;
        public IEnumerable<Tick[]> Batches() => inner.Batches();

        public void Release(Tick[] batch)
        {
            Array.Fill(batch, new Tick(0, -1, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN));
            inner.Release(batch);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Run_OnRecycledBatches_MatchesTheRunOnTicksHeldInMemory(bool prefetch)
    {
        var setup = BacktestSetup.FromFile(SampleData.BacktestConfig);
        var inMemory = BacktestRunner.Run(setup, DecodedTicks.Load(_file, setup.Settings.Mapping()));
        var streamed = new ParquetTickSource(_file, setup.Settings.Mapping(), prefetch);

        var recycled = BacktestRunner.Run(setup, new Poisoning(streamed));

        Assert.True(streamed.ReusedBatches >= 10, $"only {streamed.ReusedBatches} batches were recycled (of {77_142 / 4_000 + 1})");
        Assert.Equal(77_142, recycled.TicksRead);
        Assert.Equal(ResultWriter.SummaryJson(inMemory), ResultWriter.SummaryJson(recycled));
        Assert.Equal(ResultWriter.CurveCsv(inMemory), ResultWriter.CurveCsv(recycled));
        Assert.Equal(inMemory.OrderList, recycled.OrderList);
    }
}
