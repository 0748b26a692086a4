namespace Bifrost.Parquet.Columns;

/// <summary>
/// The values of one column over one row group. Values has one slot per row; a null row holds the default value
/// and is marked false in <see cref="Validity"/>. Validity is null when no row is null (then every slot is valid).
/// </summary>
public abstract class Column
{
    protected Column(int length, bool[]? validity)
    {
        if (validity is not null && validity.Length != length) throw new ArgumentException($"validity has {validity.Length} entries for {length} values", nameof(validity));
        Length = length;
        Validity = validity;
        // Counted as zero bytes (vectorised): this runs for every nullable column of every row group.
        if (validity is not null) NullCount = System.Runtime.InteropServices.MemoryMarshal.Cast<bool, byte>(validity.AsSpan()).Count((byte)0);
    }

    public int Length { get; }
    public bool[]? Validity { get; }
    public int NullCount { get; }

    public bool IsNull(int row) => Validity is not null && !Validity[row];

    /// <summary>The value boxed, or null; for row-at-a-time use, not for hot loops.</summary>
    public object? GetValue(int row) => IsNull(row) ? null : GetValueUnchecked(row);

    protected abstract object? GetValueUnchecked(int row);
}

public sealed class BooleanColumn(bool[] values, bool[]? validity = null) : Column(values.Length, validity)
{
    public bool[] Values { get; } = values;
    protected override object? GetValueUnchecked(int row) => Values[row];
}

public sealed class Int32Column(int[] values, bool[]? validity = null) : Column(values.Length, validity)
{
    public int[] Values { get; } = values;
    protected override object? GetValueUnchecked(int row) => Values[row];
}

public sealed class Int64Column(long[] values, bool[]? validity = null) : Column(values.Length, validity)
{
    public long[] Values { get; } = values;
    protected override object? GetValueUnchecked(int row) => Values[row];
}

public sealed class FloatColumn(float[] values, bool[]? validity = null) : Column(values.Length, validity)
{
    public float[] Values { get; } = values;
    protected override object? GetValueUnchecked(int row) => Values[row];
}

public sealed class DoubleColumn(double[] values, bool[]? validity = null) : Column(values.Length, validity)
{
    public double[] Values { get; } = values;
    protected override object? GetValueUnchecked(int row) => Values[row];
}

public sealed class DecimalColumn(decimal[] values, bool[]? validity = null) : Column(values.Length, validity)
{
    public decimal[] Values { get; } = values;
    protected override object? GetValueUnchecked(int row) => Values[row];
}

public sealed class BinaryColumn(byte[]?[] values, bool[]? validity = null) : Column(values.Length, validity)
{
    public byte[]?[] Values { get; } = values;
    protected override object? GetValueUnchecked(int row) => Values[row];
}

/// <summary>
/// Strings; a null row holds null in Values. When every page of the chunk was dictionary-encoded the reader also
/// fills <see cref="Dictionary"/> and <see cref="DictionaryIds"/> (-1 for null), so a backtest can key on small ints
/// (e.g. symbols) without comparing strings; <see cref="Values"/> is then built from them on first use (sharing the
/// dictionary's string instances), so a reader that keys on the ids never pays for a string per row.
/// </summary>
public sealed class StringColumn : Column
{
    private string?[]? _values;
    private readonly string?[]? _valuesBuffer;

    public StringColumn(string?[] values, bool[]? validity = null, string[]? dictionary = null, int[]? dictionaryIds = null)
        : base(values.Length, validity ?? ValidityOf(values))
    {
        _values = values;
        Dictionary = dictionary;
        DictionaryIds = dictionaryIds;
    }

    /// <summary>A dictionary-encoded column whose values are built from the ids on first use, into
    /// <paramref name="valuesBuffer"/> when it has the right length (a recycled row group's array).</summary>
    internal StringColumn(string[] dictionary, int[] dictionaryIds, bool[]? validity, string?[]? valuesBuffer)
        : base(dictionaryIds.Length, validity)
    {
        Dictionary = dictionary;
        DictionaryIds = dictionaryIds;
        _valuesBuffer = valuesBuffer is not null && valuesBuffer.Length == dictionaryIds.Length ? valuesBuffer : null;
    }

    public string?[] Values => _values ?? Materialize();
    public string[]? Dictionary { get; }
    public int[]? DictionaryIds { get; }

    /// <summary>The values array if it exists yet (for a recycling reader to write over); never builds it.</summary>
    internal string?[]? ValuesIfBuilt => _values;

    /// <summary>Row <paramref name="row"/>'s string without building <see cref="Values"/>.</summary>
    public string? ValueAt(int row)
    {
        if (_values is { } values) return values[row];
        int id = DictionaryIds![row];
        return id < 0 ? null : Dictionary![id];
    }

    protected override object? GetValueUnchecked(int row) => ValueAt(row);

    private string?[] Materialize()
    {
        var ids = DictionaryIds!;
        var dictionary = Dictionary!;
        var values = _valuesBuffer ?? new string?[ids.Length];
        for (int i = 0; i < ids.Length; i++) values[i] = ids[i] < 0 ? null : dictionary[ids[i]];
        // Two threads may build it at once: both build equal arrays, and either may win.
        _values = values;
        return values;
    }

    private static bool[]? ValidityOf(string?[] values)
    {
        if (Array.IndexOf(values, null) < 0) return null;
        var validity = new bool[values.Length];
        for (int i = 0; i < values.Length; i++) validity[i] = values[i] is not null;
        return validity;
    }
}
