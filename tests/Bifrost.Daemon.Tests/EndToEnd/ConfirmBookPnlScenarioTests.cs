using Bifrost.Ib.Client;
using Bifrost.Ib.Messages.Model;
using Bifrost.Sim.Gateway;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>
/// The strategy's calls, bought at 5.00 and marked far below, sold by hand from another client (the operator in TWS):
/// BOOK_MISMATCH, and the operator confirms the calls at 0. Before, confirm_book set the quantity and the calls' loss
/// vanished with them (neither realised nor kept): the strategy's P&amp;L, the day's loss and the drawdown jumped up by
/// it. Now the sale is booked at the calls' mark: the loss is realised, and a restart rebuilds it from the engine
/// memory. Ends with the gateway's ledger compared to the store.
/// </summary>
[Collection(EndToEndCollection.Name)]
public class ConfirmBookPnlScenarioTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TheCallsSoldByHand_ConfirmedAtZero_RealiseTheirLoss_AndARestartKeepsIt_LedgerMatchesStore()
    {
        await using var h = await DaemonHarness.StartAsync(output, seedLegs: false,
            extraSeeds: [new SeedPosition("XYZ 20260320 C 100", 10, 5.0), new SeedPosition("XYZ 20260320 P 100", 10, 5.0)],
            config: (port, store) => TestConfig.Json(port, store, conIds: true));
        try
        {
            var first = h.StartDaemon();
            await h.WaitFsm("Running", 90_000);
            await h.WaitUntil(() => h.StrategyQty(TestConfig.CallId) == 10, "the calls adopted", 30_000);
            await h.WaitUntil(() => h.Read(r => r.GetStatus())!.Pnl.Unrealized < -2_000, "the book valued in the status", 30_000);

            await using (var manual = new IbClient(new IbEventChannel()))
            {
                await manual.ConnectAsync("127.0.0.1", h.Gateway.Port, 99);
                await manual.PlaceOrderAsync(IbContract.Option("XYZ", "20260320", 100, "C") with { ConId = TestConfig.CallId }, IbOrder.Market("SELL", 10, "by-hand"));
                await h.WaitUntil(() => h.LedgerOf("fill", 99).Sum(f => f.Quantity) == 10, "the operator's sale filled");
            }
            await h.WaitFsm("Halted(BOOK_MISMATCH", 30_000);
            var before = h.Read(r => r.GetStatus())!.Pnl;
            output.WriteLine($"before the confirm: realized {before.Realized}, unrealized {before.Unrealized}");

            var confirm = await h.WaitControl(h.Enqueue(ControlCommandKind.ConfirmBook,
                """{"legs": [{"contract": "XYZ 20260320 C 100", "quantity": 0}]}"""), 30_000);
            output.WriteLine($"confirm_book: {confirm.Status} {confirm.Result}");
            Assert.Equal(ControlStatus.Done, confirm.Status);
            Assert.Contains("XYZ 20260320 C 100 0 (-10 at ", confirm.Result, StringComparison.Ordinal);
            await h.WaitFsm("Paused", 30_000);
            await h.WaitUntil(() => h.StrategyQty(TestConfig.CallId) == 0, "the calls confirmed at 0", 20_000);
            // The calls' loss (10 × (mark − 5.00) × 100, well over 1,000) realised, not dropped.
            await h.WaitUntil(() => h.Read(r => r.GetStatus())!.Pnl.Realized < before.Realized - 1_000, "the calls' loss realised", 20_000);
            await h.PauseSettleAndStop(first);
            var stopped = h.Read(r => r.GetStatus())!;
            h.AssertMatchesLedger();

            // The restart rebuilds the book from the store and the engine memory: the calls' realised loss with it. (Under
            // the replay's broker clock it counts the operator's sale again and halts on the book: the store stamps fills
            // with the host's clock, months after the replay's. The P&L is what is judged here.)
            var second = h.StartDaemon();
            await h.WaitUntil(() => h.Read(r => r.GetStatus()) is { } st && st.TimeNanos > stopped.TimeNanos
                && !st.FsmState.StartsWith("Syncing", StringComparison.Ordinal) && !st.FsmState.StartsWith("Starting", StringComparison.Ordinal),
                "the restart's status after its sync", 60_000);
            var restarted = h.Read(r => r.GetStatus())!;
            output.WriteLine($"after the restart ({restarted.FsmState}): realized {restarted.Pnl.Realized}, before the stop {stopped.Pnl.Realized}");
            Assert.Equal(stopped.Pnl.Realized, restarted.Pnl.Realized, 6);
            Assert.Equal(0, h.StrategyQty(TestConfig.CallId));
            h.Enqueue(ControlCommandKind.Stop);
            Assert.Equal(0, await second.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
