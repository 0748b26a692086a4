using Bifrost.Parquet.Columns;

namespace Bifrost.Sim.Ticks;

/// <summary>The canonical tick schema (docs: README "Tick schema"). A file whose columns are named differently is
/// read through a <see cref="ColumnMapping"/>.</summary>
public static class TickSchema
{
    public const string Ts = "ts";
    public const string Symbol = "symbol";
    public const string Kind = "kind";
    public const string Right = "right";
    public const string Strike = "strike";
    public const string Expiry = "expiry";
    public const string Bid = "bid";
    public const string Ask = "ask";
    public const string Last = "last";
    public const string BidSize = "bid_size";
    public const string AskSize = "ask_size";
    public const string Iv = "iv";

    /// <summary>Required columns; the rest are optional and read as NaN when missing.</summary>
    public static readonly string[] Required = [Ts, Symbol, Kind, Bid, Ask];
    public static readonly string[] All = [Ts, Symbol, Kind, Right, Strike, Expiry, Bid, Ask, Last, BidSize, AskSize, Iv];

    /// <summary>The schema Bifrost writes (sample data, generated files).</summary>
    public static ColumnDescriptor[] Descriptors() =>
    [
        ColumnDescriptor.Create(Ts, ValueKind.TimestampNanos),
        ColumnDescriptor.Create(Symbol, ValueKind.String),
        ColumnDescriptor.Create(Kind, ValueKind.String),
        ColumnDescriptor.Create(Right, ValueKind.String, optional: true),
        ColumnDescriptor.Create(Strike, ValueKind.Double, optional: true),
        ColumnDescriptor.Create(Expiry, ValueKind.Date, optional: true),
        ColumnDescriptor.Create(Bid, ValueKind.Double, optional: true),
        ColumnDescriptor.Create(Ask, ValueKind.Double, optional: true),
        ColumnDescriptor.Create(Last, ValueKind.Double, optional: true),
        ColumnDescriptor.Create(BidSize, ValueKind.Double, optional: true),
        ColumnDescriptor.Create(AskSize, ValueKind.Double, optional: true),
        ColumnDescriptor.Create(Iv, ValueKind.Double, optional: true),
    ];
}

/// <summary>Canonical column name → the file's column name, for files named differently.</summary>
public sealed class ColumnMapping
{
    private readonly Dictionary<string, string> _map;

    public ColumnMapping(IReadOnlyDictionary<string, string>? overrides = null)
    {
        _map = TickSchema.All.ToDictionary(c => c, c => c, StringComparer.Ordinal);
        if (overrides is null) return;
        foreach (var (canonical, fileName) in overrides)
        {
            if (!_map.ContainsKey(canonical))
                throw new ArgumentException($"column mapping: '{canonical}' is not a canonical tick column (expected one of {string.Join(", ", TickSchema.All)})");
            _map[canonical] = fileName;
        }
    }

    public static ColumnMapping Identity { get; } = new();

    public string this[string canonical] => _map[canonical];

    /// <summary>A text that is equal for equal mappings (the key of a sweep's decoded-data cache).</summary>
    public string Key => string.Join(";", TickSchema.All.Select(c => $"{c}={_map[c]}"));
}
