namespace Bifrost.Parquet.Encodings;

/// <summary>DELTA_LENGTH_BYTE_ARRAY: all lengths (DELTA_BINARY_PACKED), then all bytes concatenated.</summary>
internal static class DeltaLengthByteArrayDecoder
{
    public static int Decode(ReadOnlySpan<byte> data, int count, ByteArraySink sink)
    {
        long[] lengths = DeltaBinaryPackedDecoder.Decode(data, out int position);
        if (lengths.Length < count) throw new InvalidDataException($"DELTA_LENGTH_BYTE_ARRAY holds {lengths.Length} lengths, {count} needed");
        for (int i = 0; i < count; i++)
        {
            long length = lengths[i];
            if (length < 0 || length > data.Length - position) throw new InvalidDataException($"DELTA_LENGTH_BYTE_ARRAY value {i} has length {length}, {data.Length - position} bytes remain");
            sink(data.Slice(position, (int)length));
            position += (int)length;
        }
        return position;
    }
}
