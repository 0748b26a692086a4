using Bifrost.Ib.Messages.Model;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary>
/// contractData at 193 (reference §6.17): 42 fields for a non-FUND contract, no version field. Field order is not the
/// contract's usual order (conId comes after tradingClass), hence the explicit walk.
/// </summary>
public sealed record IbContractData(int ReqId, IbContractDetails Details) : IIbServerMessage, IIbDecodable<IbContractData>
{
    public void Encode(IbFieldWriter w)
    {
        var d = Details;
        var c = d.Contract;
        w.Write(IbServerMessageId.ContractData);
        w.Write(ReqId);
        w.Write(c.Symbol);
        w.Write(c.SecType);
        w.Write(c.LastTradeDateOrContractMonth);
        w.Write(d.LastTradeDate);
        w.Write(c.Strike);
        w.Write(c.Right);
        w.Write(c.Exchange);
        w.Write(c.Currency);
        w.Write(c.LocalSymbol);
        w.Write(d.MarketName);
        w.Write(c.TradingClass);
        w.Write(c.ConId);
        w.Write(d.MinTick);
        w.Write(c.Multiplier);
        w.Write(d.OrderTypes);
        w.Write(d.ValidExchanges);
        w.Write(d.PriceMagnifier);
        w.Write(d.UnderConId);
        w.Write(d.LongName);
        w.Write(c.PrimaryExchange);
        w.Write(d.ContractMonth);
        w.Write(d.Industry);
        w.Write(d.Category);
        w.Write(d.Subcategory);
        w.Write(d.TimeZoneId);
        w.Write(d.TradingHours);
        w.Write(d.LiquidHours);
        w.Write(d.EvRule);
        w.Write(d.EvMultiplier);
        IbContractCodec.WriteTagValues(w, d.SecIdList);
        w.Write(d.AggGroup);
        w.Write(d.UnderSymbol);
        w.Write(d.UnderSecType);
        w.Write(d.MarketRuleIds);
        w.Write(d.RealExpirationDate);
        w.Write(d.StockType);
        w.Write(d.MinSize);
        w.Write(d.SizeIncrement);
        w.Write(d.SuggestedSizeIncrement);
        if (c.SecType == "FUND")
        {
            if (d.FundFields.Count != IbContractDetails.FundFieldCount)
                throw new ArgumentException($"a FUND contract needs {IbContractDetails.FundFieldCount} fund fields");
            foreach (var f in d.FundFields) w.Write(f);
        }
        IbContractCodec.WriteTagValues(w, d.IneligibilityReasons);
    }

    public static IbContractData Decode(ref IbFieldReader r)
    {
        int reqId = r.ReadInt();
        string symbol = r.ReadString(), secType = r.ReadString(), expiry = r.ReadString(), lastTradeDate = r.ReadString();
        double? strike = r.ReadDoubleMax();
        string right = r.ReadString(), exchange = r.ReadString(), currency = r.ReadString(), localSymbol = r.ReadString();
        string marketName = r.ReadString(), tradingClass = r.ReadString();
        int conId = r.ReadInt();
        double minTick = r.ReadDouble();
        string multiplier = r.ReadString(), orderTypes = r.ReadString(), validExchanges = r.ReadString();
        int priceMagnifier = r.ReadInt(), underConId = r.ReadInt();
        string longName = r.ReadString(), primaryExchange = r.ReadString();
        var d = new IbContractDetails
        {
            Contract = new IbContract
            {
                ConId = conId, Symbol = symbol, SecType = secType, LastTradeDateOrContractMonth = expiry, Strike = strike,
                Right = right, Multiplier = multiplier, Exchange = exchange, PrimaryExchange = primaryExchange,
                Currency = currency, LocalSymbol = localSymbol, TradingClass = tradingClass,
            },
            LastTradeDate = lastTradeDate, MarketName = marketName, MinTick = minTick, OrderTypes = orderTypes,
            ValidExchanges = validExchanges, PriceMagnifier = priceMagnifier, UnderConId = underConId, LongName = longName,
            ContractMonth = r.ReadString(),
            Industry = r.ReadString(),
            Category = r.ReadString(),
            Subcategory = r.ReadString(),
            TimeZoneId = r.ReadString(),
            TradingHours = r.ReadString(),
            LiquidHours = r.ReadString(),
            EvRule = r.ReadString(),
            EvMultiplier = r.ReadDoubleMax(),
            SecIdList = IbContractCodec.ReadTagValues(ref r),
            AggGroup = r.ReadInt(),
            UnderSymbol = r.ReadString(),
            UnderSecType = r.ReadString(),
            MarketRuleIds = r.ReadString(),
            RealExpirationDate = r.ReadString(),
            StockType = r.ReadString(),
            MinSize = r.ReadDecimal(),
            SizeIncrement = r.ReadDecimal(),
            SuggestedSizeIncrement = r.ReadDecimal(),
        };
        if (secType == "FUND")
        {
            var fund = new string[IbContractDetails.FundFieldCount];
            for (int i = 0; i < fund.Length; i++) fund[i] = r.ReadString();
            d = d with { FundFields = fund };
        }
        d = d with { IneligibilityReasons = IbContractCodec.ReadTagValues(ref r) };
        return new IbContractData(reqId, d);
    }
}
