using Bifrost.Ib.Messages;
using Bifrost.Ib.Messages.Events;
using Bifrost.Ib.Tests.Support;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Tests.Messages;

/// <summary>Reference §14 items 11–17: every server fixture decodes with zero leftover and re-encodes to itself.</summary>
public class GoldenServerToClientTests
{
    public static TheoryData<string> Names() => new(Golden.ServerToClientNames());

    private static IIbServerMessage DecodeFixture(string name)
    {
        var m = IbEventDecoder.Decode(Golden.Payload(Golden.ServerToClient(name)));
        Assert.NotNull(m);
        return m;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Fixture_DecodesWithZeroLeftover_AndReencodesEquivalently(string name)
    {
        var golden = Golden.ServerToClient(name);
        var message = DecodeFixture(name); // Dispatch checks for leftover fields
        Golden.AssertEquivalent(golden, Codec.Fields(message, IbTextPolicy.ServerEscaped));
    }

    [Fact]
    public void OpenOrder_Fixture_YieldsOrderRefPermIdAndStatus()
    {
        var m = (IbOpenOrder)DecodeFixture("OPEN_ORDER");
        Assert.Equal(42, m.OrderId);
        Assert.Equal("strat1-abc", m.Order.OrderRef);
        Assert.Equal(1811111111L, m.Order.PermId);
        Assert.Equal("Submitted", m.State.Status);
        Assert.Equal(7, m.Order.ClientId);
        Assert.Equal("None", m.Order.DeltaNeutralOrderType);
        Assert.Equal("?", m.Order.DeltaNeutralOpenClose);
        Assert.Null(m.Order.DisplaySize); // MAX_INT = unset
        Assert.Equal("IB", m.Order.ClearingIntent);
        Assert.Equal(141, Codec.Fields(m, IbTextPolicy.ServerEscaped).Length);
    }

    [Fact]
    public void OpenOrder_WithoutDeltaNeutralBlock_133Fields_Decodes()
    {
        var golden = Golden.ServerToClient("OPEN_ORDER").ToList();
        golden[61] = "";
        golden.RemoveRange(63, 8);
        Assert.Equal(133, golden.Count);
        var m = (IbOpenOrder)IbEventDecoder.Decode(Golden.Payload([.. golden]))!;
        Assert.Equal("Submitted", m.State.Status);
        Golden.AssertEquivalent([.. golden], Codec.Fields(m, IbTextPolicy.ServerEscaped));
    }

    [Fact]
    public void TickOptionComputation_NotComputed_AllValuesNull()
    {
        var m = (IbTickOptionComputation)DecodeFixture("TICK_OPT_NOTCOMPUTED");
        Assert.All(new[] { m.ImpliedVol, m.Delta, m.OptPrice, m.PvDividend, m.Gamma, m.Vega, m.Theta, m.UndPrice },
            v => Assert.Null(v));
    }

    [Fact]
    public void TickOptionComputation_RealNegativeGreeks_AreKept()
    {
        var fields = Golden.ServerToClient("TICK_OPT");
        fields[5] = "-0.45";
        fields[10] = "-0.08";
        var m = (IbTickOptionComputation)IbEventDecoder.Decode(Golden.Payload(fields))!;
        Assert.Equal(-0.45, m.Delta);
        Assert.Equal(-0.08, m.Theta);
        Assert.Equal(0.1823, m.ImpliedVol);
        Assert.Equal(448.75, m.UndPrice);
    }

    [Fact]
    public void TickPrice_Fixture_DecodesPriceSizeAndMask()
    {
        var m = (IbTickPrice)DecodeFixture("TICK_PRICE_BID");
        Assert.Equal(new IbTickPrice(1001, 1, 1.20, 10m, 1), m);
        Assert.True(m.CanAutoExecute);
    }

    [Fact]
    public void ExecDetails_Fixture_DecodesExecution()
    {
        var m = (IbExecDetails)DecodeFixture("EXEC_DETAILS");
        Assert.Equal(-1, m.ReqId);
        Assert.Equal(42, m.Execution.OrderId);
        Assert.Equal("0000e0d5.67a1b2c3.01.01", m.Execution.ExecId);
        Assert.Equal("BOT", m.Execution.Side);
        Assert.Equal(2m, m.Execution.Shares);
        Assert.Equal("strat1-abc", m.Execution.OrderRef);
        Assert.Equal(2, m.Execution.LastLiquidity);
    }

    [Fact]
    public void CommissionReport_Fixture_MaxDoublesAreUnset()
    {
        var m = (IbCommissionReport)DecodeFixture("COMMISSION");
        Assert.Equal(1.3, m.Commission);
        Assert.Null(m.RealizedPnl);
        Assert.Null(m.Yield);
    }

    [Fact]
    public void Error_Farm_IsInformational_AndUnescapes()
    {
        var farm = (IbError)DecodeFixture("ERR_FARM");
        Assert.Equal((-1, 2104), (farm.Id, farm.Code));
        Assert.True(farm.IsInformational);
        var escaped = (IbError)IbEventDecoder.Decode(Golden.Payload(["4", "2", "42", "201", "Ordre refus\\u00e9", ""]))!;
        Assert.Equal("Ordre refusé", escaped.Message);
    }

    [Fact]
    public void ManagedAccounts_TrailingComma_IsDropped() =>
        Assert.Equal(new[] { "DU1", "DU2" }, new IbManagedAccounts("DU1,DU2,").Accounts);

    [Fact]
    public void ContractData_Fixture_DecodesDetails()
    {
        var m = (IbContractData)DecodeFixture("CONTRACT_DATA");
        Assert.Equal(495512563, m.Details.Contract.ConId);
        Assert.Equal(0.01, m.Details.MinTick);
        Assert.Equal("SPDR S&P 500 ETF TRUST", m.Details.LongName);
        Assert.Equal("32,109,109", m.Details.MarketRuleIds);
    }

    [Fact]
    public void Position_PermIdAndLargeOrderIds_Survive64Bit()
    {
        var status = new IbOrderStatus(42, "Filled", 2, 0, 1.25, 9_876_543_210L, 0, 1.25, 7, "", 0);
        var back = Codec.Decode<IbOrderStatus>(Codec.Encode(status, IbTextPolicy.ServerEscaped));
        Assert.Equal(9_876_543_210L, back.PermId);
    }

    [Fact]
    public void UnknownMessageId_IsNotDecoded() => Assert.Null(IbEventDecoder.Decode(Golden.Payload(["14", "1", "5", "1", "news", "NYSE"])));
}
