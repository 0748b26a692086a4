using System.Collections;
using Bifrost.Daemon.Broker;
using Bifrost.Daemon.Configuration;
using Bifrost.Daemon.Control;
using Bifrost.Daemon.Tests.EndToEnd;
using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Bifrost.Store.Records;

namespace Bifrost.Daemon.Tests.Control;

/// <summary>portfolio_run arguments: a signals file, operator targets, or a stored snapshot's id alone.</summary>
public class PortfolioRunArgsTests
{
    private static readonly Config Cfg = ConfigLoader.Parse(TestConfig.Json(port: 1, storePath: "x.db", conIds: true), new Hashtable()).Preview;
    private static readonly ContractTable Contracts = ContractTable.From(Cfg);

    private static EventPayload Parse(string args) =>
        ControlArgs.Parse(new ControlCommand(42, 0, ControlCommandKind.PortfolioRun, args, "ops@tui", ControlStatus.Taken, null, null, null, "alice"), Cfg, Contracts);

    [Fact]
    public void SnapshotIdAlone_ReRunsThatSnapshot_AsANewRun()
    {
        var r = ((EventPayload.PortfolioRerunRequested)Parse("""{"snapshot_id": "snap7"}""")).Item;
        Assert.Equal(("snap7", $"{Cfg.RunId}-pf42"), (r.SnapshotId, r.RunId));
    }

    [Fact]
    public void Targets_UpperCased_WithTheControlsRequester()
    {
        var r = ((EventPayload.PortfolioTargetsRequested)Parse("""{"targets": [{"symbol": "aaa", "quantity": 50}, {"symbol": "BBB", "quantity": 0}], "snapshot_id": "op-1"}""")).Item;
        Assert.Equal([("AAA", 50), ("BBB", 0)], r.Targets.Select(t => (t.Symbol, t.Quantity)).ToList());
        Assert.Equal(("op-1", "ops@tui (os user alice)"), (r.SnapshotId, r.Meta.RequestedBy));
    }

    /// <summary>An operator's file its producer is still writing (a CSV written straight into place, read after its first
    /// row) is refused, as a slot's newest file is: before, it ran as a smaller portfolio, BBB's sell not yet written and
    /// BBB held. The same file, left unmodified for the settle time, is read whole.</summary>
    [Fact]
    public void File_StillBeingWritten_IsRefused_AndReadOnceSettled()
    {
        var dir = Directory.CreateTempSubdirectory("bifrost-pf-args-").FullName;
        try
        {
            var path = Path.Combine(dir, "signals.csv");
            const string firstRow = "symbol,action,score,confidence,time\nAAA,buy,1,1,2026-03-01T12:00:00Z\n";
            File.WriteAllText(path, firstRow);
            var args = new System.Text.Json.Nodes.JsonObject { ["file"] = path }.ToJsonString();
            var refused = Assert.Throws<FormatException>(() => Parse(args));
            Assert.Contains("file: '" + path + "' is still being written", refused.Message, StringComparison.Ordinal);

            const string whole = firstRow + "BBB,sell,1,1,2026-03-01T12:00:00Z\n";
            File.WriteAllText(path, whole);
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow - Bifrost.Daemon.PortfolioRuns.SignalsDirectory.Settle - TimeSpan.FromSeconds(1));
            var run = ((EventPayload.PortfolioRunRequested)Parse(args)).Item;
            Assert.Equal(("signals.csv", whole), (run.FileName, run.Text));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("{}", "one of file, signals, targets or snapshot_id is required")]
    [InlineData("""{"snapshot_id": "a b"}""", "snapshot_id:")]
    [InlineData("""{"snapshot_id": "s", "name": "x.csv"}""", "name: only with signals")]
    [InlineData("""{"targets": [], "signals": "x"}""", "exactly one of file, signals or targets")]
    [InlineData("""{"targets": []}""", "targets: at least one target")]
    [InlineData("""{"targets": {"symbol": "AAA"}}""", "targets: must be an array")]
    [InlineData("""{"targets": [{"symbol": "AAA"}]}""", "targets[0].quantity: required")]
    [InlineData("""{"targets": [{"symbol": "AAA", "quantity": 1.5}]}""", "targets[0].quantity")]
    [InlineData("""{"targets": [{"symbol": "AAA", "quantity": 1}, {"quantity": 1}]}""", "targets[1].symbol: required")]
    [InlineData("""{"targets": [{"symbol": "AAA", "quantity": 1, "side": "buy"}]}""", "targets[0].side: unknown key")]
    // A repeated key is two answers to one question: JsonElement keeps the last silently (10 would have become 1000).
    [InlineData("""{"targets": [{"symbol": "AAA", "quantity": 10, "quantity": 1000}]}""", "targets[0].quantity: given twice")]
    [InlineData("""{"snapshot_id": "a", "snapshot_id": "b"}""", "snapshot_id: given twice")]
    public void BadArguments_RefusedNamingTheField(string args, string reason) =>
        Assert.Contains(reason, Assert.Throws<FormatException>(() => Parse(args)).Message);
}
