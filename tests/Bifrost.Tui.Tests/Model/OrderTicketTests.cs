using System.Text.Json;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Tui.Cli;
using Bifrost.Tui.Input;
using Bifrost.Tui.Model;
using Bifrost.Tui.Tests.Support;

namespace Bifrost.Tui.Tests.Model;

/// <summary>The order ticket driven by keys against a real store: what it shows, what it refuses, the row it writes.</summary>
public sealed class OrderTicketTests
{
    private static TempStore Store(string? mode = null) => TempStore.WithSample(Frames.Now, status: s =>
    {
        var t = Sample.Trader(s);
        return mode is null ? t : t with { ConfigSummaryJson = t.ConfigSummaryJson.Replace("\"mode\":\"paper\"", $"\"mode\":\"{mode}\"") };
    });

    private static ControlCommand OnlyRow(TempStore store)
    {
        using var reader = StoreReader.Open(store.Path);
        return Assert.Single(reader.ListControlCommands());
    }

    [Fact]
    public void BuyMarket_ReviewShowsOrderNotionalAndCeiling_YWritesTheSameRowAsTheCli()
    {
        using var store = Store();
        using var console = new ConsoleDriver(store.Path);
        console.Press("o", ConsoleKey.DownArrow, ConsoleKey.DownArrow, "10", ConsoleKey.Enter);

        Assert.Equal(TicketStage.Confirming, console.State.Ticket.Stage);
        var review = console.Screen;
        Assert.Contains("CONFIRM ORDER — PAPER", review);
        Assert.Contains("BUY 10 XYZ MKT, the operator's own (external) position", review);
        Assert.Contains("notional ≈ 1,014.00 at the last mark", review);
        Assert.Contains("fat-finger ceiling per order: 500 qty, 250,000 notional", review);
        Assert.Empty(console.Sent);
        var frame = console.Rendered;
        Assert.Contains("CONFIRM ORDER — PAPER", frame);
        Assert.Contains("y: send it · n / Esc: back to the ticket, nothing sent", frame);
        Assert.All(frame.Split('\n'), l => Assert.DoesNotContain("…", l)); // wrapped, never cut

        console.Press("y");
        var sent = Assert.Single(console.Sent);
        var cli = ControlCommandLine.Request(Arguments.Parse(["order", "buy", "XYZ", "10"]));
        Assert.Equal(ControlRequests.ToRow(cli), ControlRequests.ToRow(sent));
        var row = OnlyRow(store);
        Assert.Equal((ControlCommandKind.ManualOrder, ControlRequests.ToRow(cli).ArgsJson), (row.Command, row.ArgumentsJson));
        Assert.Equal(row.Id, console.State.Ticket.ControlId);
        Assert.Contains($"SENT control #{row.Id}: BUY 10 XYZ MKT", console.Screen);
        Assert.Contains($"control #{row.Id} pending — waiting for the daemon to take it", console.Screen);
    }

    // At 50x14 the review's last rows (the account and mode, the y line) were below the body's edge, cut without a word,
    // and y sent the order. A review the terminal cannot show whole says it is cut, and y sends nothing from it.
    [Fact]
    public void Review_CutByASmallTerminal_SaysSo_YSendsNothing_UntilItIsShownWhole()
    {
        using var store = Store();
        using var console = new ConsoleDriver(store.Path) { Viewport = new Viewport(50, 14) };
        console.Press("o", ConsoleKey.DownArrow, ConsoleKey.DownArrow, "10", ConsoleKey.Enter);
        Assert.Equal(TicketStage.Confirming, console.State.Ticket.Stage);

        console.Press("y");
        Assert.Empty(console.Sent);
        using (var reader = StoreReader.Open(store.Path))
            Assert.Empty(reader.ListControlCommands());
        Assert.Equal(TicketStage.Confirming, console.State.Ticket.Stage);
        Assert.Equal("NOT sent: the review does not fit this terminal; enlarge it and read it all, or n / Esc", console.State.Message);
        var frame = console.Rendered.Split('\n');
        Assert.DoesNotContain(frame, l => l.Contains("y: send it"));
        Assert.Contains("CUT: too small to show all of it", frame[^2]);

        console.Viewport = Viewport.Standard;
        Assert.Contains("y: send it · n / Esc: back to the ticket, nothing sent", console.Rendered);
        console.Press("y");
        Assert.Equal("BUY 10 XYZ MKT, the operator's own (external) position", ControlRequests.Describe(Assert.Single(console.Sent)));
        Assert.Null(console.State.Message);
        Assert.Equal(ControlCommandKind.ManualOrder, OnlyRow(store).Command);
    }

    [Fact]
    public void SellLimitOnALeg_WithRiskBypass_ExplicitInTheReviewAndTheRow()
    {
        using var store = Store();
        using var console = new ConsoleDriver(store.Path);
        console.Press("8", ConsoleKey.RightArrow, ConsoleKey.DownArrow, " ", ConsoleKey.DownArrow, "2", ConsoleKey.DownArrow, " ",
            ConsoleKey.DownArrow, "3.4", ConsoleKey.DownArrow, " ", ConsoleKey.DownArrow, " ", ConsoleKey.Enter);

        var review = console.Screen;
        Assert.Contains("SELL 2 XYZ 20260320 C 100 LMT 3.40, adjusts the strategy's holdings, RISK BYPASS", review);
        Assert.Contains("notional ≈ 680.00 at the limit", review); // 2 × 3.40 × 100
        Assert.Contains("risk limits: BYPASSED for this order", review);
        console.Press("y");
        var args = JsonDocument.Parse(OnlyRow(store).ArgumentsJson).RootElement;
        Assert.Equal(("XYZ 20260320 C 100", "sell", 2, "lmt", 3.4, true, true),
            (args.GetProperty("contract").GetString(), args.GetProperty("side").GetString(), args.GetProperty("quantity").GetInt32(),
             args.GetProperty("type").GetString(), args.GetProperty("limit").GetDouble(), args.GetProperty("risk_bypass").GetBoolean(),
             args.GetProperty("adjusts_strategy").GetBoolean()));
    }

    [Fact]
    public void AboveTheFatFingerCeiling_RefusedOnTheTicket_NothingWritten()
    {
        using var store = Store();
        using var console = new ConsoleDriver(store.Path);
        console.Press("o", ConsoleKey.DownArrow, ConsoleKey.DownArrow, "600", ConsoleKey.Enter);

        Assert.Equal(TicketStage.Editing, console.State.Ticket.Stage);
        Assert.Contains("quantity 600 is above the fat-finger ceiling control.max_manual_quantity 500; nothing sent", console.Screen);
        console.Press(ConsoleKey.Backspace, ConsoleKey.Backspace, ConsoleKey.Backspace, "2500", ConsoleKey.DownArrow, " ", ConsoleKey.DownArrow, "101", ConsoleKey.Enter);
        Assert.Equal(TicketStage.Editing, console.State.Ticket.Stage); // 2,500 × 101 = 252,500 > 250,000
        Assert.Contains("above the fat-finger ceiling control.max_manual_quantity", console.Screen); // 2,500 > 500 first
        Assert.Empty(console.Sent);
    }

    // The ticket kept the picked contract as an index into the daemon's configured contracts and resolved it again at y:
    // a daemon restarted with its legs in another order while the operator read "BUY 5 XYZ 20260320 C 100" sent the put.
    [Fact]
    public void ContractsChangeWhileReviewing_YSendsNothing_AndAsksForANewReview()
    {
        using var store = Store();
        using var console = new ConsoleDriver(store.Path);
        console.Press("o", ConsoleKey.RightArrow, ConsoleKey.DownArrow, ConsoleKey.DownArrow, "5", ConsoleKey.Enter);
        Assert.Contains("BUY 5 XYZ 20260320 C 100 MKT", console.Screen);

        store.Write(w => w.SetStatus(Sample.Trader(Sample.Status(Frames.Now)) with
        {
            ConfigSummaryJson = """
                {"mode":"paper","account":"DU1234567","underlying":"XYZ","underlying_con_id":1001,
                 "legs":[{"con_id":2002,"right":"P","strike":100,"expiry":"20260320","multiplier":100,"quantity":10},
                         {"con_id":2001,"contract":"XYZ 20260320 C 100","right":"C","strike":100,"expiry":"20260320","multiplier":100,"quantity":10}],
                 "control":{"max_manual_quantity":500,"max_manual_notional":250000,"limit_price_band":0.05}}
                """,
        }));
        using (var reader = StoreReader.Open(store.Path))
            Assert.Equal("XYZ 20260320 P 100", FormContext.From(reader.GetStatus()).Config.Contracts[1].Description);

        console.Press("y");
        Assert.Empty(console.Sent);
        Assert.Equal(TicketStage.Editing, console.State.Ticket.Stage);
        Assert.Contains("changed while you reviewed it", console.Screen);
    }

    // The ticket's quantity field takes commas for thousands; "1,5" (one and a half, a decimal comma) reviewed as BUY 15.
    [Fact]
    public void QuantityWithADecimalComma_RefusedOnTheTicket_NothingReviewedOrSent()
    {
        using var store = Store();
        using var console = new ConsoleDriver(store.Path);
        console.Press("o", ConsoleKey.DownArrow, ConsoleKey.DownArrow, "1,5", ConsoleKey.Enter);

        Assert.Equal(TicketStage.Editing, console.State.Ticket.Stage);
        Assert.Contains("quantity: expected a whole number, got '1,5' (a comma only between thousands: 1,000)", console.Screen);
        console.Press("y");
        Assert.Empty(console.Sent);
    }

    [Fact]
    public void Live_YAsksForTheAccountId_AWrongOneSendsNothing_TheRightOneSends()
    {
        using var store = Store("live");
        using var console = new ConsoleDriver(store.Path);
        console.Press("o", ConsoleKey.DownArrow, ConsoleKey.DownArrow, "5", ConsoleKey.Enter);
        Assert.Contains("CONFIRM ORDER — LIVE ACCOUNT", console.Screen);

        console.Press("y");
        Assert.Equal(TicketStage.TypingAccount, console.State.Ticket.Stage);
        Assert.Contains("LIVE: type the account id", console.Screen);
        console.Press("DU7654321", ConsoleKey.Enter);
        Assert.Empty(console.Sent);
        Assert.Contains("the account id typed does not match the daemon's; nothing sent", console.Screen);

        console.Press(ConsoleKey.Enter, "y", "du1234567", ConsoleKey.Enter);
        Assert.Single(console.Sent);
        Assert.Equal(ControlCommandKind.ManualOrder, OnlyRow(store).Command);
    }

    [Fact]
    public void TypedSymbol_BadQuantityNamed_EscLeavesAndKeepsTheTicket()
    {
        using var store = Store();
        using var console = new ConsoleDriver(store.Path);
        console.Press("o", ConsoleKey.LeftArrow, "abc", ConsoleKey.DownArrow, ConsoleKey.DownArrow, ConsoleKey.Enter);
        Assert.Contains("quantity: must be from 1 to 10,000,000, got 0", console.Screen);

        console.Press("7", ConsoleKey.Enter);
        Assert.Contains("BUY 7 ABC MKT", console.Screen);
        Assert.Contains("notional: unknown here", console.Screen);
        console.Press(ConsoleKey.Escape, ConsoleKey.Escape);
        Assert.Equal(Screen.Dashboard, console.State.Screen);
        Assert.Equal("ABC", console.State.Ticket.Typed);
        Assert.Empty(console.Sent);
    }

    [Fact]
    public void Progress_FollowsTheRunToItsFills_AndTheBatchStatus()
    {
        using var store = Store();
        using var console = new ConsoleDriver(store.Path);
        console.Press("o", ConsoleKey.DownArrow, ConsoleKey.DownArrow, "10", ConsoleKey.Enter, "y");
        var id = console.State.Ticket.ControlId!.Value;

        // The daemon's side, through the real store API: it claims the control, starts a run, its order fills.
        Daemon(store, id, "paper1-man", w =>
        {
            w.RecordNow(new Bifrost.Store.Writer.StoreWrite.Order(new OrderRecord("oi_man_1", $"paper1-man{id}", "manual", Sample.StockId, TradeSide.Buy, 10, "MKT", null, "DAY", "Submitted", Frames.Now, Frames.Now)));
            w.UpdateOrder(new OrderProgress("oi_man_1", "Filled", Frames.Now, Filled: 10, AvgPrice: 101.41));
        }, "batch done");

        var screen = console.Screen;
        Assert.Contains($"control #{id} done · run paper1-man{id} — batch done", screen);
        Assert.Contains("oi_man_1 buy 10/10 XYZ Filled @ 101.41", screen);
        Assert.Contains("batch: done", screen);
    }

    /// <summary>What the daemon does with a control, by hand: claim it, record the run's control operation (how the
    /// store links a control to its run) and what <paramref name="write"/> adds, complete it.</summary>
    internal static void Daemon(TempStore store, long id, string runPrefix, Action<Bifrost.Store.Writer.StoreWriter> write, string result)
    {
        using var queue = Bifrost.Store.Control.ControlQueue.Open(store.Path);
        var claimed = queue.TryClaimNext();
        Assert.Equal(id, claimed?.Id);
        store.Write(w =>
        {
            w.Record(new OperationRecord(Frames.Now, OperationKind.Control, $"{runPrefix}{id}", Detail: $"control #{id}"));
            write(w);
        });
        queue.Complete(id, Bifrost.Store.Control.ControlOutcome.Done, result);
    }
}
