namespace Bifrost.Parquet.Encodings;

/// <summary>DELTA_BINARY_PACKED writer (block 128, four miniblocks of 32), used to build test vectors and delta string lengths.</summary>
internal static class DeltaBinaryPackedEncoder
{
    private const int BlockSize = 128;
    private const int Miniblocks = 4;
    private const int PerMiniblock = BlockSize / Miniblocks;

    public static void Encode(ReadOnlySpan<long> values, Stream output)
    {
        WriteUVarint(BlockSize, output);
        WriteUVarint(Miniblocks, output);
        WriteUVarint((ulong)values.Length, output);
        WriteZigZag(values.Length > 0 ? values[0] : 0, output);
        var deltas = new long[BlockSize];
        for (int start = 1; start < values.Length; start += BlockSize)
        {
            int count = Math.Min(BlockSize, values.Length - start);
            long minDelta = long.MaxValue;
            for (int i = 0; i < count; i++)
            {
                deltas[i] = unchecked(values[start + i] - values[start + i - 1]);
                minDelta = Math.Min(minDelta, deltas[i]);
            }
            WriteZigZag(minDelta, output);
            var widths = new byte[Miniblocks];
            for (int m = 0; m < Miniblocks; m++)
            {
                ulong max = 0;
                for (int i = m * PerMiniblock; i < Math.Min(count, (m + 1) * PerMiniblock); i++) max = Math.Max(max, unchecked((ulong)(deltas[i] - minDelta)));
                widths[m] = (byte)(max == 0 ? 0 : 64 - System.Numerics.BitOperations.LeadingZeroCount(max));
            }
            output.Write(widths);
            for (int m = 0; m < Miniblocks && m * PerMiniblock < count; m++)
            {
                int width = widths[m];
                var packed = new byte[PerMiniblock * width / 8];
                long bit = 0;
                for (int i = 0; i < PerMiniblock; i++)
                {
                    int index = m * PerMiniblock + i;
                    ulong value = index < count ? unchecked((ulong)(deltas[index] - minDelta)) : 0;
                    for (int b = 0; b < width; b++, bit++)
                    {
                        if (((value >> b) & 1) != 0) packed[bit >> 3] |= (byte)(1 << (int)(bit & 7));
                    }
                }
                output.Write(packed);
            }
        }
    }

    private static void WriteUVarint(ulong value, Stream output)
    {
        while (value >= 0x80)
        {
            output.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        output.WriteByte((byte)value);
    }

    private static void WriteZigZag(long value, Stream output) => WriteUVarint((ulong)((value << 1) ^ (value >> 63)), output);
}
