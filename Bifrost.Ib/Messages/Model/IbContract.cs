namespace Bifrost.Ib.Messages.Model;

/// <summary>
/// A contract as it travels in requests and replies. Strings default to "" because ∅ is the wire's "not set"; strike is
/// null when unset (options carry it; requests for stocks send ∅).
/// </summary>
public sealed record IbContract
{
    public int ConId { get; init; }
    public string Symbol { get; init; } = "";
    public string SecType { get; init; } = "";
    public string LastTradeDateOrContractMonth { get; init; } = "";
    public double? Strike { get; init; }
    public string Right { get; init; } = "";
    public string Multiplier { get; init; } = "";
    public string Exchange { get; init; } = "";
    public string PrimaryExchange { get; init; } = "";
    public string Currency { get; init; } = "";
    public string LocalSymbol { get; init; } = "";
    public string TradingClass { get; init; } = "";
    public string SecIdType { get; init; } = "";
    public string SecId { get; init; } = "";
    public string IssuerId { get; init; } = "";

    /// <summary>A US stock routed SMART.</summary>
    public static IbContract Stock(string symbol, string exchange = "SMART", string currency = "USD") =>
        new() { Symbol = symbol, SecType = "STK", Exchange = exchange, Currency = currency };

    /// <summary>A US equity option routed SMART; <paramref name="right"/> is C or P, expiry YYYYMMDD.</summary>
    public static IbContract Option(string symbol, string expiry, double strike, string right, string tradingClass = "",
        string multiplier = "100", string exchange = "SMART", string currency = "USD") =>
        new()
        {
            Symbol = symbol, SecType = "OPT", LastTradeDateOrContractMonth = expiry, Strike = strike, Right = right,
            Multiplier = multiplier, Exchange = exchange, Currency = currency, TradingClass = tradingClass,
        };
}
