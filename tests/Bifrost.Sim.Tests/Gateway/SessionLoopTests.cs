using Bifrost.Ib.Messages.Events;
using Bifrost.Ib.Messages.Model;
using Bifrost.Sim.Gateway;
using Bifrost.Sim.Ticks;
using static Bifrost.Sim.Tests.Gateway.GatewayHarness;

namespace Bifrost.Sim.Tests.Gateway;

/// <summary><c>--loop</c>: the file replayed again and again, each pass the next trading day on the virtual clock.</summary>
public class SessionLoopTests
{
    [Fact]
    public void NextTradingDay_SkipsWeekendsAndHolidays()
    {
        Assert.Equal(new DateOnly(2026, 3, 3), SessionLoop.NextTradingDay(new DateOnly(2026, 3, 2), []));
        Assert.Equal(new DateOnly(2026, 3, 9), SessionLoop.NextTradingDay(new DateOnly(2026, 3, 6), []));
        Assert.Equal(new DateOnly(2026, 4, 6), SessionLoop.NextTradingDay(new DateOnly(2026, 4, 2), [new DateOnly(2026, 4, 3)]));
        // The NYSE's holidays by rule without being told (Good Friday, Christmas), as the engine's calendar has them.
        Assert.Equal(new DateOnly(2026, 4, 6), SessionLoop.NextTradingDay(new DateOnly(2026, 4, 2), []));
        Assert.Equal(new DateOnly(2026, 12, 28), SessionLoop.NextTradingDay(new DateOnly(2026, 12, 24), []));
    }

    [Fact]
    public void LastDay_IsTheDayBeforeTheEarliestOptionExpiry()
    {
        ContractKey[] keys = [ContractKey.Stock("XYZ"), ContractKey.Option("XYZ", 'C', 100, 20260320), ContractKey.Option("XYZ", 'P', 100, 20260417)];
        Assert.Equal(new DateOnly(2026, 3, 19), SessionLoop.LastDay(keys));
        Assert.Equal(DateOnly.MaxValue, SessionLoop.LastDay([ContractKey.Stock("XYZ")]));
    }

    [Fact]
    public void ShiftNanos_KeepsTheEasternWallTimeAcrossTheDaylightSavingChange()
    {
        // 2026-03-06 09:30 EST (14:30 UTC) → 2026-03-09 09:30 EDT (13:30 UTC): three days less one hour
        var first = new DateTimeOffset(2026, 3, 6, 14, 30, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000L;
        var shifted = first + SessionLoop.ShiftNanos(first, new DateOnly(2026, 3, 9));
        Assert.Equal(new DateTimeOffset(2026, 3, 9, 13, 30, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000L, shifted);
        Assert.Equal("20260309 09:30:00", ReplayGateway.TwsTime(shifted));
    }

    [Fact]
    public async Task Loop_TwoPasses_AreConsecutiveTradingDays_VenueTimesIncrease_ExecutionsStampedOnTheNewDay()
    {
        var ledger = TempFile("ledger.jsonl");
        await using var gw = await ReplayGateway.StartAsync(new GatewayOptions { DataPath = DataPath, Port = 0, Speed = ReplaySpeed.Step, Loop = true, LedgerPath = ledger });
        var (client, events) = await Connect(gw, 3);
        await using var _ = client;
        Assert.Equal(new DateOnly(2026, 3, 2), gw.SessionDate);
        var times = new List<long> { gw.NowNanos };
        var datesSeen = new List<DateOnly>();
        // step through the first pass and 1,000 ticks into the second
        var intoSecond = 0;
        while (intoSecond < 1_000)
        {
            var applied = await gw.StepAsync(500);
            Assert.Equal(500, applied); // a loop never runs dry
            times.Add(gw.NowNanos);
            var date = SessionLoop.DateOf(gw.NowNanos);
            if (datesSeen.Count == 0 || datesSeen[^1] != date) datesSeen.Add(date);
            if (gw.Pass == 1) intoSecond += applied;
        }
        Assert.Equal([new DateOnly(2026, 3, 2), new DateOnly(2026, 3, 3)], datesSeen);
        Assert.Equal(new DateOnly(2026, 3, 3), gw.SessionDate);
        for (var i = 1; i < times.Count; i++) Assert.True(times[i] > times[i - 1], $"venue time went from {times[i - 1]} to {times[i]} at step {i}");
        Assert.False(gw.ReplayFinished.IsCompleted);

        // an order on day 2 executes at a day-2 venue time, in the execution and the ledger
        var orderId = await client.PlaceOrderAsync(Stock, IbOrder.Market("BUY", 100, "oi_loop_1"));
        await events.Wait<IbOrderStatus>(s => s.OrderId == orderId && s.Status == "Submitted");
        await gw.AdvanceAsync(TimeSpan.FromSeconds(30));
        var exec = await events.Wait<IbExecDetails>(e => e.Execution.OrderId == orderId);
        Assert.StartsWith("20260303 ", exec.Execution.Time, StringComparison.Ordinal);
        var fill = GatewayLedger.Read(ledger).Single(e => e.Type == "fill");
        Assert.Equal(new DateOnly(2026, 3, 3), SessionLoop.DateOf(fill.TsNanos));
        await client.ReqCurrentTimeAsync();
        var now = await events.Wait<IbCurrentTime>();
        Assert.Equal(new DateOnly(2026, 3, 3), SessionLoop.DateOf(now.EpochSeconds * 1_000_000_000L));
    }
}
