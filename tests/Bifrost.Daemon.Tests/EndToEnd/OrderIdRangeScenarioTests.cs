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

    /// <summary>A portfolio run whose first line takes the last order id below the request ids (1,999,999,999) and whose
    /// second finds none: the engine halts ORDER_REF_EXHAUSTED and stays halted, RED, the resume refused with the way
    /// out; the line sent is followed to its fill (the run partial). Before, the run's RunPending overwrote the halt and
    /// the critical alert made it a Paused, which a plain resume lifted.</summary>
    [Fact]
    public async Task PortfolioRun_ReachingTheOrderIdLimit_StaysHaltedOrderRefExhausted_StoreMatchesLedger()
    {
        await using var h = await DaemonHarness.StartAsync(output, config: PortfolioRunEndToEndTests.Config,
            dataPath: PortfolioRunEndToEndTests.Data.Value, firstOrderId: 1_999_999_999);
        try
        {
            var run = h.StartDaemon();
            await PortfolioRunEndToEndTests.WaitQuotes(h);
            var id = PortfolioRunEndToEndTests.RunPortfolio(h, PortfolioRunEndToEndTests.Signals(h, "signals.csv", 1.0, 0.5));
            await h.WaitFsm("Halted", 30_000);
            var control = await h.WaitControl(id, 30_000);
            Assert.Equal(ControlStatus.Done, control.Status);
            Assert.StartsWith("partial:", control.Result);
            Assert.Contains("ORDER_REF_EXHAUSTED", control.Result);
            Assert.Equal([1_999_999_999], h.LedgerOf("order").Select(o => o.OrderId).ToList());
            Assert.Single(h.Alerts(), a => a.Code == "ORDER_IDS_EXHAUSTED" && a.Severity == AlertSeverity.Critical);
            var resume = await h.WaitControl(h.Enqueue(ControlCommandKind.Resume), 30_000);
            Assert.Equal(ControlStatus.Refused, resume.Status);
            Assert.Contains("client id", resume.Result);
            var status = OrderDoubtScenarioTests.Status(h);
            Assert.StartsWith("Halted", status.FsmState);
            Assert.Equal(Health.Blocked, status.Health);
            Assert.Contains("ORDER_REF_EXHAUSTED", status.BlockReasons);
            await h.WaitUntil(() => Settle.Settled(h), "AAA's order over at the gateway");
            await h.StopCleanly(run);
            await PortfolioRunEndToEndTests.AssertPortfolioMatchesLedger(h);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
