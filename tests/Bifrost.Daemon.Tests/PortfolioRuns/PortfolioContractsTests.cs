using Bifrost.Daemon.Broker;
using Bifrost.Daemon.PortfolioRuns;
using Bifrost.Domain;
using Bifrost.Ib.Messages.Model;

namespace Bifrost.Daemon.Tests.PortfolioRuns;

/// <summary>One owner per contract when the universe resolves: a symbol on the scalper's contract, or on a contract
/// another symbol already resolved to, refuses the start naming both.</summary>
public sealed class PortfolioContractsTests
{
    private static readonly ContractTable Scalper = new([new ContractInfo(1001, IbContract.Stock("XYZ") with { ConId = 1001 }, "XYZ", "STK", 1, "XYZ")]);

    private static List<Tuple<string, ContractId>> Resolved(params (string Symbol, int Id)[] ids) =>
        [.. ids.Select(r => Tuple.Create(r.Symbol, ContractIdModule.create(r.Id).ResultValue))];

    [Fact]
    public void TwoSymbols_ResolvingToOneContract_AreRefused_NamingBoth()
    {
        var conflict = PortfolioContracts.OwnerConflict("portfolio.universe[1] (BRKB)", 2002, Scalper, Resolved(("BRK", 2002)));
        Assert.Equal("portfolio.universe[1] (BRKB): contract 2002 is also portfolio symbol BRK (one contract per symbol: list it once)", conflict);
    }

    [Fact]
    public void Symbol_OnTheScalpersContract_IsRefused()
    {
        var conflict = PortfolioContracts.OwnerConflict("portfolio.universe[0] (XYZ)", 1001, Scalper, Resolved());
        Assert.Contains("belongs to the gamma scalper", conflict);
    }

    [Fact]
    public void DistinctContracts_AreTaken()
    {
        Assert.Null(PortfolioContracts.OwnerConflict("portfolio.universe[1] (ABC)", 2003, Scalper, Resolved(("BRK", 2002))));
    }
}
