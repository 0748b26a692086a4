using System.Globalization;
using Bifrost.Parquet.Format;
using Bifrost.Parquet.Reading;
using Bifrost.Parquet.Tests.Support;
using Bifrost.Parquet.Writing;
using Parquet.Serialization;

namespace Bifrost.Parquet.Tests.CrossCheck;

/// <summary>Parquet.Net (managed, independent of DuckDB and of this reader) reads the same values as Bifrost's reader,
/// value by value: files Bifrost writes in every codec, and DuckDB's v1 files. Not covered: DuckDB's v2 files (Parquet.Net
/// throws on their DELTA timestamps) and Hadoop-framed LZ4, which neither DuckDB ("unsupported codec") nor Parquet.Net
/// (garbage timestamps) reads; that codec is tested against Arrow's documented framing in CodecTests.</summary>
public sealed class ParquetNetTests(DuckDbFilesFixture files) : IClassFixture<DuckDbFilesFixture>
{
    [Theory]
    [InlineData(CompressionCodec.Uncompressed)]
    [InlineData(CompressionCodec.Snappy)]
    [InlineData(CompressionCodec.Gzip)]
    [InlineData(CompressionCodec.Zstd)]
    [InlineData(CompressionCodec.Lz4Raw)]
    [InlineData(CompressionCodec.Brotli)]
    public async Task BifrostFile_ParquetNetReadsTheSameValues(CompressionCodec codec)
    {
        using var dir = new TempDirectory();
        string file = dir.File($"bifrost_{codec}.parquet");
        using (var writer = new ParquetFileWriter(file, SampleData.Schema, new ParquetWriterOptions { Compression = codec, PageRowCount = 2000 }))
        {
            writer.WriteRowGroup(SampleData.RowGroup(0, 5000));
            writer.WriteRowGroup(SampleData.RowGroup(5000, 1234));
        }
        await AssertSameValues(file, expectedRows: 6234);
    }

    [Theory]
    [InlineData("mixed_snappy_v1.parquet")]
    [InlineData("mixed_gzip_v1.parquet")]
    [InlineData("mixed_zstd_v1.parquet")]
    [InlineData("mixed_lz4_raw_v1.parquet")]
    [InlineData("mixed_brotli_v1.parquet")]
    public async Task DuckDbFile_ParquetNetAndBifrostReadTheSameValues(string name) =>
        await AssertSameValues(files.Path(name), expectedRows: 25000, skip: ["ts_ns"]); // Parquet.Net truncates ns to 100 ns ticks

    private static async Task AssertSameValues(string file, long expectedRows, string[]? skip = null)
    {
        await using var stream = File.OpenRead(file);
        var theirs = await ParquetSerializer.DeserializeUntypedAsync(stream);
        using var reader = ParquetFileReader.Open(file);
        var names = reader.Columns.Select(c => c.Name).Where(n => skip is null || !skip.Contains(n)).ToArray();
        long row = 0;
        foreach (var values in reader.ReadRows(names))
        {
            Assert.True(row < theirs.Data.Count, $"{file}: Parquet.Net has {theirs.Data.Count} rows, Bifrost more");
            var other = theirs.Data[(int)row];
            for (int c = 0; c < names.Length; c++)
            {
                string ours = Normal(values[c]);
                string parquetNet = Normal(other.TryGetValue(names[c], out var v) ? v : null); // it leaves nulls out of its rows
                if (ours != parquetNet) Assert.Fail($"{Path.GetFileName(file)} row {row} column {names[c]}: Bifrost {ours}, Parquet.Net {parquetNet}");
            }
            row++;
        }
        Assert.Equal(expectedRows, row);
        Assert.Equal(expectedRows, theirs.Data.Count);
    }

    /// <summary>One text per value, in units both readers share (instants as UTC microseconds since the epoch).</summary>
    private static string Normal(object? value) => value switch
    {
        null => "null",
        DateTime t => $"t{(t.ToUniversalTimeIfKnown() - DateTime.UnixEpoch).Ticks / 10}",
        DateTimeOffset t => $"t{(t.UtcDateTime - DateTime.UnixEpoch).Ticks / 10}",
        DateOnly d => $"t{(d.ToDateTime(TimeOnly.MinValue) - DateOnly.FromDateTime(DateTime.UnixEpoch).ToDateTime(TimeOnly.MinValue)).Ticks / 10}", // Parquet.Net gives dates as midnight DateTimes
        float f => ((double)f).ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        decimal m => Number(m),
        bool b => b ? "true" : "false",
        string s => "s" + s,
        IConvertible n => Number(Convert.ToDecimal(n, CultureInfo.InvariantCulture)),
        _ => value.ToString() ?? "",
    };

    // Bifrost keeps a decimal's scale (…382720), Parquet.Net drops trailing zeros (…38272): compare the numbers.
    private static string Number(decimal m) => (m / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);
}

internal static class DateTimeExtensions
{
    // Both readers give unspecified-kind DateTimes for local (not UTC-adjusted) timestamps; compare them as written.
    public static DateTime ToUniversalTimeIfKnown(this DateTime t) => t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : DateTime.SpecifyKind(t, DateTimeKind.Utc);
}
