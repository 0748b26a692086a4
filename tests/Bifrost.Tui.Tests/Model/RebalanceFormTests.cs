using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Tui.Cli;
using Bifrost.Tui.Model;
using Bifrost.Tui.Tests.Support;

namespace Bifrost.Tui.Tests.Model;

/// <summary>The rebalance form against a real store: preview of implied orders, the row, progress and batch status.</summary>
public sealed class RebalanceFormTests
{
    [Fact]
    public void Targets_PreviewTheImpliedOrders_FromTheStrategyOwnedHoldings()
    {
        using var store = TempStore.WithSample(Frames.Now, status: Sample.Trader);
        using var console = new ConsoleDriver(store.Path);
        console.Press("b", "0", ConsoleKey.DownArrow, "12", ConsoleKey.DownArrow, "10");

        var form = console.Screen;
        Assert.Contains("XYZ                            -120        0  BUY 120", form);       // strategy hedge -120 → 0
        Assert.Contains("XYZ 20260320 C 100              +10       12  BUY 2", form);
        Assert.Contains("XYZ 20260320 P 100              +10       10  nothing to trade", form);

        console.Press(ConsoleKey.Enter);
        Assert.True(console.State.Rebalance.Confirming);
        Assert.Contains("CONFIRM REBALANCE", console.Screen);
        Assert.Contains("rebalance the strategy-owned book to XYZ = 0, XYZ 20260320 C 100 = 12, XYZ 20260320 P 100 = 10", console.Screen);

        console.Press("y");
        var sent = Assert.Single(console.Sent);
        var cli = ControlCommandLine.Request(Arguments.Parse(["rebalance", "--target", "XYZ=0", "--target", "XYZ 20260320 C 100=12", "--target", "XYZ 20260320 P 100=10"]));
        Assert.Equal(ControlRequests.ToRow(cli), ControlRequests.ToRow(sent));
        using var reader = StoreReader.Open(store.Path);
        Assert.Equal(ControlCommandKind.Rebalance, Assert.Single(reader.ListControlCommands()).Command);
    }

    // Targets are typed per row of the daemon's configured contracts and were matched to them again at y: a daemon
    // restarted with its legs in another order while the operator read "XYZ 20260320 C 100 = 0" closed the put instead.
    [Fact]
    public void ContractsChangeWhileReviewing_YSendsNothing_AndAsksForANewReview()
    {
        using var store = TempStore.WithSample(Frames.Now, status: Sample.Trader);
        using var console = new ConsoleDriver(store.Path);
        console.Press("b", ConsoleKey.DownArrow, "0", ConsoleKey.Enter);
        Assert.Contains("rebalance the strategy-owned book to XYZ 20260320 C 100 = 0", console.Screen);

        store.Write(w => w.SetStatus(Sample.Trader(Sample.Status(Frames.Now)) with
        {
            ConfigSummaryJson = """
                {"mode":"paper","account":"DU1234567","underlying":"XYZ","underlying_con_id":1001,
                 "legs":[{"con_id":2002,"right":"P","strike":100,"expiry":"20260320","multiplier":100,"quantity":10},
                         {"con_id":2001,"contract":"XYZ 20260320 C 100","right":"C","strike":100,"expiry":"20260320","multiplier":100,"quantity":10}]}
                """,
        }));
        console.Press("y");

        Assert.Empty(console.Sent);
        Assert.False(console.State.Rebalance.Confirming);
        Assert.Contains("changed while you reviewed it", console.Screen);
    }

    [Theory]
    [InlineData("rebalance", "--target", "XYZ=-55", "XYZ=-60")]
    [InlineData("confirm-book", "--leg", "XYZ 20260320 C 100=10", "XYZ  20260320 C 100=12")]
    public void TheSameContractGivenTwice_IsRefused_NotTradedAsTheSumOfBoth(string command, string option, string first, string second)
    {
        // Each target is sized from the same position: -55 and -60 from -61 would buy 6 and 1, ending at -54.
        var e = Assert.Throws<UsageException>(() => ControlCommandLine.Request(Arguments.Parse([command, option, first, option, second])));
        Assert.Contains("given twice", e.Message);
    }

    [Fact]
    public void NothingToDo_OrABadTarget_IsSaidAndNothingSent()
    {
        using var store = TempStore.WithSample(Frames.Now, status: Sample.Trader);
        using var console = new ConsoleDriver(store.Path);
        console.Press("9", ConsoleKey.DownArrow, "10", ConsoleKey.Enter);
        Assert.Contains("every target equals the current strategy-owned holding: nothing to do", console.Screen);

        console.Press("-", ConsoleKey.Enter);
        Assert.Contains("XYZ 20260320 C 100 target: expected a whole number, got '10-'", console.Screen);
        Assert.False(console.State.Rebalance.Confirming);
        Assert.Empty(console.Sent);
    }

    [Fact]
    public void Progress_PartialFill_EndsAsPartial()
    {
        using var store = TempStore.WithSample(Frames.Now, status: Sample.Trader);
        using var console = new ConsoleDriver(store.Path);
        console.Press("b", "-20", ConsoleKey.Enter, "y");
        var id = console.State.Rebalance.ControlId!.Value;

        OrderTicketTests.Daemon(store, id, "paper1-reb", w =>
        {
            w.RecordNow(new Bifrost.Store.Writer.StoreWrite.Order(new OrderRecord("oi_reb_1", $"paper1-reb{id}", "rebalance", Sample.StockId, TradeSide.Buy, 100, "MKT", null, "DAY", "Submitted", Frames.Now, Frames.Now)));
            w.UpdateOrder(new OrderProgress("oi_reb_1", "Cancelled", Frames.Now, Filled: 60, AvgPrice: 101.2));
        }, "run timeout: 40 unfilled");

        var screen = console.Screen;
        Assert.Contains("oi_reb_1 buy 60/100 XYZ Cancelled @ 101.20", screen);
        Assert.Contains("batch: partial — run timeout: 40 unfilled", screen);
    }

    // The daemon ends a rebalance `partial` when a contract was refused before it went out (no order row); the form read
    // the order rows alone — all filled — and said "batch: done" in green without the daemon's words.
    [Fact]
    public void Progress_OneContractRefusedBeforeItWentOut_EndsPartial_WithTheDaemonsWords()
    {
        using var store = TempStore.WithSample(Frames.Now, status: Sample.Trader);
        using var console = new ConsoleDriver(store.Path);
        console.Press("b", "-20", ConsoleKey.DownArrow, "8", ConsoleKey.Enter, "y");
        var id = console.State.Rebalance.ControlId!.Value;

        const string refusal = "market_data_error: XYZ 20260320 C 100 has no fresh quote (asked for again: try again)";
        OrderTicketTests.Daemon(store, id, "paper1-reb", w =>
        {
            w.RecordNow(new Bifrost.Store.Writer.StoreWrite.Order(new OrderRecord("oi_reb_1", $"paper1-reb{id}", "rebalance", Sample.StockId, TradeSide.Buy, 100, "MKT", null, "DAY", "Submitted", Frames.Now, Frames.Now)));
            w.UpdateOrder(new OrderProgress("oi_reb_1", "Filled", Frames.Now, Filled: 100, AvgPrice: 101.2));
        }, $"partial: oi_reb_1 buy 100/100 Filled; {refusal}");

        var screen = console.Screen;
        Assert.Contains("oi_reb_1 buy 100/100 XYZ Filled @ 101.20", screen);
        Assert.Contains($"batch: partial — partial: oi_reb_1 buy 100/100 Filled; {refusal}", screen);
    }
}
