namespace Bifrost.Parquet.Encodings;

/// <summary>
/// DELTA_BINARY_PACKED: a header (block size, miniblocks per block, value count, first value), then blocks of
/// (min delta, one bit width per miniblock, bit-packed miniblocks). Each value is the previous plus min delta plus
/// the packed number; arithmetic wraps like the writer's fixed-width integers.
/// </summary>
internal static class DeltaBinaryPackedDecoder
{
    /// <summary>Decodes every value in the stream; returns the value count and, in consumed, the bytes used.</summary>
    public static long[] Decode(ReadOnlySpan<byte> data, out int consumed)
    {
        int position = 0;
        ulong blockSize = ReadUVarint(data, ref position);
        ulong miniblocks = ReadUVarint(data, ref position);
        ulong total = ReadUVarint(data, ref position);
        long first = ReadZigZag(data, ref position);
        if (blockSize == 0 || blockSize > 1 << 16 || miniblocks > 1024 || blockSize % 128 != 0 || miniblocks == 0 || blockSize % miniblocks != 0 || (blockSize / miniblocks) % 32 != 0)
        {
            throw new InvalidDataException($"DELTA_BINARY_PACKED header is invalid (block size {blockSize}, {miniblocks} miniblocks)");
        }
        // Even a zero-width miniblock costs a bit-width byte per block, which bounds the count a page can really hold.
        if (total > (ulong)data.Length * blockSize + 1) throw new InvalidDataException($"DELTA_BINARY_PACKED claims {total} values, more than {data.Length} bytes can hold");
        var values = new long[total];
        if (total == 0)
        {
            consumed = position;
            return values;
        }
        values[0] = first;
        int perMiniblock = (int)(blockSize / miniblocks);
        var deltas = new long[perMiniblock];
        long previous = first;
        int filled = 1;
        while (filled < values.Length)
        {
            long minDelta = ReadZigZag(data, ref position);
            if (data.Length - position < (int)miniblocks) throw new InvalidDataException("DELTA_BINARY_PACKED bit widths past the end of the data");
            var widths = data.Slice(position, (int)miniblocks);
            position += (int)miniblocks;
            for (int m = 0; m < (int)miniblocks && filled < values.Length; m++)
            {
                int width = widths[m];
                if (width > 64) throw new InvalidDataException($"DELTA_BINARY_PACKED miniblock bit width {width} exceeds 64");
                int bytes = perMiniblock * width / 8;
                // The last miniblock may be cut short by writers that do not pad; read what is there.
                int available = Math.Min(bytes, data.Length - position);
                int take = Math.Min(perMiniblock, values.Length - filled);
                if ((long)take * width > (long)available * 8) throw new InvalidDataException("DELTA_BINARY_PACKED miniblock extends past the end of the data");
                BitUnpacker.Unpack64(data.Slice(position, available), width, deltas, take);
                position += available;
                for (int i = 0; i < take; i++)
                {
                    previous = unchecked(previous + minDelta + deltas[i]);
                    values[filled++] = previous;
                }
            }
        }
        consumed = position;
        return values;
    }

    internal static ulong ReadUVarint(ReadOnlySpan<byte> data, ref int position)
    {
        ulong result = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (position >= data.Length) throw new InvalidDataException("varint past the end of the data");
            byte b = data[position++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new InvalidDataException("varint longer than 10 bytes");
    }

    internal static long ReadZigZag(ReadOnlySpan<byte> data, ref int position)
    {
        ulong n = ReadUVarint(data, ref position);
        return (long)(n >> 1) ^ -(long)(n & 1);
    }
}
