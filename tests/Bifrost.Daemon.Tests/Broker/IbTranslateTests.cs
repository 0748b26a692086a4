using Bifrost.Daemon.Broker;
using Bifrost.Daemon.Configuration;
using Bifrost.Daemon.Tests.EndToEnd;
using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Bifrost.Ib.Messages.Events;
using Bifrost.Ib.Messages.Model;

namespace Bifrost.Daemon.Tests.Broker;

public class IbTranslateTests
{
    private static readonly IbContract Stock = IbContract.Stock("XYZ") with { ConId = 7 };
    private static readonly IbContract Call = IbContract.Option("XYZ", "20260320", 100, "C") with { ConId = 8 };

    [Theory]
    [InlineData("PreSubmitted", 0, 100, "Acknowledged")]
    [InlineData("Submitted", 0, 100, "Acknowledged")]
    [InlineData("Submitted", 40, 60, "PartFilled")]
    [InlineData("Filled", 100, 0, "FullyFilled")]
    [InlineData("Cancelled", 0, 100, "CancelConfirmed")]
    [InlineData("ApiCancelled", 0, 100, "CancelConfirmed")]
    [InlineData("Inactive", 0, 100, "MadeInactive")]
    public void StatusText_MapsToOrderUpdate(string status, int filled, int remaining, string expected) =>
        Assert.Equal(expected, IbTranslate.Update(status, filled, remaining)!.ToString());

    [Theory]
    [InlineData("PendingSubmit")]
    [InlineData("ApiPending")]
    [InlineData("PendingCancel")]
    [InlineData("Weird")]
    public void StatusText_WithoutATransition_IsNothing(string status) => Assert.Null(IbTranslate.Update(status, 0, 100));

    [Fact]
    public void OrderStatus_OfAnotherClientId_IsIgnored_BecauseOrderIdsArePerClient()
    {
        var m = new IbOrderStatus(5, "Filled", 100, 0, 100.1, 3_000_000_001L, 0, 100.1, ClientId: 99, "", 0);
        Assert.Null(IbTranslate.OrderStatus(m, ourClientId: 17));
        var ours = IbTranslate.OrderStatus(m with { ClientId = 17 }, 17)!;
        Assert.Equal(5, ours.IbOrderId);
        Assert.Equal(3_000_000_001L, ours.PermId); // permIds above 2^31 stay 64-bit
        Assert.Equal(100, ours.Filled);
        Assert.True(ours.Status.IsFullyFilled);
    }

    [Fact]
    public void OrderStatus_OfClient0_TheOperatorsTwsOrderWithOurOrderId_IsIgnored()
    {
        // Red team r1: the operator's TWS order id 1 cancelled marked our hedge id 1 Cancelled, and a second hedge went out.
        var m = new IbOrderStatus(1, "Cancelled", 0, 100, 0, 9_000_000_001L, 0, 0, ClientId: 0, "", 0);
        Assert.Null(IbTranslate.OrderStatus(m, ourClientId: 17));
        Assert.NotNull(IbTranslate.OrderStatus(m, ourClientId: 0)); // a daemon that is client 0 itself
    }

    [Fact]
    public void OrderStatus_InactiveHeldForLocate_CarriesWhyHeld_TheReducerKeepsTheOrderWorking()
    {
        // A short sale awaiting its shares: "Inactive" with whyHeld "locate" — a hold, not an ending (OrderFlow.locateHold).
        var m = new IbOrderStatus(7, "Inactive", 0, 300, 0, 3_000_000_007L, 0, 0, ClientId: 17, "locate", 0);
        var r = IbTranslate.OrderStatus(m, 17)!;
        Assert.True(r.Status.IsMadeInactive);
        Assert.Equal("locate", r.Reason);
    }

    [Theory]
    [InlineData("BOT", true)]
    [InlineData("SLD", false)]
    public void ExecDetails_KeepsSideRefPermAndClient(string side, bool buy)
    {
        var x = new IbExecution
        {
            OrderId = 3, ExecId = "0000e.1.01", Side = side, Shares = 80, Price = 100.14, PermId = 42, ClientId = 17, OrderRef = "oi_r_3",
        };
        var r = IbTranslate.Execution(new IbExecDetails(-1, Stock, x))!;
        Assert.Equal(buy, r.Side.IsBuy);
        Assert.Equal("oi_r_3", r.Ref);
        Assert.Equal(42, r.PermId);
        Assert.Equal(17, r.ClientId);
        Assert.Equal(80, r.Quantity);
        Assert.Equal(7, ContractIdModule.value(r.ContractId));
        Assert.Equal("0000e.1.01", ExecIdModule.value(r.ExecId));
    }

    [Fact]
    public void ExecDetails_Malformed_IsNothing()
    {
        Assert.Null(IbTranslate.Execution(new IbExecDetails(-1, Stock, new IbExecution { ExecId = "", Side = "BOT", Shares = 1, Price = 1 })));
        Assert.Null(IbTranslate.Execution(new IbExecDetails(-1, Stock, new IbExecution { ExecId = "e", Side = "???", Shares = 1, Price = 1 })));
        Assert.Null(IbTranslate.Execution(new IbExecDetails(-1, Stock with { ConId = 0 }, new IbExecution { ExecId = "e", Side = "BOT", Shares = 1, Price = 1 })));
    }

    [Fact]
    public void Commission_IsKeyedByExecId()
    {
        var e = (EventPayload.CommissionReported)IbTranslate.Commission(new IbCommissionReport("0000e.1.01", 1.05, "USD", null, null, 0))!;
        Assert.Equal("0000e.1.01", ExecIdModule.value(e.Item1));
        Assert.Equal(1.05, e.commission);
    }

    [Fact]
    public void Commission_UnsetAsMaxDouble_IsNoFee()
    {
        Assert.Null(IbTranslate.Commission(new IbCommissionReport("0000e.1.01", double.MaxValue, "USD", null, null, 0)));
        Assert.Null(IbTranslate.Commission(new IbCommissionReport("0000e.1.01", double.PositiveInfinity, "USD", null, null, 0)));
        var rebate = (EventPayload.CommissionReported)IbTranslate.Commission(new IbCommissionReport("0000e.1.02", -0.35, "USD", null, null, 0))!;
        Assert.Equal(-0.35, rebate.commission);
    }

    [Fact]
    public void Position_OptionAvgCostPerContract_IsDividedByTheMultiplier()
    {
        var opt = (EventPayload.PositionReported)IbTranslate.Position(new IbPosition("DU1", Call with { Multiplier = "100" }, 10, 235.0), "DU1")!;
        Assert.Equal(10, opt.quantity);
        Assert.Equal(2.35, opt.avgCost, 10);
        var stk = (EventPayload.PositionReported)IbTranslate.Position(new IbPosition("DU1", Stock, -80, 100.14), "DU1")!;
        Assert.Equal(100.14, stk.avgCost, 10);
        Assert.Null(IbTranslate.Position(new IbPosition("DU2", Stock, 5, 1), "DU1")); // another account of the login
    }

    /// <summary>IB reports the plain tags in the account's BASE currency: the translation dropped it, and a ¥15M
    /// NetLiquidation reached the engine as $15M. The currency now travels with the figure, and the engine takes only a
    /// USD one (a USD account's row exactly as before).</summary>
    [Theory]
    [InlineData("JPY")]
    [InlineData("HKD")]
    [InlineData("BASE")]
    [InlineData("")]
    public void AccountValue_OfANonUsdAccount_CarriesItsCurrency_AndIsNotTakenAsDollars(string currency)
    {
        var cfg = ConfigLoader.Parse(TestConfig.Json(1, "/tmp/unused.db", conIds: true), new System.Collections.Hashtable()).Preview;
        var t = Timestamp.NewTimestamp(1_772_461_800_000_000_000);

        var usd = IbTranslate.AccountValue(new IbAccountSummary(9001, "DU1", "NetLiquidation", "100000.00", "USD"), "DU1")!;
        var other = IbTranslate.AccountValue(new IbAccountSummary(9001, "DU1", "NetLiquidation", "15000000.00", currency), "DU1")!;

        Assert.Equal("USD", ((EventPayload.AccountValueReported)usd).currency);
        Assert.Equal(currency, ((EventPayload.AccountValueReported)other).currency);
        var onUsd = Reducer.step(cfg, StateModule.initial(cfg), EventModule.at(t, usd)).Item1;
        Assert.Equal(100_000.0, onUsd.AccountValues["NetLiquidation"]);
        var onOther = Reducer.step(cfg, StateModule.initial(cfg), EventModule.at(t, other)).Item1;
        Assert.False(onOther.AccountValues.ContainsKey("NetLiquidation"));
        Assert.Equal(currency, onOther.AccountCurrency.Value); // refused by name (ACCOUNT_CURRENCY)
    }

    [Theory]
    [InlineData(2103, "Market data farm connection is broken:usopt", "usopt")]
    [InlineData(2104, "Market data farm connection is OK:usfarm.nj", "usfarm.nj")]
    [InlineData(2108, "Market data farm connection is inactive but should be available upon demand.usfuture", "usfuture")]
    [InlineData(2108, "Market data farm connection is inactive but should be available upon demand.:cashfarm", "cashfarm")]
    [InlineData(2106, "HMDS data farm connection is OK:ushmds", "ushmds")]
    [InlineData(2104, "Market data farm connection is OK", "")]
    public void FarmStatus_NamesTheFarm_AsTwsDoes(int code, string message, string farm)
    {
        var e = Assert.IsType<EventPayload.FarmStatusChanged>(IbTranslate.Error(new IbError(-1, code, message)));
        Assert.Equal(farm, e.name);
    }

    [Theory]
    [InlineData(1100, -1, "ConnectivityLost")]
    [InlineData(2110, -1, "ServerConnectivityBroken")]
    [InlineData(1101, -1, "ConnectivityRestored(False)")]
    [InlineData(1102, -1, "ConnectivityRestored(True)")]
    [InlineData(2103, -1, "FarmStatusChanged(MarketDataFarm,False)")]
    [InlineData(2104, -1, "FarmStatusChanged(MarketDataFarm,True)")]
    [InlineData(2108, -1, "FarmStatusChanged(MarketDataFarm,False)")]
    [InlineData(2105, -1, "FarmStatusChanged(HistoricalFarm,False)")]
    [InlineData(2106, -1, "FarmStatusChanged(HistoricalFarm,True)")]
    [InlineData(2107, -1, "FarmStatusChanged(HistoricalFarm,True)")]
    [InlineData(2157, -1, "FarmStatusChanged(SecurityDefinitionFarm,False)")]
    [InlineData(2158, -1, "FarmStatusChanged(SecurityDefinitionFarm,True)")]
    [InlineData(201, 12, "OrderErrorReported(12,201)")]
    [InlineData(202, 12, "OrderErrorReported(12,202)")]
    [InlineData(103, 12, "OrderErrorReported(12,103)")]
    [InlineData(110, 12, "OrderErrorReported(12,110)")]
    [InlineData(161, 12, "OrderErrorReported(12,161)")]
    [InlineData(10147, 12, "OrderErrorReported(12,10147)")]
    [InlineData(10148, 12, "OrderErrorReported(12,10148)")]
    [InlineData(201, 1_700_000_123, "OrderErrorReported(1700000123,201)")] // order ids have no ceiling below the request ids
    [InlineData(326, -1, "none")]
    [InlineData(100, -1, "none")]
    public void ErrorCodes_MapToEngineEvents(int code, int id, string expected)
    {
        var e = IbTranslate.Error(new IbError(id, code, "text"));
        var text = e switch
        {
            null => "none",
            EventPayload.ConnectivityRestored r => $"ConnectivityRestored({r.dataMaintained})",
            EventPayload.FarmStatusChanged f => $"FarmStatusChanged({f.Item1},{f.ok})",
            EventPayload.OrderErrorReported o => $"OrderErrorReported({o.ibOrderId},{o.code})",
            _ => e.IsConnectivityLost ? "ConnectivityLost" : e.IsServerConnectivityBroken ? "ServerConnectivityBroken" : e.ToString(),
        };
        Assert.Equal(expected, text);
    }

    /// <summary>IB's "unset" double (reference §3.3), as the wire spells it, reaches the translation as a number: the
    /// plain double decoder reads it as <see cref="double.MaxValue"/>. Taken as a price, one such ask on the underlying
    /// stood once bids ticked under it for jump_confirm_seconds: its mid 9e307 priced the book, P&amp;L −∞, RISK_HALT
    /// on a loss that never happened (and the price remembered across a restart).</summary>
    [Theory]
    [InlineData("1.7976931348623157E308")]
    [InlineData("1.7976931348623157e+308")]
    public void PriceTick_AtIbsUnsetSentinel_IsNoQuote(string wire)
    {
        var tick = (IbTickPrice)Bifrost.Ib.Messages.IbEventDecoder.Decode(Bifrost.Ib.Wire.IbFraming.Payload(["1", "6", "2000000001", "2", wire, "100", "0"]))!;
        Assert.Equal(double.MaxValue, tick.Price);
        Assert.True(double.IsNaN(IbTranslate.PriceValue(tick.Price)));
        Assert.True(double.IsNaN(IbTranslate.PriceValue(double.PositiveInfinity)));
        Assert.True(double.IsNaN(IbTranslate.PriceValue(double.NaN)));
        Assert.Equal(1.0e6, IbTranslate.PriceValue(1.0e6)); // a high price is still a price
    }

    /// <summary>An execution at a price no trade has — zero, negative, non-finite, IB's "unset" MAX_DBL — is not
    /// booked: at MAX_DBL a hedge's fill made its cost +∞ and the P&amp;L −∞ or NaN (NaN passes every limit), replayed
    /// from the store at every restart. Its order's fill is settled by the reconciliation instead.</summary>
    [Theory]
    [InlineData(double.MaxValue)]
    [InlineData(double.MinValue)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NaN)]
    [InlineData(0.0)]
    [InlineData(-100.14)]
    public void ExecDetails_AtAPriceNoTradeHas_IsNotTaken(double price)
    {
        var x = new IbExecution { OrderId = 3, ExecId = "0000e.1.01", Side = "BOT", Shares = 80, Price = price, PermId = 42, ClientId = 17, OrderRef = "oi_r_3" };
        Assert.Null(IbTranslate.Execution(new IbExecDetails(-1, Stock, x)));
        Assert.Equal(100.14, IbTranslate.Execution(new IbExecDetails(-1, Stock, x with { Price = 100.14 }))!.Price);
    }

    /// <summary>A position's cost and an account figure at IB's "unset" MAX_DBL are no number either: an option adopted
    /// at a cost of 1.8e306 a share, or a NetLiquidation of 1.8e308 dollars to size a portfolio run on.</summary>
    [Fact]
    public void PositionCostAndAccountFigure_AtIbsUnsetSentinel_AreNotTakenAsNumbers()
    {
        var opt = (EventPayload.PositionReported)IbTranslate.Position(new IbPosition("DU1", Call with { Multiplier = "100" }, 10, double.MaxValue), "DU1")!;
        Assert.Equal(10, opt.quantity);
        Assert.Equal(0.0, opt.avgCost); // no cost known: as for a non-finite one
        Assert.Null(IbTranslate.AccountValue(new IbAccountSummary(1, "DU1", "NetLiquidation", "1.7976931348623157E308", "USD"), "DU1"));
        Assert.Null(IbTranslate.AccountValue(new IbAccountSummary(1, "DU1", "AvailableFunds", "-1.7976931348623157E308", "USD"), "DU1"));
        var nav = (EventPayload.AccountValueReported)IbTranslate.AccountValue(new IbAccountSummary(1, "DU1", "NetLiquidation", "1000123.45", "USD"), "DU1")!;
        Assert.Equal(1000123.45, nav.value);
    }

    [Fact]
    public void Ticks_MapToQuoteFields_AndNoQuoteBecomesNaN()
    {
        Assert.Equal(TickField.BidPrice, IbTranslate.PriceField(1));
        Assert.Equal(TickField.AskPrice, IbTranslate.PriceField(2));
        Assert.Equal(TickField.LastPrice, IbTranslate.PriceField(4));
        Assert.Null(IbTranslate.PriceField(9));
        Assert.Equal(TickField.BidSize, IbTranslate.SizeField(0));
        Assert.Equal(TickField.AskSize, IbTranslate.SizeField(3));
        Assert.Null(IbTranslate.SizeField(8));
        Assert.True(double.IsNaN(IbTranslate.PriceValue(-1)));
        Assert.Equal(100.05, IbTranslate.PriceValue(100.05));
    }

    [Fact]
    public void DelayedTicks_AreNotQuotes()
    {
        // 66–70 and 83 are ~15 minutes old: stamped on receipt they would look fresh and be hedged on.
        foreach (var t in new[] { 66, 67, 68 }) Assert.Null(IbTranslate.PriceField(t));
        foreach (var t in new[] { 69, 70 }) Assert.Null(IbTranslate.SizeField(t));
        var id = ContractIdModule.create(8).ResultValue;
        Assert.Null(IbTranslate.OptionComputation(id, new IbTickOptionComputation(1, 83, 1, 0.21, 0.5, 2.3, 0, 0.09, 0.1, -0.02, 100)));
    }

    [Fact]
    public void MarketDataError_OnATicker_IsARefusal_NamingTheContract_UnlessInformational()
    {
        var id = ContractIdModule.create(8).ResultValue;
        var e = (EventPayload.MarketDataRefused)IbTranslate.MarketDataError(new IbError(10_000_005, 10197, "No market data during competing live session"), id)!;
        Assert.Equal((id, 10197, "No market data during competing live session"), (e.Item1, e.code, e.message));
        Assert.Null(IbTranslate.MarketDataError(new IbError(10_000_005, 2104, "Market data farm connection is OK"), id));
    }

    [Fact]
    public void OptionComputation_ModelTickWithVol_Only()
    {
        var id = ContractIdModule.create(8).ResultValue;
        var model = new IbTickOptionComputation(1, 13, 1, 0.21, 0.5, 2.3, 0, 0.09, 0.1, -0.02, 100);
        var e = (EventPayload.OptionComputationReceived)IbTranslate.OptionComputation(id, model)!;
        Assert.Equal(0.21, e.impliedVol);
        Assert.Null(IbTranslate.OptionComputation(id, model with { TickType = 10 }));
        Assert.Null(IbTranslate.OptionComputation(id, model with { ImpliedVol = null }));
    }

    [Fact]
    public void TickGeneric_Halted_GeneralVolatilityAndTradingAgain_AnUnknownValueIsNoNews()
    {
        var id = ContractIdModule.create(8).ResultValue;
        EventPayload.TradingHaltReported Halt(double v) => (EventPayload.TradingHaltReported)IbTranslate.Halt(id, new IbTickGeneric(1, 49, v))!;
        Assert.Equal(TradingHalt.GeneralHalt, Halt(1).Item2.Value);
        Assert.Equal(TradingHalt.VolatilityHalt, Halt(2).Item2.Value);
        Assert.Null(Halt(0).Item2);
        Assert.Equal(id, Halt(0).Item1);
        Assert.Null(IbTranslate.Halt(id, new IbTickGeneric(1, 49, -1)));
        Assert.Null(IbTranslate.Halt(id, new IbTickGeneric(1, 49, double.NaN)));
        Assert.Null(IbTranslate.Halt(id, new IbTickGeneric(1, 24, 1)));
    }

    [Fact]
    public void Order_CarriesRefTifAccountAndType()
    {
        var req = new OrderRequest(OrderRefModule.create("oi_r_9").ResultValue, 9, "r", OrderPurpose.Hedge, ContractIdModule.create(7).ResultValue,
            Side.Sell, 80, OrderType.NewLimit(99.95), TimeInForce.Day, "DU1", false);
        var o = IbTranslate.Order(req);
        Assert.Equal(("SELL", 80m, "LMT", 99.95, "oi_r_9", "DAY", "DU1"), (o.Action, o.TotalQuantity!.Value, o.OrderType, o.LmtPrice!.Value, o.OrderRef, o.Tif, o.Account));
        var mkt = new OrderRequest(req.Ref, 9, "r", OrderPurpose.Hedge, req.ContractId, Side.Buy, 80, OrderType.Market, TimeInForce.Day, "DU1", false);
        Assert.Equal(("BUY", "MKT"), (IbTranslate.Order(mkt).Action, IbTranslate.Order(mkt).OrderType));
    }
}
