using System.Text.Json;
using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Format;
using Bifrost.Parquet.Inspect;
using Bifrost.Parquet.Tests.Support;
using Bifrost.Parquet.Writing;

namespace Bifrost.Parquet.Tests.Inspect;

public sealed class InspectorTests
{
    [Fact]
    public void Inspect_ComputesNullsMinMaxSumFromTheData()
    {
        using var dir = new TempDirectory();
        string file = dir.File("inspect.parquet");
        ColumnDescriptor[] schema =
        [
            ColumnDescriptor.Create("ts", ValueKind.TimestampNanos),
            ColumnDescriptor.Create("px", ValueKind.Double, optional: true),
            ColumnDescriptor.Create("qty", ValueKind.Int64),
            ColumnDescriptor.Create("sym", ValueKind.String, optional: true),
        ];
        using (var writer = new ParquetFileWriter(file, schema, new ParquetWriterOptions { Compression = CompressionCodec.Snappy }))
        {
            writer.WriteRowGroup(new Int64Column([1_700_000_000_123_456_789, 1_700_000_001_000_000_000]), new DoubleColumn([1.5, 0], [true, false]),
                new Int64Column([long.MaxValue, long.MaxValue]), new StringColumn(["b", null]));
            writer.WriteRowGroup(new Int64Column([1_600_000_000_000_000_001]), new DoubleColumn([-2.25]), new Int64Column([3]), new StringColumn(["a"]));
        }
        var inspection = ParquetInspector.Inspect(file);
        Assert.Equal(3, inspection.RowCount);
        Assert.Equal(2, inspection.RowGroups.Count);
        var ts = inspection.Columns[0];
        Assert.Equal("2020-09-13T12:26:40.000000001Z", ts.Min);
        Assert.Equal("2023-11-14T22:13:21.000000000Z", ts.Max);
        Assert.Null(ts.Sum);
        var px = inspection.Columns[1];
        Assert.Equal((1L, "-2.25", "1.5", "-0.75"), (px.NullCount, px.Min, px.Max, px.Sum));
        Assert.Equal("18446744073709551617", inspection.Columns[2].Sum); // exact, past long.MaxValue
        var sym = inspection.Columns[3];
        Assert.Equal((1L, "a", "b"), (sym.NullCount, sym.Min, sym.Max));
        var chunk = inspection.RowGroups[0].Chunks[3];
        Assert.Equal("SNAPPY", chunk.Codec);
        Assert.Contains("RLE_DICTIONARY", chunk.Encodings);

        string text = InspectionRenderer.ToText(inspection);
        Assert.Contains("TIMESTAMP(NANOS, UTC)", text);
        Assert.Contains("RLE_DICTIONARY", text);
        using var json = JsonDocument.Parse(InspectionRenderer.ToJson(inspection));
        Assert.Equal(3, json.RootElement.GetProperty("rowCount").GetInt64());
        Assert.Equal("-0.75", json.RootElement.GetProperty("columns")[1].GetProperty("sum").GetString());
    }

    [Fact]
    public void Inspect_OfDatesAndTimestampsBeyondNetsDates_ShowsThemAsStored()
    {
        // DuckDB writes 'infinity' as the type's maximum: int.MaxValue days, long.MaxValue microseconds. Formatting them
        // threw ArgumentOutOfRangeException out of `bifrost-sim inspect` (exit 1, a stack trace).
        using var dir = new TempDirectory();
        string file = dir.File("infinity.parquet");
        ColumnDescriptor[] schema = [ColumnDescriptor.Create("day", ValueKind.Date), ColumnDescriptor.Create("ts", ValueKind.TimestampMicros)];
        using (var writer = new ParquetFileWriter(file, schema))
            writer.WriteRowGroup(new Int32Column([20_514, int.MaxValue, int.MinValue]), new Int64Column([long.MinValue, 1_772_461_800_000_000, long.MaxValue]));
        var inspection = ParquetInspector.Inspect(file);
        var day = inspection.Columns[0];
        Assert.Equal("-2147483648 (days since 1970-01-01, outside 0001-01-01 .. 9999-12-31)", day.Min);
        Assert.Equal("2147483647 (days since 1970-01-01, outside 0001-01-01 .. 9999-12-31)", day.Max);
        var ts = inspection.Columns[1];
        Assert.Equal("-9223372036854775808 (microseconds since 1970-01-01, outside 0001-01-01 .. 9999-12-31)", ts.Min);
        Assert.Equal("9223372036854775807 (microseconds since 1970-01-01, outside 0001-01-01 .. 9999-12-31)", ts.Max);
        Assert.Contains("9223372036854775807 (microseconds", InspectionRenderer.ToText(inspection));
    }
}
