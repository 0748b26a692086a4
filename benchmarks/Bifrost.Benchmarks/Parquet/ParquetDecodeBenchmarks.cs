using BenchmarkDotNet.Attributes;
using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Reading;

namespace Bifrost.Benchmarks.Parquet;

/// <summary>Decode throughput of a 3M-row ZSTD tick file (rows/s = Rows / mean time). Compare with
/// tests/node/bench-scan.mjs, which times DuckDB scanning the same file on one thread.</summary>
[MemoryDiagnoser]
[MinColumn, MedianColumn]
public class ParquetDecodeBenchmarks
{
    public const int Rows = 3_000_000;
    private string _path = "";

    [GlobalSetup]
    public void Setup()
    {
        _path = TickFile.Ensure(Rows, 250_000);
        Console.WriteLine($"// tick file: {_path} ({new FileInfo(_path).Length:N0} bytes)");
    }

    [Benchmark(Description = "all 8 columns")]
    public double ReadAllColumns()
    {
        using var reader = ParquetFileReader.Open(_path);
        double checksum = 0;
        foreach (var batch in reader.ReadRowGroups())
        {
            var bid = batch.Get<DoubleColumn>("bid").Values;
            var ts = batch.Get<Int64Column>("ts").Values;
            var ids = batch.Get<StringColumn>("symbol").DictionaryIds!;
            for (int i = 0; i < bid.Length; i++) checksum += bid[i] + ids[i] + (ts[i] & 1);
        }
        return checksum;
    }

    [Benchmark(Description = "projection ts+bid+ask")]
    public double ReadThreeColumns()
    {
        using var reader = ParquetFileReader.Open(_path);
        double checksum = 0;
        foreach (var batch in reader.ReadRowGroups("ts", "bid", "ask"))
        {
            var bid = batch.Get<DoubleColumn>("bid").Values;
            var ask = batch.Get<DoubleColumn>("ask").Values;
            for (int i = 0; i < bid.Length; i++) checksum += ask[i] - bid[i];
        }
        return checksum;
    }
}
