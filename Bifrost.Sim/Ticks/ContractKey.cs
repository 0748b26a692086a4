namespace Bifrost.Sim.Ticks;

/// <summary>Stock or option, as the canonical tick schema's <c>kind</c> column spells it.</summary>
public enum InstrumentKind : byte { Stock, Option }

/// <summary>What identifies an instrument in tick files and on the wire: symbol, kind and, for options, right,
/// strike and expiry. The contract id is derived from it deterministically (see <see cref="ConId"/>), so the
/// replay gateway and the backtester agree on ids without a shared registry.</summary>
public readonly record struct ContractKey(string Symbol, InstrumentKind Kind, char Right, double Strike, int ExpiryYyyymmdd)
{
    public static ContractKey Stock(string symbol) => new(symbol, InstrumentKind.Stock, ' ', 0, 0);
    public static ContractKey Option(string symbol, char right, double strike, int expiry) =>
        new(symbol, InstrumentKind.Option, char.ToUpperInvariant(right), strike, expiry);

    public bool IsOption => Kind == InstrumentKind.Option;

    /// <summary>A stable positive contract id: FNV-1a over the canonical text, kept in [1, 2^30).</summary>
    public int ConId
    {
        get
        {
            uint h = 2166136261;
            foreach (var c in ToString())
            {
                h ^= c;
                h *= 16777619;
            }
            var id = (int)(h & 0x3FFF_FFFF);
            return id == 0 ? 1 : id;
        }
    }

    public override string ToString() => IsOption
        ? FormattableString.Invariant($"{Symbol} {ExpiryYyyymmdd} {Right} {Strike:0.####}")
        : Symbol;
}
