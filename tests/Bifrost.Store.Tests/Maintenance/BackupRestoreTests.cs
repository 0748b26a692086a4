using Bifrost.Store.Locking;
using Bifrost.Store.Maintenance;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Store.Tests.Support;

namespace Bifrost.Store.Tests.Maintenance;

/// <summary>Restoring a backup over a store whose -wal still holds commits (kill -9): the backup exactly, the old store kept whole.</summary>
public sealed class BackupRestoreTests : IDisposable
{
    private readonly TempStore _store = new();

    public void Dispose() => _store.Dispose();

    private string Backup => Path.Combine(_store.Directory, "backup.db");

    private async Task BackedUpStoreWithOrders(int orders)
    {
        await using (var w = _store.OpenWriter())
        {
            for (var i = 1; i <= orders; i++)
                w.UpsertOrder(new OrderRecord($"oi_t1_{i}", "t1", "hedge", 125, TradeSide.Sell, 10, "MKT", null, "DAY", "Filled", i, i, i));
            await w.FlushAsync();
        }
        StoreBackup.Run(_store.Path, Backup);
    }

    /// <summary>The writer killed with SIGKILL after <paramref name="rounds"/> reported rounds; returns the operations it reported.</summary>
    private int KilledWriter(int rounds)
    {
        using var child = ChildProcess.Start("child-write", _store.Path);
        var line = "";
        for (var i = 0; i < rounds; i++) line = child.WaitForLine(l => l.StartsWith("recorded ", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        child.KillHard();
        return int.Parse(line["recorded ".Length..]);
    }

    private static List<OperationRecord> ChildOperations(StoreReader reader) =>
        reader.QueryOperations(new OperationQuery { RunId = "child", Limit = int.MaxValue }).ToList();

    // The documented restore was "copy the backup to store.path": after a kill -9 the -wal beside it still held the killed
    // daemon's commits, and SQLite replayed them over the backup's pages — a store neither the backup nor the old one.
    [Fact]
    public async Task Restore_OverAStoreWhoseWalHoldsAKilledWritersCommits_GivesTheBackupExactly_AndKeepsTheOldStoreWhole()
    {
        await BackedUpStoreWithOrders(3);
        var reported = KilledWriter(rounds: 3);
        Assert.True(new FileInfo(_store.Path + "-wal").Length > 0, "the killed writer left its commits in the -wal");

        var report = BackupRestore.Run(Backup, _store.Path, new DateTime(2026, 12, 7, 23, 5, 0, DateTimeKind.Utc));

        Assert.Equal(_store.Path + ".replaced-20261207T230500Z", report.ReplacedKeptAs);
        Assert.Null(StoreIntegrity.Problem(_store.Path));
        using (var restored = StoreReader.Open(_store.Path))
        {
            Assert.Empty(ChildOperations(restored));
            Assert.NotNull(restored.GetOrder("oi_t1_3"));
        }
        // Every commit the killed writer reported is in the store kept aside (its -wal moved with it).
        using var kept = StoreReader.Open(report.ReplacedKeptAs!);
        var stored = ChildOperations(kept).Select(o => int.Parse(o.Detail!)).ToHashSet();
        Assert.All(Enumerable.Range(1, reported), n => Assert.Contains(n, stored));
        Assert.False(File.Exists(_store.Path + ".restoring"));
    }

    // store.path a symlink to the data disk: the link was replaced by a plain file (the store moved off that disk) and
    // the -wal beside the target was left there.
    [Fact]
    public async Task Restore_ThroughASymlinkedStorePath_RestoresAtTheTarget_AndKeepsTheLink()
    {
        await BackedUpStoreWithOrders(2);
        var link = Path.Combine(_store.Directory, "link.db");
        File.CreateSymbolicLink(link, _store.Path);

        var report = BackupRestore.Run(Backup, link);

        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.StartsWith(_store.Path + ".replaced-", report.ReplacedKeptAs);
        using var reader = StoreReader.Open(_store.Path);
        Assert.NotNull(reader.GetOrder("oi_t1_2"));
    }

    [Fact]
    public async Task Restore_WhileTheDaemonHoldsTheStore_IsRefused_AndChangesNothing()
    {
        await BackedUpStoreWithOrders(2);
        var before = File.ReadAllBytes(_store.Path);
        using (InstanceLock.Acquire(_store.Path))
            Assert.Throws<InstanceLockedException>(() => BackupRestore.Run(Backup, _store.Path));
        Assert.Equal(before, File.ReadAllBytes(_store.Path));
        Assert.Empty(Directory.GetFiles(_store.Directory, "bifrost.db.re*")); // nothing moved aside, nothing staged
    }

    [Fact]
    public async Task Restore_FromAFileThatIsNoBifrostStore_IsRefused_AndLeavesTheStoreInPlace()
    {
        await BackedUpStoreWithOrders(1);
        var notAStore = Path.Combine(_store.Directory, "other.db");
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={notAStore};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE t(x); INSERT INTO t VALUES (1);";
            cmd.ExecuteNonQuery();
        }

        var refused = Assert.Throws<IOException>(() => BackupRestore.Run(notAStore, _store.Path));

        Assert.Contains("no Bifrost store", refused.Message);
        using var reader = StoreReader.Open(_store.Path);
        Assert.NotNull(reader.GetOrder("oi_t1_1"));
        Assert.False(File.Exists(_store.Path + ".restoring"));
    }
}
