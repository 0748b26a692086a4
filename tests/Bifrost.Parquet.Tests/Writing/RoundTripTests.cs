using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Format;
using Bifrost.Parquet.Reading;
using Bifrost.Parquet.Tests.Support;
using Bifrost.Parquet.Writing;
using FsCheck;
using FsCheck.Fluent;

namespace Bifrost.Parquet.Tests.Writing;

public sealed class RoundTripTests
{
    [Theory]
    [InlineData(CompressionCodec.Zstd)]
    [InlineData(CompressionCodec.Snappy)]
    [InlineData(CompressionCodec.Gzip)]
    [InlineData(CompressionCodec.Lz4Raw)]
    [InlineData(CompressionCodec.Uncompressed)]
    public void WrittenRowGroups_ReadBackIdentically(CompressionCodec codec)
    {
        using var dir = new TempDirectory();
        string file = dir.File("rt.parquet");
        var groups = new[] { SampleData.RowGroup(0, 2500), SampleData.RowGroup(2500, 10), SampleData.RowGroup(2510, 0) };
        using (var writer = new ParquetFileWriter(file, SampleData.Schema, new ParquetWriterOptions { Compression = codec, PageRowCount = 1000 }))
        {
            foreach (var g in groups) writer.WriteRowGroup(g);
        }
        using var reader = ParquetFileReader.Open(file);
        Assert.Equal(2510, reader.RowCount);
        Assert.Equal(3, reader.RowGroupCount);
        Assert.Equal(SampleData.Schema.Select(c => (c.Name, c.Kind, c.IsOptional)), reader.Columns.Select(c => (c.Name, c.Kind, c.IsOptional)));
        foreach (var batch in reader.ReadRowGroups())
        {
            var expected = groups[batch.Index];
            for (int c = 0; c < expected.Length; c++)
            {
                for (int r = 0; r < batch.RowCount; r++) Assert.Equal(expected[c].GetValue(r), batch.Columns[c].GetValue(r));
            }
        }
    }

    [Fact]
    public void DictionaryStrings_ReadBackWithIds()
    {
        using var dir = new TempDirectory();
        string file = dir.File("dict.parquet");
        using (var writer = new ParquetFileWriter(file, SampleData.Schema)) writer.WriteRowGroup(SampleData.RowGroup(0, 100));
        using var reader = ParquetFileReader.Open(file);
        var symbols = reader.ReadRowGroup(0, "symbol").Get<StringColumn>("symbol");
        Assert.NotNull(symbols.DictionaryIds);
        Assert.Equal(6, symbols.Dictionary!.Length);
        Assert.Equal(symbols.Values, symbols.DictionaryIds!.Select(id => symbols.Dictionary[id]));
    }

    [Fact]
    public void AnyOptionalLongsAndStrings_RoundTrip() =>
        Prop.ForAll<long?[], string?[]>((longs, strings) =>
        {
            int n = Math.Min(longs?.Length ?? 0, strings?.Length ?? 0);
            var l = (longs ?? []).Take(n).ToArray();
            var s = (strings ?? []).Take(n).Select(x => x?.Replace('\0', ' ')).ToArray();
            using var dir = new TempDirectory();
            string file = dir.File("p.parquet");
            ColumnDescriptor[] schema = [ColumnDescriptor.Create("l", ValueKind.Int64, optional: true), ColumnDescriptor.Create("s", ValueKind.String, optional: true)];
            using (var writer = new ParquetFileWriter(file, schema, new ParquetWriterOptions { PageRowCount = 7 }))
            {
                writer.WriteRowGroup(new Int64Column(l.Select(x => x ?? 0).ToArray(), l.Select(x => x.HasValue).ToArray()), new StringColumn(s));
            }
            using var reader = ParquetFileReader.Open(file);
            var rows = reader.ReadRows().Select(r => ((long?)r[0], (string?)r[1])).ToList();
            return rows.SequenceEqual(l.Zip(s));
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void Writer_RejectsWrongTypesAndNullsInRequiredColumns()
    {
        using var dir = new TempDirectory();
        using var writer = new ParquetFileWriter(dir.File("bad.parquet"), [ColumnDescriptor.Create("x", ValueKind.Double)]);
        Assert.Throws<ArgumentException>(() => writer.WriteRowGroup(new Int64Column([1])));
        Assert.Throws<ArgumentException>(() => writer.WriteRowGroup(new DoubleColumn([1], [false])));
    }
}
