using Bifrost.Sim.Broker;

namespace Bifrost.Sim.Tests.Broker;

public sealed class SimulatedBrokerTests
{
    private const int Stock = 11;
    private static readonly FillModelOptions Latency = new() { AckLatencyNanos = 2_000, FillLatencyNanos = 10_000 };

    private static SimulatedBroker Broker(FillModelOptions? options = null, double bidSize = 1_000, double askSize = 1_000)
    {
        var b = new SimulatedBroker(options ?? Latency, new SimAccount("DU1", 100_000), _ => 1, _ => false);
        b.OnQuote(Stock, new TopOfBook(99.99, 100.01, bidSize, askSize, 0), 0);
        return b;
    }

    private static SimOrderRequest Buy(int id, int qty = 100, bool limit = false, double price = double.NaN) =>
        new(7, id, Stock, 1, qty, limit, price, "DAY", $"oi_t_{id}", "DU1");

    [Fact]
    public void Order_IsAcknowledged_ThenFilled_ByLatency()
    {
        var b = Broker();
        Assert.Empty(b.Submit(Buy(1), 1_000));
        Assert.Empty(b.Advance(2_999));
        var ack = Assert.Single(b.Advance(3_000));
        Assert.IsType<OrderAcknowledged>(ack);
        Assert.Empty(b.Advance(10_999));
        var fill = Assert.IsType<OrderExecuted>(Assert.Single(b.Advance(11_000)));
        Assert.Equal((100, 100.01, 100.0, 100), (fill.Execution.Quantity, fill.Execution.Price, fill.Execution.MidAtFill, fill.Execution.CumQuantity));
        Assert.Equal(100, b.Account.Position(Stock));
        Assert.Equal(1.0, fill.Execution.Commission, 9);
        Assert.Empty(b.WorkingOrders);
    }

    [Fact]
    public void ZeroLatency_FillsOnSubmit()
    {
        var b = Broker(new FillModelOptions { AckLatencyNanos = 0, FillLatencyNanos = 0 });
        var events = b.Submit(Buy(1), 5);
        Assert.Collection(events, e => Assert.IsType<OrderAcknowledged>(e), e => Assert.IsType<OrderExecuted>(e));
    }

    [Fact]
    public void LargeOrder_FillsByDisplayedSize_AcrossQuotes()
    {
        var b = Broker(askSize: 300);
        b.Submit(Buy(1, 700), 0);
        var first = b.Advance(10_000).OfType<OrderExecuted>().Single();
        Assert.Equal(300, first.Execution.Quantity);
        Assert.Empty(b.Advance(20_000).OfType<OrderExecuted>()); // the touch was consumed
        var second = b.OnQuote(Stock, new TopOfBook(99.99, 100.02, 1_000, 1_000, 30_000), 30_000).OfType<OrderExecuted>().Single();
        Assert.Equal((400, 100.02, 700), (second.Execution.Quantity, second.Execution.Price, second.Execution.CumQuantity));
        Assert.Equal(0.0, second.Execution.Commission - 400 * 0.005, 9); // no second minimum
    }

    [Fact]
    public void Order_AgainstATouchShowingZeroSize_WaitsForSizeToBeShown()
    {
        // A price with size 0 is a level nobody stands at (IB sends it as a quote is pulled; the touch the simulator
        // itself consumed reads the same way): a hedge filled there at any size is liquidity the market never had.
        var b = Broker(askSize: 0);
        b.Submit(Buy(1, 500), 0);
        Assert.Empty(b.Advance(20_000).OfType<OrderExecuted>());
        Assert.Equal(0, b.Account.Position(Stock));
        var fill = b.OnQuote(Stock, new TopOfBook(99.99, 100.03, 1_000, 200, 30_000), 30_000).OfType<OrderExecuted>().Single();
        Assert.Equal((200, 100.03), (fill.Execution.Quantity, fill.Execution.Price));
    }

    [Theory]
    [InlineData(300, 100, 1.50)] // 3 x 100 shares: $0.005 x 300, not a $1 minimum plus 2 x $0.50
    [InlineData(150, 100, 1.00)] // 100 + 50 shares: the order's $1 minimum, once
    [InlineData(700, 300, 3.50)] // 300 + 300 + 100: above the minimum, per share as before
    public void PartialFills_PayTheOrdersCommissionOnce_TheMinimumIsPerOrder(int quantity, double displayed, double expected)
    {
        var b = Broker(new FillModelOptions { AckLatencyNanos = 0, FillLatencyNanos = 0 }, askSize: displayed);
        var fills = b.Submit(Buy(1, quantity), 0).OfType<OrderExecuted>().ToList();
        for (var t = 1; fills.Sum(f => f.Execution.Quantity) < quantity; t++)
            fills.AddRange(b.OnQuote(Stock, new TopOfBook(99.99, 100.01, 1_000, displayed, t), t).OfType<OrderExecuted>());

        Assert.True(fills.Count > 1, $"{fills.Count} fill(s)");
        Assert.Equal(expected, fills.Sum(f => f.Execution.Commission), 9);
        Assert.Equal(expected, b.Account.Commissions, 9);
    }

    [Fact]
    public void OptionOrder_FilledOneContractAtATime_PaysPerContract_OneMinimum()
    {
        const int call = 12;
        var b = new SimulatedBroker(new FillModelOptions { AckLatencyNanos = 0, FillLatencyNanos = 0 }, new SimAccount("DU1", 100_000),
            id => id == call ? 100 : 1, id => id == call);
        b.OnQuote(call, new TopOfBook(2.00, 2.10, 1, 1, 0), 0);
        var fills = b.Submit(Buy(1, 2) with { ConId = call }, 0).OfType<OrderExecuted>().ToList();
        fills.AddRange(b.OnQuote(call, new TopOfBook(2.00, 2.10, 1, 1, 1), 1).OfType<OrderExecuted>());

        Assert.Equal(2, fills.Count);
        Assert.Equal(1.30, fills.Sum(f => f.Execution.Commission), 9); // 2 x $0.65, not $1 + $0.65
    }

    [Fact]
    public void Limit_WaitsUntilTheMarketCrossesIt()
    {
        var b = Broker();
        b.Submit(Buy(1, 100, limit: true, price: 99.95), 0);
        Assert.Empty(b.Advance(20_000).OfType<OrderExecuted>());
        var fill = b.OnQuote(Stock, new TopOfBook(99.90, 99.94, 500, 500, 30_000), 30_000).OfType<OrderExecuted>().Single();
        Assert.Equal(99.94, fill.Execution.Price);
    }

    [Fact]
    public void Cancel_Working_Filled_And_Unknown()
    {
        var b = Broker();
        b.Submit(Buy(1, 100, limit: true, price: 90), 0);
        Assert.IsType<OrderCancelled>(Assert.Single(b.Cancel(7, 1, 5_000)));
        Assert.Equal(10148, Assert.IsType<OrderRefused>(Assert.Single(b.Cancel(7, 1, 6_000))).Code);
        Assert.Equal(10147, Assert.IsType<OrderRefused>(Assert.Single(b.Cancel(7, 42, 6_000))).Code);
    }

    [Fact]
    public void DuplicateOrderId_IsRefused103_AndBadOrders201()
    {
        var b = Broker();
        b.Submit(Buy(1), 0);
        Assert.Equal(103, Assert.IsType<OrderRefused>(Assert.Single(b.Submit(Buy(1), 1))).Code);
        Assert.Equal(201, Assert.IsType<OrderRefused>(Assert.Single(b.Submit(Buy(2, qty: 0), 1))).Code);
        Assert.Equal(201, Assert.IsType<OrderRefused>(Assert.Single(b.Submit(Buy(3, limit: true, price: -1), 1))).Code);
        b.RejectNextOrder();
        Assert.Equal(201, Assert.IsType<OrderRefused>(Assert.Single(b.Submit(Buy(4), 1))).Code);
    }

    [Fact]
    public void SameIdFromAnotherClient_IsAnotherOrder()
    {
        var b = Broker();
        b.Submit(Buy(1), 0);
        Assert.Empty(b.Submit(Buy(1) with { ClientId = 0 }, 0).OfType<OrderRefused>());
        Assert.Equal(2, b.Orders.Count());
    }
}
