using Bifrost.Sim.Gateway;
using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>The exchange halts the underlying (the gateway's <c>halt</c> fault: IB's tickGeneric 49 on its ticker; its
/// orders trade nothing until <c>reopen</c>) while the replay's quotes go on, fresh by their receive time. Before, the
/// tick was ignored and the hedger sent its hedges into the halt, to wait for the reopening auction and fill at its gap.
/// Now nothing is sent while it is halted (UNDERLYING_HALTED, named on the light), the operator is told once, and the
/// hedger goes on by itself when it trades again.</summary>
[Collection(EndToEndCollection.Name)]
public class ExchangeHaltScenarioTests(ITestOutputHelper output)
{
    private static StatusSnapshot Status(DaemonHarness h) => h.Read(r => r.GetStatus())!;

    [Fact]
    public async Task UnderlyingHalted_NoHedgeWhileHalted_LightNamesIt_HedgerResumesByItselfOnReopen_LedgerMatchesStore()
    {
        await using var h = await DaemonHarness.StartAsync(output);
        try
        {
            var run = h.StartDaemon();
            await h.WaitOrders(1, 60_000);
            await h.WaitFsm("Running/Idle", 60_000);
            var orders = h.LedgerOf("order").Count;
            await h.Gateway.InjectAsync(FaultScript.ParseRule("halt XYZ volatility").Action);
            await h.WaitUntil(() => h.Alerts().Any(a => a.Code == "UNDERLYING_HALTED"), "the halt told", 60_000);
            // The market moves on under the halt until a hedge is due: recorded blocked, or (before) sent into the halt.
            await h.WaitUntil(() => h.Ops(OperationKind.GuardBlock).Any(o => o.Detail?.Contains("UNDERLYING_HALTED") == true)
                                    || h.LedgerOf("order").Count > orders, "a hedge due during the halt", 120_000);
            Assert.Equal(orders, h.LedgerOf("order").Count); // no hedge sent into the halt
            var during = Status(h);
            Assert.NotEqual(Health.Ok, during.Health);
            Assert.Contains("UNDERLYING_HALTED", during.BlockReasons);
            Assert.Contains(during.Checks, c => c.Name == "exchange_trading" && c.Detail!.Contains("XYZ halted by the exchange (volatility halt)"));
            var told = Assert.Single(h.Alerts(), a => a.Code == "UNDERLYING_HALTED");
            Assert.Equal(AlertSeverity.Warning, told.Severity);
            await h.Gateway.InjectAsync(FaultScript.ParseRule("reopen XYZ").Action);
            await h.WaitUntil(() => h.Alerts().Any(a => a.Code == "HALT_ENDED"), "the halt's end told", 60_000);
            await h.WaitOrders(orders + 1, 60_000); // the due hedge, with no operator action
            Assert.DoesNotContain("UNDERLYING_HALTED", Status(h).BlockReasons);
            await h.PauseSettleAndStop(run);
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
