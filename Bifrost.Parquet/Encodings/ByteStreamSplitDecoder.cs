namespace Bifrost.Parquet.Encodings;

/// <summary>BYTE_STREAM_SPLIT: byte k of every value is stored in stream k; the streams follow each other.
/// Gathering them back gives the PLAIN bytes (better compressed floats, no arithmetic).</summary>
internal static class ByteStreamSplitDecoder
{
    public static void Decode(ReadOnlySpan<byte> data, int width, int count, Span<byte> destination)
    {
        if ((long)width * count > data.Length) throw new InvalidDataException($"BYTE_STREAM_SPLIT data holds {data.Length} bytes, too few for {count} values of {width} bytes");
        // The stream length is the page's value count; with v1 pages that equals the non-null values decoded here.
        int stream = data.Length / width;
        for (int k = 0; k < width; k++)
        {
            var source = data.Slice(k * stream, count);
            for (int i = 0; i < count; i++) destination[i * width + k] = source[i];
        }
    }

    public static byte[] Encode(ReadOnlySpan<byte> plain, int width)
    {
        int count = plain.Length / width;
        var result = new byte[plain.Length];
        for (int i = 0; i < count; i++)
        {
            for (int k = 0; k < width; k++) result[k * count + i] = plain[i * width + k];
        }
        return result;
    }
}
