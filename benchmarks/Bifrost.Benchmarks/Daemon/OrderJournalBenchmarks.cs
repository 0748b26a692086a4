using BenchmarkDotNet.Attributes;
using Bifrost.Daemon.Engine;
using Bifrost.Store;
using Bifrost.Store.Records;

namespace Bifrost.Benchmarks.Daemon;

/// <summary>
/// The order journal's line, on the order path between the reducer's decision and placeOrder (the daemon's default:
/// a journal beside the store, <c>ProcessCrash</c> durability): the whole append (JSON, checksum, one write(2)), and
/// the line built without the write, to tell the encoding from the system call.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class OrderJournalBenchmarks
{
    private string _dir = "";
    private OrderJournal _journal = null!;
    private long _seq;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "bifrost-journal-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        _journal = new OrderJournal(Path.Combine(_dir, "bench.db.orders.journal"), Durability.ProcessCrash);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _journal.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private JournalEntry Entry()
    {
        var n = ++_seq;
        var t = UnixNanos.Now();
        return new JournalEntry(new OrderRecord("oi_bench_" + n, "bench", "hedge", 756733, TradeSide.Sell, 100, "LMT", 470.05, "DAY",
            "PendingSubmit", t, t, IbOrderId: 1000 + n), 1001 + n, null);
    }

    /// <summary>The daemon's append: JSON, checksum and one write(2) of the line.</summary>
    [Benchmark(Baseline = true)]
    public void Append() => _journal.Append(Entry());

    /// <summary>The same line built (JSON and checksum) but not written.</summary>
    [Benchmark]
    public int EncodeOnly() => OrderJournal.Encode(Entry()).Length;
}
