using Bifrost.Store.Maintenance;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Store.Tests.Support;

namespace Bifrost.Store.Tests.Durability;

/// <summary>Issue 5: "an operation reported as recorded survives kill -9 of the daemon".</summary>
public sealed class KillNineTests : IDisposable
{
    private readonly TempStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public void OperationsReportedAsRecorded_SurviveSigkillOfTheWritingProcess()
    {
        int reported;
        using (var child = ChildProcess.Start("child-write", _store.Path))
        {
            // Let it get going, then kill it right after a report, while it is writing the next round.
            var line = "";
            for (var i = 0; i < 5; i++) line = child.WaitForLine(l => l.StartsWith("recorded ", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
            child.KillHard();
            reported = int.Parse(line["recorded ".Length..]);
        }

        using var reader = StoreReader.Open(_store.Path);
        var stored = reader.QueryOperations(new OperationQuery { RunId = "child", Limit = int.MaxValue })
            .Select(o => int.Parse(o.Detail!)).ToHashSet();
        Assert.Equal(2_500, reported);
        Assert.All(Enumerable.Range(1, reported), n => Assert.Contains(n, stored));
        Assert.Equal(stored.Count, stored.Max()); // no holes: whatever else made it is a prefix of the sequence
    }

    // "The -wal was gone after kill -9": what runs on such a store next — the start's integrity check, the writer's open
    // (WAL mode, migrations), the start's prune, a backup — reads the killed writer's commits from its -wal; none drops them.
    [Fact]
    public async Task CommitsOnlyInTheWal_AfterSigkill_SurviveTheNextStartsCheckOpenAndPrune_AndABackup()
    {
        int reported;
        using (var child = ChildProcess.Start("child-write", _store.Path))
        {
            var line = "";
            for (var i = 0; i < 3; i++) line = child.WaitForLine(l => l.StartsWith("recorded ", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
            child.KillHard();
            reported = int.Parse(line["recorded ".Length..]);
        }
        Assert.True(new FileInfo(_store.Path + "-wal").Length > 0, "the killed writer's commits are in its -wal");

        StoreIntegrity.Check(_store.Path);
        await using (var writer = _store.OpenWriter()) await writer.FlushAsync();
        StoreRetention.Prune(_store.Path, TimeSpan.FromDays(30));
        var backup = System.IO.Path.Combine(_store.Directory, "backup.db");
        StoreBackup.Run(_store.Path, backup);

        foreach (var path in new[] { _store.Path, backup })
        {
            using var reader = StoreReader.Open(path);
            var stored = reader.QueryOperations(new OperationQuery { RunId = "child", Limit = int.MaxValue }).Select(o => int.Parse(o.Detail!)).ToHashSet();
            Assert.All(Enumerable.Range(1, reported), n => Assert.Contains(n, stored));
        }
    }
}
