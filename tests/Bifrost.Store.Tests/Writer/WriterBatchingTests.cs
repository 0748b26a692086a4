using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Store.Tests.Support;

namespace Bifrost.Store.Tests.Writer;

public sealed class WriterBatchingTests : IDisposable
{
    private readonly TempStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task ManyQueuedOperations_AreAllCommittedByFlush_InFewTransactions()
    {
        const int n = 20_000;
        await using var writer = _store.OpenWriter();
        for (var i = 1; i <= n; i++) Assert.True(writer.Record(Sample.Op(i)));

        await writer.FlushAsync();

        Assert.Equal(n, Raw.Scalar(_store.Path, "SELECT COUNT(*) FROM operations"));
        Assert.Equal(n, Raw.Scalar(_store.Path, "SELECT COUNT(DISTINCT detail) FROM operations"));
        Assert.InRange(writer.BatchesCommitted, n / 1_000, n / 10); // batched, and never more than MaxBatchSize per batch
    }

    [Fact]
    public async Task Flush_WaitsOnlyForWhatWasEnqueuedBeforeIt_AndReturnsWithEverythingVisibleToReaders()
    {
        await using var writer = _store.OpenWriter();
        writer.Record(Sample.Op(1));
        writer.SetStatus(Sample.Status());
        await writer.FlushAsync();

        using var reader = StoreReader.Open(_store.Path);
        Assert.NotNull(reader.GetStatus());
        Assert.Single(reader.QueryOperations(new OperationQuery()));
    }

    [Fact]
    public async Task FullQueue_RefusesTheEnqueueInsteadOfBlocking_AndLosesNothingAccepted()
    {
        await using var writer = _store.OpenWriter(TempStore.FastOptions with { QueueCapacity = 16, MaxBatchSize = 4 });
        int accepted = 0, refused = 0;
        using (var blocker = Raw.Open(_store.Path))
        {
            Raw.Exec(blocker, "BEGIN IMMEDIATE"); // the writer cannot commit: its queue fills
            for (var i = 1; i <= 200; i++)
            {
                if (writer.Record(Sample.Op(i))) accepted++;
                else refused++;
            }
            Raw.Exec(blocker, "ROLLBACK");
        }

        await writer.FlushAsync();

        Assert.True(refused > 0);
        Assert.InRange(accepted, 16, 16 + 4);
        Assert.Equal(accepted, Raw.Scalar(_store.Path, "SELECT COUNT(*) FROM operations"));
    }

    [Fact]
    public async Task Dispose_DrainsTheQueueBeforeClosing()
    {
        var writer = _store.OpenWriter();
        for (var i = 1; i <= 5_000; i++) writer.Record(Sample.Op(i, OperationKind.Fill));
        await writer.DisposeAsync();

        Assert.Equal(5_000, Raw.Scalar(_store.Path, "SELECT COUNT(*) FROM operations"));
        Assert.Throws<ObjectDisposedException>(() => writer.RecordNow(new Bifrost.Store.Writer.StoreWrite.Operation(Sample.Op(0))));
        Assert.False(writer.Record(Sample.Op(5_001)));
    }
}
