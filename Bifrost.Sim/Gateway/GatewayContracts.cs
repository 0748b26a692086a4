using System.Globalization;
using Bifrost.Ib.Messages.Model;
using Bifrost.Sim.Ticks;

namespace Bifrost.Sim.Gateway;

/// <summary>The contracts the replay gateway knows (those of the tick file), how a client's contract description is
/// matched against them, and how they are reported back on the wire. Pure functions over the file's contract map.
/// <paramref name="tradingClasses"/> (contract text or conId → trading class) describes an option as another series than
/// the standard one: an adjusted series after a corporate action (<c>XYZ1</c>), whose deliverable is not 100 shares.</summary>
public sealed class GatewayContracts(IReadOnlyDictionary<int, ContractKey> contracts, IReadOnlyDictionary<string, string>? tradingClasses = null)
{
    public const double MinTick = 0.01;
    public IReadOnlyDictionary<int, ContractKey> All { get; } = contracts;

    private readonly Dictionary<int, string> _tradingClasses = (tradingClasses ?? new Dictionary<string, string>()).ToDictionary(
        kv => FindIn(contracts, kv.Key) ?? throw new ArgumentException($"trading class for an unknown contract: {kv.Key}"), kv => kv.Value);

    /// <summary>The trading class the gateway reports for a contract: the symbol (a standard series) unless configured.</summary>
    public string TradingClassOf(int conId) =>
        _tradingClasses.TryGetValue(conId, out var t) ? t : All.TryGetValue(conId, out var k) ? k.Symbol : "";

    public bool TryGet(int conId, out ContractKey key) => All.TryGetValue(conId, out key);

    public static int Multiplier(ContractKey key) => key.IsOption ? 100 : 1;

    /// <summary>Every known contract the description matches: by conId when given, else by symbol, secType, right,
    /// strike and expiry (unset attributes match anything, as TWS does for contract-details lookups).</summary>
    public List<int> Match(IbContract c)
    {
        if (c.ConId > 0) return All.ContainsKey(c.ConId) ? [c.ConId] : [];
        if (c.Currency.Length > 0 && !c.Currency.Equals("USD", StringComparison.OrdinalIgnoreCase)) return [];
        var kind = c.SecType.ToUpperInvariant() switch
        {
            "STK" => InstrumentKind.Stock,
            "OPT" => InstrumentKind.Option,
            "" => (InstrumentKind?)null,
            _ => (InstrumentKind)255,
        };
        char? right = c.Right.ToUpperInvariant() switch { "C" or "CALL" => 'C', "P" or "PUT" => 'P', "" or "?" or "0" => null, _ => '!' };
        var expiry = c.LastTradeDateOrContractMonth.Split(' ', '-')[0];
        var matches = new List<int>();
        foreach (var (conId, k) in All)
        {
            if (!k.Symbol.Equals(c.Symbol, StringComparison.OrdinalIgnoreCase)) continue;
            if (kind is { } want && k.Kind != want) continue;
            if (k.IsOption)
            {
                if (right is { } r && k.Right != r) continue;
                if (c.Strike is { } s && s != 0 && Math.Abs(k.Strike - s) > 1e-6) continue;
                if (expiry.Length > 0 && !k.ExpiryYyyymmdd.ToString(CultureInfo.InvariantCulture).StartsWith(expiry, StringComparison.Ordinal)) continue;
            }
            matches.Add(conId);
        }
        matches.Sort();
        return matches;
    }

    /// <summary>Resolves a description to exactly one contract (market data, orders); null with the reason otherwise.</summary>
    public (int ConId, string? Problem) Resolve(IbContract c)
    {
        var m = Match(c);
        return m.Count switch
        {
            1 => (m[0], null),
            0 => (0, "No security definition has been found for the request"),
            _ => (0, $"The contract description specified for {c.Symbol} is ambiguous"),
        };
    }

    /// <summary>The contract as TWS reports it in openOrder, execDetails, position and updatePortfolio.</summary>
    public static IbContract Reported(int conId, ContractKey k, string exchange = "SMART", string? tradingClass = null) => new()
    {
        ConId = conId,
        Symbol = k.Symbol,
        SecType = k.IsOption ? "OPT" : "STK",
        LastTradeDateOrContractMonth = k.IsOption ? k.ExpiryYyyymmdd.ToString(CultureInfo.InvariantCulture) : "",
        Strike = k.IsOption ? k.Strike : 0.0,
        Right = k.IsOption ? k.Right.ToString() : "",
        Multiplier = k.IsOption ? "100" : "",
        Exchange = exchange,
        PrimaryExchange = k.IsOption ? "" : "NASDAQ",
        Currency = "USD",
        LocalSymbol = LocalSymbol(k),
        TradingClass = tradingClass ?? k.Symbol,
    };

    /// <summary><see cref="Reported"/> of a known contract with its trading class.</summary>
    public IbContract Report(int conId, string exchange = "SMART") => Reported(conId, All[conId], exchange, TradingClassOf(conId));

    /// <summary><see cref="Details"/> of a known contract with its trading class.</summary>
    public IbContractDetails Describe(int conId) => Details(conId, All[conId], TradingClassOf(conId));

    /// <summary>OCC-style local symbol for options (<c>XYZ   260320C00100000</c>), the symbol for stocks.</summary>
    public static string LocalSymbol(ContractKey k) => k.IsOption
        ? FormattableString.Invariant($"{k.Symbol,-6}{k.ExpiryYyyymmdd % 1_000_000:D6}{k.Right}{(long)Math.Round(k.Strike * 1000):D8}")
        : k.Symbol;

    public static IbContractDetails Details(int conId, ContractKey k, string? tradingClass = null)
    {
        var c = Reported(conId, k, tradingClass: tradingClass);
        var expiry = k.IsOption ? k.ExpiryYyyymmdd.ToString(CultureInfo.InvariantCulture) : "";
        return new IbContractDetails
        {
            Contract = c,
            MarketName = k.Symbol,
            MinTick = MinTick,
            OrderTypes = "LMT,MKT",
            ValidExchanges = "SMART",
            PriceMagnifier = 1,
            UnderConId = k.IsOption ? ContractKey.Stock(k.Symbol).ConId : 0,
            LongName = k.IsOption ? $"{k.Symbol} (synthetic replay option)" : $"{k.Symbol} (synthetic replay stock)",
            ContractMonth = k.IsOption ? expiry[..6] : "",
            TimeZoneId = "US/Eastern",
            TradingHours = "",
            LiquidHours = "",
            AggGroup = 1,
            UnderSymbol = k.IsOption ? k.Symbol : "",
            UnderSecType = k.IsOption ? "STK" : "",
            MarketRuleIds = "26",
            RealExpirationDate = expiry,
            StockType = k.IsOption ? "" : "COMMON",
            MinSize = 1,
            SizeIncrement = 1,
            SuggestedSizeIncrement = 1,
        };
    }

    /// <summary>Finds a contract by conId or by its canonical text (<c>XYZ</c>, <c>XYZ 20260320 C 100</c>).</summary>
    public int? Find(string spec) => FindIn(All, spec);

    private static int? FindIn(IReadOnlyDictionary<int, ContractKey> all, string spec)
    {
        if (int.TryParse(spec, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) && all.ContainsKey(id)) return id;
        foreach (var (conId, k) in all)
            if (k.ToString().Equals(spec.Trim(), StringComparison.OrdinalIgnoreCase)) return conId;
        return null;
    }
}
