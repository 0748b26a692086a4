using System.Buffers.Binary;
using Bifrost.Parquet.Compression;
using Bifrost.Parquet.Format;
using FsCheck;
using FsCheck.Fluent;

namespace Bifrost.Parquet.Tests.Compression;

public sealed class CodecTests
{
    public static TheoryData<CompressionCodec> EveryCodec() =>
        [CompressionCodec.Uncompressed, CompressionCodec.Snappy, CompressionCodec.Gzip, CompressionCodec.Zstd,
         CompressionCodec.Lz4Raw, CompressionCodec.Lz4, CompressionCodec.Brotli];

    [Theory]
    [MemberData(nameof(EveryCodec))]
    public void Codec_RoundTrips_RandomAndRepetitiveData(CompressionCodec codec) =>
        Prop.ForAll<byte[], int>((bytes, repeat) =>
        {
            byte[] input = [.. bytes ?? [], .. Enumerable.Range(0, Math.Abs(repeat % 5000)).Select(i => (byte)(i % 7))];
            byte[] compressed = Codecs.Compress(codec, input);
            var output = new byte[input.Length];
            Codecs.Decompress(codec, compressed, output);
            return output.AsSpan().SequenceEqual(input);
        }).QuickCheckThrowOnFailure();

    [Theory]
    [MemberData(nameof(EveryCodec))]
    public void Codec_PageHeaderSizeOneShort_IsRefusedAsInvalidData(CompressionCodec codec)
    {
        byte[] input = Enumerable.Range(0, 50_000).Select(i => (byte)(i * i % 251)).ToArray();
        byte[] compressed = Codecs.Compress(codec, input);
        var output = new byte[input.Length];
        Codecs.Decompress(codec, compressed, output);
        Assert.Equal(input, output);
        Assert.Throws<InvalidDataException>(() => Codecs.Decompress(codec, compressed, new byte[input.Length - 1]));
        Assert.Throws<InvalidDataException>(() => Codecs.Decompress(codec, compressed, new byte[input.Length + 1]));
    }

    [Theory]
    [InlineData(CompressionCodec.Snappy)]
    [InlineData(CompressionCodec.Zstd)]
    [InlineData(CompressionCodec.Lz4Raw)]
    [InlineData(CompressionCodec.Lz4)]
    [InlineData(CompressionCodec.Brotli)]
    public void Codec_CompressesRepetition(CompressionCodec codec)
    {
        byte[] input = Enumerable.Range(0, 100_000).Select(i => (byte)(i % 16)).ToArray();
        Assert.True(Codecs.Compress(codec, input).Length < input.Length / 10, $"{codec} did not compress a repeating pattern");
    }

    [Fact]
    public void Snappy_HandBuiltStream_WithOverlappingCopy()
    {
        // length 10; literal "ab"; copy-1 of length 8 at offset 2 (overlapping) → "ababababab"
        byte[] compressed = [10, 1 << 2, (byte)'a', (byte)'b', (byte)(((8 - 4) << 2) | 1), 2];
        var output = new byte[10];
        Codecs.Decompress(CompressionCodec.Snappy, compressed, output);
        Assert.Equal("ababababab"u8.ToArray(), output);
    }

    [Fact]
    public void Snappy_CorruptInput_RaisesInvalidData()
    {
        var output = new byte[10];
        Assert.Throws<InvalidDataException>(() => Codecs.Decompress(CompressionCodec.Snappy, [10, 0x05, 9], output));         // copy before any output
        Assert.Throws<InvalidDataException>(() => Codecs.Decompress(CompressionCodec.Snappy, [10, 0xF0, 0xFF], output));      // literal length past input
        Assert.Throws<InvalidDataException>(() => Codecs.Decompress(CompressionCodec.Snappy, [11, 0x00, (byte)'a'], output)); // length differs from the header
    }

    [Theory]
    [InlineData(CompressionCodec.Zstd)]
    [InlineData(CompressionCodec.Lz4Raw)]
    [InlineData(CompressionCodec.Lz4)]
    [InlineData(CompressionCodec.Brotli)]
    [InlineData(CompressionCodec.Gzip)]
    public void Codec_GarbageInput_RaisesInvalidData(CompressionCodec codec)
    {
        byte[] garbage = Enumerable.Range(0, 300).Select(i => (byte)(i * 73 + 11)).ToArray();
        Assert.Throws<InvalidDataException>(() => Codecs.Decompress(codec, garbage, new byte[1000]));
    }

    [Fact]
    public void Lz4Hadoop_SeveralFrames_Concatenate()
    {
        // parquet-mr writes one Hadoop frame per 256 KiB or so; two frames here, built by hand.
        byte[] first = Enumerable.Range(0, 3000).Select(i => (byte)(i % 13)).ToArray();
        byte[] second = Enumerable.Range(0, 2000).Select(i => (byte)(i % 29)).ToArray();
        byte[] framed = [.. Codecs.Compress(CompressionCodec.Lz4, first), .. Codecs.Compress(CompressionCodec.Lz4, second)];
        var output = new byte[5000];
        Codecs.Decompress(CompressionCodec.Lz4, framed, output);
        Assert.Equal([.. first, .. second], output);
    }

    [Fact]
    public void Lz4Hadoop_BareBlockWithoutFraming_IsReadLikeArrowDoes()
    {
        byte[] input = Enumerable.Range(0, 4000).Select(i => (byte)(i % 37)).ToArray();
        byte[] bare = Codecs.Compress(CompressionCodec.Lz4Raw, input);
        var output = new byte[input.Length];
        Codecs.Decompress(CompressionCodec.Lz4, bare, output);
        Assert.Equal(input, output);
    }

    [Fact]
    public void Lz4Hadoop_FrameHeader_IsBigEndianSizes()
    {
        byte[] input = new byte[1234];
        byte[] framed = Codecs.Compress(CompressionCodec.Lz4, input);
        Assert.Equal(1234u, BinaryPrimitives.ReadUInt32BigEndian(framed));
        Assert.Equal((uint)(framed.Length - 8), BinaryPrimitives.ReadUInt32BigEndian(framed.AsSpan(4)));
    }

    [Fact]
    public void Lz4Raw_EmptyPage_IsTheOneTokenBlockLibLz4Reads()
    {
        Assert.Equal([0], Codecs.Compress(CompressionCodec.Lz4Raw, []));
        Codecs.Decompress(CompressionCodec.Lz4Raw, [0], []);
    }

    [Fact]
    public void Zstd_SystemAndManagedDecoders_GiveTheSameBytes_AndRefuseTheSameDamage()
    {
        byte[] input = Enumerable.Range(0, 200_000).Select(i => (byte)(i * 31 % 253 ^ i >> 9)).ToArray();
        byte[] compressed = Codecs.Compress(CompressionCodec.Zstd, input);
        var managed = new byte[input.Length];
        ZstdCodec.DecompressManaged(compressed, managed);
        Assert.Equal(input, managed);
        Assert.Throws<InvalidDataException>(() => ZstdCodec.DecompressManaged(compressed.AsSpan(0, compressed.Length - 3), new byte[input.Length]));
        if (!OperatingSystem.IsLinux() && !NativeZstd.Available) return; // a Mac without Homebrew zstd: managed only, as designed
        Assert.True(NativeZstd.Available, "libzstd.so.1 did not load on Linux (Debian package libzstd1)");
        Assert.Equal("libzstd", ZstdCodec.Decoder);
        var native = new byte[input.Length];
        NativeZstd.Decompress(compressed, native);
        Assert.Equal(input, native);
        Assert.Throws<InvalidDataException>(() => NativeZstd.Decompress(compressed.AsSpan(0, compressed.Length - 3), new byte[input.Length]));
        Assert.Throws<InvalidDataException>(() => NativeZstd.Decompress(compressed, new byte[input.Length - 1]));
    }

    [Fact]
    public void Lzo_IsRefusedByName()
    {
        var e = Assert.Throws<NotSupportedException>(() => Codecs.Decompress(CompressionCodec.Lzo, [1, 2, 3], new byte[3]));
        Assert.Contains("Lzo", e.Message);
    }
}
