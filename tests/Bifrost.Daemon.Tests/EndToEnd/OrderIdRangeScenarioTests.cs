using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>
/// Order ids past 10,000,000, end to end. IB keeps each client id's order-id high-water (a tool with time-based ids left
/// one at ~1.7e9); request ids began at 10,000,000 and an errMsg was routed to the order path only below it, so a reject
/// on such an order never reached it. The gateway here hands out the first nextValidId the test names.
/// </summary>
[Collection(EndToEndCollection.Name)]
public class OrderIdRangeScenarioTests(ITestOutputHelper output)
{
    [Fact]
    public async Task OrderReject_OnAnOrderIdAboveTenMillion_ReachesTheStore_AndTheHedgerCarriesOn()
    {
        await using var h = await DaemonHarness.StartAsync(output, faults: ["reject-next-order"], firstOrderId: 1_700_000_000);
        try
        {
            var run = h.StartDaemon();
            await h.WaitUntil(() => h.LedgerOf("reject").Count == 1, "the first order rejected");
            var rejected = h.LedgerOf("reject").Single();
            Assert.True(rejected.OrderId >= 1_700_000_000, $"order id {rejected.OrderId}");
            await h.WaitUntil(() => h.Read(r => r.GetOrder(rejected.OrderRef!))?.Status == "Rejected", "order row Rejected (not the Cancelled status that follows the 201)");
            Assert.StartsWith("201", h.Read(r => r.GetOrder(rejected.OrderRef!))!.RejectReason);
            Assert.Contains(h.Alerts(), a => a.Code == "ORDER_REJECTED" && a.Message.Contains(rejected.OrderRef!, StringComparison.Ordinal));
            await h.WaitOrders(2, 30_000); // later hedges go through
            await h.PauseSettleAndStop(run);
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    /// <summary>An order id in the request-id range (from 2,000,000,000) could still be taken for a ticker's: the daemon
    /// says so at connect (critical: paused) and, resumed anyway, halts RED rather than send under it.</summary>
    [Fact]
    public async Task NextValidId_InTheRequestIdRange_CriticalAlert_AndNoOrderIsSent()
    {
        await using var h = await DaemonHarness.StartAsync(output, firstOrderId: 2_000_000_000);
        try
        {
            var run = h.StartDaemon();
            await h.WaitUntil(() => h.Alerts().Any(a => a.Code == "ORDER_IDS_EXHAUSTED" && a.Severity == AlertSeverity.Critical), "ORDER_IDS_EXHAUSTED at connect", 30_000);
            await h.WaitFsm("Paused", 30_000);
            Assert.Equal(ControlStatus.Done, (await h.WaitControl(h.Enqueue(ControlCommandKind.Resume))).Status);
            await h.WaitFsm("Halted", 30_000);
            Assert.Contains("ORDER_REF_EXHAUSTED", OrderDoubtScenarioTests.Status(h).BlockReasons);
            Assert.Empty(h.LedgerOf("order"));
            Assert.Empty(h.LedgerOf("reject"));
            await h.StopCleanly(run);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
