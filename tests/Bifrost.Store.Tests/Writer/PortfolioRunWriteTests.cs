using Bifrost.Store.Control;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Store.Tests.Support;

namespace Bifrost.Store.Tests.Writer;

/// <summary>Schema v6: portfolio snapshots are insert-only, runs reference a snapshot, run rows are upserts with their
/// orders, and the control queue takes <c>portfolio_run</c>.</summary>
public sealed class PortfolioRunWriteTests : IDisposable
{
    private readonly TempStore _store = new();

    public void Dispose() => _store.Dispose();

    private static PortfolioSnapshotRecord Snapshot(string id, double value) => new(id, 1, "file", "signals.csv", "abc", value, null, "hash-" + id,
        "bifrost-snapshot-v1", [new PortfolioSnapshotLineRecord("AAA", 50.0, 0, 200, 0.01, ""), new PortfolioSnapshotLineRecord("BBB", null, 5, 5, 0, "NO_PRICE")]);

    private static PortfolioRunRecord Run(string status, int filled) => new("r1-pf1", "s1", "hash-s1", "operator:test", status, "[]", null, null, null, 1, 2,
        [new PortfolioRunOrderRecord("oi_p0123", "AAA", "buy", 200, filled, filled == 200 ? "filled" : "working", true, null, 7, 70, "[]", "[]")]);

    [Fact]
    public async Task Snapshot_IsStoredOnce_ASecondWriteOfTheSameIdChangesNothing_AndSqlCannotAlterIt()
    {
        await using (var w = _store.OpenWriter())
        {
            w.RecordPortfolioSnapshot(Snapshot("s1", 1_000_000));
            w.RecordPortfolioSnapshot(Snapshot("s1", 5));
            await w.FlushAsync();
        }
        using (var r = StoreReader.Open(_store.Path))
        {
            var s = r.GetPortfolioSnapshot("s1")!;
            Assert.Equal(1_000_000, s.PortfolioValue);
            Assert.Equal(2, s.Lines.Count);
            Assert.Null(s.Lines.Single(l => l.Symbol == "BBB").Price);
        }
        using var c = Raw.Open(_store.Path);
        Assert.Contains("immutable", Assert.ThrowsAny<Microsoft.Data.Sqlite.SqliteException>(() => Raw.Exec(c, "UPDATE portfolio_snapshots SET portfolio_value = 1")).Message);
        Assert.Contains("immutable", Assert.ThrowsAny<Microsoft.Data.Sqlite.SqliteException>(() => Raw.Exec(c, "DELETE FROM portfolio_snapshot_lines")).Message);
    }

    [Fact]
    public async Task SnapshotIds_ListedOldestFirst_ForTheHashCheckAtStart()
    {
        await using (var w = _store.OpenWriter())
        {
            w.RecordPortfolioSnapshot(Snapshot("s2", 1_000_000) with { CreatedNanos = 5 });
            w.RecordPortfolioSnapshot(Snapshot("s1", 1_000_000) with { CreatedNanos = 3 });
            await w.FlushAsync();
        }
        using var r = StoreReader.Open(_store.Path);
        Assert.Equal(["s1", "s2"], r.ListPortfolioSnapshotIds());
    }

    [Fact]
    public async Task Run_IsUpsertedWithItsOrders_AndFoundByItsControl()
    {
        await using (var w = _store.OpenWriter())
        {
            w.RecordPortfolioSnapshot(Snapshot("s1", 1_000_000));
            w.RecordPortfolioRun(Run("running", 0));
            w.RecordPortfolioRun(Run("done", 200));
            await w.FlushAsync();
        }
        using var r = StoreReader.Open(_store.Path);
        var run = r.FindPortfolioRunForControl(1)!;
        Assert.Equal("done", run.Status);
        var order = Assert.Single(run.Orders);
        Assert.Equal((200, "filled", 7L, 70L), (order.Filled, order.Status, order.IbOrderId!.Value, order.PermId!.Value));
        Assert.Null(r.FindPortfolioRunForControl(11));
    }

    [Fact]
    public void RunWithoutItsSnapshot_IsRefusedByTheForeignKey_AndTheQueueTakesPortfolioRun()
    {
        using (_store.OpenWriter()) { }
        using (var q = ControlQueue.Open(_store.Path))
            Assert.True(q.Enqueue(ControlCommandKind.PortfolioRun, "{\"file\":\"/tmp/s.csv\"}", "test") > 0);
        using var c = Raw.Open(_store.Path);
        Raw.Exec(c, "PRAGMA foreign_keys = ON");
        Assert.ThrowsAny<Microsoft.Data.Sqlite.SqliteException>(() => Raw.Exec(c,
            "INSERT INTO portfolio_runs(id, snapshot_id, snapshot_hash, purpose, status, created_ns, updated_ns) VALUES ('r', 'nope', 'h', 'p', 'queued', 1, 1)"));
    }
}
