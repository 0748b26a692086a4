using Bifrost.Store.ReadModel;
using Bifrost.Store.Tests.Support;

namespace Bifrost.Store.Tests.ReadModel;

public sealed class OrderTimelineQueryTests
{
    // The statistics and the Runs screen's decision prices read the order timelines with a row limit: a store past it
    // (a year of hedging) dropped the newest orders — today's fills shown without their decision price, the day's
    // latencies left out of the statistics — and kept the oldest.
    [Fact]
    public async Task MoreOrdersThanTheLimit_TheNewestAreRead_OldestFirst()
    {
        using var store = new TempStore();
        using (var w = store.OpenWriter())
        {
            for (var i = 1; i <= 5; i++)
                w.UpsertOrder(Sample.Order($"oi_run1_{i}", created: Sample.T0 + i * 1_000_000_000L));
            await w.FlushAsync();
        }
        using var reader = StoreReader.Open(store.Path);
        Assert.Equal(["oi_run1_4", "oi_run1_5"], reader.GetOrderTimelines(limit: 2).Select(t => t.OrderRef));
        Assert.Equal(["oi_run1_1", "oi_run1_2", "oi_run1_3", "oi_run1_4", "oi_run1_5"], reader.GetOrderTimelines().Select(t => t.OrderRef));
        Assert.Equal(["oi_run1_3", "oi_run1_4", "oi_run1_5"], reader.GetOrderTimelines(fromNanos: Sample.T0 + 3_000_000_000L).Select(t => t.OrderRef));
    }

    // The Runs screen and `bifrost-tui runs` priced their slippage from those timelines: a run older than the newest
    // 100,000 orders showed no decision price. They read the shown runs' own orders' decision prices.
    [Fact]
    public async Task DecisionPrices_AreReadForTheRunsNamed_OnlyTheirOrders()
    {
        using var store = new TempStore();
        using (var w = store.OpenWriter())
        {
            w.UpsertOrder(Sample.Order("oi_run1_2", run: "run1"));
            w.UpsertOrder(Sample.Order("oi_run1_3", run: "run2"));
            w.Record(Sample.Op(2, Records.OperationKind.Order) with { Price = 470.05 });
            w.Record(Sample.Op(3, Records.OperationKind.Order) with { Price = 471.10 });
            w.Record(Sample.Op(4, Records.OperationKind.Fill) with { OrderRef = "oi_run1_2", Price = 470.20 });
            await w.FlushAsync();
        }
        using var reader = StoreReader.Open(store.Path);
        Assert.Equal(new Dictionary<string, double> { ["oi_run1_2"] = 470.05 }, reader.GetDecisionPrices(["run1"]));
        Assert.Equal(2, reader.GetDecisionPrices(["run1", "run2"]).Count);
        Assert.Empty(reader.GetDecisionPrices([]));
    }
}
