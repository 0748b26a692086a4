using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>
/// A manual order is the operator's own unless it says <c>adjusts_strategy</c>; on an option leg the operator owns only
/// what the account holds outside the strategy (the reducer-level twins: Bifrost.Domain.Tests' Trading.OperatorRunGuards).
/// An operator-owned sell of the strategy's adopted calls was accepted, filled, and its own fill then halted the engine
/// on BOOK_MISMATCH (RED, no hedging) with the account short of the book. The mirror: a strategy-owned sell past zero
/// while the operator holds calls outside the strategy (the strategy short in an account long) is refused too. Ends with
/// the gateway's ledger == the store.
/// </summary>
[Collection(EndToEndCollection.Name)]
public class OperatorLegSellScenarioTests(ITestOutputHelper output)
{
    private const string Call = "XYZ 20260320 C 100";

    [Fact]
    public async Task OperatorOwnedSellOfTheStrategysCalls_IsRefused_NothingReachesTheBroker_AdjustingTheStrategyItGoes_LedgerMatchesStore()
    {
        await using var h = await DaemonHarness.StartAsync(output, config: (port, store) => TestConfig.Json(port, store, conIds: true, band: 100_000));
        try
        {
            var run = h.StartDaemon();
            await h.WaitFsm("Running");
            await h.WaitUntil(() => h.StrategyQty(TestConfig.CallId) == 10, "the seeded calls adopted");
            var own = await h.WaitControl(h.Enqueue(ControlCommandKind.ManualOrder, $$"""{"contract":"{{Call}}","side":"sell","quantity":5}"""), 30_000);
            output.WriteLine($"operator-owned sell: {own.Status} {own.Result}");
            Assert.Equal(ControlStatus.Refused, own.Status);
            Assert.Contains("adjusts_strategy", own.Result, StringComparison.Ordinal);
            Assert.Contains("BOOK_MISMATCH", own.Result, StringComparison.Ordinal);
            Assert.DoesNotContain(h.LedgerOf("order"), o => o.ConId == TestConfig.CallId);

            // The same sell as the strategy's: it goes, the book follows it, the engine runs on (no mismatch).
            var adjusting = await h.WaitControl(h.Enqueue(ControlCommandKind.ManualOrder,
                $$"""{"contract":"{{Call}}","side":"sell","quantity":5,"adjusts_strategy":true}"""), 30_000);
            output.WriteLine($"strategy's sell: {adjusting.Status} {adjusting.Result}");
            Assert.Equal(ControlStatus.Done, adjusting.Status);
            await h.WaitUntil(() => h.StrategyQty(TestConfig.CallId) == 5, "the strategy holds 5 calls");
            await h.WaitFsm("Running");
            Assert.DoesNotContain(h.Alerts(), a => a.Code is "BOOK_MISMATCH" or "POSITION_MOVED");
            h.Enqueue(ControlCommandKind.Stop);
            Assert.Equal(0, await run.Exit.WaitAsync(TimeSpan.FromSeconds(20)));
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task StrategysSellPastZero_WhileTheOperatorHoldsCallsOutsideIt_IsRefused_Named_NothingSent_ToZeroItGoes_LedgerMatchesStore()
    {
        // 15 calls in the account: the strategy adopts its 10, the operator owns the other 5.
        await using var h = await DaemonHarness.StartAsync(output, seedLegs: false,
            extraSeeds: [new(Call, 15, 2.5), new("XYZ 20260320 P 100", 10, 2.4)],
            config: (port, store) => TestConfig.Json(port, store, conIds: true, band: 100_000));
        try
        {
            var run = h.StartDaemon();
            await h.WaitFsm("Running");
            await h.WaitUntil(() => h.StrategyQty(TestConfig.CallId) == 10 && h.ExternalQty(TestConfig.CallId) == 5, "10 calls the strategy's, 5 the operator's");
            var past = await h.WaitControl(h.Enqueue(ControlCommandKind.ManualOrder,
                $$"""{"contract":"{{Call}}","side":"sell","quantity":11,"adjusts_strategy":true}"""), 30_000);
            output.WriteLine($"strategy's sell of 11: {past.Status} {past.Result}");
            Assert.Equal(ControlStatus.Refused, past.Status);
            Assert.Contains(Call, past.Result, StringComparison.Ordinal);
            Assert.Contains("from 10 to -1", past.Result, StringComparison.Ordinal);
            Assert.Contains("BOOK_MISMATCH", past.Result, StringComparison.Ordinal);
            Assert.DoesNotContain(h.LedgerOf("order"), o => o.ConId == TestConfig.CallId);

            // The strategy's 10 to zero: it goes; the operator's 5 stay his, the engine runs on.
            var toZero = await h.WaitControl(h.Enqueue(ControlCommandKind.ManualOrder,
                $$"""{"contract":"{{Call}}","side":"sell","quantity":10,"adjusts_strategy":true}"""), 30_000);
            Assert.Equal(ControlStatus.Done, toZero.Status);
            await h.WaitUntil(() => h.StrategyQty(TestConfig.CallId) == 0 && h.ExternalQty(TestConfig.CallId) == 5, "the strategy holds no call, the operator 5");
            Assert.Equal(10, h.LedgerOf("order").Where(o => o.ConId == TestConfig.CallId).Sum(o => o.Quantity));
            await h.WaitFsm("Running");
            Assert.DoesNotContain(h.Alerts(), a => a.Code is "BOOK_MISMATCH" or "POSITION_MOVED");
            h.Enqueue(ControlCommandKind.Stop);
            Assert.Equal(0, await run.Exit.WaitAsync(TimeSpan.FromSeconds(20)));
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
