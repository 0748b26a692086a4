using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Reading;
using Bifrost.Parquet.Writing;

namespace Bifrost.Parquet.Tests.Reading;

/// <summary>A row group decoded into the previous one's arrays must not carry anything over from it: values, nulls
/// (validity) and dictionary ids are those of its own pages, whatever the previous row group held.</summary>
public sealed class RecycledReadingTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void NullPatternsThatChangeBetweenRowGroups_AreNotCarriedOver(bool dictionary)
    {
        // Row group 0: every third row null; 1: nulls only in its first page; 2: none; 3: all null; 4: shorter.
        var groups = new (int Rows, Func<int, bool> IsNull)[]
        {
            (1000, r => r % 3 == 0), (1000, r => r < 100), (1000, _ => false), (1000, _ => true), (700, r => r % 5 == 1),
        };
        var path = Path.Combine(Path.GetTempPath(), $"bifrost-recycled-{Guid.NewGuid():N}.parquet");
        try
        {
            ColumnDescriptor[] schema =
            [
                ColumnDescriptor.Create("x", ValueKind.Double, optional: true),
                ColumnDescriptor.Create("s", ValueKind.String, optional: true),
                ColumnDescriptor.Create("n", ValueKind.Int64),
            ];
            var expected = new List<(double?[] X, string?[] S, long[] N)>();
            using (var w = new ParquetFileWriter(path, schema, new ParquetWriterOptions { PageRowCount = 100, DictionaryForStrings = dictionary }))
            {
                var g = 0;
                foreach (var (rows, isNull) in groups)
                {
                    var x = Enumerable.Range(0, rows).Select(r => isNull(r) ? (double?)null : g * 10_000 + r + 0.5).ToArray();
                    var s = Enumerable.Range(0, rows).Select(r => isNull(r) ? null : $"k{(g + r) % 7}").ToArray();
                    var n = Enumerable.Range(0, rows).Select(r => (long)(g * 10_000 + r)).ToArray();
                    w.WriteRowGroup(new DoubleColumn(x.Select(v => v ?? 0).ToArray(), x.Select(v => v is not null).ToArray()), new StringColumn(s), new Int64Column(n));
                    expected.Add((x, s, n));
                    g++;
                }
            }
            using var reader = ParquetFileReader.Open(path);
            var i = 0;
            foreach (var batch in reader.ReadRowGroupsRecycled())
            {
                var (x, s, n) = expected[i++];
                var xs = batch.Get<DoubleColumn>("x");
                var ss = batch.Get<StringColumn>("s");
                Assert.Equal(x, Enumerable.Range(0, batch.RowCount).Select(r => xs.IsNull(r) ? (double?)null : xs.Values[r]));
                Assert.Equal(x.Count(v => v is null), xs.NullCount);
                Assert.Equal(s, ss.Values);
                if (ss.DictionaryIds is { } ids) Assert.Equal(s, ids.Select(id => id < 0 ? null : ss.Dictionary![id]));
                Assert.Equal(n, batch.Get<Int64Column>("n").Values);
            }
            Assert.Equal(groups.Length, i);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
