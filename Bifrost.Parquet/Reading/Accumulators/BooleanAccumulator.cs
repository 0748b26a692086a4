using System.Buffers.Binary;
using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Encodings;
using Bifrost.Parquet.Format;

namespace Bifrost.Parquet.Reading.Accumulators;

/// <summary>BOOLEAN: PLAIN is bit-packed; RLE (used by some v2 writers) is the hybrid with a 4-byte length prefix.</summary>
internal sealed class BooleanAccumulator(int rows) : ColumnAccumulator
{
    private readonly bool[] _values = new bool[rows];

    public override void ReadDictionary(ParquetEncoding encoding, ReadOnlySpan<byte> data, int count) =>
        throw new InvalidDataException("BOOLEAN columns have no dictionary pages");

    public override void ReadValues(ParquetEncoding encoding, byte[] buffer, int offset, int length, int count, int row)
    {
        switch (encoding)
        {
            case ParquetEncoding.Plain:
                PlainDecoder.DecodeBooleans(buffer.AsSpan(offset, length), _values.AsSpan(row, count));
                break;
            case ParquetEncoding.Rle:
            {
                if (length < 4) throw new InvalidDataException("RLE boolean page lacks its length prefix");
                int size = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(offset));
                if (size < 0 || size > length - 4) throw new InvalidDataException($"RLE boolean data claims {size} bytes, {length - 4} remain");
                var bits = new int[count];
                if (new RleBitPackedDecoder(buffer, offset + 4, size, 1).Read(bits) != count) throw new InvalidDataException("RLE boolean data holds too few values");
                for (int i = 0; i < count; i++) _values[row + i] = bits[i] != 0;
                break;
            }
            default:
                throw Unsupported(encoding, "BOOLEAN");
        }
    }

    public override void Spread(int row, int count, ReadOnlySpan<bool> valid) => Spread(_values, row, count, valid);

    public override Column Build(bool[]? validity) => new BooleanColumn(_values, validity);
}
