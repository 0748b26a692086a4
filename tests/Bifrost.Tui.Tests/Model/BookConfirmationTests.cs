using System.Text.Json;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Tui.Cli;
using Bifrost.Tui.Input;
using Bifrost.Tui.Model;
using Bifrost.Tui.Tests.Support;

namespace Bifrost.Tui.Tests.Model;

/// <summary>The book confirmation (confirm_book) after a BOOK_MISMATCH halt, from the console and the command line.</summary>
public sealed class BookConfirmationTests
{
    private static StatusSnapshot Halted(StatusSnapshot s) => Sample.Trader(s) with
    {
        Health = Health.Blocked,
        BlockReasons = [FormContext.BookMismatchCode],
    };

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = CliMain.Run(args, stdout, stderr, () => Frames.Now);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Console_ControlsShowTheMismatch_TheFormStatesEveryLeg_YWritesTheCliRow()
    {
        using var store = TempStore.WithSample(Frames.Now, status: Halted);
        using var console = new ConsoleDriver(store.Path);
        console.Press("4");
        Assert.Contains("BOOK_MISMATCH: the daemon halted", console.Rendered);

        console.Press("m", "10", ConsoleKey.Enter);
        Assert.Contains("state every leg (0 for a leg the strategy does not own)", console.Screen);
        Assert.Contains("XYZ 20260320 P 100              +10        -  broker +10", console.Screen);
        console.Press(ConsoleKey.DownArrow, "-2", ConsoleKey.Enter);
        Assert.Contains("CONFIRM THE STRATEGY-OWNED BOOK (nothing is traded)", console.Screen);
        Assert.Contains("XYZ 20260320 P 100     now      +10 →       -2: the strategy's book changes by -12", console.Screen);
        console.Press("y");

        var cli = ControlCommandLine.Request(Arguments.Parse(["confirm-book", "--leg", "XYZ 20260320 C 100=10", "--leg", "XYZ 20260320 P 100=-2"]));
        Assert.Equal(ControlRequests.ToRow(cli), ControlRequests.ToRow(Assert.Single(console.Sent)));
        using var reader = StoreReader.Open(store.Path);
        var row = Assert.Single(reader.ListControlCommands());
        Assert.Equal(ControlCommandKind.ConfirmBook, row.Command);
        Assert.Equal("""{"legs":[{"contract":"XYZ 20260320 C 100","quantity":10},{"contract":"XYZ 20260320 P 100","quantity":-2}]}""", row.ArgumentsJson);
    }

    [Fact]
    public void Console_AfterAnOrderOutcomeUnknownHalt_TheFormBooksTheUnderlyingToo()
    {
        // A hedge that filled while the daemon was down: the sync halted; the operator books the shares (no trade).
        using var store = TempStore.WithSample(Frames.Now, status: s => Sample.Trader(s) with
        {
            Health = Health.Blocked,
            FsmState = "Halted(RECONCILE_FAILED: oi_t1_1 (hedge SELL 73) is no longer open)",
            BlockReasons = [FormContext.ReconcileFailedCode],
        });
        using var console = new ConsoleDriver(store.Path);
        console.Press("4");
        Assert.Contains("reconciliation halt: if an order filled unseen", console.Rendered);
        console.Press("m", "10", ConsoleKey.DownArrow, "10", ConsoleKey.DownArrow, "-73", ConsoleKey.Enter);
        Assert.Contains("CONFIRM THE STRATEGY-OWNED BOOK (nothing is traded)", console.Screen);
        console.Press("y");
        var cli = ControlCommandLine.Request(Arguments.Parse(["confirm-book", "--leg", "XYZ 20260320 C 100=10", "--leg", "XYZ 20260320 P 100=10", "--leg", "XYZ=-73"]));
        Assert.Equal(ControlRequests.ToRow(cli), ControlRequests.ToRow(Assert.Single(console.Sent)));
    }

    [Fact]
    public void Console_AfterAPortfolioRunsOrderFilledUnseen_TheFormBooksTheStock_AsTheCliDoes()
    {
        // A run's buy of 200 AAA filled while the daemon was down and IB forgot the execution: the halt asks to confirm
        // AAA=200, or the next run buys it again. The form offered only the legs and the underlying (CLI only).
        using var store = TempStore.WithSample(Frames.Now, status: s => Sample.Trader(s) with
        {
            Health = Health.Blocked,
            FsmState = "Halted(RECONCILE_FAILED: oi_p0123 (portfolio BUY 200 AAA) is no longer open …)",
            BlockReasons = [FormContext.ReconcileFailedCode],
            ConfigSummaryJson = Sample.TraderSummary.Replace("\"legs\":", "\"portfolio\":[{\"symbol\":\"AAA\",\"con_id\":3001}],\"legs\":"),
            Positions = [.. Sample.Trader(s).Positions, new PositionEntry(3001, "3001", "STK", 200, 50.0, PositionOwner.External)],
        });
        using var console = new ConsoleDriver(store.Path);
        console.Press("4", "m");
        Assert.Contains("AAA                               0        -  broker +200", console.Screen);
        console.Press("10", ConsoleKey.DownArrow, "10", ConsoleKey.DownArrow, ConsoleKey.DownArrow, "200", ConsoleKey.Enter);
        Assert.Contains("AAA                    now        0 →      200: the strategy's book changes by +200", console.Screen);
        console.Press("y");
        var cli = ControlCommandLine.Request(Arguments.Parse(["confirm-book", "--leg", "XYZ 20260320 C 100=10", "--leg", "XYZ 20260320 P 100=10", "--leg", "AAA=200"]));
        Assert.Equal(ControlRequests.ToRow(cli), ControlRequests.ToRow(Assert.Single(console.Sent)));
        // A stock no longer held is named by its symbol, not its con id.
        Assert.Equal("AAA", Symbols.Of(3001, "", DaemonConfig.Parse(StoreReader.Open(store.Path).GetStatus()!.ConfigSummaryJson)));
    }

    [Fact]
    public void Console_AfterALegUnconfiguredHalt_SaysToPutTheLegBack_NotToConfirmTheBook()
    {
        // A confirm book there syncs again and halts again: the way out is the configuration.
        using var store = TempStore.WithSample(Frames.Now, status: s => Sample.Trader(s) with
        {
            Health = Health.Blocked,
            FsmState = FormContext.UnlistedLegHaltState + " (a leg's delta would go unhedged, a stock's risk unseen): XYZ 20260320 P 100 (2003): the strategy holds 10. Put them back …)",
            BlockReasons = [FormContext.ReconcileFailedCode],
        });
        using var console = new ConsoleDriver(store.Path);
        console.Press("4");
        Assert.Contains("LEG_UNCONFIGURED: put the leg back in strategy.legs, restart", console.Rendered);
        Assert.DoesNotContain("if an order filled unseen", console.Rendered);
    }

    [Fact]
    public void Console_AfterALegQuantityChangedHalt_SaysBothWaysOut_NotAnUnseenFill()
    {
        // The strategy holds 10 puts, the configuration says 15: confirm 15, or set the configuration back.
        using var store = TempStore.WithSample(Frames.Now, status: s => Sample.Trader(s) with
        {
            Health = Health.Blocked,
            FsmState = FormContext.QuantityChangedHaltState + " (it is adopted at the leg's first sync only; …): XYZ 20260320 P 100: strategy.legs quantity 15, 10 when the strategy last took it; …)",
            BlockReasons = [FormContext.ReconcileFailedCode],
        });
        using var console = new ConsoleDriver(store.Path);
        console.Press("4");
        Assert.Contains("LEG_QUANTITY_CHANGED: confirm the new quantity, or restore it", console.Rendered);
        Assert.DoesNotContain("if an order filled unseen", console.Rendered);
    }

    [Fact]
    public void Cli_ConfirmBook_ByContractOrConId_PrintsTheControl()
    {
        using var store = TempStore.WithSample(Frames.Now, status: Halted);
        var (code, output, _) = Cli("confirm-book", "--leg", "XYZ 20260320 C 100=10", "--leg", "2002=0", "--store", store.Path, "--timeout", "1");
        Assert.Equal(0, code);
        Assert.Contains("confirm_book — confirm the strategy-owned option book as XYZ 20260320 C 100 = 10, con 2002 = 0", output);
        using var reader = StoreReader.Open(store.Path);
        var legs = JsonDocument.Parse(Assert.Single(reader.ListControlCommands()).ArgumentsJson).RootElement.GetProperty("legs");
        Assert.Equal("XYZ 20260320 C 100", legs[0].GetProperty("contract").GetString());
        Assert.Equal(2002, legs[1].GetProperty("con_id").GetInt64());
        Assert.Equal(0, legs[1].GetProperty("quantity").GetInt32());
    }

    [Theory]
    [InlineData("confirm-book")]
    [InlineData("confirm-book", "--leg", "XYZ")]
    [InlineData("confirm-book", "--leg", "XYZ=1.5")]
    public void Cli_ConfirmBook_BadLegs_Exit2_NothingWritten(params string[] args)
    {
        using var store = TempStore.WithSample(Frames.Now, status: Halted);
        var (code, _, err) = Cli([.. args, "--store", store.Path]);
        Assert.Equal(2, code);
        Assert.Contains(args.Length == 1 ? "confirm-book needs at least one --leg" : "--leg", err);
        using var reader = StoreReader.Open(store.Path);
        Assert.Empty(reader.ListControlCommands());
    }
}
