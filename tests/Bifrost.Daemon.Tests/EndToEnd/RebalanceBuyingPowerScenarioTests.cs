using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>
/// A rebalance's buys held to the buying power together, end to end on the replay gateway (domain twin:
/// OperatorRunGuards.RebalanceBuys_TogetherOverTheBuyingPower_AreRefusedWhole). Before, each target was judged against
/// the whole of AvailableFunds: XYZ and calls each worth 55 % of it both went out, 110 % of the account's buying power
/// (at IB the second meets a 201 and half a rebalance is left). Ends with the gateway's ledger compared to the store.
/// </summary>
[Collection(EndToEndCollection.Name)]
public class RebalanceBuyingPowerScenarioTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RebalanceBuys_TogetherOverTheBuyingPower_AreRefusedWhole_EachAloneGoes_LedgerMatchesStore()
    {
        // A band no hedge reaches, and room in the position limit for the stock target.
        await using var h = await DaemonHarness.StartAsync(output, config: (port, store) => TestConfig.Json(port, store, conIds: true, band: 1000)
            .Replace("\"max_position\": 5000", "\"max_position\": 50000", StringComparison.Ordinal));
        try
        {
            var run = h.StartDaemon();
            await h.WaitFsm("Running");
            await h.WaitBookValued();
            await h.WaitUntil(() => h.Read(r => r.GetStatus())?.AccountValues.ContainsKey("AvailableFunds") == true, "AvailableFunds reported");
            var funds = h.Read(r => r.GetStatus())!.AccountValues["AvailableFunds"];
            var spot = await h.Gateway.MarkAsync(TestConfig.StockId);
            var callMark = await h.Gateway.MarkAsync(TestConfig.CallId);
            var shares = (int)(0.55 * funds / spot);
            var calls = (int)(0.55 * funds / (callMark * 100));
            var hedge = (int)h.StrategyQty(TestConfig.StockId);
            var heldCalls = (int)h.StrategyQty(TestConfig.CallId);
            output.WriteLine($"AvailableFunds {funds:F0}, XYZ {spot:F2} × {shares}, call {callMark:F2} × {calls}");
            var orders = h.LedgerOf("order").Count;

            var both = await h.WaitControl(h.Enqueue(ControlCommandKind.Rebalance,
                $$"""{"targets":[{"contract":"XYZ","quantity":{{hedge + shares}}},{"contract":"XYZ 20260320 C 100","quantity":{{heldCalls + calls}}}]}"""), 30_000);
            output.WriteLine($"both: {both.Status} {both.Result}");
            Assert.Equal(ControlStatus.Refused, both.Status);
            Assert.Contains("INSUFFICIENT_FUNDS", both.Result, StringComparison.Ordinal);
            await OrderDoubtScenarioTests.NoNewOrdersFor(h, 1000, orders);

            // The stock alone is within the buying power: it goes and fills.
            var alone = await h.WaitControl(h.Enqueue(ControlCommandKind.Rebalance, $$"""{"targets":[{"contract":"XYZ","quantity":{{hedge + shares}}}]}"""), 30_000);
            output.WriteLine($"alone: {alone.Status} {alone.Result}");
            Assert.Equal(ControlStatus.Done, alone.Status);
            await h.WaitUntil(() => (int)h.StrategyQty(TestConfig.StockId) == hedge + shares, "the stock target reached");
            Assert.Single(h.LedgerOf("order"), o => o.OrderRef!.Contains("-reb", StringComparison.Ordinal));

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
