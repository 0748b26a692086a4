using Bifrost.Sim.Gateway;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>The first start on a straddle the operator bought well above today's marks. The high-water mark is the best
/// P&amp;L this engine has seen since it took the book: before, it was 0, the adopted book was a drawdown from it, and
/// the first start halted MAX_DRAWDOWN (RISK_HALT blocks every hedge) with the legs unhedged. The stop-loss judged the
/// same loss against the legs' cost: a stop-loss under it halted at once, and a resume was refused for good.</summary>
[Collection(EndToEndCollection.Name)]
public class AdoptedBookLimitsScenarioTests(ITestOutputHelper output)
{
    [Fact]
    public Task FirstStart_OnAStraddleBoughtAboveItsMarks_IsNoDrawdown_Hedges_AndARestartKeepsIt_LedgerMatchesStore() =>
        // About 5,000 below the legs' cost against a 2,000 drawdown: measured from a high-water mark of 0 it halted.
        FirstStartFarBelowCost_RunsAndARestartKeepsRunning("\"max_drawdown\": 2000", "MAX_DRAWDOWN");

    [Fact]
    public Task FirstStart_OnAStraddleBoughtFurtherAboveItsMarksThanTheStopLoss_IsNoStopLoss_Hedges_AndARestartKeepsIt_LedgerMatchesStore() =>
        // Past a 2,000 stop-loss judged from the legs' cost; since the engine took the book, nothing is lost yet.
        FirstStartFarBelowCost_RunsAndARestartKeepsRunning("\"max_drawdown\": 100000, \"stop_loss\": 2000", "STOP_LOSS");

    /// <summary>The straddle bought at 5.00 and marked far below: the first start hedges and runs with no halt on
    /// `limit`, and after a restart (the high-water mark and the P&amp;L the engine took the book at come back) too.</summary>
    private async Task FirstStartFarBelowCost_RunsAndARestartKeepsRunning(string riskLimits, string limit)
    {
        await using var h = await DaemonHarness.StartAsync(output, seedLegs: false,
            extraSeeds: [new SeedPosition("XYZ 20260320 C 100", 10, 5.0), new SeedPosition("XYZ 20260320 P 100", 10, 5.0)],
            config: (port, store) => TestConfig.Json(port, store, conIds: false).Replace("\"max_drawdown\": 100000", riskLimits, StringComparison.Ordinal));
        try
        {
            var first = h.StartDaemon();
            await h.WaitOrders(1, 60_000);
            await h.WaitUntil(() => h.LedgerOf("fill").Count >= 1, "the first hedge filled", 40_000);
            // A loss the operator took before the strategy held the book (the status is published every few clock steps:
            // one from before the legs' first quotes reads unrealized 0).
            await h.WaitUntil(() => h.Read(r => r.GetStatus())!.Pnl.Unrealized < -2_000, "the book valued in the status", 30_000);
            var status = h.Read(r => r.GetStatus())!;
            Assert.StartsWith("Running", status.FsmState);
            Assert.DoesNotContain(h.Alerts(), a => a.Code == "RISK_HALT");
            Assert.DoesNotContain(status.Checks, c => c.Detail?.Contains(limit, StringComparison.Ordinal) == true);
            await h.PauseSettleAndStop(first);
            h.AssertMatchesLedger();

            var second = h.StartDaemon();
            await h.WaitUntil(() => h.Read(r => r.QueryOperations(new OperationQuery { Kinds = [OperationKind.Reconcile], Limit = 10_000 }))
                .Count(o => o.Detail!.StartsWith("reconciled", StringComparison.Ordinal)) >= 2, "the second start reconciled", 60_000);
            Assert.Equal(ControlStatus.Done, (await h.WaitControl(h.Enqueue(ControlCommandKind.Resume), 30_000)).Status);
            await h.WaitFsm("Running", 30_000);
            await Task.Delay(2000); // ×200 replay: minutes of clock steps judging the limits
            Assert.StartsWith("Running", h.Read(r => r.GetStatus())!.FsmState);
            Assert.DoesNotContain(h.Alerts(), a => a.Code == "RISK_HALT");
            await h.PauseSettleAndStop(second);
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
