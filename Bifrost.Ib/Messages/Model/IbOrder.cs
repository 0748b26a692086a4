namespace Bifrost.Ib.Messages.Model;

/// <summary>
/// Every order attribute that placeOrder sends or openOrder reports at server version 193 (reference §5.4, §6.7).
/// Defaults are what the official client sends for a plain order (transmit 1, exemptCode −1, origin 0, flags 0); unset
/// numbers are null and go out as ∅. Use <see cref="Market"/> / <see cref="Limit"/> for the two order kinds the daemon uses.
/// </summary>
public sealed record IbOrder
{
    // ---- identity and the basics
    public string Action { get; init; } = "";
    public decimal? TotalQuantity { get; init; }
    public string OrderType { get; init; } = "";
    public double? LmtPrice { get; init; }
    public double? AuxPrice { get; init; }
    public string Tif { get; init; } = "DAY";
    public string OcaGroup { get; init; } = "";
    public string Account { get; init; } = "";
    public string OpenClose { get; init; } = "";
    public int Origin { get; init; }
    /// <summary>Free client tag stored by TWS for the order's lifetime: Bifrost's idempotency key (reference §10.3).</summary>
    public string OrderRef { get; init; } = "";
    public bool Transmit { get; init; } = true;
    public int ParentId { get; init; }
    public bool BlockOrder { get; init; }
    public bool SweepToFill { get; init; }
    /// <summary>0 = not iceberg when placing; TWS reports MAX_INT (read as null) in openOrder.</summary>
    public int? DisplaySize { get; init; } = 0;
    public int TriggerMethod { get; init; }
    public bool OutsideRth { get; init; }
    public bool Hidden { get; init; }

    // ---- combo (BAG) orders only
    public IReadOnlyList<IbComboLeg> ComboLegs { get; init; } = [];
    public IReadOnlyList<double?> OrderComboLegPrices { get; init; } = [];
    public IReadOnlyList<IbTagValue> SmartComboRoutingParams { get; init; } = [];
    public string ComboLegsDescrip { get; init; } = "";

    // ---- less common attributes (mostly deprecated or institutional)
    /// <summary>Deprecated; ∅ when placing, TWS puts an opaque text here in openOrder.</summary>
    public string SharesAllocation { get; init; } = "";
    public double DiscretionaryAmt { get; init; }
    public string GoodAfterTime { get; init; } = "";
    public string GoodTillDate { get; init; } = "";
    public string FaGroup { get; init; } = "";
    public string FaMethod { get; init; } = "";
    public string FaPercentage { get; init; } = "";
    public string ModelCode { get; init; } = "";
    public int ShortSaleSlot { get; init; }
    public string DesignatedLocation { get; init; } = "";
    public int ExemptCode { get; init; } = -1;
    public int OcaType { get; init; }
    public string Rule80A { get; init; } = "";
    public string SettlingFirm { get; init; } = "";
    public bool AllOrNone { get; init; }
    public int? MinQty { get; init; }
    public double? PercentOffset { get; init; }
    public bool ETradeOnly { get; init; }
    public bool FirmQuoteOnly { get; init; }
    public double? NbboPriceCap { get; init; }
    public int AuctionStrategy { get; init; }
    public double? StartingPrice { get; init; }
    public double? StockRefPrice { get; init; }
    public double? Delta { get; init; }
    public double? StockRangeLower { get; init; }
    public double? StockRangeUpper { get; init; }
    public bool OverridePercentageConstraints { get; init; }

    // ---- volatility orders and their delta-neutral leg
    public double? Volatility { get; init; }
    public int? VolatilityType { get; init; }
    /// <summary>Non-empty (TWS sends "None") ⇒ the 8 DeltaNeutral* fields below are on the wire.</summary>
    public string DeltaNeutralOrderType { get; init; } = "";
    public double? DeltaNeutralAuxPrice { get; init; }
    public int DeltaNeutralConId { get; init; }
    public string DeltaNeutralSettlingFirm { get; init; } = "";
    public string DeltaNeutralClearingAccount { get; init; } = "";
    public string DeltaNeutralClearingIntent { get; init; } = "";
    public string DeltaNeutralOpenClose { get; init; } = "";
    public bool DeltaNeutralShortSale { get; init; }
    public int DeltaNeutralShortSaleSlot { get; init; }
    public string DeltaNeutralDesignatedLocation { get; init; } = "";
    public bool ContinuousUpdate { get; init; }
    public int? ReferencePriceType { get; init; }

    // ---- trailing, basis points, scale
    public double? TrailStopPrice { get; init; }
    public double? TrailingPercent { get; init; }
    public double? BasisPoints { get; init; }
    public int? BasisPointsType { get; init; }
    public int? ScaleInitLevelSize { get; init; }
    public int? ScaleSubsLevelSize { get; init; }
    /// <summary>Set and &gt; 0 ⇒ the 7 Scale* fields below are on the wire.</summary>
    public double? ScalePriceIncrement { get; init; }
    public double? ScalePriceAdjustValue { get; init; }
    public int? ScalePriceAdjustInterval { get; init; }
    public double? ScaleProfitOffset { get; init; }
    public bool ScaleAutoReset { get; init; }
    public int? ScaleInitPosition { get; init; }
    public int? ScaleInitFillQty { get; init; }
    public bool ScaleRandomPercent { get; init; }
    public string ScaleTable { get; init; } = "";
    public string ActiveStartTime { get; init; } = "";
    public string ActiveStopTime { get; init; } = "";

    // ---- hedge, clearing, algo
    /// <summary>Non-empty ⇒ <see cref="HedgeParam"/> is on the wire.</summary>
    public string HedgeType { get; init; } = "";
    public string HedgeParam { get; init; } = "";
    public bool OptOutSmartRouting { get; init; }
    public string ClearingAccount { get; init; } = "";
    public string ClearingIntent { get; init; } = "";
    public bool NotHeld { get; init; }
    public IbDeltaNeutralContract? DeltaNeutralContract { get; init; }
    /// <summary>Non-empty ⇒ the parameter count and pairs of <see cref="AlgoParams"/> are on the wire.</summary>
    public string AlgoStrategy { get; init; } = "";
    public IReadOnlyList<IbTagValue> AlgoParams { get; init; } = [];
    public string AlgoId { get; init; } = "";
    /// <summary>1 = margin preview only: the order is not placed.</summary>
    public bool WhatIf { get; init; }
    public string OrderMiscOptions { get; init; } = "";
    public bool Solicited { get; init; }
    public bool RandomizeSize { get; init; }
    public bool RandomizePrice { get; init; }

    // ---- PEG BENCH only
    public int ReferenceContractId { get; init; }
    public bool IsPeggedChangeAmountDecrease { get; init; }
    public double PeggedChangeAmount { get; init; }
    public double ReferenceChangeAmount { get; init; }
    public string ReferenceExchangeId { get; init; } = "";

    // ---- conditions and adjusted orders
    public IReadOnlyList<IbOrderCondition> Conditions { get; init; } = [];
    public bool ConditionsIgnoreRth { get; init; }
    public bool ConditionsCancelOrder { get; init; }
    public string AdjustedOrderType { get; init; } = "";
    public double? TriggerPrice { get; init; }
    public double? LmtPriceOffset { get; init; }
    public double? AdjustedStopPrice { get; init; }
    public double? AdjustedStopLimitPrice { get; init; }
    public double? AdjustedTrailingAmount { get; init; }
    public int AdjustableTrailingUnit { get; init; }

    // ---- newer fields (≥ 150)
    public string ExtOperator { get; init; } = "";
    public string SoftDollarTierName { get; init; } = "";
    public string SoftDollarTierValue { get; init; } = "";
    public string SoftDollarTierDisplayName { get; init; } = "";
    public double? CashQty { get; init; }
    public string Mifid2DecisionMaker { get; init; } = "";
    public string Mifid2DecisionAlgo { get; init; } = "";
    public string Mifid2ExecutionTrader { get; init; } = "";
    public string Mifid2ExecutionAlgo { get; init; } = "";
    public bool DontUseAutoPriceForHedge { get; init; }
    public bool IsOmsContainer { get; init; }
    public bool DiscretionaryUpToLimitPrice { get; init; }
    /// <summary>null = let TWS decide (sent as ∅).</summary>
    public bool? UsePriceMgmtAlgo { get; init; }
    public int? Duration { get; init; }
    public int? PostToAts { get; init; }
    public bool AutoCancelParent { get; init; }
    public string AdvancedErrorOverride { get; init; } = "";
    public string ManualOrderTime { get; init; } = "";
    public int? MinTradeQty { get; init; }
    public int? MinCompeteSize { get; init; }
    /// <summary>PositiveInfinity means "up to mid" (then the mid offsets follow in placeOrder).</summary>
    public double? CompeteAgainstBestOffset { get; init; }
    public double? MidOffsetAtWhole { get; init; }
    public double? MidOffsetAtHalf { get; init; }
    public string CustomerAccount { get; init; } = "";
    public bool ProfessionalCustomer { get; init; }
    public string BondAccruedInterest { get; init; } = "";
    public bool IncludeOvernight { get; init; }
    public int? ManualOrderIndicator { get; init; }

    // ---- reported by TWS in openOrder only
    public int ClientId { get; init; }
    public long PermId { get; init; }

    public static IbOrder Market(string action, decimal quantity, string orderRef = "", string account = "") =>
        new() { Action = action, TotalQuantity = quantity, OrderType = "MKT", OrderRef = orderRef, Account = account };

    public static IbOrder Limit(string action, decimal quantity, double limitPrice, string orderRef = "", string account = "") =>
        new() { Action = action, TotalQuantity = quantity, OrderType = "LMT", LmtPrice = limitPrice, OrderRef = orderRef, Account = account };
}
