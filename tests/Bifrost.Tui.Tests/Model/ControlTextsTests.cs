using Bifrost.Store.Records;
using Bifrost.Tui.Input;
using Bifrost.Tui.Model;
using Bifrost.Tui.Tests.Support;

namespace Bifrost.Tui.Tests.Model;

public sealed class ControlTextsTests
{
    private static ControlContext Context(ControlSettings? settings = null, int? working = 1, bool silent = false) =>
        new("Hedging", -120, 50, working, settings ?? ControlSettings.Defaults, Gauges.Band(new HedgeBand(-100, 100, 0), 62), silent);

    [Fact]
    public void Flatten_StatesTheStrategyHedgeTheUntouchedExternalAndWhatFollows()
    {
        var text = ControlTexts.Confirmation(ControlCommandKind.Flatten, Context()).Text;
        Assert.Equal(
            "Flatten: cancel the strategy-owned working orders (hedge, rebalance, strategy-adjusting manual) (1 working), "
            + "then close the strategy-owned hedge of -120 shares to 0 with market orders "
            + "(outside the session's hours none is sent: the flatten is refused and the engine pauses). "
            + "The operator's own manual orders keep working and external/manual positions (+50 shares) are not touched. Then pause.", text);
    }

    [Fact]
    public void Flatten_ToTheBookDeltaThenStop_PerTheDaemonsConfig()
    {
        var settings = ControlSettings.FromConfigJson("""{"control":{"after_flatten":"stop","flatten_target":"book_delta"}}""");
        var text = ControlTexts.Confirmation(ControlCommandKind.Flatten, Context(settings, working: null)).Text;
        Assert.Equal(
            "Flatten: cancel the strategy-owned working orders (hedge, rebalance, strategy-adjusting manual), "
            + "then close the strategy-owned hedge of -120 shares to the option book's delta (target 0) with market orders "
            + "(outside the session's hours none is sent: the flatten is refused and the engine pauses). "
            + "The operator's own manual orders keep working and external/manual positions (+50 shares) are not touched. Then stop.", text);
    }

    [Theory]
    [InlineData(true, "Stop: the daemon places no new orders from now, will cancel every working order (1 working), the operator's manual orders included, write its final status and exit. Positions are not closed (strategy hedge -120 shares, external +50 shares).")]
    [InlineData(false, "Stop: the daemon places no new orders from now, will leave every working order (1 working) in place, manual ones included (control.cancel_on_stop is false), write its final status and exit. Positions are not closed (strategy hedge -120 shares, external +50 shares).")]
    public void Stop_SaysWhetherWorkingOrdersAreCancelled(bool cancelOnStop, string expected)
    {
        var text = ControlTexts.Confirmation(ControlCommandKind.Stop, Context(ControlSettings.Defaults with { CancelOnStop = cancelOnStop })).Text;
        Assert.Equal(expected, text);
    }

    [Fact]
    public void PauseResume_AndSilentDaemonNote()
    {
        Assert.StartsWith("Pause: the daemon sends no new hedges until resumed.", ControlTexts.Confirmation(ControlCommandKind.Pause, Context()).Text);
        Assert.Equal("Resume: hedging restarts from the current state (now Hedging). Net delta is +62 against the band [-100, +100].",
            ControlTexts.Confirmation(ControlCommandKind.Resume, Context()).Text);
        Assert.EndsWith("the command waits in the queue until a daemon takes it.", ControlTexts.Confirmation(ControlCommandKind.Pause, Context(silent: true)).Text);
    }

    // With the daemon silent, Flatten's confirmation said "the command waits in the queue until a daemon takes it": a
    // flatten (as a resume) that waits longer than daemon.control_max_age_seconds is refused as expired when the daemon
    // comes back — the operator who walked away trusting the queue found the hedge still open.
    [Theory]
    [InlineData(ControlCommandKind.Flatten)]
    [InlineData(ControlCommandKind.Resume)]
    public void DaemonSilent_AFlattenOrResume_SaysItExpires_NotThatItWaits(ControlCommandKind kind)
    {
        var text = ControlTexts.Confirmation(kind, Context(silent: true)).Text;
        Assert.EndsWith("Note: the daemon looks silent; this command expires unless a daemon takes it within daemon.control_max_age_seconds "
            + "(60 s by default): nothing is done then, send it again once the daemon answers.", text);
        Assert.DoesNotContain("waits in the queue", text);
    }

    [Theory]
    [InlineData(null, true, "pause", "zero")]
    [InlineData("not json", true, "pause", "zero")]
    [InlineData("""{"cancel_on_stop":false,"after_flatten":"stop"}""", false, "stop", "zero")]
    public void ControlSettings_FromTheStatusConfigSummary_DefaultsAsTheDaemonsConfig(string? json, bool cancel, string after, string target)
    {
        Assert.Equal(new ControlSettings(cancel, after, target), ControlSettings.FromConfigJson(json));
    }

    [Fact]
    public void ConfirmationInTheViewModel_UsesTheStorePositionsAndWorkingOrders()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var pending = Frames.Build(store.Path, new UiState { Confirm = ControlCommandKind.Flatten }).Controls.Pending!;
        Assert.Equal("Flatten strategy exposure", pending.Title);
        Assert.Contains("(1 working)", pending.Text); // oi_paper1_2 is still Submitted
        Assert.Contains("hedge of -120 shares to 0", pending.Text);
        Assert.Contains("(+50 shares) are not touched", pending.Text);
    }

    // The daemon's run (paper1) and its child runs: a manual order and a rebalance order still working, a manual order
    // done; an order of another daemon's run (paper10-…) that merely shares the prefix.
    private static TempStore StoreWithChildRunOrders() => TempStore.WithSample(Frames.Now, (_, w) =>
    {
        foreach (var (run, purpose, status) in new[]
                 {
                     ("paper1-man5", "manual", "Submitted"), ("paper1-reb6", "rebalance", "PreSubmitted"),
                     ("paper1-man7", "manual", "Filled"), ("paper10-man1", "manual", "Submitted"),
                 })
        {
            w.StartRun(new RunRecord(run, RunKind.Manual, Frames.Now, "{}", run.StartsWith("paper1-", StringComparison.Ordinal) ? Sample.RunId : null));
            w.UpsertOrder(new OrderRecord($"oi_{run}_1", run, purpose, Sample.StockId, TradeSide.Buy, 1, "LMT", 95, "DAY", status,
                Frames.Now, Frames.Now));
        }
    });

    [Fact]
    public void StopConfirmation_WithAManualOrderWorking_SaysItCancelsIt_AndCountsIt()
    {
        using var store = StoreWithChildRunOrders();
        var pending = Frames.Build(store.Path, new UiState { Confirm = ControlCommandKind.Stop }).Controls.Pending!;
        // oi_paper1_2 (hedge) + paper1-man5 (manual) + paper1-reb6 (rebalance); not the filled one, not paper10's.
        Assert.Contains("will cancel every working order (3 working), the operator's manual orders included (1 of them manual)", pending.Text);
        Assert.DoesNotContain("strategy's working orders", pending.Text);
    }

    [Fact]
    public void FlattenConfirmation_WithAManualOrderWorking_CountsOnlyTheStrategysOrders_AndSaysTheManualOneKeepsWorking()
    {
        using var store = StoreWithChildRunOrders();
        var pending = Frames.Build(store.Path, new UiState { Confirm = ControlCommandKind.Flatten }).Controls.Pending!;
        Assert.Contains("cancel the strategy-owned working orders (hedge, rebalance, strategy-adjusting manual) (2 working)", pending.Text);
        Assert.Contains("The operator's own manual orders (1 working) keep working", pending.Text);
    }
}
