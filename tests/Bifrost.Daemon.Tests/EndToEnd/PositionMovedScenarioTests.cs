using Bifrost.Ib.Client;
using Bifrost.Ib.Messages.Model;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>
/// The strategy's calls sold by hand from another client (the operator in TWS): the execution goes to that client
/// only, the position change to every client. Before, the daemon went on hedging the 10 calls the account no longer
/// held — Running, GREEN — until the next reconnect. Now the position report starts a reconciliation at once, which
/// halts RED on BOOK_MISMATCH; nothing is sent after it. Ends with the gateway's ledger compared to the store.
/// </summary>
[Collection(EndToEndCollection.Name)]
public class PositionMovedScenarioTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TheStrategysCallsSoldByHandFromAnotherClient_HaltTheDaemonAtOnce_NotAtTheNextReconnect()
    {
        await using var h = await DaemonHarness.StartAsync(output, config: (port, store) => TestConfig.Json(port, store, conIds: true));
        try
        {
            var run = h.StartDaemon();
            await h.WaitFsm("Running", 90_000);
            await h.WaitUntil(() => h.StrategyQty(TestConfig.CallId) == 10, "the calls adopted", 30_000);
            var reconnects = h.Ops(OperationKind.State).Count(o => o.Detail!.Contains("-> Syncing", StringComparison.Ordinal));

            await using (var manual = new IbClient(new IbEventChannel()))
            {
                await manual.ConnectAsync("127.0.0.1", h.Gateway.Port, 99);
                await manual.PlaceOrderAsync(IbContract.Option("XYZ", "20260320", 100, "C") with { ConId = TestConfig.CallId }, IbOrder.Market("SELL", 10, "by-hand"));
                await h.WaitUntil(() => h.LedgerOf("fill", 99).Sum(f => f.Quantity) == 10, "the operator's sale filled");
            }

            await h.WaitFsm("Halted(BOOK_MISMATCH", 30_000);
            var sent = h.LedgerOf("order").Count;
            var alerts = h.Alerts();
            var moved = Assert.Single(alerts, a => a.Code == "POSITION_MOVED");
            Assert.Equal(AlertSeverity.Warning, moved.Severity);
            // The gateway fills the sale in parts: the first part's position already moves the book.
            Assert.Matches(@"^XYZ 20260320 C 100: stored 10, account [0-9], with no execution seen", moved.Message);
            var mismatch = Assert.Single(alerts, a => a.Code == "BOOK_MISMATCH");
            Assert.Equal(AlertSeverity.Critical, mismatch.Severity);
            Assert.Contains("XYZ 20260320 C 100: stored 10, account 0", mismatch.Message, StringComparison.Ordinal);
            // No reconnect was needed: the one sync after the start's is the one the report started.
            Assert.Equal(reconnects + 1, h.Ops(OperationKind.State).Count(o => o.Detail!.Contains("-> Syncing", StringComparison.Ordinal)));
            Assert.Equal(Health.Blocked, h.Read(r => r.GetStatus())!.Health);

            await Task.Delay(3000); // the replay goes on: the puts' delta moves, nothing is sent
            Assert.Equal(sent, h.LedgerOf("order").Count);
            h.Enqueue(ControlCommandKind.Stop);
            Assert.Equal(0, await run.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
