using Bifrost.Store.Records;
using Bifrost.Store.Tests.Support;
using Bifrost.Store.Writer;

namespace Bifrost.Store.Tests.Writer;

/// <summary>
/// A store that cannot be written (here: another connection holds the write lock, as an external sqlite3 or a stuck
/// process would; disk full and I/O errors take the same path) must be reported, retried, and lose nothing.
/// </summary>
public sealed class WriterFailureTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly TempStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task LockedStore_RaisesWriteFailed_ThenWriteRecovered_AndEveryItemIsCommittedExactlyOnce()
    {
        await using var writer = _store.OpenWriter(TempStore.FastOptions);
        var failed = new TaskCompletionSource<WriteFailure>(TaskCreationOptions.RunContinuationsAsynchronously);
        var recovered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var failedCount = 0;
        writer.WriteFailed += f => { Interlocked.Increment(ref failedCount); failed.TrySetResult(f); };
        writer.WriteRecovered += () => recovered.TrySetResult();

        Task flush;
        using (var blocker = Raw.Open(_store.Path))
        {
            Raw.Exec(blocker, "BEGIN IMMEDIATE");
            for (var i = 1; i <= 100; i++) writer.Record(Sample.Op(i));
            flush = writer.FlushAsync();

            var failure = await failed.Task.WaitAsync(Patience);
            Assert.IsType<Microsoft.Data.Sqlite.SqliteException>(failure.Error);
            Assert.True(writer.IsFailing);
            await Task.Delay(300); // several retries fail meanwhile…
            Assert.False(flush.IsCompleted);
            Assert.Equal(1, failedCount); // …but the failure is reported once, not per retry
            Raw.Exec(blocker, "ROLLBACK");
        }

        await recovered.Task.WaitAsync(Patience);
        await flush.WaitAsync(Patience);
        Assert.False(writer.IsFailing);
        Assert.Equal(100, Raw.Scalar(_store.Path, "SELECT COUNT(*) FROM operations"));
        Assert.Equal(100, Raw.Scalar(_store.Path, "SELECT COUNT(DISTINCT detail) FROM operations"));
    }

    [Fact]
    public async Task RecordNowOnALockedStore_ThrowsSoTheCallerDoesNotProceed_AndSucceedsOnceUnlocked()
    {
        await using var writer = _store.OpenWriter(TempStore.FastOptions);
        var failed = 0;
        var recovered = 0;
        writer.WriteFailed += _ => Interlocked.Increment(ref failed);
        writer.WriteRecovered += () => Interlocked.Increment(ref recovered);
        var order = new StoreWrite.Order(Sample.Order("oi_run1_1"));

        using (var blocker = Raw.Open(_store.Path))
        {
            Raw.Exec(blocker, "BEGIN IMMEDIATE");
            Assert.Throws<StoreWriteException>(() => writer.RecordNow(order, new StoreWrite.OrderIdHighWater(1002, Sample.T0)));
            Raw.Exec(blocker, "ROLLBACK");
        }
        Assert.Equal(1, failed);

        writer.RecordNow(order, new StoreWrite.OrderIdHighWater(1002, Sample.T0));

        Assert.Equal(1, recovered);
        Assert.Equal(1, Raw.Scalar(_store.Path, "SELECT COUNT(*) FROM orders"));
        Assert.Equal(1002, Raw.Scalar(_store.Path, "SELECT CAST(value AS INTEGER) FROM engine_state WHERE key = 'next_order_id'"));
    }

    [Fact]
    public async Task AnItemTheDatabaseRefuses_IsReportedAndDropped_WhileTheRestOfItsBatchIsCommitted()
    {
        await using var writer = _store.OpenWriter(TempStore.FastOptions);
        var rejected = new List<WriteRejection>();
        writer.ItemRejected += r => { lock (rejected) rejected.Add(r); };
        using (var c = Raw.Open(_store.Path))
            Raw.Exec(c, """
                CREATE TRIGGER poison BEFORE INSERT ON operations WHEN NEW.detail = 'poison'
                BEGIN SELECT RAISE(ABORT, 'poisoned row'); END;
                """);

        writer.Record(Sample.Op(1));
        writer.Record(Sample.Op(2) with { Detail = "poison" });
        writer.Record(Sample.Op(3));
        await writer.FlushAsync();

        var r = Assert.Single(rejected);
        Assert.Equal("poison", Assert.IsType<StoreWrite.Operation>(r.Item).Record.Detail);
        Assert.False(writer.IsFailing);
        Assert.Equal(2, Raw.Scalar(_store.Path, "SELECT COUNT(*) FROM operations WHERE detail IN ('op 1', 'op 3')"));
    }

    // The store file removed (an rm, a tmp cleaner) or replaced while the daemon ran: SQLite kept writing to the unlinked
    // file without an error — every fill, pause and order row "recorded" into a file no reader and no restart would see,
    // and orders kept leaving. The writer now fails closed: nothing is committed there, WriteFailed, RecordNow throws.
    [Theory]
    [InlineData("removed")]
    [InlineData("replaced")]
    public async Task StoreFileRemovedOrReplaced_WhileTheWriterRuns_FailsClosed(string how)
    {
        await using var writer = _store.OpenWriter(TempStore.FastOptions with { ShutdownTimeout = TimeSpan.FromMilliseconds(200) });
        var failed = new TaskCompletionSource<WriteFailure>(TaskCreationOptions.RunContinuationsAsynchronously);
        writer.WriteFailed += f => failed.TrySetResult(f);
        writer.Record(Sample.Op(1));
        await writer.FlushAsync();

        File.Move(_store.Path, _store.Path + ".gone");
        if (how == "replaced") File.Copy(_store.Path + ".gone", _store.Path);

        var refused = Assert.Throws<StoreWriteException>(() => writer.RecordNow(new StoreWrite.Operation(Sample.Op(2))));
        Assert.Contains("removed or replaced", refused.Message);
        Assert.True(writer.IsFailing);
        Assert.Contains("removed or replaced", (await failed.Task.WaitAsync(Patience)).Error.Message);
        writer.Record(Sample.Op(3));
        await Task.Delay(200);
        Assert.True(writer.IsFailing); // the background batches are refused too, and kept for retry
    }
}
