using Bifrost.Ib.Messages.Model;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages;

/// <summary>The contract field blocks shared by several messages; each block is named after where it appears.</summary>
internal static class IbContractCodec
{
    /// <summary>reqMktData/placeOrder/reqContractDetails: conId … tradingClass (12 fields, with primaryExchange).</summary>
    public static void WriteRequest(IbFieldWriter w, IbContract c) => Write(w, c, c.Exchange, c.PrimaryExchange);

    public static IbContract ReadRequest(ref IbFieldReader r) => new()
    {
        ConId = r.ReadInt(),
        Symbol = r.ReadString(),
        SecType = r.ReadString(),
        LastTradeDateOrContractMonth = r.ReadString(),
        Strike = r.ReadDoubleMax(),
        Right = r.ReadString(),
        Multiplier = r.ReadString(),
        Exchange = r.ReadString(),
        PrimaryExchange = r.ReadString(),
        Currency = r.ReadString(),
        LocalSymbol = r.ReadString(),
        TradingClass = r.ReadString(),
    };

    /// <summary>
    /// openOrder/execDetails/position/updatePortfolio: conId … tradingClass (11 fields). updatePortfolio carries
    /// primaryExchange where the others carry exchange.
    /// </summary>
    public static void WriteReported(IbFieldWriter w, IbContract c, bool primaryExchange = false) =>
        Write(w, c, primaryExchange ? c.PrimaryExchange : c.Exchange, primaryExchange: null);

    /// <summary>conId … multiplier, one exchange field, primaryExchange when the message has it, currency … tradingClass.</summary>
    private static void Write(IbFieldWriter w, IbContract c, string exchange, string? primaryExchange)
    {
        w.Write(c.ConId);
        w.Write(c.Symbol);
        w.Write(c.SecType);
        w.Write(c.LastTradeDateOrContractMonth);
        w.Write(c.Strike);
        w.Write(c.Right);
        w.Write(c.Multiplier);
        w.Write(exchange);
        if (primaryExchange is not null) w.Write(primaryExchange);
        w.Write(c.Currency);
        w.Write(c.LocalSymbol);
        w.Write(c.TradingClass);
    }

    public static IbContract ReadReported(ref IbFieldReader r, bool primaryExchange = false)
    {
        int conId = r.ReadInt();
        string symbol = r.ReadString();
        string secType = r.ReadString();
        string expiry = r.ReadString();
        double? strike = r.ReadDoubleMax();
        string right = r.ReadString();
        string multiplier = r.ReadString();
        string exchange = r.ReadString();
        return new IbContract
        {
            ConId = conId, Symbol = symbol, SecType = secType, LastTradeDateOrContractMonth = expiry, Strike = strike,
            Right = right, Multiplier = multiplier,
            Exchange = primaryExchange ? "" : exchange,
            PrimaryExchange = primaryExchange ? exchange : "",
            Currency = r.ReadString(), LocalSymbol = r.ReadString(), TradingClass = r.ReadString(),
        };
    }

    public static void WriteDeltaNeutral(IbFieldWriter w, IbDeltaNeutralContract? dn)
    {
        w.Write(dn is not null);
        if (dn is null) return;
        w.Write(dn.ConId);
        w.Write(dn.Delta);
        w.Write(dn.Price);
    }

    public static IbDeltaNeutralContract? ReadDeltaNeutral(ref IbFieldReader r) =>
        r.ReadBool() ? new IbDeltaNeutralContract(r.ReadInt(), r.ReadDouble(), r.ReadDouble()) : null;

    /// <summary>A count followed by that many (tag, value) pairs; the count is bounded by the fields actually left.</summary>
    public static void WriteTagValues(IbFieldWriter w, IReadOnlyList<IbTagValue> list)
    {
        w.Write(list.Count);
        foreach (var tv in list)
        {
            w.Write(tv.Tag);
            w.Write(tv.Value);
        }
    }

    public static IReadOnlyList<IbTagValue> ReadTagValues(ref IbFieldReader r)
    {
        int n = ReadCount(ref r, 2);
        if (n == 0) return [];
        var list = new IbTagValue[n];
        for (int i = 0; i < n; i++) list[i] = new IbTagValue(r.ReadString(), r.ReadString());
        return list;
    }

    /// <summary>
    /// Reads a repeat count and rejects one that the rest of the frame cannot hold, so a hostile count cannot make us
    /// allocate a huge array before the truncation is noticed.
    /// </summary>
    public static int ReadCount(ref IbFieldReader r, int fieldsPerItem)
    {
        int n = r.ReadInt();
        if (n < 0 || (long)n * fieldsPerItem > r.RemainingFields)
            throw new IbProtocolException($"count {n} at field {r.Index - 1} exceeds the fields left in the frame");
        return n;
    }
}
