using System.Collections;
using Bifrost.Daemon.Broker;
using Bifrost.Daemon.Configuration;
using Bifrost.Daemon.Control;
using Bifrost.Daemon.Engine;
using Bifrost.Daemon.Tests.EndToEnd;
using Bifrost.Domain;
using Bifrost.Store.Control;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Store.Writer;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bifrost.Daemon.Tests.Control;

/// <summary>Commands a killed daemon took and never answered, at the next start (end to end: ControlCrashScenarioTests).
/// A manual order, rebalance or flatten whose run has orders in the store went out: handed back to the engine to answer
/// with what they did (a flatten's run found by the control its run row names). Anything else — one killed before its
/// order, a pause — is refused, never re-run. Real store, real queue.</summary>
public sealed class AbandonedControlTests : IDisposable
{
    private static readonly Config Cfg = ConfigLoader.Parse(TestConfig.Json(port: 1, storePath: "x.db", conIds: true), new Hashtable()).Preview;
    private const string Buy = """{"contract":"XYZ","side":"buy","quantity":100}""";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "bifrost-control-abandoned-" + Guid.NewGuid().ToString("N"));

    public AbandonedControlTests() => Directory.CreateDirectory(_dir);

    [Fact]
    public async Task TakenRunsWhoseOrdersWentOut_AreHandedBack_TheOnesThatSentNothingAndAPause_AreRefused_APendingOneIsLeft()
    {
        var path = Path.Combine(_dir, "bifrost.db");
        await using var store = StoreWriter.Open(path);
        long sent, unsent, rebalance, pause, portfolio, portfolioLost, flattenSent, flattenUnsent, pending;
        const string Targets = """{"targets":[{"symbol":"AAA","quantity":50}]}""";
        using (var queue = ControlQueue.Open(path))
        {
            sent = queue.Enqueue(ControlCommandKind.ManualOrder, Buy, "ops@desk");
            unsent = queue.Enqueue(ControlCommandKind.ManualOrder, Buy, "ops@desk");
            rebalance = queue.Enqueue(ControlCommandKind.Rebalance, """{"targets":[{"contract":"XYZ","quantity":0}]}""", "ops@desk");
            pause = queue.Enqueue(ControlCommandKind.Pause, "{}", "ops@desk");
            portfolio = queue.Enqueue(ControlCommandKind.PortfolioRun, Targets, "ops@desk");
            portfolioLost = queue.Enqueue(ControlCommandKind.PortfolioRun, Targets, "ops@desk");
            flattenSent = queue.Enqueue(ControlCommandKind.Flatten, "{}", "ops@desk");
            flattenUnsent = queue.Enqueue(ControlCommandKind.Flatten, "{}", "ops@desk");
            for (var i = 0; i < 8; i++) Assert.NotNull(queue.TryClaimNext()); // the killed daemon took all eight
            pending = queue.Enqueue(ControlCommandKind.ManualOrder, Buy, "ops@desk");
        }
        // The store holds an order of the first buy's run and of the rebalance's, none of the second buy's; the first
        // portfolio run, and an order but no run of the second (its run's row lost with the kill: nothing would answer it).
        // The first flatten's run (minted from the order sequence) names its control; the second's run sent nothing.
        var withOrders = new HashSet<string>(StringComparer.Ordinal) { "t1", $"t1-man{sent}", $"t1-reb{rebalance}", "t1-flat1", "t1-flat40", $"t1-pf{portfolioLost}" };
        var flattenRuns = new Dictionary<long, string> { [flattenSent] = "t1-flat40", [flattenUnsent] = "t1-flat41" };
        var portfolioRuns = new HashSet<string>(StringComparer.Ordinal) { $"t1-pf{portfolio}" };

        var channel = new EngineChannel(new SystemEngineClock(), 1024);
        await using var worker = new ControlWorker(path, channel, store, Cfg, ContractTable.From(Cfg), TimeSpan.FromMilliseconds(10), NullLogger.Instance);
        var resumed = worker.ResolveAbandoned(withOrders, portfolioRuns, flattenRuns);

        Assert.Equal([($"t1-man{sent}", sent), ($"t1-reb{rebalance}", rebalance), ($"t1-pf{portfolio}", portfolio), ("t1-flat40", flattenSent)],
            resumed.Select(r => (r.Item1, r.Item2.ControlId)));
        Assert.All(resumed, r => Assert.Equal("ops@desk (os user " + Environment.UserName + ")", r.Item2.RequestedBy));
        using var reader = StoreReader.Open(path);
        foreach (var id in new[] { sent, rebalance, portfolio, flattenSent })
            Assert.Equal(ControlStatus.Taken, reader.GetControlCommand(id)!.Status); // the engine answers it
        foreach (var id in new[] { unsent, pause, portfolioLost, flattenUnsent })
        {
            var refused = reader.GetControlCommand(id)!;
            Assert.Equal(ControlStatus.Refused, refused.Status);
            Assert.StartsWith("refused: the daemon restarted before completing it", refused.Result, StringComparison.Ordinal);
        }
        Assert.Equal(ControlStatus.Pending, reader.GetControlCommand(pending)!.Status);
        Assert.False(channel.Reader.TryRead(out _)); // nothing re-run
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
