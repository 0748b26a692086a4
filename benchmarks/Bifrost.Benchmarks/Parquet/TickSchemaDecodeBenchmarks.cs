using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Reading;
using Bifrost.Sim.Ticks;

namespace Bifrost.Benchmarks.Parquet;

/// <summary>Decode of the real tick schema the backtester reads (12 columns: ts, symbol, kind, right, strike, expiry,
/// bid, ask, last, bid/ask size, iv; ZSTD, dictionary strings, nullable option columns) as `bifrost-sim generate`
/// writes it, 5 generated days. Two paths: every column through the Parquet reader, and the tick reader the
/// backtester uses (columns → <see cref="Tick"/> rows with contract ids). Compare with
/// <c>node tests/node/bench-scan.mjs FILE</c> (DuckDB, one thread, same columns; its best with Min, its median with
/// Median); the file's path is printed.</summary>
[MemoryDiagnoser]
[MinColumn, MedianColumn]
[SimpleJob(RunStrategy.Monitoring, warmupCount: 2, iterationCount: 10)]
public class TickSchemaDecodeBenchmarks
{
    private string _path = "";

    [GlobalSetup]
    public void Setup()
    {
        _path = Path.Combine(Path.GetTempPath(), "bifrost-bench-tick-schema-5d.parquet");
        if (!File.Exists(_path))
        {
            var temporary = _path + ".tmp";
            TickGenerator.WriteFile(temporary, new GeneratorOptions { Days = 5 });
            File.Move(temporary, _path, overwrite: true);
        }
        Console.WriteLine($"// tick file: {_path} ({new FileInfo(_path).Length:N0} bytes)");
    }

    [Benchmark(Description = "12 columns, Parquet reader")]
    public double ReadAllColumns()
    {
        using var reader = ParquetFileReader.Open(_path);
        return Checksum(reader.ReadRowGroups());
    }

    [Benchmark(Description = "12 columns, Parquet reader, recycled arrays")]
    public double ReadAllColumnsRecycled()
    {
        using var reader = ParquetFileReader.Open(_path);
        return Checksum(reader.ReadRowGroupsRecycled());
    }

    // Touches two decoded columns, so the decode cannot be skipped.
    private static double Checksum(IEnumerable<RowGroupBatch> batches)
    {
        double checksum = 0;
        foreach (var batch in batches)
        {
            var bid = batch.Get<DoubleColumn>("bid").Values;
            var ts = batch.Get<Int64Column>("ts").Values;
            for (int i = 0; i < bid.Length; i++) checksum += bid[i] + (ts[i] & 1);
        }
        return checksum;
    }

    [Benchmark(Description = "12 columns, tick reader (as the backtest)")]
    public double ReadTicks()
    {
        using var reader = new TickFileReader(_path);
        double checksum = 0;
        foreach (var batch in reader.ReadBatches())
            foreach (ref readonly var t in batch.AsSpan())
                checksum += t.Bid + t.ConId;
        return checksum;
    }
}
