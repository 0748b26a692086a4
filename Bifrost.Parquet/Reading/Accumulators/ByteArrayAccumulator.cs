using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Encodings;
using Bifrost.Parquet.Format;

namespace Bifrost.Parquet.Reading.Accumulators;

/// <summary>Turns one raw BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY value into the column's element type.</summary>
internal delegate T ByteArrayConverter<T>(ReadOnlySpan<byte> value);

/// <summary>
/// Variable and fixed-length byte arrays, converted on the way in (UTF-8 string, decimal, byte[]).
/// Dictionary values are converted once. While every page is dictionary-encoded only the ids are kept (a page's
/// values are not copied per row); the values are built from them at the end, or, for strings, when first read
/// (<paramref name="buildFromDictionary"/>). A page that is not dictionary-encoded switches the chunk to values.
/// </summary>
internal sealed class ByteArrayAccumulator<T>(
    int rows, int fixedLength, ByteArrayConverter<T> convert, Func<T[], bool[]?, Column> build,
    Func<T[], int[], bool[]?, Column>? buildFromDictionary = null, T[]? reuse = null, int[]? reuseIds = null) : ColumnAccumulator
{
    // Written over from the previous row group's arrays of this column when they have the same length.
    private T[]? _values;
    private T[]? _dictionary;
    private int[]? _ids;
    private bool _allDictionary = true;

    private string TypeName => fixedLength > 0 ? "FIXED_LEN_BYTE_ARRAY" : "BYTE_ARRAY";

    public override void ReadDictionary(ParquetEncoding encoding, ReadOnlySpan<byte> data, int count)
    {
        if (encoding is not (ParquetEncoding.Plain or ParquetEncoding.PlainDictionary)) throw Unsupported(encoding, TypeName + " dictionary");
        var dictionary = new T[count];
        int index = 0;
        DecodePlain(data, count, value => dictionary[index++] = convert(value));
        _dictionary = dictionary;
    }

    public override void ReadValues(ParquetEncoding encoding, byte[] buffer, int offset, int length, int count, int row)
    {
        if (encoding is ParquetEncoding.PlainDictionary or ParquetEncoding.RleDictionary)
        {
            var dictionary = _dictionary ?? throw MissingDictionary();
            var ids = ReadDictionaryIds(buffer, offset, length, count, dictionary.Length);
            if (_allDictionary)
            {
                _ids ??= Recycled(reuseIds, rows);
                ids.CopyTo(_ids.AsSpan(row));
                return;
            }
            // Through a span: one type check for the array, not a covariance check per stored value.
            var values = _values.AsSpan(row, count);
            for (int i = 0; i < count; i++) values[i] = dictionary[ids[i]];
            return;
        }
        if (_allDictionary) SwitchToValues(row);
        var data = buffer.AsSpan(offset, length);
        int index = row;
        var target = _values!;
        ByteArraySink sink = value => target[index++] = convert(value);
        switch (encoding)
        {
            case ParquetEncoding.Plain:
                DecodePlain(data, count, sink);
                break;
            case ParquetEncoding.DeltaLengthByteArray when fixedLength == 0:
                DeltaLengthByteArrayDecoder.Decode(data, count, sink);
                break;
            case ParquetEncoding.DeltaByteArray:
                DeltaByteArrayDecoder.Decode(data, count, sink);
                break;
            case ParquetEncoding.ByteStreamSplit when fixedLength > 0:
            {
                var plain = new byte[(long)count * fixedLength];
                ByteStreamSplitDecoder.Decode(data, fixedLength, count, plain);
                PlainDecoder.DecodeFixedLenByteArrays(plain, count, fixedLength, sink);
                break;
            }
            default:
                throw Unsupported(encoding, TypeName);
        }
        if (index != row + count) throw new InvalidDataException($"page decoded {index - row} values, {count} expected");
    }

    public override void Spread(int row, int count, ReadOnlySpan<bool> valid)
    {
        if (!_allDictionary)
        {
            Spread(_values!, row, count, valid);
            return;
        }
        // Ids only so far: a null row gets -1 (count may be 0: a page of nulls has no ids and allocated nothing yet).
        _ids ??= Recycled(reuseIds, rows);
        int source = row + count - 1;
        for (int i = valid.Length - 1; i >= 0; i--) _ids[row + i] = valid[i] ? _ids[source--] : -1;
    }

    public override Column Build(bool[]? validity)
    {
        if (!_allDictionary) return build(_values!, validity);
        var ids = _ids ?? new int[rows];
        var dictionary = _dictionary ?? [];
        if (buildFromDictionary is not null) return buildFromDictionary(dictionary, ids, validity);
        SwitchToValues(rows);
        return build(_values!, validity);
    }

    /// <summary>Leaves ids-only mode: the rows decoded so far (nulls already spread as -1) become values.</summary>
    private void SwitchToValues(int rowsSoFar)
    {
        _values = Recycled(reuse, rows);
        if (rowsSoFar > 0)
        {
            var ids = _ids!;
            var dictionary = _dictionary!;
            var values = _values.AsSpan(0, rowsSoFar);
            for (int i = 0; i < values.Length; i++) values[i] = ids[i] < 0 ? default! : dictionary[ids[i]];
        }
        _allDictionary = false;
    }

    private void DecodePlain(ReadOnlySpan<byte> data, int count, ByteArraySink sink)
    {
        if (fixedLength > 0) PlainDecoder.DecodeFixedLenByteArrays(data, count, fixedLength, sink);
        else PlainDecoder.DecodeByteArrays(data, count, sink);
    }
}
