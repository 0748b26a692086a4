namespace Bifrost.Parquet.Compression;

/// <summary>Raw Snappy (no framing), as Parquet stores it, through Snappier (a managed port of the C++ library).</summary>
internal static class SnappyCodec
{
    public static void Decompress(ReadOnlySpan<byte> input, Span<byte> output)
    {
        int expected;
        try { expected = Snappier.Snappy.GetUncompressedLength(input); }
        catch (Exception e) when (e is InvalidDataException or ArgumentException) { throw new InvalidDataException("snappy data is corrupt (bad length prefix)", e); }
        if (expected != output.Length) throw new InvalidDataException($"snappy block expands to {expected} bytes, the page header says {output.Length}");
        int written;
        try { written = Snappier.Snappy.Decompress(input, output); }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or IndexOutOfRangeException) { throw new InvalidDataException("snappy data is corrupt", e); }
        if (written != output.Length) throw new InvalidDataException($"snappy block produced {written} bytes, expected {output.Length}");
    }

    public static byte[] Compress(ReadOnlySpan<byte> input) => Snappier.Snappy.CompressToArray(input);
}
