namespace Bifrost.Parquet.Encodings;

/// <summary>
/// Encodes the RLE / bit-packed hybrid: runs of eight or more equal values become RLE runs, the rest is bit-packed
/// in groups of eight. The last group is zero-padded, which readers accept because they know the value count.
/// </summary>
internal static class RleBitPackedEncoder
{
    private const int MinRepeat = 8;

    public static void Encode(ReadOnlySpan<int> values, int bitWidth, Stream output)
    {
        var literals = new List<int>(64);
        int i = 0;
        while (i < values.Length)
        {
            int run = 1;
            while (i + run < values.Length && values[i + run] == values[i]) run++;
            if (run >= MinRepeat)
            {
                // Top the literal run up to a multiple of eight from this run, so it can be closed before the RLE run.
                while (literals.Count % 8 != 0 && run > 0)
                {
                    literals.Add(values[i]);
                    i++;
                    run--;
                }
                if (run >= MinRepeat)
                {
                    FlushLiterals(literals, bitWidth, output);
                    WriteRle(values[i], run, bitWidth, output);
                    i += run;
                }
                continue;
            }
            for (int k = 0; k < run; k++) literals.Add(values[i + k]);
            i += run;
        }
        FlushLiterals(literals, bitWidth, output);
    }

    private static void WriteRle(int value, int count, int bitWidth, Stream output)
    {
        WriteVarint((uint)count << 1, output);
        int bytes = (bitWidth + 7) / 8;
        for (int k = 0; k < bytes; k++) output.WriteByte((byte)(value >> (8 * k)));
    }

    private static void FlushLiterals(List<int> literals, int bitWidth, Stream output)
    {
        if (literals.Count == 0) return;
        while (literals.Count % 8 != 0) literals.Add(0);
        int groups = literals.Count / 8;
        WriteVarint(((uint)groups << 1) | 1, output);
        var packed = new byte[groups * bitWidth];
        long bit = 0;
        foreach (int value in literals)
        {
            for (int b = 0; b < bitWidth; b++, bit++)
            {
                if (((value >> b) & 1) != 0) packed[bit >> 3] |= (byte)(1 << (int)(bit & 7));
            }
        }
        output.Write(packed);
        literals.Clear();
    }

    private static void WriteVarint(uint value, Stream output)
    {
        while (value >= 0x80)
        {
            output.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        output.WriteByte((byte)value);
    }
}
