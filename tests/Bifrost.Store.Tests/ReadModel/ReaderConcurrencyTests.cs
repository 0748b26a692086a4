using System.Diagnostics;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Tests.Support;

namespace Bifrost.Store.Tests.ReadModel;

/// <summary>The monitor must never stall the daemon's writer, nor be stalled by it (WAL).</summary>
public sealed class ReaderConcurrencyTests : IDisposable
{
    private readonly TempStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task ReaderIsNotBlockedByAnOpenWriteTransaction_AndSeesTheLastCommittedState()
    {
        await using (var w = _store.OpenWriter())
        {
            w.Record(Sample.Op(1));
            await w.FlushAsync();
        }
        using var blocker = Raw.Open(_store.Path);
        Raw.Exec(blocker, "BEGIN IMMEDIATE");
        Raw.Exec(blocker, "INSERT INTO operations(time_ns, kind) VALUES (1, 'intent')"); // uncommitted

        // Were the reader blocked, it would wait out the 5 s busy timeout and then throw.
        using var reader = StoreReader.Open(_store.Path, new StoreOptions { BusyTimeout = TimeSpan.FromSeconds(5) });
        var sw = Stopwatch.StartNew();
        var count = reader.CountOperations(new OperationQuery());
        sw.Stop();

        Assert.Equal(1, count);
        Assert.True(sw.ElapsedMilliseconds < 1_000, $"read took {sw.ElapsedMilliseconds} ms");
        Raw.Exec(blocker, "ROLLBACK");
    }

    [Fact]
    public async Task WriterKeepsCommittingWhileAReaderPollsContinuously()
    {
        await using var writer = _store.OpenWriter();
        using var reader = StoreReader.Open(_store.Path);
        using var stop = new CancellationTokenSource();
        var reads = 0;
        var polling = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                reader.QueryOperations(new OperationQuery { Limit = 50 });
                reader.GetStatus();
                reads++;
            }
        });

        var sw = Stopwatch.StartNew();
        for (var round = 0; round < 20; round++)
        {
            for (var i = 0; i < 500; i++) writer.Record(Sample.Op(round * 500 + i));
            await writer.FlushAsync();
        }
        sw.Stop();
        await stop.CancelAsync();
        await polling;

        Assert.False(writer.IsFailing);
        Assert.Equal(10_000, reader.CountOperations(new OperationQuery()));
        Assert.True(reads > 10, $"only {reads} reads");
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"writes took {sw.Elapsed}");
    }

    [Fact]
    public async Task ReaderOpenedWhileNoWriterIsRunning_StillReadsTheStore()
    {
        await using (var w = _store.OpenWriter())
        {
            w.SetStatus(Sample.Status());
            await w.FlushAsync();
        } // a clean close checkpoints and removes -wal/-shm

        using var reader = StoreReader.Open(_store.Path);
        Assert.Equal("Running", reader.GetStatus()!.FsmState);
    }
}
