using Bifrost.Ib.Messages.Model;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages;

/// <summary>Order field blocks that placeOrder and openOrder share (combo legs, leg prices, conditions).</summary>
internal static class IbOrderCodec
{
    /// <summary>The delta-neutral order block, shared by placeOrder and openOrder: type and aux price, then the eight
    /// DeltaNeutral* fields only when the type is non-empty.</summary>
    public static void WriteDeltaNeutralOrder(IbFieldWriter w, IbOrder o)
    {
        w.Write(o.DeltaNeutralOrderType);
        w.Write(o.DeltaNeutralAuxPrice);
        if (o.DeltaNeutralOrderType.Length == 0) return;
        w.Write(o.DeltaNeutralConId);
        w.Write(o.DeltaNeutralSettlingFirm);
        w.Write(o.DeltaNeutralClearingAccount);
        w.Write(o.DeltaNeutralClearingIntent);
        w.Write(o.DeltaNeutralOpenClose);
        w.Write(o.DeltaNeutralShortSale);
        w.Write(o.DeltaNeutralShortSaleSlot);
        w.Write(o.DeltaNeutralDesignatedLocation);
    }

    /// <summary>The delta-neutral block's values, read in wire order; the fields not on the wire keep <paramref name="o"/>'s.</summary>
    public static DeltaNeutralFields ReadDeltaNeutralFields(ref IbFieldReader r, IbOrder o)
    {
        string type = r.ReadString();
        double? aux = r.ReadDoubleMax();
        if (type.Length == 0)
        {
            return new(type, aux, o.DeltaNeutralConId, o.DeltaNeutralSettlingFirm, o.DeltaNeutralClearingAccount, o.DeltaNeutralClearingIntent,
                o.DeltaNeutralOpenClose, o.DeltaNeutralShortSale, o.DeltaNeutralShortSaleSlot, o.DeltaNeutralDesignatedLocation);
        }
        return new(type, aux, r.ReadInt(), r.ReadString(), r.ReadString(), r.ReadString(), r.ReadString(), r.ReadBool(), r.ReadInt(), r.ReadString());
    }

    internal readonly record struct DeltaNeutralFields(string OrderType, double? AuxPrice, int ConId, string SettlingFirm, string ClearingAccount,
        string ClearingIntent, string OpenClose, bool ShortSale, int ShortSaleSlot, string DesignatedLocation);

    /// <summary>The scale-order price adjustment block, present only when ScalePriceIncrement is positive (placeOrder and
    /// openOrder carry it alike).</summary>
    public static void WriteScalePriceAdjustment(IbFieldWriter w, IbOrder o)
    {
        if (o.ScalePriceIncrement is not > 0) return;
        w.Write(o.ScalePriceAdjustValue);
        w.Write(o.ScalePriceAdjustInterval);
        w.Write(o.ScaleProfitOffset);
        w.Write(o.ScaleAutoReset);
        w.Write(o.ScaleInitPosition);
        w.Write(o.ScaleInitFillQty);
        w.Write(o.ScaleRandomPercent);
    }

    /// <summary>The scale price adjustment block's values (on the wire only when <paramref name="increment"/> is
    /// positive); the fields not on the wire keep <paramref name="o"/>'s.</summary>
    public static ScaleFields ReadScaleFields(ref IbFieldReader r, double? increment, IbOrder o) =>
        increment is not > 0
            ? new(o.ScalePriceAdjustValue, o.ScalePriceAdjustInterval, o.ScaleProfitOffset, o.ScaleAutoReset, o.ScaleInitPosition, o.ScaleInitFillQty,
                o.ScaleRandomPercent)
            : new(r.ReadDoubleMax(), r.ReadIntMax(), r.ReadDoubleMax(), r.ReadBool(), r.ReadIntMax(), r.ReadIntMax(), r.ReadBool());

    internal readonly record struct ScaleFields(double? AdjustValue, int? AdjustInterval, double? ProfitOffset, bool AutoReset, int? InitPosition,
        int? InitFillQty, bool RandomPercent);

    /// <summary>hedgeType [hedgeParam], optOutSmartRouting, clearing account and intent, notHeld, the delta-neutral
    /// contract, algoStrategy [algoParams]: the same run of fields in placeOrder and openOrder.</summary>
    public static void WriteHedgeThroughAlgo(IbFieldWriter w, IbOrder o)
    {
        w.Write(o.HedgeType);
        if (o.HedgeType.Length > 0) w.Write(o.HedgeParam);
        w.Write(o.OptOutSmartRouting);
        w.Write(o.ClearingAccount);
        w.Write(o.ClearingIntent);
        w.Write(o.NotHeld);
        IbContractCodec.WriteDeltaNeutral(w, o.DeltaNeutralContract);
        w.Write(o.AlgoStrategy);
        if (o.AlgoStrategy.Length > 0) IbContractCodec.WriteTagValues(w, o.AlgoParams);
    }

    /// <summary>The hedgeType … algoParams run's values, read in wire order; hedgeParam and algoParams keep
    /// <paramref name="o"/>'s when not on the wire.</summary>
    public static HedgeThroughAlgoFields ReadHedgeThroughAlgoFields(ref IbFieldReader r, IbOrder o)
    {
        string hedgeType = r.ReadString();
        string hedgeParam = hedgeType.Length > 0 ? r.ReadString() : o.HedgeParam;
        bool optOut = r.ReadBool();
        string clearingAccount = r.ReadString();
        string clearingIntent = r.ReadString();
        bool notHeld = r.ReadBool();
        var deltaNeutral = IbContractCodec.ReadDeltaNeutral(ref r);
        string algo = r.ReadString();
        var algoParams = algo.Length > 0 ? IbContractCodec.ReadTagValues(ref r) : o.AlgoParams;
        return new(hedgeType, hedgeParam, optOut, clearingAccount, clearingIntent, notHeld, deltaNeutral, algo, algoParams);
    }

    internal readonly record struct HedgeThroughAlgoFields(string HedgeType, string HedgeParam, bool OptOutSmartRouting, string ClearingAccount,
        string ClearingIntent, bool NotHeld, IbDeltaNeutralContract? DeltaNeutralContract, string AlgoStrategy, IReadOnlyList<IbTagValue> AlgoParams);

    public static void WriteComboLegs(IbFieldWriter w, IReadOnlyList<IbComboLeg> legs)
    {
        w.Write(legs.Count);
        foreach (var leg in legs)
        {
            w.Write(leg.ConId);
            w.Write(leg.Ratio);
            w.Write(leg.Action);
            w.Write(leg.Exchange);
            w.Write(leg.OpenClose);
            w.Write(leg.ShortSaleSlot);
            w.Write(leg.DesignatedLocation);
            w.Write(leg.ExemptCode);
        }
    }

    public static IReadOnlyList<IbComboLeg> ReadComboLegs(ref IbFieldReader r)
    {
        int n = IbContractCodec.ReadCount(ref r, 8);
        if (n == 0) return [];
        var legs = new IbComboLeg[n];
        for (int i = 0; i < n; i++)
        {
            legs[i] = new IbComboLeg(r.ReadInt(), r.ReadInt(), r.ReadString(), r.ReadString(), r.ReadInt(), r.ReadInt(),
                r.ReadString(), r.ReadInt());
        }
        return legs;
    }

    public static void WriteLegPrices(IbFieldWriter w, IReadOnlyList<double?> prices)
    {
        w.Write(prices.Count);
        foreach (var p in prices) w.Write(p);
    }

    public static IReadOnlyList<double?> ReadLegPrices(ref IbFieldReader r)
    {
        int n = IbContractCodec.ReadCount(ref r, 1);
        if (n == 0) return [];
        var prices = new double?[n];
        for (int i = 0; i < n; i++) prices[i] = r.ReadDoubleMax();
        return prices;
    }

    /// <summary>Count, then per condition (type, conjunction, type-specific fields), then ignoreRth and cancelOrder if any.</summary>
    public static void WriteConditions(IbFieldWriter w, IbOrder o)
    {
        w.Write(o.Conditions.Count);
        if (o.Conditions.Count == 0) return;
        foreach (var cond in o.Conditions)
        {
            int expected = IbOrderCondition.FieldCountOf(cond.Type);
            if (expected != cond.Fields.Count)
                throw new ArgumentException($"order condition type {cond.Type} needs {expected} fields, has {cond.Fields.Count}");
            w.Write(cond.Type);
            w.Write(cond.Conjunction);
            foreach (var f in cond.Fields) w.Write(f);
        }
        w.Write(o.ConditionsIgnoreRth);
        w.Write(o.ConditionsCancelOrder);
    }

    /// <summary>The conditions block's values; with no conditions on the wire (nor their two flags) <paramref name="o"/>'s.</summary>
    public static ConditionFields ReadConditionFields(ref IbFieldReader r, IbOrder o)
    {
        int n = IbContractCodec.ReadCount(ref r, 3);
        if (n == 0) return new(o.Conditions, o.ConditionsIgnoreRth, o.ConditionsCancelOrder);
        var list = new IbOrderCondition[n];
        for (int i = 0; i < n; i++)
        {
            int type = r.ReadInt();
            int count = IbOrderCondition.FieldCountOf(type);
            if (count < 0) throw new IbProtocolException($"unknown order condition type {type}");
            string conjunction = r.ReadString();
            var fields = new string[count];
            for (int k = 0; k < count; k++) fields[k] = r.ReadString();
            list[i] = new IbOrderCondition(type, conjunction, fields);
        }
        return new(list, r.ReadBool(), r.ReadBool());
    }

    internal readonly record struct ConditionFields(IReadOnlyList<IbOrderCondition> Conditions, bool IgnoreRth, bool CancelOrder);

    /// <summary>PEG BENCH's five fields, on the wire (placeOrder and openOrder alike) only for that order type; else
    /// <paramref name="o"/>'s.</summary>
    public static PegBenchFields ReadPegBenchFields(ref IbFieldReader r, IbOrder o) =>
        o.OrderType != "PEG BENCH"
            ? new(o.ReferenceContractId, o.IsPeggedChangeAmountDecrease, o.PeggedChangeAmount, o.ReferenceChangeAmount, o.ReferenceExchangeId)
            : new(r.ReadInt(), r.ReadBool(), r.ReadDouble(), r.ReadDouble(), r.ReadString());

    internal readonly record struct PegBenchFields(int ReferenceContractId, bool IsPeggedChangeAmountDecrease, double PeggedChangeAmount,
        double ReferenceChangeAmount, string ReferenceExchangeId);

    /// <summary>
    /// The blocks placeOrder and openOrder share, each read into values where it falls among the message's own fields,
    /// then applied together: the order record is ~1 KB and <c>with</c> copies all of it, so a decoder that applied each
    /// block as it read it copied the order about nine times per message.
    /// </summary>
    internal readonly record struct SharedBlocks(DeltaNeutralFields DeltaNeutral, ScaleFields Scale, HedgeThroughAlgoFields HedgeThroughAlgo,
        PegBenchFields PegBench, ConditionFields Conditions)
    {
        public IbOrder ApplyTo(IbOrder o) => o with
        {
            DeltaNeutralOrderType = DeltaNeutral.OrderType,
            DeltaNeutralAuxPrice = DeltaNeutral.AuxPrice,
            DeltaNeutralConId = DeltaNeutral.ConId,
            DeltaNeutralSettlingFirm = DeltaNeutral.SettlingFirm,
            DeltaNeutralClearingAccount = DeltaNeutral.ClearingAccount,
            DeltaNeutralClearingIntent = DeltaNeutral.ClearingIntent,
            DeltaNeutralOpenClose = DeltaNeutral.OpenClose,
            DeltaNeutralShortSale = DeltaNeutral.ShortSale,
            DeltaNeutralShortSaleSlot = DeltaNeutral.ShortSaleSlot,
            DeltaNeutralDesignatedLocation = DeltaNeutral.DesignatedLocation,
            ScalePriceAdjustValue = Scale.AdjustValue,
            ScalePriceAdjustInterval = Scale.AdjustInterval,
            ScaleProfitOffset = Scale.ProfitOffset,
            ScaleAutoReset = Scale.AutoReset,
            ScaleInitPosition = Scale.InitPosition,
            ScaleInitFillQty = Scale.InitFillQty,
            ScaleRandomPercent = Scale.RandomPercent,
            HedgeType = HedgeThroughAlgo.HedgeType,
            HedgeParam = HedgeThroughAlgo.HedgeParam,
            OptOutSmartRouting = HedgeThroughAlgo.OptOutSmartRouting,
            ClearingAccount = HedgeThroughAlgo.ClearingAccount,
            ClearingIntent = HedgeThroughAlgo.ClearingIntent,
            NotHeld = HedgeThroughAlgo.NotHeld,
            DeltaNeutralContract = HedgeThroughAlgo.DeltaNeutralContract,
            AlgoStrategy = HedgeThroughAlgo.AlgoStrategy,
            AlgoParams = HedgeThroughAlgo.AlgoParams,
            ReferenceContractId = PegBench.ReferenceContractId,
            IsPeggedChangeAmountDecrease = PegBench.IsPeggedChangeAmountDecrease,
            PeggedChangeAmount = PegBench.PeggedChangeAmount,
            ReferenceChangeAmount = PegBench.ReferenceChangeAmount,
            ReferenceExchangeId = PegBench.ReferenceExchangeId,
            Conditions = Conditions.Conditions,
            ConditionsIgnoreRth = Conditions.IgnoreRth,
            ConditionsCancelOrder = Conditions.CancelOrder,
        };
    }
}
