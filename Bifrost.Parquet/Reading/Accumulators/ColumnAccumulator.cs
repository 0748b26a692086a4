using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Format;

namespace Bifrost.Parquet.Reading.Accumulators;

/// <summary>
/// Collects one column chunk's values into row-group-sized arrays, page by page. A data page's non-null values are
/// decoded densely at the page's first row, then spread out over the rows using the definition levels.
/// </summary>
internal abstract class ColumnAccumulator
{
    public abstract void ReadDictionary(ParquetEncoding encoding, ReadOnlySpan<byte> data, int count);

    /// <summary>Decodes <paramref name="count"/> values into rows [row, row + count).</summary>
    public abstract void ReadValues(ParquetEncoding encoding, byte[] buffer, int offset, int length, int count, int row);

    /// <summary>Moves the values decoded at <paramref name="row"/> to the rows marked valid (nulls get the default value).</summary>
    public abstract void Spread(int row, int count, ReadOnlySpan<bool> valid);

    public abstract Column Build(bool[]? validity);

    /// <summary>The previous row group's array of this column when it has the right length (recycling readers), else a
    /// fresh one.</summary>
    protected static T[] Recycled<T>(T[]? previous, int rows) => previous is not null && previous.Length == rows ? previous : new T[rows];

    protected static void Spread<T>(T[] values, int row, int count, ReadOnlySpan<bool> valid)
    {
        int source = row + count - 1;
        for (int i = valid.Length - 1; i >= 0; i--)
        {
            values[row + i] = valid[i] ? values[source--] : default!;
        }
    }

    // A page's dictionary ids, in a per-thread scratch array (read, then used before the next page is decoded).
    [ThreadStatic] private static int[]? _ids;

    /// <summary>The page's dictionary ids, checked against the dictionary; valid until the next page is read.</summary>
    protected static ReadOnlySpan<int> ReadDictionaryIds(byte[] buffer, int offset, int length, int count, int dictionarySize)
    {
        if (length < 1) throw new InvalidDataException("dictionary-encoded page has no bit-width byte");
        int bitWidth = buffer[offset];
        if (_ids is null || _ids.Length < count) _ids = new int[Math.Max(count, 1024)];
        var ids = _ids.AsSpan(0, count);
        var decoder = new Encodings.RleBitPackedDecoder(buffer, offset + 1, length - 1, bitWidth);
        if (decoder.Read(ids) != count) throw new InvalidDataException($"dictionary-encoded page holds fewer than its {count} ids");
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)dictionarySize) throw new InvalidDataException($"dictionary id {id} is outside the dictionary of {dictionarySize} values");
        }
        return ids;
    }

    protected static NotSupportedException Unsupported(ParquetEncoding encoding, string type) =>
        new($"encoding {encoding} is not supported for {type} values");

    protected static InvalidDataException MissingDictionary() => new("dictionary-encoded page without a preceding dictionary page");
}
