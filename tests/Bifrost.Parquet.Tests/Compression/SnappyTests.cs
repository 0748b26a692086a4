using Bifrost.Parquet.Compression;
using Bifrost.Parquet.Format;
using FsCheck;
using FsCheck.Fluent;

namespace Bifrost.Parquet.Tests.Compression;

public sealed class SnappyTests
{
    [Fact]
    public void Snappy_RoundTrips_RandomAndRepetitiveData() =>
        Prop.ForAll<byte[], int>((bytes, repeat) =>
        {
            byte[] input = [.. bytes ?? [], .. Enumerable.Range(0, Math.Abs(repeat % 5000)).Select(i => (byte)(i % 7))];
            byte[] compressed = Snappy.Compress(input);
            var output = new byte[input.Length];
            Snappy.Decompress(compressed, output);
            return output.AsSpan().SequenceEqual(input);
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void Snappy_CompressesRepetition()
    {
        byte[] input = Enumerable.Range(0, 100_000).Select(i => (byte)(i % 16)).ToArray();
        Assert.True(Snappy.Compress(input).Length < input.Length / 10);
    }

    [Fact]
    public void Snappy_HandBuiltStream_WithOverlappingCopy()
    {
        // length 10; literal "ab"; copy-1 of length 8 at offset 2 (overlapping) → "ababababab"
        byte[] compressed = [10, 1 << 2, (byte)'a', (byte)'b', (byte)(((8 - 4) << 2) | 1), 2];
        var output = new byte[10];
        Snappy.Decompress(compressed, output);
        Assert.Equal("ababababab"u8.ToArray(), output);
    }

    [Fact]
    public void Snappy_CorruptInput_RaisesInvalidData()
    {
        var output = new byte[10];
        Assert.Throws<InvalidDataException>(() => Snappy.Decompress([10, 0x05, 9], output));         // copy before any output
        Assert.Throws<InvalidDataException>(() => Snappy.Decompress([10, 0xF0, 0xFF], output));      // literal length past input
        Assert.Throws<InvalidDataException>(() => Snappy.Decompress([11, 0x00, (byte)'a'], output)); // length differs from the header
    }

    [Theory]
    [InlineData(CompressionCodec.Zstd)]
    [InlineData(CompressionCodec.Lz4Raw)]
    [InlineData(CompressionCodec.Gzip)]
    [InlineData(CompressionCodec.Snappy)]
    public void NativeAndManagedCodecs_RoundTrip(CompressionCodec codec)
    {
        byte[] input = Enumerable.Range(0, 50_000).Select(i => (byte)(i * i % 251)).ToArray();
        byte[] compressed = Codecs.Compress(codec, input);
        var output = new byte[input.Length];
        Codecs.Decompress(codec, compressed, output);
        Assert.Equal(input, output);
        Assert.Throws<InvalidDataException>(() => Codecs.Decompress(codec, compressed, new byte[input.Length - 1]));
    }
}

public sealed class NativeLibraryTests
{
    [Fact]
    public void MissingSystemLibrary_SaysWhatToInstall()
    {
        var loader = new NativeLibraryLoader("libbifrost-does-not-exist.so.9", "ZSTD", "libzstd1");
        var e = Assert.Throws<ParquetCodecUnavailableException>(() => loader.Export("ZSTD_decompress"));
        Assert.Contains("libbifrost-does-not-exist.so.9", e.Message);
        Assert.Contains("libzstd1", e.Message);
    }
}
