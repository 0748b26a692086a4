using Bifrost.Parquet.Columns;
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
}
