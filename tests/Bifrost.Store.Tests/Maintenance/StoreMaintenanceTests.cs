using Bifrost.Store.Control;
using Bifrost.Store.Locking;
using Bifrost.Store.Maintenance;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Store.Tests.Support;
using Bifrost.Store.Writer;
using Microsoft.Data.Sqlite;

namespace Bifrost.Store.Tests.Maintenance;

/// <summary>Backup while the writer runs, retention that never touches position-changing rows, salvage of a damaged
/// store, the start-up integrity check, and the control queue's refusal of an implausible id.</summary>
public sealed class StoreMaintenanceTests : IDisposable
{
    private readonly TempStore _store = new();
    private const long Day = 86_400_000_000_000L;

    public void Dispose() => _store.Dispose();

    private static OrderRecord Order(int i, long t) => new($"oi_t1_{i}", "t1", "hedge", 125, TradeSide.Sell, 10, "MKT", null, "DAY", "Filled", t, t, i);

    private async Task<StoreWriter> Filled(int orders, long t0 = Day * 20_000)
    {
        var w = _store.OpenWriter();
        for (var i = 1; i <= orders; i++)
        {
            w.UpsertOrder(Order(i, t0 + i));
            w.Record(new OperationRecord(t0 + i, OperationKind.Order, "t1", $"oi_t1_{i}", 125, TradeSide.Sell, 10, 100, "hedge"));
        }
        await w.FlushAsync();
        return w;
    }

    [Fact]
    public async Task Backup_WhileTheWriterRuns_IsAConsistentPrivateCopy()
    {
        await using var w = await Filled(500);
        var copy = Path.Combine(Path.GetDirectoryName(_store.Path)!, "backup.db");
        var bytes = StoreBackup.Run(_store.Path, copy);
        w.UpsertOrder(Order(501, Day * 20_001)); // the writer keeps going
        await w.FlushAsync();
        Assert.True(bytes > 0);
        using var reader = StoreReader.Open(copy);
        Assert.NotNull(reader.GetOrder("oi_t1_500"));
        Assert.Null(reader.GetOrder("oi_t1_501"));
        Assert.Null(StoreIntegrity.Problem(copy));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(copy));
        Assert.Throws<IOException>(() => StoreBackup.Run(_store.Path, copy)); // never overwrites
    }

    [Fact]
    public async Task Retention_PrunesOldGuardBlocks_AndKeepsEveryPositionChangingOperation()
    {
        var t0 = Day * 20_000;
        await using (var w = await Filled(3, t0))
        {
            foreach (var kind in Enum.GetValues<OperationKind>())
                w.Record(new OperationRecord(t0, kind, Detail: "old " + kind));
            w.Record(new OperationRecord(t0 + 40 * Day, OperationKind.GuardBlock, Detail: "recent block"));
            await w.FlushAsync();
        }
        var pruned = StoreRetention.Prune(_store.Path, TimeSpan.FromDays(30));
        Assert.Equal(1, pruned.GuardBlocks);
        using var c = new SqliteConnection($"Data Source={_store.Path};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT kind, COUNT(*) FROM operations GROUP BY kind";
        var counts = new Dictionary<string, long>();
        using (var r = cmd.ExecuteReader())
            while (r.Read()) counts[r.GetString(0)] = r.GetInt64(1);
        Assert.Equal(1, counts["guard_block"]); // only the recent one
        Assert.Equal(4, counts["order"]); // 3 hedges + the old one: never pruned
        foreach (var kind in new[] { "fill", "status", "cancel", "reject", "control", "control_done", "risk_halt", "reconcile", "anomaly", "alert", "intent", "state" })
            Assert.True(counts.GetValueOrDefault(kind) >= 1, kind);
        using var reader = StoreReader.Open(_store.Path);
        Assert.NotNull(reader.GetOrder("oi_t1_1"));
    }

    [Fact]
    public async Task Salvage_OfAStoreWithAFlippedPage_CopiesWhatIsReadable_IntoAValidStore()
    {
        await using (await Filled(2_000)) { }
        using (var c = new SqliteConnection($"Data Source={_store.Path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            cmd.ExecuteNonQuery();
        }
        var bytes = File.ReadAllBytes(_store.Path);
        var pageSize = (bytes[16] << 8) | bytes[17];
        var page = bytes.Length / pageSize * 3 / 4;
        for (var i = 0; i < 48; i++) bytes[page * pageSize + i] ^= 0x5A;
        File.WriteAllBytes(_store.Path, bytes);
        Assert.NotNull(StoreIntegrity.Problem(_store.Path));
        Assert.Throws<StoreCorruptException>(() => StoreIntegrity.Check(_store.Path));

        var target = Path.Combine(Path.GetDirectoryName(_store.Path)!, "rebuilt.db");
        var report = StoreSalvage.Run(_store.Path, target);
        Assert.Null(StoreIntegrity.Problem(target));
        using var reader = StoreReader.Open(target);
        Assert.NotNull(reader.GetOrder("oi_t1_1"));
        Assert.Contains(report.Tables, l => l.StartsWith("orders:", StringComparison.Ordinal));
    }

    /// <summary>Found by a red-team review: the salvage copied no portfolio table. On the rebuilt store the schedule had
    /// no handled-through mark (a slot executed that day ran again), the runs and their snapshots were gone.</summary>
    [Fact]
    public async Task Salvage_KeepsThePortfolioSnapshotsRunsAndTheSchedulesMark()
    {
        await using (var w = _store.OpenWriter())
        {
            w.RecordPortfolioSnapshot(new PortfolioSnapshotRecord("s1", 1, "file", "signals.csv", "abc", 1_000_000, null, "hash-s1", "bifrost-snapshot-v1",
                [new PortfolioSnapshotLineRecord("AAA", 50.0, 0, 200, 0.01, "")]));
            w.RecordPortfolioRun(new PortfolioRunRecord("r1-pf1", "s1", "hash-s1", "schedule:weekly", "done", "[]", null, null, null, 1, 2,
                [new PortfolioRunOrderRecord("oi_p0123", "AAA", "buy", 200, 200, "filled", true, null, 7, 70, "[]", "[]")]));
            w.SetPortfolioSchedule("weekly", 123_456_789);
            await w.FlushAsync();
        }
        var target = Path.Combine(Path.GetDirectoryName(_store.Path)!, "rebuilt.db");
        var report = StoreSalvage.Run(_store.Path, target);
        Assert.True(report.Complete, string.Join("; ", report.Tables));
        using var r = StoreReader.Open(target);
        Assert.Equal(123_456_789, r.GetPortfolioScheduleHandledThrough("weekly"));
        Assert.Equal("done", r.GetPortfolioRun("r1-pf1")!.Status);
        Assert.Single(r.PortfolioRunOrders("r1-pf1"));
        Assert.Single(r.GetPortfolioSnapshot("s1")!.Lines);
    }

    [Fact]
    public void Salvage_OfAFileThatIsNoStoreAtAll_IsRefused_NoEmptyStoreCreated()
    {
        var garbage = Path.Combine(Path.GetDirectoryName(_store.Path)!, "garbage.db");
        File.WriteAllBytes(garbage, [.. Enumerable.Range(0, 8192).Select(i => (byte)(i * 37 % 251))]);
        var target = Path.Combine(Path.GetDirectoryName(_store.Path)!, "rebuilt-from-garbage.db");
        var e = Assert.Throws<IOException>(() => StoreSalvage.Run(garbage, target));
        Assert.Contains("not a readable SQLite store", e.Message);
        Assert.False(File.Exists(target), "an empty store would remember no pause, halt or day's P&L");
    }

    [Fact]
    public void IntegrityCheck_AcceptsAMissingOrEmptyStore()
    {
        StoreIntegrity.Check(_store.Path + ".missing");
        File.WriteAllBytes(_store.Path + ".empty", []);
        StoreIntegrity.Check(_store.Path + ".empty");
    }

    [Fact]
    public void ControlRow_WithAnImplausibleId_IsRefusedCleanly_AndTheQueueKeepsWorking()
    {
        using (_store.OpenWriter()) { }
        using (var c = new SqliteConnection($"Data Source={_store.Path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "INSERT INTO control_queue(id, created_ns, command, requested_by) VALUES (9223372036854775807, 1, 'stop', 'x')";
            var e = Assert.Throws<SqliteException>(() => cmd.ExecuteNonQuery());
            Assert.Equal(19, e.SqliteErrorCode); // SQLITE_CONSTRAINT (CHECK)
        }
        using var queue = ControlQueue.Open(_store.Path);
        var id = queue.Enqueue(ControlCommandKind.Pause, "{}", "tui");
        Assert.InRange(id, 1, 10);
        var claimed = queue.TryClaimNext()!;
        Assert.Equal(id, claimed.Id);
        Assert.Equal(Environment.UserName, claimed.OsUser);
    }

    [Fact]
    public void ReadOnlyDetection_TellsEROFSApartFromContention()
    {
        Assert.True(StoreFileSystem.IsReadOnly(new IOException("x", 30)));
        Assert.False(StoreFileSystem.IsReadOnly(new IOException("The process cannot access the file", 11)));
    }
}
