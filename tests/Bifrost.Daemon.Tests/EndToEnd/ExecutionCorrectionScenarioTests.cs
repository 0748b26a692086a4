using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>
/// IB corrects an execution (the gateway's correct-next-exec: the same execId with revision .02, re-priced five
/// cents), end to end on the replay gateway; the reducer-level twins are in Bifrost.Domain.Tests'
/// Trading.ExecutionCorrection. Before, the correction was a new exec id: the hedge counted twice (the order filled
/// twice its quantity, the book off by the fill, the hedger trading it back). Now it is recorded, never applied on top,
/// raised critical, and the account reconciled; a restart counts it once too. Ends with the gateway's ledger compared
/// to the store (every reported execution a row; the orders and the strategy's stock from the first revision).
/// </summary>
[Collection(EndToEndCollection.Name)]
public class ExecutionCorrectionScenarioTests(ITestOutputHelper output)
{
    private static StatusSnapshot Status(DaemonHarness h) => OrderDoubtScenarioTests.Status(h);

    private static string Describe(DaemonHarness h) => OrderDoubtScenarioTests.Describe(h);

    [Fact]
    public async Task HedgeFill_CorrectedByTheBroker_CountsOnce_PausesOnExecutionCorrected_AndOnceAgainAfterARestart_LedgerMatchesStore()
    {
        await using var h = await DaemonHarness.StartAsync(output, faults: ["correct-next-exec 5"]);
        try
        {
            var run = h.StartDaemon();
            await h.WaitOrders(1, 60_000);
            await h.WaitUntil(() => h.Alerts().Any(a => a.Code == "EXECUTION_CORRECTED"), $"the correction noticed ({Describe(h)})", 30_000);
            var correction = h.LedgerOf("fill_correction").Single();
            var hedge = h.LedgerOf("fill").Single(f => f.OrderRef == correction.OrderRef);
            var alert = h.Alerts().Single(a => a.Code == "EXECUTION_CORRECTED");
            output.WriteLine($"{alert.Severity} {alert.Code}: {alert.Message}");
            Assert.Equal(AlertSeverity.Critical, alert.Severity);
            Assert.Contains(correction.ExecId!, alert.Message);
            Assert.Contains($"revises {hedge.ExecId}", alert.Message);
            await h.WaitFsm("Paused", 30_000);
            Assert.Contains(Status(h).Checks, c => c.Detail?.Contains("EXECUTION_CORRECTED", StringComparison.Ordinal) == true);
            // Counted once: the order filled its quantity, the strategy's stock is the broker's.
            Assert.Equal((double)hedge.Quantity!, h.Read(r => r.GetOrder(hedge.OrderRef!))!.Filled);
            var orders = h.LedgerOf("order").Count + h.LedgerOf("reject").Count;
            await OrderDoubtScenarioTests.NoNewOrdersFor(h, 1500, orders); // paused: nothing traded back
            await h.StopCleanly(run);
            h.AssertMatchesLedger();

            // A restart: both revisions stored, replayed once; the sync's re-delivery of both raises nothing new.
            var again = h.StartDaemon();
            await h.WaitUntil(() => OrderDoubtScenarioTests.Starts(h) == 2 && Status(h).FsmState.StartsWith("Paused", StringComparison.Ordinal),
                $"restarted and synced ({Describe(h)})", 30_000);
            Assert.Single(h.Alerts(), a => a.Code == "EXECUTION_CORRECTED");
            Assert.Equal((double)hedge.Quantity!, h.Read(r => r.GetOrder(hedge.OrderRef!))!.Filled);
            await OrderDoubtScenarioTests.NoNewOrdersFor(h, 1000, orders);
            await h.StopCleanly(again);
            h.AssertMatchesLedger();
            Assert.Equal(2, h.Sql($"SELECT COUNT(*) FROM fills WHERE order_ref = '{hedge.OrderRef}'", r => r.GetInt64(0)).Single());
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
