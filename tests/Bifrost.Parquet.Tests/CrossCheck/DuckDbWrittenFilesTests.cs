using System.Text.Json;
using Bifrost.Parquet.Reading;
using Bifrost.Parquet.Tests.Support;

namespace Bifrost.Parquet.Tests.CrossCheck;

/// <summary>Files DuckDB writes (every codec, page v1 and v2) read by Bifrost give DuckDB's own counts and sums.</summary>
public sealed class DuckDbWrittenFilesTests(DuckDbFilesFixture files) : IClassFixture<DuckDbFilesFixture>
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var codec in new[] { "uncompressed", "snappy", "gzip", "zstd", "lz4_raw", "brotli" })
        {
            foreach (var version in new[] { "v1", "v2" }) data.Add($"mixed_{codec}_{version}.parquet");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void ReadingDuckDbFile_MatchesDuckDbCountsAndSums(string file)
    {
        var expected = files.Expected(file);
        var (rows, facts) = ColumnFacts.Compute(files.Path(file));
        Assert.Equal(expected.GetProperty("rows").GetInt64(), rows);
        foreach (var column in expected.GetProperty("columns").EnumerateObject())
        {
            Assert.True(facts.ContainsKey(column.Name), $"{file}: column {column.Name} missing");
            var e = column.Value;
            facts[column.Name].AssertMatches($"{file} column {column.Name}", e.GetProperty("nulls").GetInt64(), Text(e, "sum"), Text(e, "min"), Text(e, "max"));
        }
    }

    [Fact]
    public void DuckDbFile_HasSeveralRowGroups_AndProjectionReadsOnlyRequestedColumns()
    {
        using var reader = ParquetFileReader.Open(files.Path("mixed_zstd_v2.parquet"));
        Assert.True(reader.RowGroupCount >= 3, $"expected several row groups, got {reader.RowGroupCount}");
        var batch = reader.ReadRowGroup(1, "sym", "f64");
        Assert.Equal(["sym", "f64"], batch.Descriptors.Select(d => d.Name));
        Assert.Equal(2, batch.Columns.Count);
    }

    [Fact]
    public void DuckDbDictionaryStrings_ExposeDictionaryIds()
    {
        using var reader = ParquetFileReader.Open(files.Path("mixed_snappy_v1.parquet"));
        var batch = reader.ReadRowGroup(0, "sym");
        var sym = batch.Get<Bifrost.Parquet.Columns.StringColumn>("sym");
        Assert.NotNull(sym.Dictionary);
        Assert.NotNull(sym.DictionaryIds);
        for (int i = 0; i < sym.Length; i++)
        {
            Assert.Equal(sym.Values[i], sym.DictionaryIds![i] < 0 ? null : sym.Dictionary![sym.DictionaryIds[i]]);
        }
    }

    [Fact]
    public void RowAtATime_GivesDateTimesAndDates()
    {
        using var reader = ParquetFileReader.Open(files.Path("mixed_zstd_v1.parquet"));
        var first = reader.ReadRows("id", "d", "ts_us", "ts_tz", "sym").First();
        Assert.Equal(0L, first[0]);
        Assert.Equal(new DateOnly(2020, 1, 1), first[1]);
        Assert.Equal(new DateTime(2024, 1, 1), first[2]);
        Assert.Equal(new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc), first[3]);
        Assert.Equal(DateTimeKind.Utc, ((DateTime)first[3]!).Kind);
        Assert.Null(first[4]);
    }

    [Fact]
    public void Inspector_AgreesWithDuckDb_OnNullsAndSums()
    {
        var inspection = Bifrost.Parquet.Inspect.ParquetInspector.Inspect(files.Path("mixed_gzip_v2.parquet"));
        var expected = files.Expected("mixed_gzip_v2.parquet").GetProperty("columns");
        Assert.Equal(25000, inspection.RowCount);
        foreach (var column in inspection.Columns)
        {
            var e = expected.GetProperty(column.Name);
            Assert.Equal(e.GetProperty("nulls").GetInt64(), column.NullCount);
            if (column.Name is "id" or "i32" or "i64" or "dec9" or "dec18" or "dec38")
            {
                Assert.Equal(decimal.Parse(e.GetProperty("sum").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
                    decimal.Parse(column.Sum!, System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        Assert.Equal("sym_0", inspection.Columns.Single(c => c.Name == "sym").Min);
        Assert.Equal("2020-01-01", inspection.Columns.Single(c => c.Name == "d").Min);
        Assert.Contains("DELTA_LENGTH_BYTE_ARRAY", Bifrost.Parquet.Inspect.InspectionRenderer.ToText(inspection));
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
