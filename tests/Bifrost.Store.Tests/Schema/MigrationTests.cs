using Bifrost.Store.Control;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Schema;
using Bifrost.Store.Records;
using Bifrost.Store.Tests.Support;

namespace Bifrost.Store.Tests.Schema;

public sealed class MigrationTests : IDisposable
{
    private readonly TempStore _store = new();

    public void Dispose() => _store.Dispose();

    /// <summary>A store written before fills kept their client ids (version 10) is upgraded in place; its fills read with
    /// none on record (a restart then judges them by permId, contract and side alone).</summary>
    [Fact]
    public async Task StoreAtVersion10_IsMigrated_ItsFillsReadWithNoClientIdsOnRecord()
    {
        using (var c = Raw.Open(_store.Path))
        {
            foreach (var m in Migrations.All.Where(m => m.Version <= 10)) Raw.Exec(c, m.Sql);
            Raw.Exec(c, "PRAGMA user_version = 10");
            Raw.Exec(c, """
                INSERT INTO fills(exec_id, order_ref, perm_id, contract_id, side, qty, price, time_ns)
                VALUES ('0000e0d5.01', 'oi_run1_1', 9, 756733, 'sell', 100, 470.05, 1)
                """);
        }
        await using (var w = _store.OpenWriter()) await w.FlushAsync();
        Assert.Equal(Migrations.Latest, Raw.Scalar(_store.Path, "PRAGMA user_version"));
        using var reader = StoreReader.Open(_store.Path);
        var f = Assert.Single(reader.GetFillsForOrder("oi_run1_1"));
        Assert.Equal((9L, (int?)null, (int?)null), (f.PermId, f.ClientId, f.EngineClientId));
    }

    [Fact]
    public void FreshStore_IsCreatedInWalModeAtTheLatestVersion()
    {
        using (_store.OpenWriter()) { }

        Assert.Equal(Migrations.Latest, Raw.Scalar(_store.Path, "PRAGMA user_version"));
        Assert.Equal(Migrations.Latest, Raw.Scalar(_store.Path, "SELECT MAX(version) FROM schema_migrations"));
        using var c = Raw.Open(_store.Path);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", cmd.ExecuteScalar());
        foreach (var table in new[] { "status", "status_history", "operations", "runs", "run_metrics", "run_guard_blocks", "orders",
                     "fills", "alerts", "control_queue", "engine_state" })
            Assert.Equal(1, Raw.Scalar(c, $"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'"));
    }

    [Fact]
    public async Task ReopeningAnExistingStore_AppliesNothingAndKeepsData()
    {
        await using (var w = _store.OpenWriter())
        {
            w.Record(Sample.Op(1));
            await w.FlushAsync();
        }
        await using (var w = _store.OpenWriter())
        {
            w.Record(Sample.Op(2));
            await w.FlushAsync();
        }

        Assert.Equal(Migrations.All.Count, Raw.Scalar(_store.Path, "SELECT COUNT(*) FROM schema_migrations"));
        Assert.Equal(2, Raw.Scalar(_store.Path, "SELECT COUNT(*) FROM operations"));
    }

    /// <summary>A store written before the order's broker-side state was kept (version 8) is upgraded in place; its
    /// orders read as before (no reported fill beyond the executions).</summary>
    [Fact]
    public async Task StoreAtVersion8_IsMigrated_ItsOrdersKeptWithNothingReportedBeyondTheirExecutions_AndNoCancelOnRecord()
    {
        using (var c = Raw.Open(_store.Path))
        {
            foreach (var m in Migrations.All.Where(m => m.Version <= 8)) Raw.Exec(c, m.Sql);
            Raw.Exec(c, "PRAGMA user_version = 8");
            Raw.Exec(c, """
                INSERT INTO orders(order_ref, run_id, purpose, contract_id, side, qty, order_type, tif, status, filled, created_ns, updated_ns, ib_order_id)
                VALUES ('oi_run1_1', 'run1', 'hedge', 756733, 'sell', 100, 'MKT', 'DAY', 'Cancelled', 40, 1, 1, 1001)
                """);
        }
        await using (var w = _store.OpenWriter()) await w.FlushAsync();
        Assert.Equal(Migrations.Latest, Raw.Scalar(_store.Path, "PRAGMA user_version"));
        using var reader = StoreReader.Open(_store.Path);
        var o = reader.GetOrder("oi_run1_1")!;
        Assert.Equal(("Cancelled", 40.0, 0.0, false), (o.Status, o.Filled, o.ReportedFilled, o.CancelRequested));
    }

    [Fact]
    public void StoreFromNewerCode_IsRefusedByWriterReaderAndControlQueue_WithAClearMessage()
    {
        using (_store.OpenWriter()) { }
        using (var c = Raw.Open(_store.Path)) Raw.Exec(c, $"PRAGMA user_version = {Migrations.Latest + 1}");

        var e = Assert.Throws<StoreSchemaException>(() => _store.OpenWriter());
        Assert.Equal(Migrations.Latest + 1, e.FoundVersion);
        Assert.Contains("newer Bifrost", e.Message);
        Assert.Contains(_store.Path, e.Message);
        Assert.Throws<StoreSchemaException>(() => StoreReader.Open(_store.Path));
        Assert.Throws<StoreSchemaException>(() => ControlQueue.Open(_store.Path));
    }

    [Fact]
    public void StoreFromNewerCode_IsNeitherPrunedNorSalvagedIntoAnOlderSchema()
    {
        using (_store.OpenWriter()) { }
        using (var c = Raw.Open(_store.Path)) Raw.Exec(c, $"PRAGMA user_version = {Migrations.Latest + 1}");
        var target = _store.Path + ".salvaged";

        Assert.Equal(Migrations.Latest + 1, Assert.Throws<StoreSchemaException>(() => Bifrost.Store.Maintenance.StoreRetention.Prune(_store.Path, TimeSpan.FromDays(1))).FoundVersion);
        var salvage = Assert.Throws<StoreSchemaException>(() => Bifrost.Store.Maintenance.StoreSalvage.Run(_store.Path, target));
        Assert.Contains("refusing to downgrade", salvage.Message);
        Assert.False(File.Exists(target), "no half-made store is left behind");
        Assert.Equal(Migrations.Latest + 1, Raw.Scalar(_store.Path, "PRAGMA user_version")); // untouched
    }

    [Fact]
    public void ReaderOnAMissingStore_ThrowsStoreUnavailableNamingThePath()
    {
        var e = Assert.Throws<StoreUnavailableException>(() => StoreReader.Open(_store.Path));
        Assert.Equal(_store.Path, e.StorePath);
        Assert.Contains(_store.Path, e.Message);
        Assert.False(File.Exists(_store.Path)); // the monitor must never create the store
    }

    [Fact]
    public void ReaderOnAnEmptyUninitialisedFile_ThrowsStoreUnavailable()
    {
        File.WriteAllBytes(_store.Path, []);
        Assert.Throws<StoreUnavailableException>(() => StoreReader.Open(_store.Path));
        Assert.Throws<StoreUnavailableException>(() => ControlQueue.Open(_store.Path));
    }

    [Fact]
    public void MigrationsAreNumberedFromOneInIncreasingOrder()
    {
        // Numbers are reserved per work item (3, 4, 5… land from parallel branches), so a branch may have a gap until
        // the others are merged; the order and uniqueness are what the migrator relies on.
        var versions = Migrations.All.Select(m => m.Version).ToList();
        Assert.Equal(1, versions[0]);
        Assert.Equal(versions.Order(), versions);
        Assert.Equal(versions.Count, versions.Distinct().Count());
    }

    [Fact]
    public void ControlQueue_AcceptsCancelAndConfirmBook_AndRefusesAnImplausibleRowId()
    {
        using (_store.OpenWriter()) { }
        using (var q = ControlQueue.Open(_store.Path))
        {
            Assert.True(q.Enqueue(ControlCommandKind.Cancel, "{\"run_id\":\"r1\"}", "test") > 0);
            Assert.True(q.Enqueue(ControlCommandKind.ConfirmBook, "{}", "test") > 0);
        }
        using var c = Raw.Open(_store.Path);
        var e = Assert.ThrowsAny<Microsoft.Data.Sqlite.SqliteException>(() =>
            Raw.Exec(c, "INSERT INTO control_queue(id, created_ns, command, requested_by) VALUES (9223372036854775807, 1, 'stop', 'x')"));
        Assert.Contains("CHECK", e.Message);
        Assert.Equal(1, Raw.Scalar(c, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'alert_deliveries'"));
    }
}
