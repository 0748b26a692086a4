using System.Collections.Concurrent;
using Bifrost.Sim.Ticks;

namespace Bifrost.Sim.Backtest;

/// <summary>Time-ordered tick batches for a run: a Parquet file, or ticks made in memory (tests, generated paths).</summary>
public interface ITickSource
{
    /// <summary>What the run reports as its data (a path, or a description).</summary>
    string Name { get; }
    IEnumerable<Tick[]> Batches();

    /// <summary>The run is done with <paramref name="batch"/> (it reads nothing of it again): a source may reuse the
    /// array for a later batch. Sources whose batches are shared or kept do nothing.</summary>
    void Release(Tick[] batch) { }
}

/// <summary>Ticks already in memory (economic tests, benchmarks of the engine alone).</summary>
public sealed class MemoryTickSource(string name, IEnumerable<Tick[]> batches) : ITickSource
{
    public string Name { get; } = name;
    public IEnumerable<Tick[]> Batches() => batches;
}

/// <summary>A Parquet tick file, streamed one row group at a time. With <c>prefetch</c> a second thread decodes the
/// next row groups (at most <see cref="Depth"/> ahead) while the run consumes the current one: the run sees the same
/// batches in the same order either way, so results do not depend on it.</summary>
public sealed class ParquetTickSource(string path, ColumnMapping? mapping = null, bool prefetch = false) : ITickSource
{
    public const int Depth = 2;

    // Released batches back to the reader: at most Depth queued, one being decoded and one being run are live at once.
    private readonly TickBatchPool _pool = new(Depth + 2);

    /// <summary>Batches served from released arrays (tests check recycling happened).</summary>
    public long ReusedBatches => _pool.Reused;

    public void Release(Tick[] batch) => _pool.Return(batch);

    public string Name => path;

    public IEnumerable<Tick[]> Batches() => prefetch ? Prefetched() : Inline();

    private IEnumerable<Tick[]> Inline()
    {
        using var reader = new TickFileReader(path, mapping, _pool);
        foreach (var batch in reader.ReadBatches()) yield return batch;
    }

    private IEnumerable<Tick[]> Prefetched()
    {
        using var queue = new BlockingCollection<Tick[]>(Depth);
        using var stop = new CancellationTokenSource();
        Exception? failure = null;
        var reader = new TickFileReader(path, mapping, _pool); // opened here so a bad file fails on the caller's thread
        var worker = new Thread(() =>
        {
            try
            {
                foreach (var batch in reader.ReadBatches())
                    queue.Add(batch, stop.Token);
            }
            catch (OperationCanceledException) { }
            catch (Exception e) { failure = e; }
            finally
            {
                queue.CompleteAdding();
                reader.Dispose();
            }
        }) { IsBackground = true, Name = "tick-prefetch" };
        worker.Start();
        try
        {
            foreach (var batch in queue.GetConsumingEnumerable())
                yield return batch;
            worker.Join();
            // The reader's and the Parquet library's messages name the file already; only a bare one gets its path.
            if (failure is not null)
                throw failure is TickDataException ? failure
                    : new TickDataException(failure.Message.StartsWith(path, StringComparison.Ordinal) ? failure.Message : $"{path}: {failure.Message}");
        }
        finally
        {
            stop.Cancel();
            worker.Join();
        }
    }
}
