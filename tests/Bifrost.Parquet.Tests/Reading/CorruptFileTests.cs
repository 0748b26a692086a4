using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Format;
using Bifrost.Parquet.Inspect;
using Bifrost.Parquet.Reading;
using Bifrost.Parquet.Tests.Support;
using Bifrost.Parquet.Writing;

namespace Bifrost.Parquet.Tests.Reading;

/// <summary>Damaged input gives a ParquetException naming the file and the problem — never a crash, hang or wrong data.</summary>
public sealed class CorruptFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _good;

    public CorruptFileTests()
    {
        _good = _dir.File("good.parquet");
        using var writer = new ParquetFileWriter(_good, SampleData.Schema, new ParquetWriterOptions { Compression = CompressionCodec.Snappy });
        writer.WriteRowGroup(SampleData.RowGroup(0, 3000));
    }

    public void Dispose() => _dir.Dispose();

    private string Variant(string name, Func<byte[], byte[]> change)
    {
        string path = _dir.File(name);
        File.WriteAllBytes(path, change(File.ReadAllBytes(_good)));
        return path;
    }

    private static ParquetException ReadAll(string path)
    {
        return Assert.ThrowsAny<ParquetException>(() =>
        {
            using var reader = ParquetFileReader.Open(path);
            foreach (var _ in reader.ReadRowGroups()) { }
        });
    }

    [Fact]
    public void BadMagic_IsReported()
    {
        string path = Variant("magic.parquet", b => { b[0] = (byte)'X'; return b; });
        var e = ReadAll(path);
        Assert.Contains(path, e.Message);
        Assert.Contains("magic", e.Message);
    }

    [Fact]
    public void TruncatedFile_IsReported()
    {
        string path = Variant("cut.parquet", b => b[..(b.Length / 2)]);
        var e = ReadAll(path);
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void TinyAndEmptyFiles_AreReported()
    {
        Assert.Contains("too short", ReadAll(Variant("empty.parquet", _ => [])).Message);
        Assert.Contains("too short", ReadAll(Variant("tiny.parquet", _ => "PAR1PAR1"u8.ToArray())).Message);
    }

    [Fact]
    public void BogusFooterLength_IsReported()
    {
        var e = ReadAll(Variant("footer.parquet", b => { b[^8] = 0xFF; b[^7] = 0xFF; b[^6] = 0xFF; b[^5] = 0x7F; return b; }));
        Assert.Contains("footer length", e.Message);
    }

    [Fact]
    public void GarbageFooter_IsReported()
    {
        var e = ReadAll(Variant("garbage.parquet", b =>
        {
            int footer = BitConverter.ToInt32(b, b.Length - 8);
            new Random(1).NextBytes(b.AsSpan(b.Length - 8 - footer, footer));
            return b;
        }));
        Assert.Contains("garbage.parquet", e.Message);
    }

    [Fact]
    public void FlippedBitsInTheData_GiveParquetExceptionOrValues_NeverACrash()
    {
        // A flipped bit in page data may fail a bound check or (inside a snappy literal, with no checksum) change
        // a value; either is acceptable. What must never happen is any other exception, a crash or a hang.
        byte[] original = File.ReadAllBytes(_good);
        int footer = BitConverter.ToInt32(original, original.Length - 8);
        int dataEnd = original.Length - 8 - footer;
        var random = new Random(42);
        for (int trial = 0; trial < 300; trial++)
        {
            int position = 4 + random.Next(dataEnd - 4);
            string path = Variant($"flip{trial}.parquet", b => { b[position] ^= (byte)(1 << random.Next(8)); return b; });
            try
            {
                using var reader = ParquetFileReader.Open(path);
                foreach (var _ in reader.ReadRowGroups()) { }
            }
            catch (ParquetException)
            {
            }
            File.Delete(path);
        }
    }

    [Fact]
    public void EveryFlippedByteInTheFooter_GivesAnExceptionOrAReadableFile()
    {
        byte[] original = File.ReadAllBytes(_good);
        int footer = BitConverter.ToInt32(original, original.Length - 8);
        for (int position = original.Length - 8 - footer; position < original.Length - 8; position++)
        {
            int p = position;
            string path = Variant("footerflip.parquet", b => { b[p] ^= 0x5A; return b; });
            try
            {
                using var reader = ParquetFileReader.Open(path);
                foreach (var _ in reader.ReadRowGroups()) { }
            }
            catch (ParquetException)
            {
            }
        }
    }

    [Fact]
    public void UnknownColumn_AndWrongType_AreSchemaMismatches()
    {
        using var reader = ParquetFileReader.Open(_good);
        var unknown = Assert.Throws<ParquetSchemaMismatchException>(() => reader.ReadRowGroups("nope").First());
        Assert.Contains("no column 'nope'", unknown.Message);
        Assert.Contains(_good, unknown.Message);
        var wrongKind = Assert.Throws<ParquetSchemaMismatchException>(() => reader.RequireColumn("bid", ValueKind.Int64));
        Assert.Contains("is Double", wrongKind.Message);
        var wrongType = Assert.Throws<ParquetSchemaMismatchException>(() => reader.ReadRowGroup(0, "bid").Get<Int64Column>("bid"));
        Assert.Contains("not Int64Column", wrongType.Message);
    }

    [Fact]
    public void UnsupportedCodec_IsNamed()
    {
        // Same data, but the footer re-encoded with every chunk claiming LZO, a codec the reader does not implement.
        string path = WithFooter("lzo.parquet", metadata =>
        {
            foreach (var chunk in metadata.RowGroups.SelectMany(g => g.Columns)) chunk.MetaData!.Codec = CompressionCodec.Lzo;
        });
        var e = ReadAll(path);
        Assert.Contains("Lzo", e.Message);
        Assert.Contains("not supported", e.Message);
    }

    [Fact]
    public void ChunkOffsetNearTheEndOfTheInt64Range_IsOutsideTheFile()
    {
        // offset + size wrapped negative and passed the footer's bound check: the read then failed in the OS
        // (IOException "Invalid argument", an unhandled exception in `bifrost-sim inspect`).
        string path = WithFooter("offset.parquet", metadata =>
        {
            var meta = metadata.RowGroups[0].Columns[0].MetaData!;
            meta.DictionaryPageOffset = null;
            meta.DataPageOffset = long.MaxValue - 16;
        });
        var e = ReadAll(path);
        Assert.Contains(path, e.Message);
        Assert.Contains("lies outside", e.Message);
    }

    [Fact]
    public void UncompressedSizesAddingUpPastInt64_AreReportedByInspect()
    {
        // The reader never uses them; the inspector's row-group total threw an unhandled OverflowException.
        string path = WithFooter("sizes.parquet", metadata =>
        {
            foreach (var chunk in metadata.RowGroups[0].Columns) chunk.MetaData!.TotalUncompressedSize = long.MaxValue / 2;
        });
        var e = Assert.ThrowsAny<ParquetException>(() => ParquetInspector.Inspect(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("row group 0, column", e.Message);
        Assert.Contains("uncompressed size", e.Message);
    }

    [Fact]
    public void AColumnNamedTwice_IsRefusedNamingIt()
    {
        // Another writer may allow it (ours refuses): the reader took the first 'bid' for both, silently, and the
        // inspector threw an unhandled ArgumentException on the second.
        string path = WithFooter("twice.parquet", metadata => metadata.Schema.Single(e => e.Name == "ask").Name = "bid");
        var e = ReadAll(path);
        Assert.Contains(path, e.Message);
        Assert.Contains("column 'bid' appears twice", e.Message);
        Assert.Contains("column 'bid' appears twice", Assert.ThrowsAny<ParquetException>(() => ParquetInspector.Inspect(path)).Message);
    }

    /// <summary>The good file's data under a footer changed by <paramref name="change"/>.</summary>
    private string WithFooter(string name, Action<FileMetaData> change)
    {
        FileMetaData metadata;
        using (var reader = ParquetFileReader.Open(_good)) metadata = reader.Metadata;
        change(metadata);
        byte[] footer = MetadataWriter.Write(metadata);
        byte[] original = File.ReadAllBytes(_good);
        int oldFooter = BitConverter.ToInt32(original, original.Length - 8);
        string path = _dir.File(name);
        using var output = File.Create(path);
        output.Write(original, 0, original.Length - 8 - oldFooter);
        output.Write(footer);
        output.Write(BitConverter.GetBytes(footer.Length));
        output.Write("PAR1"u8);
        return path;
    }
}
