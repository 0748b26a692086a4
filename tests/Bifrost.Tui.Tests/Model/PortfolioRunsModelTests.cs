using Bifrost.Tui.Model;

namespace Bifrost.Tui.Tests.Model;

public sealed class PortfolioRunsModelTests
{
    /// <summary>The status words the run machine writes (Bifrost.Domain RunMachine's RunStatus.name): the console has
    /// no reference to the domain, so they are listed here.</summary>
    [Theory]
    [InlineData("queued", "warn")]
    [InlineData("pre_trade", "warn")]
    [InlineData("running", "warn")]
    [InlineData("done", "good")]
    [InlineData("partial", "warn")]
    [InlineData("failed", "bad")]
    [InlineData("blocked", "bad")]
    public void Style_EveryStatusTheRunMachineWrites_IsStyled(string status, string style) =>
        // A slot cleared at pre-trade and waiting for its execution showed unstyled ("pre-trade" was matched).
        Assert.Equal(style, PortfolioRunsModel.Style(status));
}
