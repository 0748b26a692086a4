using System.Text.Json.Nodes;
using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>A portfolio order resting at the broker (a halted stock, a locate) after the engine moved off its run.
/// run_timeout_seconds cancelled it only while the run was the engine's: after a pause and resume nothing timed it out,
/// and it held every due hedge (ORDER_IN_FLIGHT) until it filled or the operator cancelled it by hand.</summary>
[Collection(EndToEndCollection.Name)]
public class PortfolioRunTimeoutEndToEndTests(ITestOutputHelper output)
{
    /// <summary>The portfolio config with run_timeout 1,800 simulated s (about 9 s of wall time at ×200: room for the
    /// pause and the resume first).</summary>
    private static string Config(int port, string store)
    {
        var root = JsonNode.Parse(PortfolioRunEndToEndTests.Config(port, store))!.AsObject();
        root["control"]!["run_timeout_seconds"] = 1800;
        return root.ToJsonString();
    }

    [Fact]
    public async Task PortfolioBuy_RestingThroughAPauseAndResume_RunTimeoutCancelsIt_RunPartial_StoreMatchesLedger()
    {
        await using var h = await DaemonHarness.StartAsync(output, config: Config, dataPath: PortfolioRunEndToEndTests.Data.Value);
        try
        {
            var run = h.StartDaemon();
            await PortfolioRunEndToEndTests.WaitQuotes(h);
            await h.Gateway.ExecuteAsync("hold-next-order");
            var id = PortfolioRunEndToEndTests.RunPortfolio(h, PortfolioRunEndToEndTests.Signals(h, "signals.csv", 1.0, 0.5));
            await h.WaitUntil(() => h.LedgerOf("order").Count(o => o.OrderRef!.StartsWith("oi_p", StringComparison.Ordinal)) == 2, "both orders at the gateway");
            await h.WaitUntil(() => h.LedgerOf("fill").Any(f => f.OrderRef!.StartsWith("oi_p", StringComparison.Ordinal)), "the order not held filled");
            var held = h.LedgerOf("order").Select(o => o.OrderRef!).Single(r => r.StartsWith("oi_p", StringComparison.Ordinal) && h.LedgerOf("fill").All(f => f.OrderRef != r));

            Assert.Equal(ControlStatus.Done, (await h.WaitControl(h.Enqueue(ControlCommandKind.Pause))).Status);
            await h.WaitFsm("Paused");
            Assert.Equal(ControlStatus.Done, (await h.WaitControl(h.Enqueue(ControlCommandKind.Resume))).Status);
            await h.WaitFsm("Running");

            // run_timeout cancels the resting order; its cancel ends the run (partial: the other filled) and its control.
            var control = await h.WaitControl(id, 60_000);
            Assert.Equal(ControlStatus.Done, control.Status);
            Assert.StartsWith("partial:", control.Result, StringComparison.Ordinal);
            Assert.Contains(h.LedgerOf("cancel"), c => c.OrderRef == held);
            Assert.Contains(h.Read(r => r.GetAlerts(limit: 1000)), a => a.Code == "RUN_TIMEOUT");
            Assert.Equal("partial", h.Read(r => r.FindPortfolioRunForControl(id))!.Status);

            h.Enqueue(ControlCommandKind.Stop);
            Assert.Equal(0, await run.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
            await PortfolioRunEndToEndTests.AssertPortfolioMatchesLedger(h);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
