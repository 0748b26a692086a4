using Bifrost.Daemon.Broker;
using Bifrost.Domain;
using Bifrost.Ib.Messages.Model;

namespace Bifrost.Daemon.Tests.Broker;

/// <summary>What the broker says a configured contract id is, against the configuration's terms: every disagreement
/// named by its key, an expired leg the broker no longer describes accepted, anything else refused.</summary>
public class ContractVerificationTests
{
    private static readonly Timestamp Expiry = TimestampModule.ofUnixSeconds(1_774_036_800L); // 2026-03-20 20:00 UTC
    private static readonly Timestamp Before = TimestampModule.ofUnixSeconds(1_772_000_000L);
    private static readonly Timestamp After = TimestampModule.ofUnixSeconds(1_775_000_000L);

    private static OptionContract Call(int multiplier = 100) =>
        OptionContractModule.create(ContractIdModule.create(8).ResultValue, "XYZ", OptionRight.Call, 100.0, Expiry, multiplier).ResultValue;

    private static ContractVerification.Expected Leg(int multiplier = 100) => new("strategy.legs[0]", 8, "XYZ", Call(multiplier), 7);
    private static readonly ContractVerification.Expected Underlying = new("strategy.underlying", 7, "XYZ", null, 7);

    private static IbContractDetails Option(string right = "C", double strike = 100, string expiry = "20260320", string multiplier = "100", int under = 7, string symbol = "XYZ",
        string tradingClass = "XYZ", int conId = 8) =>
        new() { Contract = IbContract.Option(symbol, expiry, strike, right, tradingClass, multiplier) with { ConId = conId }, UnderConId = under };

    private static IbContractDetails Stock(string symbol = "XYZ", string currency = "USD") =>
        new() { Contract = IbContract.Stock(symbol, currency: currency) with { ConId = 7 } };

    [Fact]
    public void TheBrokersContract_AsConfigured_Passes()
    {
        Assert.Null(ContractVerification.Problem(Leg(), [Option()], Before));
        Assert.Null(ContractVerification.Problem(Leg(), [Option(right: "CALL", expiry: "20260320 16:00 US/Eastern")], Before));
        Assert.Null(ContractVerification.Problem(Underlying, [Stock()], Before));
    }

    [Theory]
    [InlineData("P", 100, "20260320", "XYZ", 7, "right differs")]
    [InlineData("C", 105, "20260320", "XYZ", 7, "strike differs")]
    [InlineData("C", 100, "20260619", "XYZ", 7, "expiry differs")]
    [InlineData("C", 100, "20260320", "ABC", 7, "symbol differs")]
    [InlineData("C", 100, "20260320", "XYZ", 9, "underlying (contract 9, not 7) differs")]
    [InlineData("P", 105, "20260320", "XYZ", 7, "right, strike differ")]
    public void AConIdOfAnotherContract_IsRefused_NamingTheConIdAndWhatDiffers(string right, double strike, string expiry, string symbol, int under, string what)
    {
        var problem = ContractVerification.Problem(Leg(), [Option(right, strike, expiry, under: under, symbol: symbol)], Before);
        Assert.NotNull(problem);
        Assert.StartsWith("strategy.legs[0].con_id: the broker's contract 8 is ", problem);
        Assert.Contains("not XYZ 20260320 C 100 (multiplier 100) as configured", problem);
        Assert.Contains($"({what})", problem);
    }

    [Fact]
    public void AMultiplierThatIsNotTheContracts_IsRefused_NamingTheMultiplier()
    {
        var problem = ContractVerification.Problem(Leg(multiplier: 10), [Option()], Before);
        Assert.Equal("strategy.legs[0].multiplier: the broker's contract 8 (XYZ 20260320 C 100 (multiplier 100)) has multiplier 100, the configuration 10: "
                     + "the leg's delta, P&L and limits would all be off by that ratio", problem);
        // A mini option (IB's multiplier 10) configured at the usual 100.
        Assert.StartsWith("strategy.legs[0].multiplier:", ContractVerification.Problem(Leg(), [Option(multiplier: "10")], Before));
    }

    [Fact]
    public void TheUnderlying_MustBeThatStock_InDollars()
    {
        Assert.Contains("(security type differs)", ContractVerification.Problem(Underlying, [Option()], Before));
        Assert.Contains("(symbol differs)", ContractVerification.Problem(Underlying, [Stock("ABC")], Before));
        Assert.Contains("(currency differs)", ContractVerification.Problem(Underlying, [Stock(currency: "EUR")], Before));
    }

    [Fact]
    public void AContractTheBrokerDoesNotKnow_IsRefused_UnlessItIsALegPastItsExpiry()
    {
        Assert.StartsWith("strategy.legs[0].con_id: the broker knows no contract 8", ContractVerification.Problem(Leg(), null, Before));
        Assert.StartsWith("strategy.underlying.con_id: the broker knows no contract 7", ContractVerification.Problem(Underlying, [], After));
        // IB no longer describes an expired option; its terms were checked at the starts before and are remembered.
        Assert.Null(ContractVerification.Problem(Leg(), null, After));
    }

    [Fact]
    public void TwoDescriptionsOfOneId_AreRefused() =>
        Assert.Contains("2 times", ContractVerification.Problem(Leg(), [Option(), Option()], Before));

    [Fact]
    public void ALegOfAnAdjustedSeries_IsRefused_NamingItsTradingClass()
    {
        // After a corporate action IB moves the old contracts to a new root (XYZ1): same symbol, terms and multiplier 100,
        // but a deliverable of what the action made of 100 shares. Hedged as 100 shares a contract, the delta is off by that.
        var problem = ContractVerification.Problem(Leg(), [Option(tradingClass: "XYZ1")], Before);
        Assert.NotNull(problem);
        Assert.StartsWith("strategy.legs[0].con_id: the broker's contract 8 (XYZ 20260320 C 100 (multiplier 100)) is of trading class XYZ1, not XYZ's standard series", problem);
        Assert.Contains("deliverable may not be 100 shares of XYZ", problem);
        // The standard series, a class written without the symbol's blank (BRK B's options are BRKB), or none told: taken.
        Assert.Null(ContractVerification.Problem(Leg(), [Option(tradingClass: "xyz")], Before));
        Assert.Null(ContractVerification.Problem(Leg(), [Option(tradingClass: "")], Before));
        var brk = OptionContractModule.create(ContractIdModule.create(8).ResultValue, "BRK B", OptionRight.Call, 100.0, Expiry, 100).ResultValue;
        Assert.Null(ContractVerification.Problem(new("strategy.legs[0]", 8, "BRK B", brk, 7), [Option(symbol: "BRK B", tradingClass: "BRKB")], Before));
    }

    [Fact]
    public void Candidates_NameEveryContractALookupFound_ForTheOperatorToPick()
    {
        var text = ContractVerification.Candidates([Option(), Option(tradingClass: "XYZ1", conId: 9), Option()]);
        Assert.Equal("8 (XYZ 20260320 C 100 (multiplier 100), trading class XYZ); 9 (XYZ 20260320 C 100 (multiplier 100), trading class XYZ1)", text);
    }
}
