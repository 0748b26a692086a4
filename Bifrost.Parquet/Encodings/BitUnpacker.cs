using System.Buffers.Binary;

namespace Bifrost.Parquet.Encodings;

/// <summary>Reads little-endian, LSB-first bit-packed integers (Parquet's bit-packing for the RLE hybrid and delta encodings).</summary>
internal static class BitUnpacker
{
    /// <summary>Unpacks <paramref name="count"/> values of <paramref name="bitWidth"/> bits (0..32) from the start of <paramref name="source"/>.</summary>
    public static void Unpack32(ReadOnlySpan<byte> source, int bitWidth, Span<int> destination, int count, long firstBit = 0)
    {
        if (bitWidth == 0)
        {
            destination[..count].Clear();
            return;
        }
        ulong mask = (1UL << bitWidth) - 1;
        long bit = firstBit;
        for (int i = 0; i < count; i++, bit += bitWidth)
        {
            destination[i] = (int)(ReadWindow(source, (int)(bit >> 3)) >> (int)(bit & 7) & mask);
        }
    }

    /// <summary>Unpacks values of up to 64 bits (DELTA_BINARY_PACKED over INT64).</summary>
    public static void Unpack64(ReadOnlySpan<byte> source, int bitWidth, Span<long> destination, int count)
    {
        if (bitWidth == 0)
        {
            destination[..count].Clear();
            return;
        }
        if (bitWidth <= 56)
        {
            ulong mask = (1UL << bitWidth) - 1;
            long bit = 0;
            for (int i = 0; i < count; i++, bit += bitWidth)
            {
                destination[i] = (long)(ReadWindow(source, (int)(bit >> 3)) >> (int)(bit & 7) & mask);
            }
            return;
        }
        // Wider than 56 bits a value can straddle nine bytes: assemble it from two windows.
        ulong wideMask = bitWidth == 64 ? ulong.MaxValue : (1UL << bitWidth) - 1;
        long position = 0;
        for (int i = 0; i < count; i++, position += bitWidth)
        {
            int shift = (int)(position & 7);
            int start = (int)(position >> 3);
            ulong low = ReadWindow(source, start) >> shift;
            if (shift != 0) low |= (ulong)ReadByteOrZero(source, start + 8) << (64 - shift);
            destination[i] = (long)(low & wideMask);
        }
    }

    // Reads eight bytes from index, padding with zeros past the end (the last values of a run sit at the end of the buffer).
    private static ulong ReadWindow(ReadOnlySpan<byte> source, int index)
    {
        if (index + 8 <= source.Length) return BinaryPrimitives.ReadUInt64LittleEndian(source[index..]);
        ulong value = 0;
        for (int k = 0; index + k < source.Length && k < 8; k++) value |= (ulong)source[index + k] << (8 * k);
        return value;
    }

    private static byte ReadByteOrZero(ReadOnlySpan<byte> source, int index) => index < source.Length ? source[index] : (byte)0;

    public static int BitWidthOf(long maxValue) => maxValue <= 0 ? 0 : 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)maxValue);
}
