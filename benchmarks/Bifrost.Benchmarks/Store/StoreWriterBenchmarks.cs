using BenchmarkDotNet.Attributes;
using Bifrost.Store;
using Bifrost.Store.Records;
using Bifrost.Store.Writer;

namespace Bifrost.Benchmarks.Store;

/// <summary>
/// Operations recorded per second through StoreWriter, commit included: each invocation enqueues a burst of operations
/// and waits for FlushAsync (= committed to the WAL). Reported per operation via OperationsPerInvoke; ops/s = 1e9 / Mean(ns).
/// Target (issue 5): ≥ 50,000 operations/s. Also: the synchronous RecordNow path used before placeOrder.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class StoreWriterBenchmarks
{
    private const int Burst = 10_000;
    private string _dir = "";
    private StoreWriter _writer = null!;
    private long _seq;

    [Params(Durability.ProcessCrash, Durability.PowerLoss)]
    public Durability Durability { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "bifrost-store-bench", Guid.NewGuid().ToString("N"));
        _writer = StoreWriter.Open(Path.Combine(_dir, "bench.db"), new StoreWriterOptions { Durability = Durability });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _writer.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = Burst)]
    public void RecordOperationsAndFlush()
    {
        var t = UnixNanos.Now();
        for (var i = 0; i < Burst; i++)
        {
            var n = ++_seq;
            var op = new OperationRecord(t + i, OperationKind.Order, "bench", "oi_bench_" + n, 756733, TradeSide.Buy, 100, 470.05, "hedge");
            if (!_writer.Record(op)) throw new InvalidOperationException("queue full");
        }
        _writer.FlushAsync().GetAwaiter().GetResult();
    }

    /// <summary>Order row + order-id high-water mark committed synchronously, as the daemon does before placeOrder.</summary>
    [Benchmark]
    public void RecordNowOrderBeforePlaceOrder()
    {
        var n = ++_seq;
        var t = UnixNanos.Now();
        _writer.RecordNow(
            new StoreWrite.Order(new OrderRecord("oi_now_" + n, "bench", "hedge", 756733, TradeSide.Sell, 100, "LMT", 470.05, "DAY",
                "PendingSubmit", t, t, IbOrderId: 1000 + n)),
            new StoreWrite.OrderIdHighWater(1001 + n, t));
    }
}
