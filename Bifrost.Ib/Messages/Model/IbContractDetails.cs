namespace Bifrost.Ib.Messages.Model;

/// <summary>
/// The body of contractData (reference §6.17). <see cref="IbContract.LastTradeDateOrContractMonth"/> keeps TWS's raw text,
/// which may carry a trailing " HH:MM[ zone]"; see <see cref="LastTradeDateOnly"/>.
/// </summary>
public sealed record IbContractDetails
{
    public IbContract Contract { get; init; } = new();
    public string LastTradeDate { get; init; } = "";
    public string MarketName { get; init; } = "";
    public double MinTick { get; init; }
    public string OrderTypes { get; init; } = "";
    public string ValidExchanges { get; init; } = "";
    public int PriceMagnifier { get; init; }
    public int UnderConId { get; init; }
    public string LongName { get; init; } = "";
    public string ContractMonth { get; init; } = "";
    public string Industry { get; init; } = "";
    public string Category { get; init; } = "";
    public string Subcategory { get; init; } = "";
    public string TimeZoneId { get; init; } = "";
    public string TradingHours { get; init; } = "";
    public string LiquidHours { get; init; } = "";
    public string EvRule { get; init; } = "";
    public double? EvMultiplier { get; init; }
    public IReadOnlyList<IbTagValue> SecIdList { get; init; } = [];
    public int AggGroup { get; init; }
    public string UnderSymbol { get; init; } = "";
    public string UnderSecType { get; init; } = "";
    public string MarketRuleIds { get; init; } = "";
    public string RealExpirationDate { get; init; } = "";
    public string StockType { get; init; } = "";
    public decimal? MinSize { get; init; }
    public decimal? SizeIncrement { get; init; }
    public decimal? SuggestedSizeIncrement { get; init; }
    /// <summary>The 17 fund fields, present only when SecType is FUND; kept as raw text.</summary>
    public IReadOnlyList<string> FundFields { get; init; } = [];
    /// <summary>(id, description) pairs.</summary>
    public IReadOnlyList<IbTagValue> IneligibilityReasons { get; init; } = [];

    /// <summary>The date part of <see cref="IbContract.LastTradeDateOrContractMonth"/> (split on space or '-').</summary>
    public string LastTradeDateOnly => Contract.LastTradeDateOrContractMonth.Split(' ', '-')[0];

    public const int FundFieldCount = 17;
}
