using Bifrost.Sim.Broker;

namespace Bifrost.Sim.Tests.Broker;

public sealed class FillModelTests
{
    private static readonly TopOfBook Book = new(99.98, 100.02, 300, 500, 1);

    [Fact]
    public void MarketBuy_TakesTheAsk_UpToItsSize()
    {
        Assert.Equal((500, 100.02), FillModel.Match(1, false, double.NaN, 800, Book, partialBySize: true));
        Assert.Equal((800, 100.02), FillModel.Match(1, false, double.NaN, 800, Book, partialBySize: false));
    }

    [Fact]
    public void MarketSell_TakesTheBid() => Assert.Equal((200, 99.98), FillModel.Match(-1, false, double.NaN, 200, Book, true));

    [Fact]
    public void Limit_TradesOnlyWhenTheTouchCrossesIt_AtTheTouch()
    {
        Assert.Equal(0, FillModel.Match(1, true, 100.01, 100, Book, true).Quantity);
        Assert.Equal((100, 100.02), FillModel.Match(1, true, 100.05, 100, Book, true)); // price improvement
        Assert.Equal(0, FillModel.Match(-1, true, 99.99, 100, Book, true).Quantity);
        Assert.Equal((100, 99.98), FillModel.Match(-1, true, 99.90, 100, Book, true));
    }

    [Fact]
    public void ZeroDisplayedSize_NoFill_WhenFillsAreBySize()
    {
        var empty = new TopOfBook(99.98, 100.02, 0, 0, 1);
        Assert.Equal(0, FillModel.Match(1, false, double.NaN, 800, empty, partialBySize: true).Quantity);
        Assert.Equal(0, FillModel.Match(-1, true, 99.90, 100, empty, partialBySize: true).Quantity);
        Assert.Equal((800, 100.02), FillModel.Match(1, false, double.NaN, 800, empty, partialBySize: false)); // sizes ignored, as configured
    }

    [Fact]
    public void NoPrice_NoFill()
    {
        Assert.Equal(0, FillModel.Match(1, false, double.NaN, 100, new TopOfBook(99.98, double.NaN, 1, 1, 1), true).Quantity);
        Assert.Equal(0, FillModel.Match(1, false, double.NaN, 0, Book, true).Quantity);
    }
}

public sealed class CommissionModelTests
{
    [Theory]
    [InlineData(100, 100.0, 0, 1.00)]    // $0.50 raised to the $1 minimum
    [InlineData(1000, 100.0, 0, 5.00)]   // $0.005/share
    [InlineData(1000, 100.0, 1000, 5.00)]
    [InlineData(10, 100.0, 1000, 0.05)]  // a later execution of an order past its minimum pays per share
    [InlineData(10, 100.0, 100, 0.00)]   // one still inside the minimum its first execution paid pays nothing more
    [InlineData(100, 100.0, 150, 0.25)]  // one that takes the order past its minimum pays the part above it
    [InlineData(1, 50.0, 0, 0.50)]       // capped at 1% of the trade value
    public void Stock_IbFixed(int qty, double price, int filledBefore, double expected) =>
        Assert.Equal(expected, CommissionModel.IbFixed.For(false, qty, price, 1, filledBefore, filledBefore * price), 9);

    [Theory]
    [InlineData(1, 0, 1.00)]
    [InlineData(10, 0, 6.50)]
    [InlineData(1, 1, 0.30)] // the second contract: $1.30 for the order, $1 of it paid
    [InlineData(1, 2, 0.65)]
    public void Option_IbFixed(int contracts, int filledBefore, double expected) =>
        Assert.Equal(expected, CommissionModel.IbFixed.For(true, contracts, 2.0, 100, filledBefore, filledBefore * 200.0), 9);

    [Fact]
    public void Zero_IsZero() => Assert.Equal(0.0, CommissionModel.Zero.For(false, 1000, 100, 1, 0, 0));
}

public sealed class SimAccountTests
{
    [Fact]
    public void Reducing_RealisesPnl_AndAFlipOpensAtTheFillPrice()
    {
        var a = new SimAccount("DU1", 10_000);
        a.Apply(1, 100, 10.0, 1, 1.0);
        a.Apply(1, -150, 12.0, 1, 1.0);
        Assert.Equal(200.0, a.Realized, 9);
        Assert.Equal((-50, 12.0), a.Positions[1]);
        Assert.Equal(10_000 - 1000 - 1 + 1800 - 1, a.Cash, 9);
        Assert.Equal(2.0, a.Commissions);
    }

    [Fact]
    public void Options_UseTheirMultiplier()
    {
        var a = new SimAccount("DU1", 0);
        a.Seed(2, 10, 3.0);
        a.Apply(2, -10, 3.5, 100, 0);
        Assert.Equal(500.0, a.Realized, 9);
        Assert.Equal(0, a.Position(2));
        Assert.Equal(3_500.0, a.NetLiquidation(_ => double.NaN, _ => 100), 9);
    }
}
