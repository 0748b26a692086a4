using System.Text.Json;
using Bifrost.Parquet.Format;
using Bifrost.Parquet.Tests.Support;
using Bifrost.Parquet.Writing;

namespace Bifrost.Parquet.Tests.CrossCheck;

/// <summary>Files Bifrost writes read back in DuckDB with the counts and sums Bifrost's own reader computes.</summary>
public sealed class BifrostWrittenFilesTests
{
    [Theory]
    [InlineData(CompressionCodec.Zstd, true)]
    [InlineData(CompressionCodec.Snappy, true)]
    [InlineData(CompressionCodec.Snappy, false)]
    [InlineData(CompressionCodec.Uncompressed, true)]
    [InlineData(CompressionCodec.Gzip, true)]
    [InlineData(CompressionCodec.Lz4Raw, true)]
    [InlineData(CompressionCodec.Brotli, false)]
    public void BifrostFile_ReadsInDuckDbWithIdenticalCountsAndSums(CompressionCodec codec, bool dictionary)
    {
        using var dir = new TempDirectory();
        string file = dir.File($"bifrost_{codec}.parquet");
        using (var writer = new ParquetFileWriter(file, SampleData.Schema, new ParquetWriterOptions { Compression = codec, DictionaryForStrings = dictionary, PageRowCount = 3000 }))
        {
            writer.WriteRowGroup(SampleData.RowGroup(0, 7000));
            writer.WriteRowGroup(SampleData.RowGroup(7000, 5000));
            writer.WriteRowGroup(SampleData.RowGroup(12000, 1));
        }
        using var duck = NodeTools.RunJson("summarize.mjs", file);
        var (rows, facts) = ColumnFacts.Compute(file);
        Assert.Equal(12001, rows);
        Assert.Equal(rows, duck.RootElement.GetProperty("rows").GetInt64());
        foreach (var column in duck.RootElement.GetProperty("columns").EnumerateObject())
        {
            var e = column.Value;
            facts[column.Name].AssertMatches($"{codec} column {column.Name}", e.GetProperty("nulls").GetInt64(),
                e.GetProperty("sum").ValueKind == JsonValueKind.String ? e.GetProperty("sum").GetString() : null,
                e.GetProperty("min").ValueKind == JsonValueKind.String ? e.GetProperty("min").GetString() : null,
                e.GetProperty("max").ValueKind == JsonValueKind.String ? e.GetProperty("max").GetString() : null);
        }
        Assert.Equal("TIMESTAMP WITH TIME ZONE", duck.RootElement.GetProperty("columns").GetProperty("ts").GetProperty("type").GetString());
        Assert.StartsWith("TIMESTAMP", duck.RootElement.GetProperty("columns").GetProperty("ts_ns").GetProperty("type").GetString()!);
    }
}
