using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Format;
using Bifrost.Parquet.Reading;
using Bifrost.Parquet.Tests.Support;
using Bifrost.Parquet.Writing;

namespace Bifrost.Parquet.Tests.Reading;

public sealed class BoundedMemoryTests
{
    [Fact]
    public void ReadingManyRowGroups_HoldsOnlyTheCurrentOne()
    {
        using var dir = new TempDirectory();
        string file = dir.File("many.parquet");
        const int Groups = 12;
        const int Rows = 20_000;
        using (var writer = new ParquetFileWriter(file, SampleData.Schema))
        {
            for (int g = 0; g < Groups; g++) writer.WriteRowGroup(SampleData.RowGroup(g * Rows, Rows));
        }
        using var reader = ParquetFileReader.Open(file);
        var released = new List<WeakReference>();
        long rows = 0;
        int largestChunk = 0;
        foreach (var batch in reader.ReadRowGroups())
        {
            rows += batch.RowCount;
            released.Add(new WeakReference(batch.Columns[0]));
            largestChunk = Math.Max(largestChunk, reader.ChunkBufferSize);
        }
        Assert.Equal(Groups * Rows, rows);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        // The reader keeps no row group alive once the caller lets go of it...
        Assert.True(released.Count(w => w.IsAlive) <= 1, $"{released.Count(w => w.IsAlive)} row groups still alive");
        // ...and its only buffer is one column chunk, far smaller than the file.
        Assert.True(largestChunk < new FileInfo(file).Length / Groups, $"chunk buffer {largestChunk} bytes vs file {new FileInfo(file).Length}");
    }

    [Fact]
    public void Projection_ReadsOnlyRequestedColumns()
    {
        using var dir = new TempDirectory();
        string file = dir.File("projection.parquet");
        using (var writer = new ParquetFileWriter(file, SampleData.Schema)) writer.WriteRowGroup(SampleData.RowGroup(0, 50_000));
        using var reader = ParquetFileReader.Open(file);
        var batch = reader.ReadRowGroup(0, "size");
        var chunk = reader.Metadata.RowGroups[0].Columns[reader.GetColumn("size").Index].MetaData!;
        Assert.Equal(chunk.TotalCompressedSize, reader.ChunkBufferSize); // the only chunk read was the projected one
        Assert.IsType<Int32Column>(Assert.Single(batch.Columns));
    }

    [Fact]
    public void AnUncompressedPageClaimingAGigabyte_IsRefusedBeforeItIsAllocated()
    {
        // An uncompressed page's size is its stored length: a header claiming 1 GiB for 4 bytes allocated the GiB before
        // the copy found the mismatch (an OutOfMemoryException, not a refusal, under a pod's memory limit).
        byte[] body = BitConverter.GetBytes(42);
        var header = new PageHeader
        {
            Type = PageType.DataPage, CompressedPageSize = body.Length, UncompressedPageSize = 1 << 30,
            DataPageHeader = new DataPageHeader { NumValues = 1, Encoding = ParquetEncoding.Plain },
        };
        byte[] chunk = [.. MetadataWriter.Write(header), .. body];
        var column = ColumnDescriptor.Create("size", ValueKind.Int32);
        var meta = new ColumnMetaData { Type = column.PhysicalType, Codec = CompressionCodec.Uncompressed, PathInSchema = ["size"], NumValues = 1 };
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => new ColumnChunkReader().Read(column, meta, chunk, chunk.Length, rows: 1));
        Assert.Contains("uncompressed page holds 4 bytes, its header says 1073741824", e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20, $"{GC.GetAllocatedBytesForCurrentThread() - before} bytes allocated");
    }
}
