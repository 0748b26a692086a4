using Bifrost.Sim.Backtest;

namespace Bifrost.Sim.Tests.Backtest;

/// <summary>
/// The golden run, like LEAN's regression ExpectedStatistics: the bundled sample (data/sample, generated with the
/// default seed) under data/sample/backtest.json must reproduce exactly this order list and these statistics. A change
/// here is a change of behaviour: if it is intended, re-run `bifrost-sim backtest` on the sample and update the values
/// with the reason in the commit.
/// </summary>
public sealed class GoldenRunTests
{
    private const string ExpectedOrderListSha256 = "910a77321aec9e6e7205156c5815b0bc13a3b3c61c4ff7add0be0c9310ceda72";

    private static BacktestResult Run(bool prefetch)
    {
        var setup = BacktestSetup.FromFile(SampleData.BacktestConfig);
        return BacktestRunner.Run(setup, new ParquetTickSource(SampleData.TickFile, setup.Settings.Mapping(), prefetch));
    }

    [Fact]
    public void SampleRun_MatchesExpectedStatistics()
    {
        var r = Run(prefetch: false);
        Assert.Equal(ExpectedOrderListSha256, r.OrderListHash);
        Assert.Equal(77_163, r.TicksRead);
        Assert.Equal("Running/Idle", r.FinalState);
        Assert.Equal(17, r.Orders);
        Assert.Equal(17, r.Hedges);
        Assert.Equal(17, r.Fills);
        Assert.Equal(880, r.SharesTraded);
        Assert.Equal(509.90, r.TotalPnl, 6);
        Assert.Equal(106.766154, r.RealizedPnl, 5);
        Assert.Equal(17.00, r.Fees, 6);
        Assert.Equal(229.79, r.MaxDrawdown, 6);
        Assert.Equal(209.937175, r.Attribution.Gamma, 5);
        Assert.Equal(-29.145709, r.Attribution.Theta, 5);
        Assert.Equal(606.216758, r.Attribution.Vega, 5);
        Assert.Equal(0.075681, r.Attribution.Residual, 5);
        Assert.Equal(20.053058, r.Sharpe!.Value, 5);
        Assert.Equal(1.000227, r.Slippage.AverageBps, 5);
        Assert.Equal(new Dictionary<string, long> { ["COOLDOWN"] = 7, ["DATA_LAG"] = 4, ["ORDER_IN_FLIGHT"] = 7 }, r.GuardBlocks);
        Assert.Equal(11, r.GuardBlockEvents);
        Assert.Equal(0, r.Anomalies);
    }

    [Fact]
    public void SampleRun_IsByteIdentical_WhateverTheThreading()
    {
        var inline = Run(prefetch: false);
        var prefetched = Run(prefetch: true);
        var concurrent = new BacktestResult[4];
        Parallel.For(0, concurrent.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => concurrent[i] = Run(prefetch: i % 2 == 0));

        var expected = ResultWriter.SummaryJson(inline);
        var expectedCurve = ResultWriter.CurveCsv(inline);
        foreach (var r in concurrent.Append(prefetched))
        {
            Assert.Equal(expected, ResultWriter.SummaryJson(r));
            Assert.Equal(expectedCurve, ResultWriter.CurveCsv(r));
            Assert.Equal(inline.OrderList, r.OrderList);
        }
    }

    [Fact]
    public void SampleRun_WritesIdenticalFiles_TwiceOver()
    {
        var a = Path.Combine(Path.GetTempPath(), $"bifrost-golden-{Guid.NewGuid():N}");
        var b = a + "-again";
        try
        {
            ResultWriter.WriteAll(Run(prefetch: false), a);
            ResultWriter.WriteAll(Run(prefetch: true), b);
            foreach (var file in new[] { "summary.json", "equity.parquet", "equity.csv", "orders.csv" })
                Assert.Equal(File.ReadAllBytes(Path.Combine(a, file)), File.ReadAllBytes(Path.Combine(b, file)));
        }
        finally
        {
            foreach (var d in new[] { a, b })
                if (Directory.Exists(d)) Directory.Delete(d, recursive: true);
        }
    }
}
