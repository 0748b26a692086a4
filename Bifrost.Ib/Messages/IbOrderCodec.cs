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

    public static IbOrder ReadDeltaNeutralOrder(ref IbFieldReader r, IbOrder o)
    {
        o = o with { DeltaNeutralOrderType = r.ReadString(), DeltaNeutralAuxPrice = r.ReadDoubleMax() };
        if (o.DeltaNeutralOrderType.Length == 0) return o;
        return o with
        {
            DeltaNeutralConId = r.ReadInt(),
            DeltaNeutralSettlingFirm = r.ReadString(),
            DeltaNeutralClearingAccount = r.ReadString(),
            DeltaNeutralClearingIntent = r.ReadString(),
            DeltaNeutralOpenClose = r.ReadString(),
            DeltaNeutralShortSale = r.ReadBool(),
            DeltaNeutralShortSaleSlot = r.ReadInt(),
            DeltaNeutralDesignatedLocation = r.ReadString(),
        };
    }

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

    public static IbOrder ReadScalePriceAdjustment(ref IbFieldReader r, IbOrder o) =>
        o.ScalePriceIncrement is not > 0 ? o : o with
        {
            ScalePriceAdjustValue = r.ReadDoubleMax(),
            ScalePriceAdjustInterval = r.ReadIntMax(),
            ScaleProfitOffset = r.ReadDoubleMax(),
            ScaleAutoReset = r.ReadBool(),
            ScaleInitPosition = r.ReadIntMax(),
            ScaleInitFillQty = r.ReadIntMax(),
            ScaleRandomPercent = r.ReadBool(),
        };

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

    public static IbOrder ReadHedgeThroughAlgo(ref IbFieldReader r, IbOrder o)
    {
        o = o with { HedgeType = r.ReadString() };
        if (o.HedgeType.Length > 0) o = o with { HedgeParam = r.ReadString() };
        o = o with
        {
            OptOutSmartRouting = r.ReadBool(),
            ClearingAccount = r.ReadString(),
            ClearingIntent = r.ReadString(),
            NotHeld = r.ReadBool(),
            DeltaNeutralContract = IbContractCodec.ReadDeltaNeutral(ref r),
            AlgoStrategy = r.ReadString(),
        };
        return o.AlgoStrategy.Length > 0 ? o with { AlgoParams = IbContractCodec.ReadTagValues(ref r) } : o;
    }

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

    public static IbOrder ReadConditions(ref IbFieldReader r, IbOrder o)
    {
        int n = IbContractCodec.ReadCount(ref r, 3);
        if (n == 0) return o;
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
        return o with { Conditions = list, ConditionsIgnoreRth = r.ReadBool(), ConditionsCancelOrder = r.ReadBool() };
    }
}
