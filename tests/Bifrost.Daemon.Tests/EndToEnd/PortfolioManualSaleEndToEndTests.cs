using Bifrost.Ib.Client;
using Bifrost.Ib.Messages.Model;
using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>The operator sells a portfolio stock by hand in TWS (another client id): the execution goes to that client
/// only, and IB's position update, the engine's only sight of the sale, may lag it. A portfolio run with an exit signal
/// in that lag sold the same shares again (allow_short false): the account went short. Ends with the gateway's ledger
/// compared to the store.</summary>
[Collection(EndToEndCollection.Name)]
public class PortfolioManualSaleEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ExitRun_RightAfterTheOperatorSoldTheSharesInTws_BeforeIbsPositionUpdate_NeverSellsThemAgain()
    {
        await using var h = await PortfolioRunEndToEndTests.Start(output);
        try
        {
            var run = h.StartDaemon();
            await PortfolioRunEndToEndTests.WaitQuotes(h);
            var bought = await h.WaitControl(PortfolioRunEndToEndTests.RunPortfolio(h, PortfolioRunEndToEndTests.Signals(h, "buy.csv", 1.0, 0.5)), 30_000);
            Assert.Equal(ControlStatus.Done, bought.Status);
            var aaa = PortfolioRunEndToEndTests.AaaId;
            var held = h.LedgerOf("fill").Where(f => f.ConId == aaa).Sum(f => f.Quantity ?? 0);
            Assert.True(held > 0, "premise: the strategy holds AAA");

            // IB's position updates of the sale lag it by 20 s; the operator sells every AAA share from client 99.
            await h.Gateway.ExecuteAsync("delay-positions 20000 50");
            await using (var manual = new IbClient(new IbEventChannel()))
            {
                await manual.ConnectAsync("127.0.0.1", h.Gateway.Port, 99);
                await manual.PlaceOrderAsync(IbContract.Stock("AAA") with { ConId = aaa }, IbOrder.Market("SELL", held, "by-hand"));
                await h.WaitUntil(() => h.LedgerOf("fill", 99).Sum(f => f.Quantity) == held, "the operator's sale filled");
            }
            Assert.Equal(0, (await h.Gateway.PositionsAsync()).GetValueOrDefault(aaa).Qty);

            var exit = Path.Combine(h.Dir, "exit.csv");
            File.WriteAllText(exit, """
                symbol,action,score,confidence,time
                AAA,sell,1,1,2026-03-01T12:00:00Z
                BBB,hold,1,1,2026-03-01T12:00:00Z
                """);
            PortfolioRunEndToEndTests.Written(exit);
            var control = await h.WaitControl(PortfolioRunEndToEndTests.RunPortfolio(h, exit), 30_000);
            output.WriteLine($"{control.Status}: {control.Result}");
            Assert.DoesNotContain(h.LedgerOf("order"), o => o.ConId == aaa && o.Action == "SELL");
            Assert.Contains($"AAA: sell of {held} capped at the account's 0 AAA", string.Join("\n", h.Ops(OperationKind.Intent).Select(o => o.Detail)), StringComparison.Ordinal);
            Assert.True((await h.Gateway.PositionsAsync()).GetValueOrDefault(aaa).Qty >= 0, "the account is never short AAA");

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
