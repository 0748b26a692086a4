using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>A store serves one engine. The daemon hedged the straddle and stopped; started again under another run_id
/// (a renamed run, a copied configuration) on the same store, it read none of the run's orders and fills as its own:
/// the strategy's −73 shares became the operator's while the engine memory still held the adopted straddle (measured
/// before the fix: strategy 0, external −73, and — the same day — a halt on the old run's executions, ANOTHER_ENGINE;
/// on a later day nothing would have told, and the hedger would have hedged again). Now it is refused before anything
/// connects (exit 2); put back, the run starts as it stopped. Ends with the gateway's ledger compared to the store.</summary>
[Collection(EndToEndCollection.Name)]
public class StoreIdentityScenarioTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RestartUnderAnotherRunId_OnTheSameStore_IsRefusedBeforeConnecting_PutBackItTradesOn_LedgerMatchesStore()
    {
        await using var h = await DaemonHarness.StartAsync(output);
        try
        {
            var first = h.StartDaemon();
            await h.WaitOrders(1, 60_000);
            await h.PauseSettleAndStop(first);
            var orders = h.LedgerOf("order").Count;
            var original = File.ReadAllText(h.ConfigPath);

            File.WriteAllText(h.ConfigPath, original.Replace("\"run_id\": \"t1\"", "\"run_id\": \"t2\"", StringComparison.Ordinal));
            var renamed = h.StartDaemon();
            Assert.Equal(2, await renamed.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(orders, h.LedgerOf("order").Count);
            Assert.DoesNotContain(h.Read(r => r.ListRuns(new Bifrost.Store.ReadModel.RunQuery { Kinds = [Bifrost.Store.Records.RunKind.Live] })), r => r.Run.RunId == "t2");

            File.WriteAllText(h.ConfigPath, original);
            var again = h.StartDaemon();
            await h.WaitFsm("Paused", 60_000); // the pause before the stop survives the restart
            await h.PauseSettleAndStop(again);
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
