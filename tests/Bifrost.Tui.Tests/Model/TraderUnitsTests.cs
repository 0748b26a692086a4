using Bifrost.Store.Records;
using Bifrost.Tui.Input;
using Bifrost.Tui.Model;
using Bifrost.Tui.Tests.Support;

namespace Bifrost.Tui.Tests.Model;

/// <summary>The dashboard in trader units, read back from a store written by the real StoreWriter.</summary>
public sealed class TraderUnitsTests
{
    [Fact]
    public void Greeks_ThetaPerDayAndVegaPerVolPoint()
    {
        using var store = TempStore.WithSample(Frames.Now, status: Sample.Trader);
        var d = Frames.Build(store.Path, new UiState()).Dashboard;

        Assert.Equal(new TraderGreeks(62, 4.1, 12.05, -10.0), d.Units);
    }

    [Fact]
    public void Positions_NamedBySymbol_FromTheConfigWhenTheDaemonWroteAConId()
    {
        using var store = TempStore.WithSample(Frames.Now, status: Sample.Trader);
        var d = Frames.Build(store.Path, new UiState()).Dashboard;

        Assert.Contains(d.Strategy, p => p.ContractId == Sample.PutId && p.Symbol == "XYZ 20260320 P 100");
        Assert.Equal("unknown contract (con id 777)", Assert.Single(d.External, p => p.ContractId == 777).Symbol);
        Assert.DoesNotContain(d.Strategy.Concat(d.External), p => p.Symbol.All(char.IsAsciiDigit));
    }

    [Fact]
    public void Attribution_PartsAddUpToTheRunPnl_NothingUnattributedWhenTheDaemonStoresEveryPart()
    {
        using var store = TempStore.WithSample(Frames.Now, status: Sample.Trader);
        var a = Frames.Build(store.Path, new UiState()).Dashboard.Attribution;

        Assert.Equal(120.50 - 40.10 - 6.30, a.Total, 9);
        Assert.Equal(a.Total, a.Parts.Sum(p => p.Value) + a.Unattributed, 9);
        Assert.Equal(0, a.Unattributed, 9);
        Assert.Equal(-6.30, a.Parts.Single(p => p.Label == "fees").Value, 9);
    }

    [Fact]
    public void Attribution_PartsTheStoreDoesNotHave_ShownAsUnattributed()
    {
        using var store = TempStore.WithSample(Frames.Now); // spread, opening and basis not written (0)
        var a = Frames.Build(store.Path, new UiState()).Dashboard.Attribution;

        Assert.Equal(74.10 - (1.00 + 80.20 - 35.00 + 10.10 - 0.50 - 6.30), a.Unattributed, 9);
        Assert.Equal(a.Total, a.Parts.Sum(p => p.Value) + a.Unattributed, 9);
    }

    [Fact]
    public void Account_NavAndValuesFromTheBrokersAccountSummary()
    {
        using var store = TempStore.WithSample(Frames.Now, status: Sample.Trader);
        var acct = Frames.Build(store.Path, new UiState()).Dashboard.Account;

        Assert.Equal(1_012_345.67, acct.Nav);
        Assert.Equal("DU1234567", acct.Account);
        Assert.Equal(["cash", "positions"], acct.Values.Select(v => v.Label));
        Assert.Null(acct.Note);
    }

    [Fact]
    public void Account_NotReported_SaysSo()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var acct = Frames.Build(store.Path, new UiState()).Dashboard.Account;

        Assert.Null(acct.Nav);
        Assert.Equal("not reported by the daemon", acct.Note);
    }

    [Fact]
    public void Dashboard_Rendered80x24_ShowsUnitsAttributionAndNav()
    {
        using var store = TempStore.WithSample(Frames.Now, status: Sample.Trader);
        var text = Frames.Text(Frames.Render(store.Path, new UiState()));

        Assert.Contains("-10.00 $/day", text);
        Assert.Contains("+12.05 $/vol pt", text);
        Assert.Contains("unattributed 0.00", text);
        Assert.Contains("NAV 1,012,345.67", text);
        Assert.Contains("XYZ 20260320 P 100", text);
    }

    [Fact]
    public void Config_CeilingAndContractsFromTheSummary()
    {
        var c = DaemonConfig.Parse(Sample.TraderSummary);
        Assert.Equal((500, 250_000.0, 0.05), (c.Control.MaxManualQuantity, c.Control.MaxManualNotional, c.Control.LimitPriceBand));
        Assert.Equal(["XYZ", "XYZ 20260320 C 100", "XYZ 20260320 P 100"], c.Contracts.Select(x => x.Description));
        Assert.False(c.IsLive);
        Assert.Same(DaemonConfig.Unknown, DaemonConfig.Parse("not json"));
    }

    // Rows the console reads may have been written by other means: a lone \uXXXX surrogate (valid JSON .NET cannot
    // read back) shows as unknown / raw text, never an exception that takes the console down.
    [Fact]
    public void TextWithALoneSurrogateEscape_ReadsAsUnknownOrRaw_NeverThrows()
    {
        Assert.Same(DaemonConfig.Unknown, DaemonConfig.Parse("""{"mode":"paper\ud800"}"""));
        Assert.Equal(ControlSettings.Defaults, ControlSettings.FromConfigJson("""{"control":{"after_flatten":"stop\ud800"}}"""));
        Assert.Equal("""{"contract":"XYZ\ud800"}""", ControlRequests.Compact("""{"contract":"XYZ\ud800"}"""));
    }
}
