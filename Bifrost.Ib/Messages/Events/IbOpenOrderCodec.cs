using Bifrost.Ib.Messages.Model;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary>
/// The openOrder walk at server version 193, in the order of IB's order decoder. Write and Read mirror each other; "#n"
/// are reference §6.7 indices for the fixture shape (delta-neutral block present). Where TWS writes the MAX literal for
/// "unset" (displaySize, scale sizes, the adjusted-order block) Write does the same, so a re-encoded capture matches.
/// </summary>
internal static class IbOpenOrderCodec
{
    public static void Write(IbFieldWriter w, IbOpenOrder m)
    {
        var o = m.Order;
        var s = m.State;
        w.Write(IbServerMessageId.OpenOrder);
        w.Write(m.OrderId);                                  // #1
        IbContractCodec.WriteReported(w, m.Contract);        // #2–12
        w.Write(o.Action);                                   // #13
        w.Write(o.TotalQuantity);
        w.Write(o.OrderType);
        w.Write(o.LmtPrice);
        w.Write(o.AuxPrice);
        w.Write(o.Tif);
        w.Write(o.OcaGroup);
        w.Write(o.Account);                                  // #20
        w.Write(o.OpenClose);
        w.Write(o.Origin);
        w.Write(o.OrderRef);
        w.Write(o.ClientId);
        w.Write(o.PermId);                                   // #25
        w.Write(o.OutsideRth);
        w.Write(o.Hidden);
        w.Write(o.DiscretionaryAmt);
        w.Write(o.GoodAfterTime);
        w.Write(o.SharesAllocation);                         // #30
        w.Write(o.FaGroup);
        w.Write(o.FaMethod);
        w.Write(o.FaPercentage);
        w.Write(o.ModelCode);
        w.Write(o.GoodTillDate);                             // #35
        w.Write(o.Rule80A);
        w.Write(o.PercentOffset);
        w.Write(o.SettlingFirm);
        w.Write(o.ShortSaleSlot);
        w.Write(o.DesignatedLocation);                       // #40
        w.Write(o.ExemptCode);
        w.Write(o.AuctionStrategy);
        w.Write(o.StartingPrice);
        w.Write(o.StockRefPrice);
        w.Write(o.Delta);                                    // #45
        w.Write(o.StockRangeLower);
        w.Write(o.StockRangeUpper);
        w.WriteOrMax(o.DisplaySize);
        w.Write(o.BlockOrder);
        w.Write(o.SweepToFill);                              // #50
        w.Write(o.AllOrNone);
        w.Write(o.MinQty);
        w.Write(o.OcaType);
        w.Write(o.ETradeOnly);
        w.Write(o.FirmQuoteOnly);                            // #55
        w.Write(o.NbboPriceCap);
        w.Write(o.ParentId);
        w.Write(o.TriggerMethod);
        w.Write(o.Volatility);
        w.Write(o.VolatilityType);                           // #60
        IbOrderCodec.WriteDeltaNeutralOrder(w, o);
        w.Write(o.ContinuousUpdate);                         // #71
        w.Write(o.ReferencePriceType);
        w.Write(o.TrailStopPrice);
        w.Write(o.TrailingPercent);
        w.Write(o.BasisPoints);                              // #75
        w.Write(o.BasisPointsType);
        w.Write(o.ComboLegsDescrip);
        IbOrderCodec.WriteComboLegs(w, o.ComboLegs);         // #78
        IbOrderCodec.WriteLegPrices(w, o.OrderComboLegPrices);
        IbContractCodec.WriteTagValues(w, o.SmartComboRoutingParams); // #80
        w.WriteOrMax(o.ScaleInitLevelSize);
        w.WriteOrMax(o.ScaleSubsLevelSize);
        w.Write(o.ScalePriceIncrement);                      // #83
        IbOrderCodec.WriteScalePriceAdjustment(w, o);
        IbOrderCodec.WriteHedgeThroughAlgo(w, o);           // #84 … #90
        w.Write(o.Solicited);                                // #91
        w.Write(o.WhatIf);
        w.Write(s.Status);                                   // #93
        w.Write(s.InitMarginBefore);
        w.Write(s.MaintMarginBefore);
        w.Write(s.EquityWithLoanBefore);
        w.Write(s.InitMarginChange);
        w.Write(s.MaintMarginChange);
        w.Write(s.EquityWithLoanChange);
        w.Write(s.InitMarginAfter);                          // #100
        w.Write(s.MaintMarginAfter);
        w.Write(s.EquityWithLoanAfter);
        w.Write(s.Commission);
        w.Write(s.MinCommission);
        w.Write(s.MaxCommission);                            // #105
        w.Write(s.CommissionCurrency);
        w.Write(s.WarningText);
        w.Write(o.RandomizeSize);
        w.Write(o.RandomizePrice);                           // #109
        if (o.OrderType == "PEG BENCH")
        {
            w.Write(o.ReferenceContractId);
            w.Write(o.IsPeggedChangeAmountDecrease);
            w.Write(o.PeggedChangeAmount);
            w.Write(o.ReferenceChangeAmount);
            w.Write(o.ReferenceExchangeId);
        }
        IbOrderCodec.WriteConditions(w, o);                  // #110
        w.Write(o.AdjustedOrderType);
        w.WriteOrMax(o.TriggerPrice);
        w.WriteOrMax(o.TrailStopPrice);                      // #113: trailStopPrice is sent a second time here
        w.WriteOrMax(o.LmtPriceOffset);
        w.WriteOrMax(o.AdjustedStopPrice);                   // #115
        w.WriteOrMax(o.AdjustedStopLimitPrice);
        w.WriteOrMax(o.AdjustedTrailingAmount);
        w.Write(o.AdjustableTrailingUnit);
        w.Write(o.SoftDollarTierName);
        w.Write(o.SoftDollarTierValue);                      // #120
        w.Write(o.SoftDollarTierDisplayName);
        w.Write(o.CashQty);
        w.Write(o.DontUseAutoPriceForHedge);
        w.Write(o.IsOmsContainer);
        w.Write(o.DiscretionaryUpToLimitPrice);              // #125
        w.Write(o.UsePriceMgmtAlgo ?? false);
        w.Write(o.Duration);
        w.Write(o.PostToAts);
        w.Write(o.AutoCancelParent);
        w.Write(o.MinTradeQty);                              // #130
        w.Write(o.MinCompeteSize);
        w.Write(o.CompeteAgainstBestOffset);
        w.Write(o.MidOffsetAtWhole);
        w.Write(o.MidOffsetAtHalf);
        w.Write(o.CustomerAccount);                          // #135
        w.Write(o.ProfessionalCustomer);
        w.Write(o.BondAccruedInterest);
        w.Write(o.IncludeOvernight);
        w.Write(o.ExtOperator);
        w.Write(o.ManualOrderIndicator);                     // #140
    }

    public static IbOpenOrder Read(ref IbFieldReader r)
    {
        int orderId = r.ReadInt();
        var contract = IbContractCodec.ReadReported(ref r);
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
            ClientId = r.ReadInt(),
            PermId = r.ReadLong(),
            OutsideRth = r.ReadBool(),
            Hidden = r.ReadBool(),
            DiscretionaryAmt = r.ReadDouble(),
            GoodAfterTime = r.ReadString(),
            SharesAllocation = r.ReadString(),
            FaGroup = r.ReadString(),
            FaMethod = r.ReadString(),
            FaPercentage = r.ReadString(),
            ModelCode = r.ReadString(),
            GoodTillDate = r.ReadString(),
            Rule80A = r.ReadString(),
            PercentOffset = r.ReadDoubleMax(),
            SettlingFirm = r.ReadString(),
            ShortSaleSlot = r.ReadInt(),
            DesignatedLocation = r.ReadString(),
            ExemptCode = r.ReadInt(),
            AuctionStrategy = r.ReadInt(),
            StartingPrice = r.ReadDoubleMax(),
            StockRefPrice = r.ReadDoubleMax(),
            Delta = r.ReadDoubleMax(),
            StockRangeLower = r.ReadDoubleMax(),
            StockRangeUpper = r.ReadDoubleMax(),
            DisplaySize = r.ReadIntMax(),
            BlockOrder = r.ReadBool(),
            SweepToFill = r.ReadBool(),
            AllOrNone = r.ReadBool(),
            MinQty = r.ReadIntMax(),
            OcaType = r.ReadInt(),
            ETradeOnly = r.ReadBool(),
            FirmQuoteOnly = r.ReadBool(),
            NbboPriceCap = r.ReadDoubleMax(),
            ParentId = r.ReadInt(),
            TriggerMethod = r.ReadInt(),
            Volatility = r.ReadDoubleMax(),
            VolatilityType = r.ReadIntMax(),
        };
        // After the first block: values in wire order, applied at the end — the blocks placeOrder shares in one copy
        // (IbOrderCodec.SharedBlocks), this message's own fields in the next.
        var deltaNeutral = IbOrderCodec.ReadDeltaNeutralFields(ref r, o);
        bool continuousUpdate = r.ReadBool();
        int? referencePriceType = r.ReadIntMax();
        double? trailStopPrice = r.ReadDoubleMax();
        double? trailingPercent = r.ReadDoubleMax();
        double? basisPoints = r.ReadDoubleMax();
        int? basisPointsType = r.ReadIntMax();
        string comboLegsDescrip = r.ReadString();
        var comboLegs = IbOrderCodec.ReadComboLegs(ref r);
        var legPrices = IbOrderCodec.ReadLegPrices(ref r);
        var smartComboRoutingParams = IbContractCodec.ReadTagValues(ref r);
        int? scaleInitLevelSize = r.ReadIntMax();
        int? scaleSubsLevelSize = r.ReadIntMax();
        double? scalePriceIncrement = r.ReadDoubleMax();
        var scale = IbOrderCodec.ReadScaleFields(ref r, scalePriceIncrement, o);
        var hedgeThroughAlgo = IbOrderCodec.ReadHedgeThroughAlgoFields(ref r, o);
        bool solicited = r.ReadBool();
        bool whatIf = r.ReadBool();
        var state = new IbOrderState
        {
            Status = r.ReadString(),
            InitMarginBefore = r.ReadString(),
            MaintMarginBefore = r.ReadString(),
            EquityWithLoanBefore = r.ReadString(),
            InitMarginChange = r.ReadString(),
            MaintMarginChange = r.ReadString(),
            EquityWithLoanChange = r.ReadString(),
            InitMarginAfter = r.ReadString(),
            MaintMarginAfter = r.ReadString(),
            EquityWithLoanAfter = r.ReadString(),
            Commission = r.ReadDoubleMax(),
            MinCommission = r.ReadDoubleMax(),
            MaxCommission = r.ReadDoubleMax(),
            CommissionCurrency = r.ReadString(),
            WarningText = r.ReadString(),
        };
        bool randomizeSize = r.ReadBool();
        bool randomizePrice = r.ReadBool();
        var pegBench = IbOrderCodec.ReadPegBenchFields(ref r, o);
        var conditions = IbOrderCodec.ReadConditionFields(ref r, o);
        var shared = new IbOrderCodec.SharedBlocks(deltaNeutral, scale, hedgeThroughAlgo, pegBench, conditions);
        // The rest is read in the initializer itself, in order, after the values read before it are applied.
        o = shared.ApplyTo(o) with
        {
            ContinuousUpdate = continuousUpdate,
            ReferencePriceType = referencePriceType,
            TrailingPercent = trailingPercent,
            BasisPoints = basisPoints,
            BasisPointsType = basisPointsType,
            ComboLegsDescrip = comboLegsDescrip,
            ComboLegs = comboLegs,
            OrderComboLegPrices = legPrices,
            SmartComboRoutingParams = smartComboRoutingParams,
            ScaleInitLevelSize = scaleInitLevelSize,
            ScaleSubsLevelSize = scaleSubsLevelSize,
            ScalePriceIncrement = scalePriceIncrement,
            Solicited = solicited,
            WhatIf = whatIf,
            RandomizeSize = randomizeSize,
            RandomizePrice = randomizePrice,
            AdjustedOrderType = r.ReadString(),
            TriggerPrice = r.ReadDoubleMax(),
            TrailStopPrice = r.ReadDoubleMax() ?? trailStopPrice, // the second copy wins when set
            LmtPriceOffset = r.ReadDoubleMax(),
            AdjustedStopPrice = r.ReadDoubleMax(),
            AdjustedStopLimitPrice = r.ReadDoubleMax(),
            AdjustedTrailingAmount = r.ReadDoubleMax(),
            AdjustableTrailingUnit = r.ReadInt(),
            SoftDollarTierName = r.ReadString(),
            SoftDollarTierValue = r.ReadString(),
            SoftDollarTierDisplayName = r.ReadString(),
            CashQty = r.ReadDoubleMax(),
            DontUseAutoPriceForHedge = r.ReadBool(),
            IsOmsContainer = r.ReadBool(),
            DiscretionaryUpToLimitPrice = r.ReadBool(),
            UsePriceMgmtAlgo = r.ReadBool(),
            Duration = r.ReadIntMax(),
            PostToAts = r.ReadIntMax(),
            AutoCancelParent = r.ReadBool(),
            MinTradeQty = r.ReadIntMax(),
            MinCompeteSize = r.ReadIntMax(),
            CompeteAgainstBestOffset = r.ReadDoubleMax(),
            MidOffsetAtWhole = r.ReadDoubleMax(),
            MidOffsetAtHalf = r.ReadDoubleMax(),
            CustomerAccount = r.ReadString(),
            ProfessionalCustomer = r.ReadBool(),
            BondAccruedInterest = r.ReadString(),
            IncludeOvernight = r.ReadBool(),
            ExtOperator = r.ReadString(),
            ManualOrderIndicator = r.ReadIntMax(),
        };
        return new IbOpenOrder(orderId, contract, o, state);
    }
}
