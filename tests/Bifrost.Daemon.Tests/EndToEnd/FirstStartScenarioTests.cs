using Bifrost.Sim.Gateway;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>A new store on an account that already holds the underlying (a mistyped store.path, a lost file, or the
/// operator's own shares): the daemon asks once instead of hedging the legs again on top of what may be a hedge.</summary>
[Collection(EndToEndCollection.Name)]
public class FirstStartScenarioTests(ITestOutputHelper output)
{
    private static IReadOnlyList<OperationRecord> Alerts(DaemonHarness h, string code) =>
        h.Read(r => r.QueryOperations(new OperationQuery { Kinds = [OperationKind.Alert], Limit = 10_000 }))
            .Where(o => o.Detail!.StartsWith(code, StringComparison.Ordinal)).ToList();

    [Fact]
    public async Task FirstStart_WithSharesAlreadyInTheAccount_PausesAndAsksOnce_ThenHedgesOnlyTheLegs_LedgerMatchesStore()
    {
        // Yesterday's hedge of the seeded 10×10 straddle, or the operator's shares: a new store cannot tell.
        await using var h = await DaemonHarness.StartAsync(output, extraSeeds: [new SeedPosition("XYZ", -300, 100.0)]);
        try
        {
            var first = h.StartDaemon();
            await h.WaitUntil(() => Alerts(h, "FIRST_START_POSITION").Count == 1, "the FIRST_START_POSITION alert", 40_000);
            Assert.Contains("-300 XYZ", Alerts(h, "FIRST_START_POSITION")[0].Detail);
            await h.WaitFsm("Paused");
            await Task.Delay(2000); // ×200 replay: minutes in which a running engine would hedge
            Assert.Empty(h.LedgerOf("order"));
            Assert.NotEqual(Health.Ok, h.Read(r => r.GetStatus())!.Health); // never GREEN while asking

            // Restarted before the operator answered: still paused, not asked again.
            h.Enqueue(ControlCommandKind.Stop);
            Assert.Equal(0, await first.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
            var second = h.StartDaemon();
            await h.WaitUntil(() => h.Read(r => r.QueryOperations(new OperationQuery { Kinds = [OperationKind.Reconcile], Limit = 10_000 }))
                .Count(o => o.Detail!.StartsWith("reconciled", StringComparison.Ordinal)) >= 2, "the second start reconciled", 40_000);
            await h.WaitFsm("Paused");
            await Task.Delay(1000);
            Assert.Single(Alerts(h, "FIRST_START_POSITION"));
            Assert.Empty(h.LedgerOf("order"));

            // The operator answers: the shares are theirs. The legs are hedged as if the shares were not there.
            Assert.Equal(ControlStatus.Done, (await h.WaitControl(h.Enqueue(ControlCommandKind.Resume))).Status);
            await h.WaitOrders(1, 40_000);
            await h.WaitUntil(() => h.LedgerOf("fill").Count >= 1, "the hedge filled", 40_000);
            await h.WaitUntil(() => h.ExternalQty(TestConfig.StockId) == -300, "the 300 shares shown as the operator's", 20_000);
            h.Enqueue(ControlCommandKind.Stop);
            Assert.Equal(0, await second.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
            h.AssertMatchesLedger();
            Assert.Equal(h.LedgerStockQty(), (int)h.StrategyQty(TestConfig.StockId));
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
