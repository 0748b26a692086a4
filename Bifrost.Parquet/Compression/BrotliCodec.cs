using System.IO.Compression;

namespace Bifrost.Parquet.Compression;

/// <summary>BROTLI through the runtime's own BrotliDecoder/BrotliEncoder (part of .NET, no package).</summary>
internal static class BrotliCodec
{
    // Quality 4 / window 22: DuckDB's and Arrow's writers also pick a fast level; 11 is too slow for tick files.
    private const int Quality = 4;
    private const int Window = 22;

    public static void Decompress(ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (!BrotliDecoder.TryDecompress(input, output, out int written))
            throw new InvalidDataException($"brotli data is corrupt or expands past the {output.Length} bytes the page header says");
        if (written != output.Length) throw new InvalidDataException($"brotli data expands to {written} bytes, the page header says {output.Length}");
    }

    public static byte[] Compress(ReadOnlySpan<byte> input)
    {
        var output = new byte[BrotliEncoder.GetMaxCompressedLength(input.Length)];
        if (!BrotliEncoder.TryCompress(input, output, out int written, Quality, Window)) throw new InvalidOperationException("brotli compression failed");
        return output.AsSpan(0, written).ToArray();
    }
}
