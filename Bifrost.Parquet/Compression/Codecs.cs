using System.IO.Compression;
using Bifrost.Parquet.Format;

namespace Bifrost.Parquet.Compression;

/// <summary>Dispatches page (de)compression by codec; every codec is managed code. Output sizes come from page headers, already checked by the caller.</summary>
internal static class Codecs
{
    public static void Decompress(CompressionCodec codec, ReadOnlySpan<byte> input, Span<byte> output)
    {
        switch (codec)
        {
            case CompressionCodec.Uncompressed:
                if (input.Length != output.Length) throw new InvalidDataException($"uncompressed page holds {input.Length} bytes, its header says {output.Length}");
                input.CopyTo(output);
                break;
            case CompressionCodec.Snappy:
                SnappyCodec.Decompress(input, output);
                break;
            case CompressionCodec.Gzip:
                Gunzip(input, output);
                break;
            case CompressionCodec.Zstd:
                ZstdCodec.Decompress(input, output);
                break;
            case CompressionCodec.Lz4Raw:
                Lz4Codec.DecompressRaw(input, output);
                break;
            case CompressionCodec.Lz4:
                Lz4Codec.DecompressHadoop(input, output);
                break;
            case CompressionCodec.Brotli:
                BrotliCodec.Decompress(input, output);
                break;
            default:
                throw new NotSupportedException($"compression codec {codec} is not supported (supported: UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4_RAW, LZ4, BROTLI)");
        }
    }

    public static byte[] Compress(CompressionCodec codec, ReadOnlySpan<byte> input) => codec switch
    {
        CompressionCodec.Uncompressed => input.ToArray(),
        CompressionCodec.Snappy => SnappyCodec.Compress(input),
        CompressionCodec.Gzip => Gzip(input),
        CompressionCodec.Zstd => ZstdCodec.Compress(input),
        CompressionCodec.Lz4Raw => Lz4Codec.CompressRaw(input),
        CompressionCodec.Lz4 => Lz4Codec.CompressHadoop(input),
        CompressionCodec.Brotli => BrotliCodec.Compress(input),
        _ => throw new NotSupportedException($"the writer does not support compression codec {codec}"),
    };

    private static unsafe void Gunzip(ReadOnlySpan<byte> input, Span<byte> output)
    {
        // GZipStream writes nothing for empty input, and an empty span pins to a null pointer.
        if (input.IsEmpty)
        {
            if (output.IsEmpty) return;
            throw new InvalidDataException($"gzip data is empty, the page header says {output.Length} bytes");
        }
        fixed (byte* pointer = input)
        {
            using var source = new UnmanagedMemoryStream(pointer, input.Length);
            using var gzip = new GZipStream(source, CompressionMode.Decompress);
            int total = 0;
            while (total < output.Length)
            {
                int read = gzip.Read(output[total..]);
                if (read == 0) throw new InvalidDataException($"gzip data expands to {total} bytes, the page header says {output.Length}");
                total += read;
            }
            Span<byte> probe = stackalloc byte[1];
            if (gzip.Read(probe) != 0) throw new InvalidDataException($"gzip data expands past the {output.Length} bytes the page header says");
        }
    }

    private static byte[] Gzip(ReadOnlySpan<byte> input)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(input);
        return buffer.ToArray();
    }
}
