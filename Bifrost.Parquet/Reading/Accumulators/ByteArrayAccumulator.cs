using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Encodings;
using Bifrost.Parquet.Format;

namespace Bifrost.Parquet.Reading.Accumulators;

/// <summary>Turns one raw BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY value into the column's element type.</summary>
internal delegate T ByteArrayConverter<T>(ReadOnlySpan<byte> value);

/// <summary>
/// Variable and fixed-length byte arrays, converted on the way in (UTF-8 string, decimal, byte[]).
/// Dictionary values are converted once, so dictionary-encoded strings cost no allocation per row, and the
/// dictionary ids are kept while every page is dictionary-encoded.
/// </summary>
internal sealed class ByteArrayAccumulator<T>(
    int rows, int fixedLength, ByteArrayConverter<T> convert, Func<T[], bool[]?, T[]?, int[]?, Column> build,
    T[]? reuse = null, int[]? reuseIds = null) : ColumnAccumulator
{
    // The previous row group's arrays of this column, written over when they have the same length.
    private readonly T[] _values = reuse is not null && reuse.Length == rows ? reuse : new T[rows];
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
        var data = buffer.AsSpan(offset, length);
        int index = row;
        ByteArraySink sink = value => _values[index++] = convert(value);
        switch (encoding)
        {
            case ParquetEncoding.PlainDictionary:
            case ParquetEncoding.RleDictionary:
            {
                var dictionary = _dictionary ?? throw MissingDictionary();
                var ids = ReadDictionaryIds(buffer, offset, length, count, dictionary.Length);
                // Through a span: one type check for the array, not a covariance check per stored string.
                var values = _values.AsSpan(row, count);
                for (int i = 0; i < count; i++) values[i] = dictionary[ids[i]];
                if (_allDictionary)
                {
                    _ids ??= reuseIds is not null && reuseIds.Length == _values.Length ? reuseIds : new int[_values.Length];
                    ids.CopyTo(_ids.AsSpan(row));
                }
                return;
            }
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
        _allDictionary = false;
    }

    public override void Spread(int row, int count, ReadOnlySpan<bool> valid)
    {
        Spread(_values, row, count, valid);
        if (_ids is not null && _allDictionary)
        {
            int source = row + count - 1;
            for (int i = valid.Length - 1; i >= 0; i--) _ids[row + i] = valid[i] ? _ids[source--] : -1;
        }
    }

    public override Column Build(bool[]? validity)
    {
        bool keepIds = _allDictionary && _dictionary is not null;
        return build(_values, validity, keepIds ? _dictionary : null, keepIds ? _ids ?? [] : null);
    }

    private void DecodePlain(ReadOnlySpan<byte> data, int count, ByteArraySink sink)
    {
        if (fixedLength > 0) PlainDecoder.DecodeFixedLenByteArrays(data, count, fixedLength, sink);
        else PlainDecoder.DecodeByteArrays(data, count, sink);
    }
}
