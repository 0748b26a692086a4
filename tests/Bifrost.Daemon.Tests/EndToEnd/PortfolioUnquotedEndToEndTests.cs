using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>After a restart a portfolio symbol's feed never came (the gateway mutes BBB for every request). An exit
/// signal for it was sized NO_PRICE: its line kept the holding, the run ended done and nothing said BBB was not sold.
/// It is sized at the remembered price and refused for want of a fresh quote (market_data_error), never sent; the run
/// and its control say so. Ends with the gateway's ledger compared to the store.</summary>
[Collection(EndToEndCollection.Name)]
public class PortfolioUnquotedEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Restart_ASymbolNeverQuotedSince_ItsExitSignalIsRefusedMarketDataError_NotDone_StoreMatchesLedger()
    {
        await using var h = await PortfolioRunEndToEndTests.Start(output);
        try
        {
            var first = h.StartDaemon();
            await PortfolioRunEndToEndTests.WaitQuotes(h);
            var bought = await h.WaitControl(PortfolioRunEndToEndTests.RunPortfolio(h, PortfolioRunEndToEndTests.Signals(h, "buy.csv", 1.0, 0.5)), 30_000);
            Assert.Equal(ControlStatus.Done, bought.Status);
            var held = h.LedgerOf("fill").Where(f => f.ConId == PortfolioRunEndToEndTests.BbbId).Sum(f => f.Quantity ?? 0);
            Assert.True(held > 0, "the strategy holds BBB");
            await h.StopCleanly(first);

            await h.Gateway.ExecuteAsync("stop-market-data BBB");
            var second = h.StartDaemon();
            await PortfolioRunEndToEndTests.WaitQuotes(h);
            var exit = Path.Combine(h.Dir, "exit.csv");
            File.WriteAllText(exit, """
                symbol,action,score,confidence,time
                AAA,hold,1,1,2026-03-01T12:00:00Z
                BBB,sell,1,1,2026-03-01T12:00:00Z
                """);
            PortfolioRunEndToEndTests.Written(exit);
            var control = await h.WaitControl(PortfolioRunEndToEndTests.RunPortfolio(h, exit), 30_000);
            output.WriteLine($"{control.Status}: {control.Result}");
            Assert.Equal(ControlStatus.Refused, control.Status);
            Assert.Contains("BBB: market_data_error", control.Result, StringComparison.Ordinal);
            var run = h.Read(r => r.FindPortfolioRunForControl(control.Id))!;
            Assert.NotEqual("done", run.Status);
            var bbb = run.Orders.Single(o => o.Symbol == "BBB");
            Assert.Equal(("sell", held, "rejected", false), (bbb.Side, bbb.Quantity, bbb.Status, bbb.Sent));
            Assert.DoesNotContain(h.LedgerOf("order"), o => o.ConId == PortfolioRunEndToEndTests.BbbId && o.Action == "SELL");

            await h.StopCleanly(second);
            await PortfolioRunEndToEndTests.AssertPortfolioMatchesLedger(h);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
