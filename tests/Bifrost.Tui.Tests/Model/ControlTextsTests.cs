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
            "Flatten: cancel the strategy's working orders (1 working) and close the strategy-owned hedge of -120 shares to 0. "
            + "External/manual positions (+50 shares) are not touched. Then pause.", text);
    }

    [Fact]
    public void Flatten_ToTheBookDeltaThenStop_PerTheDaemonsConfig()
    {
        var settings = ControlSettings.FromConfigJson("""{"control":{"after_flatten":"stop","flatten_target":"book_delta"}}""");
        var text = ControlTexts.Confirmation(ControlCommandKind.Flatten, Context(settings, working: null)).Text;
        Assert.Equal(
            "Flatten: cancel the strategy's working orders and close the strategy-owned hedge of -120 shares to the option book's delta (target 0). "
            + "External/manual positions (+50 shares) are not touched. Then stop.", text);
    }

    [Theory]
    [InlineData(true, "Stop: the daemon places no new orders from now, will cancel the strategy's working orders (1 working), write its final status and exit. Positions are not closed (strategy hedge -120 shares, external +50 shares).")]
    [InlineData(false, "Stop: the daemon places no new orders from now, will leave working orders (1 working) in place (control.cancel_on_stop is false), write its final status and exit. Positions are not closed (strategy hedge -120 shares, external +50 shares).")]
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
}
