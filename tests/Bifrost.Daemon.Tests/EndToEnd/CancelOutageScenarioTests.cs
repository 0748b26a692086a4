using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>
/// A cancel the daemon could not send because the socket was gone (the reducer-level twins are in Bifrost.Domain.Tests'
/// Trading.OrderEndings). The hedge the broker holds times out as the gateway closes the daemon's socket: its cancel dies
/// on the closed socket. When the daemon is back, the broker still lists the order working; the cancel must go out then,
/// or the stale hedge rests at IB for good, the hedger blocked behind it (and a stop exits with it live). Ends with the
/// gateway's ledger compared to the store.
/// </summary>
[Collection(EndToEndCollection.Name)]
public class CancelOutageScenarioTests(ITestOutputHelper output)
{
    [Fact]
    public async Task HedgeTimingOutAsTheSocketDrops_IsCancelledOnceBack_AndHedgedAgain_LedgerMatchesStore()
    {
        // The first hedge is held at the gateway, which closes the daemon's socket (client 17) right after taking it; the
        // 30 simulated s hedge timeout (150 wall ms at ×200) fires about then. Seen on this host: the cancel was written
        // to the dead socket, and the daemon then sat Running/HedgePending behind an order IB still worked, for good.
        await using var h = await DaemonHarness.StartAsync(output, faults: ["hold-next-order", "after-orders 1 drop-connection 17"]);
        try
        {
            var run = h.StartDaemon();
            await h.WaitOrders(1, 30_000);
            var held = h.LedgerOf("order").Single();
            await h.WaitUntil(() => h.Alerts().Any(a => a.Code == "BROKER_DISCONNECTED"), "the socket dropped", 20_000);
            await h.WaitUntil(() => h.LedgerOf("cancel").Any(c => c.OrderRef == held.OrderRef),
                $"the held hedge {held.OrderRef} cancelled at the gateway once the daemon is back", 30_000);
            await h.WaitUntil(() => h.Read(r => r.GetOrder(held.OrderRef!))?.Status == "Cancelled", "the held hedge Cancelled in the store", 20_000);
            await h.WaitOrders(2, 30_000); // the hedger decides again at the current price
            Assert.DoesNotContain(h.LedgerOf("fill"), f => f.OrderRef == held.OrderRef);
            await h.PauseSettleAndStop(run);
            h.AssertMatchesLedger();
            output.WriteLine($"held {held.OrderRef} {held.Action} {held.Quantity}; orders {h.LedgerOf("order").Count}, cancels {h.LedgerOf("cancel").Count}, "
                             + $"alerts [{string.Join(", ", h.Alerts().Select(a => a.Code).Distinct())}]");
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
