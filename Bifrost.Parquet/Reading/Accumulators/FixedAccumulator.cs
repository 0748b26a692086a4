using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Encodings;
using Bifrost.Parquet.Format;

namespace Bifrost.Parquet.Reading.Accumulators;

/// <summary>Fixed-width values (INT32, INT64, INT96, FLOAT, DOUBLE): PLAIN is a straight copy into the row array.
/// <paramref name="reuse"/>: the previous row group's array of this column, written over when it has the same length
/// (every row is written: pages cover the row group).</summary>
internal sealed class FixedAccumulator<T>(int rows, string typeName, Func<T[], bool[]?, Column> build, T[]? reuse = null) : ColumnAccumulator
    where T : unmanaged
{
    private readonly T[] _values = Recycled(reuse, rows);
    private T[]? _dictionary;

    public override void ReadDictionary(ParquetEncoding encoding, ReadOnlySpan<byte> data, int count)
    {
        if (encoding is not (ParquetEncoding.Plain or ParquetEncoding.PlainDictionary)) throw Unsupported(encoding, typeName + " dictionary");
        _dictionary = new T[count];
        PlainDecoder.DecodeFixed(data, _dictionary.AsSpan());
    }

    public override void ReadValues(ParquetEncoding encoding, byte[] buffer, int offset, int length, int count, int row)
    {
        var destination = _values.AsSpan(row, count);
        var data = buffer.AsSpan(offset, length);
        switch (encoding)
        {
            case ParquetEncoding.Plain:
                PlainDecoder.DecodeFixed(data, destination);
                break;
            case ParquetEncoding.PlainDictionary:
            case ParquetEncoding.RleDictionary:
            {
                var dictionary = _dictionary ?? throw MissingDictionary();
                var ids = ReadDictionaryIds(buffer, offset, length, count, dictionary.Length);
                for (int i = 0; i < ids.Length; i++) destination[i] = dictionary[ids[i]];
                break;
            }
            case ParquetEncoding.DeltaBinaryPacked when typeof(T) == typeof(int) || typeof(T) == typeof(long):
            {
                long[] decoded = DeltaBinaryPackedDecoder.Decode(data, out _);
                if (decoded.Length < count) throw new InvalidDataException($"DELTA_BINARY_PACKED page holds {decoded.Length} values, {count} needed");
                if (typeof(T) == typeof(long))
                {
                    decoded.AsSpan(0, count).CopyTo(MemoryMarshal.Cast<T, long>(destination));
                }
                else
                {
                    var ints = MemoryMarshal.Cast<T, int>(destination);
                    for (int i = 0; i < count; i++) ints[i] = unchecked((int)decoded[i]);
                }
                break;
            }
            case ParquetEncoding.ByteStreamSplit:
                ByteStreamSplitDecoder.Decode(data, Unsafe.SizeOf<T>(), count, MemoryMarshal.AsBytes(destination));
                break;
            default:
                throw Unsupported(encoding, typeName);
        }
    }

    public override void Spread(int row, int count, ReadOnlySpan<bool> valid) => Spread(_values, row, count, valid);

    public override Column Build(bool[]? validity) => build(_values, validity);
}
