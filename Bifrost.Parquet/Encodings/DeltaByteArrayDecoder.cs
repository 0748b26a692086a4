namespace Bifrost.Parquet.Encodings;

/// <summary>DELTA_BYTE_ARRAY (incremental encoding): prefix lengths shared with the previous value (DELTA_BINARY_PACKED),
/// then the suffixes as DELTA_LENGTH_BYTE_ARRAY.</summary>
internal static class DeltaByteArrayDecoder
{
    public static void Decode(ReadOnlySpan<byte> data, int count, ByteArraySink sink)
    {
        long[] prefixes = DeltaBinaryPackedDecoder.Decode(data, out int position);
        if (prefixes.Length < count) throw new InvalidDataException($"DELTA_BYTE_ARRAY holds {prefixes.Length} prefix lengths, {count} needed");
        byte[] previous = new byte[64];
        int previousLength = 0;
        int index = 0;
        DeltaLengthByteArrayDecoder.Decode(data[position..], count, suffix =>
        {
            long prefix = prefixes[index];
            if (prefix < 0 || prefix > previousLength) throw new InvalidDataException($"DELTA_BYTE_ARRAY value {index} reuses {prefix} bytes of a {previousLength}-byte predecessor");
            int length = (int)prefix + suffix.Length;
            if (length > previous.Length) Array.Resize(ref previous, Math.Max(length, previous.Length * 2));
            suffix.CopyTo(previous.AsSpan((int)prefix));
            previousLength = length;
            sink(previous.AsSpan(0, length));
            index++;
        });
    }
}
