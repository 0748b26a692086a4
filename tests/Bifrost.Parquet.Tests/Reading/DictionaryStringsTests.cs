using System.Text;
using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Format;
using Bifrost.Parquet.Reading.Accumulators;
using Bifrost.Parquet.Writing;

namespace Bifrost.Parquet.Tests.Reading;

/// <summary>Dictionary-encoded strings are kept as ids and built into values on first use; a chunk whose writer fell
/// back from the dictionary to PLAIN part-way (as parquet-mr and Arrow do when the dictionary grows too large) must
/// still read every row, null or not, in the right place.</summary>
public sealed class DictionaryStringsTests
{
    private static readonly string[] Dictionary = ["a", "b", "c"];

    [Fact]
    public void ChunkFallingBackFromDictionaryToPlain_ReadsEveryRowAndNull_AndHasNoIds()
    {
        // Three pages of three rows: dictionary ids, PLAIN, dictionary ids again; nulls in each.
        string?[] rows = ["a", null, "b", "x", "y", null, null, "c", "a"];
        var accumulator = Accumulator(rows.Length);
        accumulator.ReadDictionary(ParquetEncoding.Plain, DictionaryPage(), Dictionary.Length);
        DictionaryPage(accumulator, rows, 0);
        PlainPage(accumulator, rows, 3);
        DictionaryPage(accumulator, rows, 6);
        var column = (StringColumn)accumulator.Build(rows.Select(r => r is not null).ToArray());

        Assert.Equal(rows, column.Values);
        Assert.Equal(rows, Enumerable.Range(0, rows.Length).Select(column.ValueAt));
        Assert.Equal(3, column.NullCount);
        Assert.Null(column.DictionaryIds);
    }

    [Fact]
    public void AllDictionaryChunk_KeepsIds_AndBuildsValuesOnFirstUse_IntoTheRecycledArray()
    {
        string?[] rows = ["c", null, "a", "b", "b", null];
        var previousValues = new string?[rows.Length];
        Array.Fill(previousValues, "stale");
        var previous = new StringColumn(previousValues);
        var accumulator = (ByteArrayAccumulator<string?>)AccumulatorFactory.Create(ColumnDescriptor.Create("s", ValueKind.String, optional: true), rows.Length, previous);
        accumulator.ReadDictionary(ParquetEncoding.Plain, DictionaryPage(), Dictionary.Length);
        DictionaryPage(accumulator, rows, 0);
        DictionaryPage(accumulator, rows, 3);
        var column = (StringColumn)accumulator.Build(rows.Select(r => r is not null).ToArray());

        Assert.Equal([2, -1, 0, 1, 1, -1], column.DictionaryIds!);
        Assert.Equal(rows, Enumerable.Range(0, rows.Length).Select(column.ValueAt)); // read through the ids
        Assert.Equal(rows, column.Values);
        Assert.Same(previousValues, column.Values); // built into the previous row group's array, every slot written
        Assert.Equal(rows, column.Values);
    }

    private static ColumnAccumulator Accumulator(int rows) =>
        AccumulatorFactory.Create(ColumnDescriptor.Create("s", ValueKind.String, optional: true), rows);

    private static byte[] DictionaryPage()
    {
        using var body = new MemoryStream();
        foreach (var s in Dictionary) PageEncoder.WriteByteArray(Encoding.UTF8.GetBytes(s), body);
        return body.ToArray();
    }

    // A page's values are decoded densely at its first row, then spread over its rows by validity (as the reader does).
    private static void DictionaryPage(ColumnAccumulator accumulator, string?[] rows, int first)
    {
        var page = rows.Skip(first).Take(3).ToArray();
        var ids = page.Select(s => s is null ? 0 : Array.IndexOf(Dictionary, s)).ToArray();
        var valid = page.Select(s => s is not null).ToArray();
        using var body = new MemoryStream();
        PageEncoder.WriteDictionaryIds(ids, valid, 0, page.Length, Dictionary.Length, body);
        Read(accumulator, ParquetEncoding.RleDictionary, body.ToArray(), valid, first);
    }

    private static void PlainPage(ColumnAccumulator accumulator, string?[] rows, int first)
    {
        var page = rows.Skip(first).Take(3).ToArray();
        var valid = page.Select(s => s is not null).ToArray();
        using var body = new MemoryStream();
        foreach (var s in page.OfType<string>()) PageEncoder.WriteByteArray(Encoding.UTF8.GetBytes(s), body);
        Read(accumulator, ParquetEncoding.Plain, body.ToArray(), valid, first);
    }

    private static void Read(ColumnAccumulator accumulator, ParquetEncoding encoding, byte[] data, bool[] valid, int first)
    {
        int present = valid.Count(v => v);
        accumulator.ReadValues(encoding, data, 0, data.Length, present, first);
        accumulator.Spread(first, present, valid);
    }
}
