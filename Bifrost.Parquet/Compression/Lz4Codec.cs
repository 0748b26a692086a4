using System.Buffers.Binary;
using K4os.Compression.LZ4;

namespace Bifrost.Parquet.Compression;

/// <summary>LZ4 through K4os.Compression.LZ4 (managed). LZ4_RAW is a bare LZ4 block. The deprecated LZ4 codec is what
/// parquet-mr and Arrow write: Hadoop framing (big-endian uncompressed and compressed sizes before each block); like
/// Arrow, a page that does not parse as Hadoop frames is read as one bare block (older parquet-cpp files).</summary>
internal static class Lz4Codec
{
    public static void DecompressRaw(ReadOnlySpan<byte> input, Span<byte> output)
    {
        int written = DecodeBlock(input, output);
        if (written < 0) throw new InvalidDataException("lz4 data is corrupt or larger than the page header says");
        if (written != output.Length) throw new InvalidDataException($"lz4 data expands to {written} bytes, the page header says {output.Length}");
    }

    public static byte[] CompressRaw(ReadOnlySpan<byte> input)
    {
        // K4os encodes nothing as zero bytes; liblz4 (DuckDB, Arrow) wants the one-token block with no literals.
        if (input.IsEmpty) return [0];
        var output = new byte[LZ4Codec.MaximumOutputSize(input.Length)];
        int written = LZ4Codec.Encode(input, output, LZ4Level.L00_FAST);
        if (written < 0 || (written == 0 && input.Length > 0)) throw new InvalidOperationException("lz4 compression failed");
        return output.AsSpan(0, written).ToArray();
    }

    public static void DecompressHadoop(ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (!TryHadoopFrames(input, output)) DecompressRaw(input, output);
    }

    /// <summary>One Hadoop frame holding one block, as Arrow writes it.</summary>
    public static byte[] CompressHadoop(ReadOnlySpan<byte> input)
    {
        var block = CompressRaw(input);
        var output = new byte[8 + block.Length];
        BinaryPrimitives.WriteUInt32BigEndian(output, (uint)input.Length);
        BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(4), (uint)block.Length);
        block.CopyTo(output, 8);
        return output;
    }

    private static bool TryHadoopFrames(ReadOnlySpan<byte> input, Span<byte> output)
    {
        int ip = 0, op = 0;
        while (input.Length - ip >= 8)
        {
            uint expanded = BinaryPrimitives.ReadUInt32BigEndian(input[ip..]);
            uint compressed = BinaryPrimitives.ReadUInt32BigEndian(input[(ip + 4)..]);
            ip += 8;
            if (compressed > (uint)(input.Length - ip) || expanded > (uint)(output.Length - op)) return false;
            int written = DecodeBlock(input.Slice(ip, (int)compressed), output.Slice(op, (int)expanded));
            if (written != (int)expanded) return false;
            ip += (int)compressed;
            op += written;
        }
        return ip == input.Length && op == output.Length;
    }

    /// <summary>Bytes written, or −1 when the block is corrupt or does not fit.</summary>
    private static int DecodeBlock(ReadOnlySpan<byte> input, Span<byte> output)
    {
        // K4os refuses an empty target; the empty block is a single token with no literals (or nothing at all).
        if (output.IsEmpty) return input.IsEmpty || input is [0] ? 0 : -1;
        return LZ4Codec.Decode(input, output);
    }
}
