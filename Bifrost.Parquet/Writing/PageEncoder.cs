using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Encodings;

namespace Bifrost.Parquet.Writing;

/// <summary>Encodes the values of a row range as PLAIN bytes or dictionary ids, skipping nulls (Parquet stores only present values).</summary>
internal static class PageEncoder
{
    public static void WriteDefinitionLevels(bool[] validity, int start, int count, MemoryStream output)
    {
        var levels = new int[count];
        for (int i = 0; i < count; i++) levels[i] = validity[start + i] ? 1 : 0;
        using var encoded = new MemoryStream();
        RleBitPackedEncoder.Encode(levels, 1, encoded);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, (int)encoded.Length);
        output.Write(length);
        encoded.WriteTo(output);
    }

    public static void WritePlain(Column column, int start, int count, MemoryStream output)
    {
        var validity = column.Validity;
        switch (column)
        {
            case Int32Column c: WriteFixed(c.Values, validity, start, count, output); break;
            case Int64Column c: WriteFixed(c.Values, validity, start, count, output); break;
            case FloatColumn c: WriteFixed(c.Values, validity, start, count, output); break;
            case DoubleColumn c: WriteFixed(c.Values, validity, start, count, output); break;
            case BooleanColumn c: WriteBooleans(c.Values, validity, start, count, output); break;
            case StringColumn c:
                for (int i = start; i < start + count; i++)
                {
                    if (c.Values[i] is { } s) WriteByteArray(System.Text.Encoding.UTF8.GetBytes(s), output);
                }
                break;
            default:
                throw new ArgumentException($"cannot write a {column.GetType().Name}");
        }
    }

    public static void WriteByteArray(ReadOnlySpan<byte> value, Stream output)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, value.Length);
        output.Write(length);
        output.Write(value);
    }

    public static void WriteDictionaryIds(int[] ids, bool[]? validity, int start, int count, int dictionarySize, MemoryStream output)
    {
        var present = new List<int>(count);
        for (int i = start; i < start + count; i++) if (validity is null || validity[i]) present.Add(ids[i]);
        int bitWidth = Math.Max(1, BitUnpacker.BitWidthOf(dictionarySize - 1));
        output.WriteByte((byte)bitWidth);
        RleBitPackedEncoder.Encode(CollectionsMarshal.AsSpan(present), bitWidth, output);
    }

    private static void WriteFixed<T>(T[] values, bool[]? validity, int start, int count, MemoryStream output) where T : unmanaged
    {
        if (validity is null)
        {
            output.Write(MemoryMarshal.AsBytes(values.AsSpan(start, count)));
            return;
        }
        for (int i = start; i < start + count; i++)
        {
            if (validity[i]) output.Write(MemoryMarshal.AsBytes(values.AsSpan(i, 1)));
        }
    }

    private static void WriteBooleans(bool[] values, bool[]? validity, int start, int count, MemoryStream output)
    {
        int bit = 0;
        byte current = 0;
        for (int i = start; i < start + count; i++)
        {
            if (validity is not null && !validity[i]) continue;
            if (values[i]) current |= (byte)(1 << bit);
            if (++bit == 8)
            {
                output.WriteByte(current);
                current = 0;
                bit = 0;
            }
        }
        if (bit > 0) output.WriteByte(current);
    }
}
