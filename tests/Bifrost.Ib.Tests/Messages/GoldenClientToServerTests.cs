using Bifrost.Ib.Messages;
using Bifrost.Ib.Messages.Model;
using Bifrost.Ib.Messages.Requests;
using Bifrost.Ib.Tests.Support;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Tests.Messages;

/// <summary>Reference §14 items 4 and 8: our encoders produce the golden field lists (after ∅/MAX/number normalisation).</summary>
public class GoldenClientToServerTests
{
    private static readonly IbContract SpyCall = IbContract.Option("SPY", "20250620", 450, "C", tradingClass: "SPY");
    private static readonly IbContract Aapl = IbContract.Stock("AAPL");

    /// <summary>What our client sends for each golden entry, built the way the daemon would.</summary>
    public static TheoryData<string> Names() => new(Golden.ClientToServerNames());

    private static IIbRequest Ours(string name) => name switch
    {
        "startApi" => new IbStartApi(7),
        "reqCurrentTime" => IbReqCurrentTime.Instance,
        "reqMarketDataType" => new IbReqMarketDataType(3),
        "reqMktData OPT" => new IbReqMktData(1001, SpyCall, "100,101,106"),
        "reqMktData STK snapshot" => new IbReqMktData(1002, Aapl, Snapshot: true),
        "cancelMktData" => new IbCancelMktData(1001),
        "reqContractDetails" => new IbReqContractDetails(2001, SpyCall),
        "placeOrder LMT OPT" => new IbPlaceOrder(42, SpyCall, IbOrder.Limit("BUY", 2, 1.25, "strat1-abc", "DU1234567")),
        "placeOrder MKT STK" => new IbPlaceOrder(43, Aapl, IbOrder.Market("SELL", 100)),
        "cancelOrder" => new IbCancelOrder(42),
        "reqOpenOrders" => IbReqOpenOrders.Instance,
        "reqAllOpenOrders" => IbReqAllOpenOrders.Instance,
        "reqAutoOpenOrders" => new IbReqAutoOpenOrders(true),
        "reqIds" => new IbReqIds(1),
        "reqPositions" => IbReqPositions.Instance,
        "cancelPositions" => IbCancelPositions.Instance,
        "reqAccountSummary" => new IbReqAccountSummary(9001, "All", "NetLiquidation,TotalCashValue,BuyingPower"),
        "cancelAccountSummary" => new IbCancelAccountSummary(9001),
        "reqExecutions" => new IbReqExecutions(3001, new IbExecutionFilter { ClientId = 7, Time = "20250101-00:00:00" }),
        "reqAccountUpdates" => new IbReqAccountUpdates(true, "DU1234567"),
        "reqGlobalCancel" => new IbReqGlobalCancel(),
        "reqManagedAccts" => IbReqManagedAccts.Instance,
        _ => throw new ArgumentException("no encoder mapped for golden entry " + name),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void Encoder_MatchesGoldenFieldList(string name) =>
        Golden.AssertEquivalent(Golden.ClientToServer(name), Codec.Fields(Ours(name), IbTextPolicy.ClientAscii));

    [Theory]
    [MemberData(nameof(Names))]
    public void GatewayDecoder_ReadsGoldenList_WithZeroLeftover_AndReencodesEquivalently(string name)
    {
        var golden = Golden.ClientToServer(name);
        var request = IbRequestDecoder.Decode(Golden.Payload(golden));
        Assert.IsNotType<IbUnknownRequest>(request);
        Golden.AssertEquivalent(golden, Codec.Fields(request, IbTextPolicy.ClientAscii));
    }

    [Fact]
    public void PlaceOrder_Lmt_MatchesGoldenFieldList()
    {
        var ours = Codec.Fields(Ours("placeOrder LMT OPT"), IbTextPolicy.ClientAscii);
        Assert.Equal(118, ours.Length);
        Golden.AssertEquivalent(Golden.ClientToServer("placeOrder LMT OPT"), ours);
        Assert.Equal("strat1-abc", ours[26]);
        Assert.Equal("1", ours[27]); // transmit must be 1
        Assert.Equal("1.25", ours[19]);
        Assert.Equal("-1", ours[45]); // exemptCode
    }

    [Fact]
    public void PlaceOrder_Mkt_MatchesGoldenFieldList()
    {
        var ours = Codec.Fields(Ours("placeOrder MKT STK"), IbTextPolicy.ClientAscii);
        Assert.Equal(118, ours.Length);
        Golden.AssertEquivalent(Golden.ClientToServer("placeOrder MKT STK"), ours);
        Assert.Equal("", ours[19]); // no limit price
    }

    [Fact]
    public void PlaceOrder_UnsetNumbers_AreSentEmpty_NotAsMaxLiterals()
    {
        var ours = Codec.Fields(Ours("placeOrder LMT OPT"), IbTextPolicy.ClientAscii);
        Assert.DoesNotContain(ours, f => f.StartsWith("1.797", StringComparison.Ordinal) || f == "2147483647");
    }

    [Fact]
    public void PlaceOrder_GoldenFromPython_DecodesOrderRefAndPrices()
    {
        var req = (IbPlaceOrder)IbRequestDecoder.Decode(Golden.Payload(Golden.ClientToServer("placeOrder LMT OPT")));
        Assert.Equal(42, req.OrderId);
        Assert.Equal("strat1-abc", req.Order.OrderRef);
        Assert.Equal(1.25, req.Order.LmtPrice);
        Assert.Equal(2m, req.Order.TotalQuantity);
        Assert.Null(req.Order.TriggerPrice); // Python's MAX_DBL literal reads as unset
        Assert.Null(req.Order.ManualOrderIndicator); // and so does MAX_INT
        Assert.Equal(450.0, req.Contract.Strike);
    }

    [Fact]
    public void StartApi_FrameBytes_MatchGolden()
    {
        var w = new IbFieldWriter().Begin();
        new IbStartApi(7).Encode(w);
        Assert.Equal(Golden.Hex("startApi_hex_clientId_7"), w.Frame.ToArray());
    }

    [Fact]
    public void ReqMktData_Bag_IsRefusedByEncoder() =>
        Assert.Throws<NotSupportedException>(() =>
            Codec.Encode(new IbReqMktData(1, new IbContract { SecType = "BAG" }), IbTextPolicy.ClientAscii));
}
