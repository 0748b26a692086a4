using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Format;
using Bifrost.Parquet.Reading;
using Bifrost.Parquet.Tests.Support;
using Parquet;
using Parquet.Schema;

namespace Bifrost.Parquet.Tests.CrossCheck;

/// <summary>
/// Legacy INT96 timestamps (Impala, Hive, older Spark exports — tick archives still come this way), written by an
/// independent writer, Parquet.Net, whose default DateTime format is INT96: Bifrost reads them as nanoseconds since the
/// epoch, value by value, with nulls, before 1970 and far after, across row groups. Parquet.Net writes them PLAIN
/// (asked for a dictionary it still does not build one for this column), so the dictionary path is not exercised here:
/// it is the generic fixed-width code INT64 and DOUBLE share (DuckDB dictionary-encodes those when few values repeat).
/// </summary>
public sealed class Int96TimestampTests
{
    private static readonly DateTime[] Instants =
    [
        new(2026, 3, 2, 14, 30, 0, 123, DateTimeKind.Utc),
        new DateTime(2026, 3, 2, 20, 59, 59, 999, DateTimeKind.Utc).AddTicks(9_999), // 100 ns below the next second
        DateTime.UnixEpoch,
        DateTime.UnixEpoch.AddTicks(-1),                                            // 100 ns before 1970
        new(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc),
        new(2199, 12, 31, 23, 59, 59, DateTimeKind.Utc),
        new(2026, 3, 3, 0, 0, 0, DateTimeKind.Utc),                                 // midnight: nanos of day 0
    ];

    private static long UnixNanos(DateTime t) => (t - DateTime.UnixEpoch).Ticks * 100;

    /// <summary>Row i's value: an instant from the list (repeated when <paramref name="repeat"/>, else each shifted by i
    /// microseconds so no two match), null every seventh row.</summary>
    private static DateTime? Value(int i, bool repeat) =>
        i % 7 == 6 ? null : repeat ? Instants[i % Instants.Length] : Instants[i % Instants.Length].AddTicks(10L * i);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ParquetNetsInt96Timestamps_ReadAsTheSameNanoseconds(bool repeat)
    {
        using var dir = new TempDirectory();
        var file = dir.File($"int96_{repeat}.parquet");
        var ts = new DateTimeDataField("ts", DateTimeFormat.Impala, isNullable: true);
        var n = new DataField<int>("n");
        const int groups = 2, rows = 5_000;
        await using (var stream = File.Create(file))
        {
            var options = new ParquetOptions { CompressionMethod = CompressionMethod.Snappy };
            await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(ts, n), stream, options);
            for (var g = 0; g < groups; g++)
            {
                using var group = writer.CreateRowGroup();
                await group.WriteAsync<DateTime>(ts, Enumerable.Range(g * rows, rows).Select(i => Value(i, repeat)).ToArray());
                await group.WriteAsync<int>(n, Enumerable.Range(g * rows, rows).ToArray());
                group.CompleteValidate();
            }
        }

        using var reader = ParquetFileReader.Open(file);
        var column = reader.Columns.Single(c => c.Name == "ts");
        Assert.Equal(PhysicalType.Int96, column.PhysicalType);
        Assert.Equal(ValueKind.TimestampNanos, column.Kind);
        var checkedRows = 0;
        foreach (var batch in reader.ReadRowGroups("ts", "n"))
        {
            var values = (Int64Column)batch.Columns[0];
            var numbers = (Int32Column)batch.Columns[1];
            for (var r = 0; r < batch.RowCount; r++)
            {
                var i = numbers.Values[r];
                var expected = Value(i, repeat);
                Assert.True(expected is null == values.IsNull(r), $"row {i}: null {values.IsNull(r)}, expected {expected?.ToString("O") ?? "null"}");
                if (expected is { } t) Assert.True(UnixNanos(t) == values.Values[r], $"row {i}: {values.Values[r]} ns, expected {UnixNanos(t)} ({t:O})");
                checkedRows++;
            }
        }
        Assert.Equal(groups * rows, checkedRows);
        Assert.Contains("PLAIN", Bifrost.Parquet.Inspect.ParquetInspector.Inspect(file).RowGroups[0].Chunks[0].Encodings);
    }
}
