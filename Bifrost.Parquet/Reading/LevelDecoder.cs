using System.Buffers.Binary;
using Bifrost.Parquet.Encodings;
using Bifrost.Parquet.Format;

namespace Bifrost.Parquet.Reading;

/// <summary>Definition levels of a flat column: level == max means a value is present, lower means null.</summary>
internal static class LevelDecoder
{
    [ThreadStatic] private static int[]? _levels;

    /// <summary>Data page v1: RLE levels carry a 4-byte length prefix; the deprecated BIT_PACKED packs MSB first. Returns bytes
    /// used; <paramref name="present"/> is the number of valid (non-null) rows.</summary>
    public static int DecodeV1(ParquetEncoding encoding, byte[] buffer, int offset, int length, int maxLevel, Span<bool> valid, out int present)
    {
        int bitWidth = BitUnpacker.BitWidthOf(maxLevel);
        switch (encoding)
        {
            case ParquetEncoding.Rle:
            {
                if (length < 4) throw new InvalidDataException("definition levels lack their length prefix");
                int size = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(offset));
                if (size < 0 || size > length - 4) throw new InvalidDataException($"definition levels claim {size} bytes, {length - 4} remain in the page");
                present = DecodeHybrid(buffer, offset + 4, size, bitWidth, maxLevel, valid);
                return 4 + size;
            }
            case ParquetEncoding.BitPacked:
            {
                long bits = (long)valid.Length * bitWidth;
                int size = (int)((bits + 7) / 8);
                if (size > length) throw new InvalidDataException("BIT_PACKED definition levels extend past the page");
                present = 0;
                for (int i = 0; i < valid.Length; i++)
                {
                    int level = 0;
                    for (int b = 0; b < bitWidth; b++)
                    {
                        long bit = (long)i * bitWidth + b;
                        level = (level << 1) | (buffer[offset + (int)(bit >> 3)] >> (7 - (int)(bit & 7)) & 1);
                    }
                    valid[i] = level == maxLevel;
                    if (valid[i]) present++;
                }
                return size;
            }
            default:
                throw new NotSupportedException($"definition level encoding {encoding} is not supported");
        }
    }

    /// <summary>Data page v2 and the RLE payload of v1: the hybrid without a length prefix. Returns the number of valid
    /// (non-null) rows.</summary>
    public static int DecodeHybrid(byte[] buffer, int offset, int length, int bitWidth, int maxLevel, Span<bool> valid)
    {
        // Bit-packed runs unpack through a per-thread scratch array (a fresh one per page would be a large-object
        // allocation at 64K levels); RLE runs, the whole page when nothing is null, fill the validity directly.
        _levels ??= new int[4096];
        int read = new RleBitPackedDecoder(buffer, offset, length, bitWidth).ReadLevels(valid, maxLevel, _levels, out int present);
        if (read != valid.Length) throw new InvalidDataException($"definition levels hold {read} values, the page has {valid.Length}");
        return present;
    }
}
