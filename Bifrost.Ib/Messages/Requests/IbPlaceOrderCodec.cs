using Bifrost.Ib.Messages.Model;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Requests;

/// <summary>
/// The placeOrder field walk at server version 193. Write and Read mirror each other line by line; the "#n" comments are
/// the field indices of reference §5.4 for a plain order (conditional blocks shift the later indices).
/// </summary>
internal static class IbPlaceOrderCodec
{
    public static void Write(IbFieldWriter w, IbPlaceOrder m)
    {
        var c = m.Contract;
        var o = m.Order;
        w.Write(IbClientMessageId.PlaceOrder);                                 // #0
        w.Write(m.OrderId);                                                    // #1
        IbContractCodec.WriteRequest(w, c);                                    // #2–13
        w.Write(c.SecIdType);                                                  // #14
        w.Write(c.SecId);                                                      // #15
        w.Write(o.Action);                                                     // #16
        w.Write(o.TotalQuantity);
        w.Write(o.OrderType);
        w.Write(o.LmtPrice);
        w.Write(o.AuxPrice);                                                   // #20
        w.Write(o.Tif);
        w.Write(o.OcaGroup);
        w.Write(o.Account);
        w.Write(o.OpenClose);
        w.Write(o.Origin);                                                     // #25
        w.Write(o.OrderRef);
        w.Write(o.Transmit);
        w.Write(o.ParentId);
        w.Write(o.BlockOrder);
        w.Write(o.SweepToFill);                                                // #30
        w.Write(o.DisplaySize);
        w.Write(o.TriggerMethod);
        w.Write(o.OutsideRth);
        w.Write(o.Hidden);                                                     // #34
        if (c.SecType == "BAG") WriteCombo(w, o);
        w.Write(o.SharesAllocation);                                           // #35
        w.Write(o.DiscretionaryAmt);
        w.Write(o.GoodAfterTime);
        w.Write(o.GoodTillDate);
        w.Write(o.FaGroup);
        w.Write(o.FaMethod);                                                   // #40
        w.Write(o.FaPercentage);
        w.Write(o.ModelCode);
        w.Write(o.ShortSaleSlot);
        w.Write(o.DesignatedLocation);
        w.Write(o.ExemptCode);                                                 // #45
        w.Write(o.OcaType);
        w.Write(o.Rule80A);
        w.Write(o.SettlingFirm);
        w.Write(o.AllOrNone);
        w.Write(o.MinQty);                                                     // #50
        w.Write(o.PercentOffset);
        w.Write(o.ETradeOnly);
        w.Write(o.FirmQuoteOnly);
        w.Write(o.NbboPriceCap);
        w.Write(o.AuctionStrategy);                                            // #55
        w.Write(o.StartingPrice);
        w.Write(o.StockRefPrice);
        w.Write(o.Delta);
        w.Write(o.StockRangeLower);
        w.Write(o.StockRangeUpper);                                            // #60
        w.Write(o.OverridePercentageConstraints);
        w.Write(o.Volatility);
        w.Write(o.VolatilityType);
        IbOrderCodec.WriteDeltaNeutralOrder(w, o);
        w.Write(o.ContinuousUpdate);                                           // #66
        w.Write(o.ReferencePriceType);
        w.Write(o.TrailStopPrice);
        w.Write(o.TrailingPercent);
        w.Write(o.ScaleInitLevelSize);                                         // #70
        w.Write(o.ScaleSubsLevelSize);
        w.Write(o.ScalePriceIncrement);                                        // #72
        IbOrderCodec.WriteScalePriceAdjustment(w, o);
        w.Write(o.ScaleTable);                                                 // #73
        w.Write(o.ActiveStartTime);
        w.Write(o.ActiveStopTime);
        IbOrderCodec.WriteHedgeThroughAlgo(w, o);                              // #76 … #82
        w.Write(o.AlgoId);                                                     // #83
        w.Write(o.WhatIf);
        w.Write(o.OrderMiscOptions);                                           // #85 (tag=value list; we always send it empty)
        w.Write(o.Solicited);
        w.Write(o.RandomizeSize);
        w.Write(o.RandomizePrice);                                             // #88
        if (o.OrderType == "PEG BENCH") WritePegBench(w, o);
        IbOrderCodec.WriteConditions(w, o);                                    // #89
        w.Write(o.AdjustedOrderType);                                          // #90
        w.Write(o.TriggerPrice);
        w.Write(o.LmtPriceOffset);
        w.Write(o.AdjustedStopPrice);
        w.Write(o.AdjustedStopLimitPrice);
        w.Write(o.AdjustedTrailingAmount);                                     // #95
        w.Write(o.AdjustableTrailingUnit);
        w.Write(o.ExtOperator);
        w.Write(o.SoftDollarTierName);
        w.Write(o.SoftDollarTierValue);
        w.Write(o.CashQty);                                                    // #100
        w.Write(o.Mifid2DecisionMaker);
        w.Write(o.Mifid2DecisionAlgo);
        w.Write(o.Mifid2ExecutionTrader);
        w.Write(o.Mifid2ExecutionAlgo);
        w.Write(o.DontUseAutoPriceForHedge);                                   // #105
        w.Write(o.IsOmsContainer);
        w.Write(o.DiscretionaryUpToLimitPrice);
        if (o.UsePriceMgmtAlgo is { } pm) w.Write(pm); else w.WriteEmpty();    // #108
        w.Write(o.Duration);
        w.Write(o.PostToAts);                                                  // #110
        w.Write(o.AutoCancelParent);
        w.Write(o.AdvancedErrorOverride);
        w.Write(o.ManualOrderTime);                                            // #113
        WritePegBestMid(w, c, o);
        w.Write(o.CustomerAccount);                                            // #114
        w.Write(o.ProfessionalCustomer);
        w.Write(o.IncludeOvernight);
        w.Write(o.ManualOrderIndicator);                                       // #117
    }

    public static IbPlaceOrder Read(ref IbFieldReader r)
    {
        int orderId = r.ReadInt();
        var c = IbContractCodec.ReadRequest(ref r);
        c = c with { SecIdType = r.ReadString(), SecId = r.ReadString() };
        var o = new IbOrder
        {
            Action = r.ReadString(),
            TotalQuantity = r.ReadDecimal(),
            OrderType = r.ReadString(),
            LmtPrice = r.ReadDoubleMax(),
            AuxPrice = r.ReadDoubleMax(),
            Tif = r.ReadString(),
            OcaGroup = r.ReadString(),
            Account = r.ReadString(),
            OpenClose = r.ReadString(),
            Origin = r.ReadInt(),
            OrderRef = r.ReadString(),
            Transmit = r.ReadBool(),
            ParentId = r.ReadInt(),
            BlockOrder = r.ReadBool(),
            SweepToFill = r.ReadBool(),
            DisplaySize = r.ReadIntMax(),
            TriggerMethod = r.ReadInt(),
            OutsideRth = r.ReadBool(),
            Hidden = r.ReadBool(),
        };
        // The blocks after the first are not applied one copy of the ~1-KB order each: what lies between two runs of plain
        // fields (a conditional block, a shared one) is read into values first, then applied with the run after it,
        // which is read inside the initializer itself, in order; the blocks openOrder shares go in one copy of their own
        // (IbOrderCodec.SharedBlocks).
        bool bag = c.SecType == "BAG";
        var comboLegs = bag ? IbOrderCodec.ReadComboLegs(ref r) : o.ComboLegs;
        var legPrices = bag ? IbOrderCodec.ReadLegPrices(ref r) : o.OrderComboLegPrices;
        var smartComboRoutingParams = bag ? IbContractCodec.ReadTagValues(ref r) : o.SmartComboRoutingParams;
        o = o with
        {
            ComboLegs = comboLegs,
            OrderComboLegPrices = legPrices,
            SmartComboRoutingParams = smartComboRoutingParams,
            SharesAllocation = r.ReadString(),
            DiscretionaryAmt = r.ReadDouble(),
            GoodAfterTime = r.ReadString(),
            GoodTillDate = r.ReadString(),
            FaGroup = r.ReadString(),
            FaMethod = r.ReadString(),
            FaPercentage = r.ReadString(),
            ModelCode = r.ReadString(),
            ShortSaleSlot = r.ReadInt(),
            DesignatedLocation = r.ReadString(),
            ExemptCode = r.ReadInt(),
            OcaType = r.ReadInt(),
            Rule80A = r.ReadString(),
            SettlingFirm = r.ReadString(),
            AllOrNone = r.ReadBool(),
            MinQty = r.ReadIntMax(),
            PercentOffset = r.ReadDoubleMax(),
            ETradeOnly = r.ReadBool(),
            FirmQuoteOnly = r.ReadBool(),
            NbboPriceCap = r.ReadDoubleMax(),
            AuctionStrategy = r.ReadInt(),
            StartingPrice = r.ReadDoubleMax(),
            StockRefPrice = r.ReadDoubleMax(),
            Delta = r.ReadDoubleMax(),
            StockRangeLower = r.ReadDoubleMax(),
            StockRangeUpper = r.ReadDoubleMax(),
            OverridePercentageConstraints = r.ReadBool(),
            Volatility = r.ReadDoubleMax(),
            VolatilityType = r.ReadIntMax(),
        };
        var deltaNeutral = IbOrderCodec.ReadDeltaNeutralFields(ref r, o);
        bool continuousUpdate = r.ReadBool();
        int? referencePriceType = r.ReadIntMax();
        double? trailStopPrice = r.ReadDoubleMax();
        double? trailingPercent = r.ReadDoubleMax();
        int? scaleInitLevelSize = r.ReadIntMax();
        int? scaleSubsLevelSize = r.ReadIntMax();
        double? scalePriceIncrement = r.ReadDoubleMax();
        var scale = IbOrderCodec.ReadScaleFields(ref r, scalePriceIncrement, o);
        string scaleTable = r.ReadString();
        string activeStartTime = r.ReadString();
        string activeStopTime = r.ReadString();
        var hedgeThroughAlgo = IbOrderCodec.ReadHedgeThroughAlgoFields(ref r, o);
        string algoId = r.ReadString();
        bool whatIf = r.ReadBool();
        string orderMiscOptions = r.ReadString();
        bool solicited = r.ReadBool();
        bool randomizeSize = r.ReadBool();
        bool randomizePrice = r.ReadBool();
        var pegBench = IbOrderCodec.ReadPegBenchFields(ref r, o);
        var conditions = IbOrderCodec.ReadConditionFields(ref r, o);
        var shared = new IbOrderCodec.SharedBlocks(deltaNeutral, scale, hedgeThroughAlgo, pegBench, conditions);
        o = shared.ApplyTo(o) with
        {
            ContinuousUpdate = continuousUpdate,
            ReferencePriceType = referencePriceType,
            TrailStopPrice = trailStopPrice,
            TrailingPercent = trailingPercent,
            ScaleInitLevelSize = scaleInitLevelSize,
            ScaleSubsLevelSize = scaleSubsLevelSize,
            ScalePriceIncrement = scalePriceIncrement,
            ScaleTable = scaleTable,
            ActiveStartTime = activeStartTime,
            ActiveStopTime = activeStopTime,
            AlgoId = algoId,
            WhatIf = whatIf,
            OrderMiscOptions = orderMiscOptions,
            Solicited = solicited,
            RandomizeSize = randomizeSize,
            RandomizePrice = randomizePrice,
            AdjustedOrderType = r.ReadString(),
            TriggerPrice = r.ReadDoubleMax(),
            LmtPriceOffset = r.ReadDoubleMax(),
            AdjustedStopPrice = r.ReadDoubleMax(),
            AdjustedStopLimitPrice = r.ReadDoubleMax(),
            AdjustedTrailingAmount = r.ReadDoubleMax(),
            AdjustableTrailingUnit = r.ReadInt(),
            ExtOperator = r.ReadString(),
            SoftDollarTierName = r.ReadString(),
            SoftDollarTierValue = r.ReadString(),
            CashQty = r.ReadDoubleMax(),
            Mifid2DecisionMaker = r.ReadString(),
            Mifid2DecisionAlgo = r.ReadString(),
            Mifid2ExecutionTrader = r.ReadString(),
            Mifid2ExecutionAlgo = r.ReadString(),
            DontUseAutoPriceForHedge = r.ReadBool(),
            IsOmsContainer = r.ReadBool(),
            DiscretionaryUpToLimitPrice = r.ReadBool(),
            UsePriceMgmtAlgo = r.ReadIntMax() is { } pm ? pm != 0 : null,
            Duration = r.ReadIntMax(),
            PostToAts = r.ReadIntMax(),
            AutoCancelParent = r.ReadBool(),
            AdvancedErrorOverride = r.ReadString(),
            ManualOrderTime = r.ReadString(),
        };
        var peg = ReadPegBestMid(ref r, c, o);
        o = o with
        {
            MinTradeQty = peg.MinTradeQty,
            MinCompeteSize = peg.MinCompeteSize,
            CompeteAgainstBestOffset = peg.CompeteAgainstBestOffset,
            MidOffsetAtWhole = peg.MidOffsetAtWhole,
            MidOffsetAtHalf = peg.MidOffsetAtHalf,
            CustomerAccount = r.ReadString(),
            ProfessionalCustomer = r.ReadBool(),
            IncludeOvernight = r.ReadBool(),
            ManualOrderIndicator = r.ReadIntMax(),
        };
        return new IbPlaceOrder(orderId, c, o);
    }

    // BAG only: legs (8 fields each, as openOrder reports them), per-leg prices, smart-combo routing parameters.
    private static void WriteCombo(IbFieldWriter w, IbOrder o)
    {
        IbOrderCodec.WriteComboLegs(w, o.ComboLegs);
        IbOrderCodec.WriteLegPrices(w, o.OrderComboLegPrices);
        IbContractCodec.WriteTagValues(w, o.SmartComboRoutingParams);
    }

    private static void WritePegBench(IbFieldWriter w, IbOrder o)
    {
        w.Write(o.ReferenceContractId);
        w.Write(o.IsPeggedChangeAmountDecrease);
        w.Write(o.PeggedChangeAmount);
        w.Write(o.ReferenceChangeAmount);
        w.Write(o.ReferenceExchangeId);
    }

    // Between manualOrderTime and customerAccount: IBKRATS min trade qty, PEG BEST / PEG MID offsets.
    private static void WritePegBestMid(IbFieldWriter w, IbContract c, IbOrder o)
    {
        if (c.Exchange == "IBKRATS") w.Write(o.MinTradeQty);
        bool midOffsets = false;
        if (o.OrderType == "PEG BEST")
        {
            w.Write(o.MinCompeteSize);
            w.Write(o.CompeteAgainstBestOffset);
            midOffsets = o.CompeteAgainstBestOffset is double.PositiveInfinity;
        }
        else if (o.OrderType == "PEG MID")
        {
            midOffsets = true;
        }
        if (midOffsets)
        {
            w.Write(o.MidOffsetAtWhole);
            w.Write(o.MidOffsetAtHalf);
        }
    }

    private static PegBestMidFields ReadPegBestMid(ref IbFieldReader r, IbContract c, IbOrder o)
    {
        int? minTradeQty = c.Exchange == "IBKRATS" ? r.ReadIntMax() : o.MinTradeQty;
        var (minCompeteSize, competeAgainstBestOffset) = (o.MinCompeteSize, o.CompeteAgainstBestOffset);
        bool midOffsets = false;
        if (o.OrderType == "PEG BEST")
        {
            minCompeteSize = r.ReadIntMax();
            competeAgainstBestOffset = r.ReadDoubleMax();
            midOffsets = competeAgainstBestOffset is double.PositiveInfinity;
        }
        else if (o.OrderType == "PEG MID")
        {
            midOffsets = true;
        }
        var (whole, half) = (o.MidOffsetAtWhole, o.MidOffsetAtHalf);
        if (midOffsets) (whole, half) = (r.ReadDoubleMax(), r.ReadDoubleMax());
        return new(minTradeQty, minCompeteSize, competeAgainstBestOffset, whole, half);
    }

    private readonly record struct PegBestMidFields(int? MinTradeQty, int? MinCompeteSize, double? CompeteAgainstBestOffset, double? MidOffsetAtWhole,
        double? MidOffsetAtHalf);
}
