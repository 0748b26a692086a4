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
}
