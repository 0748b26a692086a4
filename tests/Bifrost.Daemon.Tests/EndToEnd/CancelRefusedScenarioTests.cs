using System.Collections;
using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>
/// A cancel the broker refuses while it keeps working the order, end to end (the reducer-level twins are in
/// Bifrost.Domain.Tests' Trading.OrderEndings, CancelRefused161_… and CancelRefused135_…): IB answers 161 ("not in a
/// cancellable state") to a cancel of an order still pending at the exchange, 135 ("can't find order") to one that met
/// the order on its way, and the order works on with no status. The held hedge's timeout cancel is refused by the
/// gateway's <c>refuse-next-cancel</c>; after reconcile.execution_wait_seconds with no status the account is reconciled
/// (CANCEL_REFUSED), the broker still lists the order, and the cancel goes out again and ends it. Before, the refusal
/// was only noted: the stale hedge worked at IB for good, the hedger blocked behind it. Ends with ledger == store.
/// </summary>
[Collection(EndToEndCollection.Name)]
public class CancelRefusedScenarioTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(161)]
    [InlineData(135)]
    public async Task HedgeCancelRefused_WhileTheBrokerWorksIt_IsReconciled_AndCancelledAgain_NoSecondHedgeMeanwhile_LedgerMatchesStore(int code)
    {
        await using var h = await DaemonHarness.StartAsync(output, faults: ["hold-next-order", $"refuse-next-cancel {code}"]);
        try
        {
            // 600 simulated s to the timeout (3 wall s at ×200), then 300 s of execution wait (1.5 wall s).
            const long wait = 300;
            var run = h.StartDaemon(new Hashtable
            {
                ["BIFROST__STRATEGY__HEDGE_TIMEOUT_SECONDS"] = "600",
                ["BIFROST__RECONCILE__EXECUTION_WAIT_SECONDS"] = wait.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
            await h.WaitOrders(1, 30_000);
            var held = h.LedgerOf("order").Single();
            await h.WaitUntil(() => h.LedgerOf("cancel_refused").Any(c => c.OrderRef == held.OrderRef), "the timeout's cancel refused at the gateway", 30_000);
            var refused = h.LedgerOf("cancel_refused").Single();
            Assert.Equal(code, refused.Code);
            await h.WaitUntil(() => h.LedgerOf("cancel").Any(c => c.OrderRef == held.OrderRef),
                $"the held hedge {held.OrderRef} cancelled again once reconciled ({OrderDoubtScenarioTests.Describe(h)})", 30_000);
            await h.WaitUntil(() => h.Read(r => r.GetOrder(held.OrderRef!))?.Status == "Cancelled", "the held hedge Cancelled in the store", 20_000);
            var cancel = h.LedgerOf("cancel").Single(c => c.OrderRef == held.OrderRef);
            var told = h.Alerts().First(a => a.Code == "CANCEL_REFUSED");
            Assert.Equal(AlertSeverity.Warning, told.Severity);
            Assert.Contains(held.OrderRef!, told.Message, StringComparison.Ordinal);
            // The wait is measured on the daemon's clock, which trails the gateway's (~11 simulated s between its polls,
            // more on a loaded machine): half the wait is margin enough to tell it from a cancel sent again at once.
            Assert.True(cancel.TsNanos - refused.TsNanos >= wait / 2 * 1_000_000_000L,
                $"asked again {(cancel.TsNanos - refused.TsNanos) / 1e9:F0} simulated s after the refusal: before the execution wait");
            await h.WaitOrders(2, 30_000); // the hedger decides again, only once the first hedge has ended
            Assert.True(h.LedgerOf("order")[1].TsNanos >= cancel.TsNanos, "a second hedge while the first still worked at the broker");
            Assert.DoesNotContain(h.LedgerOf("fill"), f => f.OrderRef == held.OrderRef);
            Assert.DoesNotContain(h.Alerts(), a => a.Code == "ORDER_OUTCOME_UNKNOWN");
            output.WriteLine($"held {held.OrderRef} {held.Action} {held.Quantity}; cancel refused {code} at {refused.Time}, cancelled "
                             + $"{(cancel.TsNanos - refused.TsNanos) / 1e9:F0} simulated s later; {told.Code}: {told.Message}");
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
