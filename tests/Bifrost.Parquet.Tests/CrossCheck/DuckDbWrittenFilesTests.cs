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

    [Theory]
    [MemberData(nameof(Files))]
    public void RecycledReading_GivesEachRowGroupExactlyAsFreshReading(string file)
    {
        // Every codec and page version, nullable and dictionary columns: a row group decoded into the previous one's
        // arrays holds the same values, nulls and dictionary ids as one decoded into fresh arrays.
        using var fresh = ParquetFileReader.Open(files.Path(file));
        using var recycled = ParquetFileReader.Open(files.Path(file));
        object?[]? previousArrays = null;
        int reused = 0;
        foreach (var (a, b) in fresh.ReadRowGroups().Zip(recycled.ReadRowGroupsRecycled()))
        {
            Assert.Equal(a.RowCount, b.RowCount);
            Assert.Equal(a.Descriptors.Select(d => d.Name), b.Descriptors.Select(d => d.Name));
            for (int c = 0; c < a.Columns.Count; c++)
            {
                var (x, y) = (a.Columns[c], b.Columns[c]);
                Assert.Equal(x.GetType(), y.GetType());
                Assert.Equal(x.NullCount, y.NullCount);
                for (int r = 0; r < a.RowCount; r++) Assert.True(Equals(x.GetValue(r), y.GetValue(r)), $"{file} row group {a.Index} column {a.Descriptors[c].Name} row {r}: {x.GetValue(r)} vs {y.GetValue(r)}");
                if (x is Bifrost.Parquet.Columns.StringColumn xs && y is Bifrost.Parquet.Columns.StringColumn ys) Assert.Equal(xs.DictionaryIds, ys.DictionaryIds);
            }
            var arrays = b.Columns.Select(ValuesOf).ToArray();
            if (previousArrays is not null) reused += arrays.Where((v, i) => v is not null && ReferenceEquals(v, previousArrays[i])).Count();
            previousArrays = arrays;
        }
        Assert.True(reused > 0, $"{file}: no row group reused an array (the test would prove nothing)");
    }

    private static object? ValuesOf(Bifrost.Parquet.Columns.Column c) => c switch
    {
        Bifrost.Parquet.Columns.DoubleColumn d => d.Values,
        Bifrost.Parquet.Columns.Int64Column l => l.Values,
        Bifrost.Parquet.Columns.Int32Column i => i.Values,
        Bifrost.Parquet.Columns.FloatColumn f => f.Values,
        Bifrost.Parquet.Columns.StringColumn s => s.Values,
        _ => null,
    };

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
