using Bifrost.Ib.Messages;
using Bifrost.Ib.Messages.Events;
using Bifrost.Ib.Messages.Model;
using Bifrost.Ib.Messages.Requests;

namespace Bifrost.Ib.Tests.Support;

/// <summary>
/// Random but valid messages of every type, from a seed (FsCheck drives the seeds). Values avoid only what the wire
/// cannot carry by design: NUL, the MAX sentinels in max-able fields, the exact −1/−2 option sentinels, and backslashes
/// (a literal "\u" would be read back as an escape). Server → client text may be non-ASCII (it travels as \uXXXX).
/// </summary>
public sealed class RandomMessages(int seed, bool nonAscii = false)
{
    private readonly Random _r = new(seed);

    public string Str()
    {
        int n = _r.Next(4) == 0 ? 0 : _r.Next(1, 12);
        var chars = new char[n];
        for (int i = 0; i < n; i++)
        {
            chars[i] = nonAscii && _r.Next(8) == 0 ? "éü€日"[_r.Next(4)] : (char)_r.Next(0x20, 0x7F);
            if (chars[i] == '\\') chars[i] = '/';
        }
        return new string(chars);
    }

    public string NonEmpty() => "x" + Str();
    public int Int() => _r.Next(4) == 0 ? 0 : _r.Next(int.MinValue, int.MaxValue);
    public int? IntMax() => _r.Next(3) == 0 ? null : Int();
    public long Long() => _r.NextInt64(long.MinValue, long.MaxValue);
    public bool Bool() => _r.Next(2) == 0;
    public double Dbl() => _r.Next(5) switch
    {
        0 => 0,
        1 => _r.Next(-1000, 1000),
        2 => Math.Round((_r.NextDouble() - 0.5) * 1000, 2),
        3 => (_r.NextDouble() - 0.5) * Math.Pow(10, _r.Next(-12, 30)),
        _ => _r.NextDouble(),
    };
    public double? DblMax() => _r.Next(3) == 0 ? null : Dbl();
    public decimal? Dec() => _r.Next(4) == 0 ? null : Math.Round((decimal)((_r.NextDouble() - 0.3) * 100000), _r.Next(0, 4));

    public IbContract Contract() => new()
    {
        ConId = Int(), Symbol = Str(), SecType = Pick("STK", "OPT", "FUT", ""), LastTradeDateOrContractMonth = Str(),
        Strike = DblMax(), Right = Str(), Multiplier = Str(), Exchange = Pick("SMART", "CBOE", Str()), PrimaryExchange = Str(),
        Currency = Str(), LocalSymbol = Str(), TradingClass = Str(), SecIdType = Str(), SecId = Str(), IssuerId = Str(),
    };

    public IbTagValue[] TagValues() => Enumerable.Range(0, _r.Next(3)).Select(_ => new IbTagValue(Str(), Str())).ToArray();

    public IbOrder Order(bool allBlocks = true) => new()
    {
        Action = Pick("BUY", "SELL"), TotalQuantity = Dec(), OrderType = Pick("MKT", "LMT", "PEG BENCH", "PEG BEST", "PEG MID", "STP"),
        LmtPrice = DblMax(), AuxPrice = DblMax(), Tif = Pick("DAY", "GTC"), OcaGroup = Str(), Account = Str(), OpenClose = Str(),
        Origin = Int(), OrderRef = Str(), Transmit = Bool(), ParentId = Int(), BlockOrder = Bool(), SweepToFill = Bool(),
        DisplaySize = IntMax(), TriggerMethod = Int(), OutsideRth = Bool(), Hidden = Bool(),
        ComboLegs = allBlocks ? Enumerable.Range(0, _r.Next(3)).Select(_ => new IbComboLeg(Int(), Int(), Str(), Str(), Int(), Int(), Str(), Int())).ToArray() : [],
        OrderComboLegPrices = allBlocks ? Enumerable.Range(0, _r.Next(3)).Select(_ => DblMax()).ToArray() : [],
        SmartComboRoutingParams = allBlocks ? TagValues() : [],
        ComboLegsDescrip = Str(), SharesAllocation = Str(), DiscretionaryAmt = Dbl(), GoodAfterTime = Str(), GoodTillDate = Str(),
        FaGroup = Str(), FaMethod = Str(), FaPercentage = Str(), ModelCode = Str(), ShortSaleSlot = Int(),
        DesignatedLocation = Str(), ExemptCode = Int(), OcaType = Int(), Rule80A = Str(), SettlingFirm = Str(),
        AllOrNone = Bool(), MinQty = IntMax(), PercentOffset = DblMax(), ETradeOnly = Bool(), FirmQuoteOnly = Bool(),
        NbboPriceCap = DblMax(), AuctionStrategy = Int(), StartingPrice = DblMax(), StockRefPrice = DblMax(), Delta = DblMax(),
        StockRangeLower = DblMax(), StockRangeUpper = DblMax(), OverridePercentageConstraints = Bool(), Volatility = DblMax(),
        VolatilityType = IntMax(), DeltaNeutralOrderType = Pick("", "None", Str()), DeltaNeutralAuxPrice = DblMax(),
        DeltaNeutralConId = Int(), DeltaNeutralSettlingFirm = Str(), DeltaNeutralClearingAccount = Str(),
        DeltaNeutralClearingIntent = Str(), DeltaNeutralOpenClose = Str(), DeltaNeutralShortSale = Bool(),
        DeltaNeutralShortSaleSlot = Int(), DeltaNeutralDesignatedLocation = Str(), ContinuousUpdate = Bool(),
        ReferencePriceType = IntMax(), TrailStopPrice = DblMax(), TrailingPercent = DblMax(), BasisPoints = DblMax(),
        BasisPointsType = IntMax(), ScaleInitLevelSize = IntMax(), ScaleSubsLevelSize = IntMax(), ScalePriceIncrement = DblMax(),
        ScalePriceAdjustValue = DblMax(), ScalePriceAdjustInterval = IntMax(), ScaleProfitOffset = DblMax(), ScaleAutoReset = Bool(),
        ScaleInitPosition = IntMax(), ScaleInitFillQty = IntMax(), ScaleRandomPercent = Bool(), ScaleTable = Str(),
        ActiveStartTime = Str(), ActiveStopTime = Str(), HedgeType = Pick("", "D", Str()), HedgeParam = Str(),
        OptOutSmartRouting = Bool(), ClearingAccount = Str(), ClearingIntent = Str(), NotHeld = Bool(),
        DeltaNeutralContract = Bool() ? new IbDeltaNeutralContract(Int(), Dbl(), Dbl()) : null,
        AlgoStrategy = Pick("", "Adaptive", Str()), AlgoParams = TagValues(), AlgoId = Str(), WhatIf = Bool(),
        OrderMiscOptions = Str(), Solicited = Bool(), RandomizeSize = Bool(), RandomizePrice = Bool(),
        ReferenceContractId = Int(), IsPeggedChangeAmountDecrease = Bool(), PeggedChangeAmount = Dbl(),
        ReferenceChangeAmount = Dbl(), ReferenceExchangeId = Str(),
        Conditions = allBlocks ? Enumerable.Range(0, _r.Next(3)).Select(_ => Condition()).ToArray() : [],
        ConditionsIgnoreRth = Bool(), ConditionsCancelOrder = Bool(), AdjustedOrderType = Str(), TriggerPrice = DblMax(),
        LmtPriceOffset = DblMax(), AdjustedStopPrice = DblMax(), AdjustedStopLimitPrice = DblMax(),
        AdjustedTrailingAmount = DblMax(), AdjustableTrailingUnit = Int(), ExtOperator = Str(), SoftDollarTierName = Str(),
        SoftDollarTierValue = Str(), SoftDollarTierDisplayName = Str(), CashQty = DblMax(), Mifid2DecisionMaker = Str(),
        Mifid2DecisionAlgo = Str(), Mifid2ExecutionTrader = Str(), Mifid2ExecutionAlgo = Str(),
        DontUseAutoPriceForHedge = Bool(), IsOmsContainer = Bool(), DiscretionaryUpToLimitPrice = Bool(),
        UsePriceMgmtAlgo = Pick<bool?>(null, true, false), Duration = IntMax(), PostToAts = IntMax(), AutoCancelParent = Bool(),
        AdvancedErrorOverride = Str(), ManualOrderTime = Str(), MinTradeQty = IntMax(), MinCompeteSize = IntMax(),
        CompeteAgainstBestOffset = Pick<double?>(null, double.PositiveInfinity, Dbl()), MidOffsetAtWhole = DblMax(),
        MidOffsetAtHalf = DblMax(), CustomerAccount = Str(), ProfessionalCustomer = Bool(), BondAccruedInterest = Str(),
        IncludeOvernight = Bool(), ManualOrderIndicator = IntMax(), ClientId = Int(), PermId = Long(),
    };

    private IbOrderCondition Condition()
    {
        int type = Pick(1, 3, 4, 5, 6, 7);
        var fields = Enumerable.Range(0, IbOrderCondition.FieldCountOf(type)).Select(_ => Str()).ToArray();
        return new IbOrderCondition(type, Pick("a", "o"), fields);
    }

    /// <summary>One random client → server request of any type.</summary>
    public IIbRequest Request() => _r.Next(20) switch
    {
        0 => new IbStartApi(Int(), Str()),
        1 => IbReqCurrentTime.Instance,
        2 => new IbReqMarketDataType(Int()),
        3 => new IbReqMktData(Int(), Contract() with { SecType = Pick("STK", "OPT") }, Str(), Bool(), Bool(),
            Bool() ? new IbDeltaNeutralContract(Int(), Dbl(), Dbl()) : null, Str()),
        4 => new IbCancelMktData(Int()),
        5 => new IbReqContractDetails(Int(), Contract(), Bool()),
        6 => PlaceOrder(),
        7 => new IbCancelOrder(Int(), Str(), Str(), IntMax()),
        8 => IbReqOpenOrders.Instance,
        9 => IbReqAllOpenOrders.Instance,
        10 => new IbReqAutoOpenOrders(Bool()),
        11 => new IbReqIds(Int()),
        12 => new IbReqExecutions(Int(), new IbExecutionFilter { ClientId = Int(), AcctCode = Str(), Time = Str(), Symbol = Str(), SecType = Str(), Exchange = Str(), Side = Str() }),
        13 => IbReqPositions.Instance,
        14 => IbCancelPositions.Instance,
        15 => new IbReqAccountSummary(Int(), Str(), Str()),
        16 => new IbCancelAccountSummary(Int()),
        17 => new IbReqAccountUpdates(Bool(), Str()),
        18 => new IbReqGlobalCancel(Str(), IntMax()),
        _ => IbReqManagedAccts.Instance,
    };

    public IbPlaceOrder PlaceOrder()
    {
        var contract = Contract() with { SecType = Pick("STK", "OPT", "BAG"), Exchange = Pick("SMART", "IBKRATS") };
        return new IbPlaceOrder(Int(), contract, Order());
    }

    /// <summary>One random server → client message of any type.</summary>
    public IIbServerMessage Event() => _r.Next(28) switch
    {
        0 => new IbTickPrice(Int(), Int(), Dbl(), Dec(), _r.Next(8)),
        1 => new IbTickSize(Int(), Int(), Dec()),
        2 => new IbTickGeneric(Int(), Int(), Dbl()),
        3 => new IbTickString(Int(), Int(), Str()),
        4 => new IbTickOptionComputation(Int(), Int(), _r.Next(2), DblMax(), DblMax(), DblMax(), DblMax(), DblMax(), DblMax(), DblMax(), DblMax()),
        5 => new IbTickReqParams(Int(), Dbl(), Str(), Int()),
        6 => new IbTickSnapshotEnd(Int()),
        7 => new IbMarketDataType(Int(), Int()),
        8 => new IbOrderStatus(Int(), Str(), Dec(), Dec(), Dbl(), Long(), Int(), Dbl(), Int(), Str(), Dbl()),
        9 => new IbOpenOrder(Int(), Contract(), Order(), OrderState()),
        10 => IbOpenOrderEnd.Instance,
        11 => new IbExecDetails(Int(), Contract(), Execution()),
        12 => new IbExecDetailsEnd(Int()),
        13 => new IbCommissionReport(Str(), Dbl(), Str(), DblMax(), DblMax(), Int()),
        14 => new IbPosition(Str(), Contract(), Dec(), Dbl()),
        15 => IbPositionEnd.Instance,
        16 => new IbAccountSummary(Int(), Str(), Str(), Str(), Str()),
        17 => new IbAccountSummaryEnd(Int()),
        18 => new IbUpdateAccountValue(Str(), Str(), Str(), Str()),
        19 => new IbUpdatePortfolio(Contract(), Dec(), Dbl(), Dbl(), Dbl(), Dbl(), Dbl(), Str()),
        20 => new IbUpdateAccountTime(Str()),
        21 => new IbAccountDownloadEnd(Str()),
        22 => new IbNextValidId(Int()),
        23 => new IbManagedAccounts(Str()),
        24 => new IbError(Int(), Int(), Str(), Str()),
        25 => new IbCurrentTime(Long()),
        26 => new IbContractData(Int(), ContractDetails()),
        _ => new IbContractDataEnd(Int()),
    };

    public IbOrderState OrderState() => new()
    {
        Status = Str(), InitMarginBefore = Str(), MaintMarginBefore = Str(), EquityWithLoanBefore = Str(),
        InitMarginChange = Str(), MaintMarginChange = Str(), EquityWithLoanChange = Str(), InitMarginAfter = Str(),
        MaintMarginAfter = Str(), EquityWithLoanAfter = Str(), Commission = DblMax(), MinCommission = DblMax(),
        MaxCommission = DblMax(), CommissionCurrency = Str(), WarningText = Str(),
    };

    public IbExecution Execution() => new()
    {
        OrderId = Int(), ExecId = Str(), Time = Str(), AcctNumber = Str(), Exchange = Str(), Side = Pick("BOT", "SLD"),
        Shares = Dec(), Price = Dbl(), PermId = Long(), ClientId = Int(), Liquidation = Int(), CumQty = Dec(),
        AvgPrice = Dbl(), OrderRef = Str(), EvRule = Str(), EvMultiplier = DblMax(), ModelCode = Str(),
        LastLiquidity = Int(), PendingPriceRevision = Bool(),
    };

    public IbContractDetails ContractDetails()
    {
        var contract = Contract() with { SecType = Pick("OPT", "STK", "FUND") };
        return new IbContractDetails
        {
            Contract = contract, LastTradeDate = Str(), MarketName = Str(), MinTick = Dbl(), OrderTypes = Str(),
            ValidExchanges = Str(), PriceMagnifier = Int(), UnderConId = Int(), LongName = Str(), ContractMonth = Str(),
            Industry = Str(), Category = Str(), Subcategory = Str(), TimeZoneId = Str(), TradingHours = Str(),
            LiquidHours = Str(), EvRule = Str(), EvMultiplier = DblMax(), SecIdList = TagValues(), AggGroup = Int(),
            UnderSymbol = Str(), UnderSecType = Str(), MarketRuleIds = Str(), RealExpirationDate = Str(), StockType = Str(),
            MinSize = Dec(), SizeIncrement = Dec(), SuggestedSizeIncrement = Dec(),
            FundFields = contract.SecType == "FUND" ? Enumerable.Range(0, 17).Select(_ => Str()).ToArray() : [],
            IneligibilityReasons = TagValues(),
        };
    }

    private T Pick<T>(params T[] options) => options[_r.Next(options.Length)];
}
