using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Bifrost.Benchmarks.Parquet.Baselines;
using Bifrost.Parquet.Compression;
using Bifrost.Parquet.Format;

namespace Bifrost.Benchmarks.Parquet;

/// <summary>Page decompression, managed codec against what it replaced, side by side in one run (Ratio column per
/// category): Snappier vs the hand-written Snappy, ZstdSharp vs the system libzstd (which Bifrost.Parquet still decodes
/// with when it loads), K4os vs the system liblz4. The page
/// is 1 MiB of PLAIN doubles from a quote-like random walk, the bulk of a tick file.</summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class CodecBenchmarks
{
    private byte[] _page = [];
    private byte[] _output = [];
    private byte[] _snappy = [];
    private byte[] _zstd = [];
    private byte[] _lz4 = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(11);
        var values = new double[128 * 1024];
        double mid = 100;
        for (int i = 0; i < values.Length; i++)
        {
            mid += (random.Next(3) - 1) * 0.01;
            values[i] = Math.Round(mid + (random.Next(2) == 0 ? -0.005 : 0.005), 3);
        }
        _page = new byte[values.Length * sizeof(double)];
        Buffer.BlockCopy(values, 0, _page, 0, _page.Length);
        _output = new byte[_page.Length];
        _snappy = Codecs.Compress(CompressionCodec.Snappy, _page);
        _zstd = Codecs.Compress(CompressionCodec.Zstd, _page);
        _lz4 = Codecs.Compress(CompressionCodec.Lz4Raw, _page);
        // Same input, both implementations: the baselines must read what the managed codecs write.
        Bifrost.Parquet.Compression.NativeZstd.Decompress(_zstd, _output);
        NativeLz4.Decompress(_lz4, _output);
        HandWrittenSnappy.Decompress(_snappy, _output);
        if (!_output.AsSpan().SequenceEqual(_page)) throw new InvalidOperationException("baseline codecs disagree");
        Console.WriteLine($"// page {_page.Length:N0} B: snappy {_snappy.Length:N0}, zstd {_zstd.Length:N0}, lz4 {_lz4.Length:N0}");
    }

    [BenchmarkCategory("snappy"), Benchmark(Baseline = true, Description = "snappy hand-written (before)")]
    public int SnappyHandWritten() => HandWrittenSnappy.Decompress(_snappy, _output);

    [BenchmarkCategory("snappy"), Benchmark(Description = "snappy Snappier")]
    public int SnappySnappier() { Codecs.Decompress(CompressionCodec.Snappy, _snappy, _output); return _output[^1]; }

    [BenchmarkCategory("zstd"), Benchmark(Baseline = true, Description = "zstd libzstd P/Invoke")]
    public int ZstdNative() { Bifrost.Parquet.Compression.NativeZstd.Decompress(_zstd, _output); return _output[^1]; }

    [BenchmarkCategory("zstd"), Benchmark(Description = "zstd ZstdSharp")]
    public int ZstdManaged() { ZstdCodec.DecompressManaged(_zstd, _output); return _output[^1]; }

    [BenchmarkCategory("lz4"), Benchmark(Baseline = true, Description = "lz4 liblz4 P/Invoke (before)")]
    public int Lz4Native() { NativeLz4.Decompress(_lz4, _output); return _output[^1]; }

    [BenchmarkCategory("lz4"), Benchmark(Description = "lz4 K4os")]
    public int Lz4Managed() { Codecs.Decompress(CompressionCodec.Lz4Raw, _lz4, _output); return _output[^1]; }
}
