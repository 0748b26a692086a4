using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Compression;
using Bifrost.Parquet.Format;

namespace Bifrost.Parquet.Writing;

/// <summary>Writes one column of one row group as an optional dictionary page plus v1 data pages, and returns its metadata.</summary>
internal static class ColumnChunkWriter
{
    // Past this many distinct strings a dictionary stops paying for itself (and the ids get wide): write PLAIN.
    private const int MaxDictionarySize = 1 << 16;

    public static ColumnChunk Write(Stream output, ColumnDescriptor descriptor, Column column, ParquetWriterOptions options)
    {
        long start = output.Position;
        var meta = new ColumnMetaData
        {
            Type = descriptor.PhysicalType,
            PathInSchema = [descriptor.Name],
            Codec = options.Compression,
            NumValues = column.Length,
            Statistics = StatisticsBuilder.Build(column),
        };
        long uncompressed = 0;
        (string[] Dictionary, int[] Ids)? dictionary = column is StringColumn strings && options.DictionaryForStrings ? BuildDictionary(strings) : null;
        if (dictionary is { } d)
        {
            meta.DictionaryPageOffset = output.Position;
            using var body = new MemoryStream();
            foreach (var s in d.Dictionary) PageEncoder.WriteByteArray(System.Text.Encoding.UTF8.GetBytes(s), body);
            uncompressed += WritePage(output, body, options.Compression, new PageHeader
            {
                Type = PageType.DictionaryPage,
                DictionaryPageHeader = new DictionaryPageHeader { NumValues = d.Dictionary.Length, Encoding = ParquetEncoding.Plain },
            });
            meta.Encodings = [ParquetEncoding.Plain, ParquetEncoding.Rle, ParquetEncoding.RleDictionary];
        }
        else
        {
            meta.Encodings = [ParquetEncoding.Plain, ParquetEncoding.Rle];
        }
        meta.DataPageOffset = output.Position;
        int pageRows = Math.Max(1, options.PageRowCount);
        for (int first = 0; first < column.Length || first == 0; first += pageRows)
        {
            int count = Math.Min(pageRows, column.Length - first);
            using var body = new MemoryStream();
            if (descriptor.IsOptional) PageEncoder.WriteDefinitionLevels(column.Validity ?? AllValid(column.Length), first, count, body);
            if (dictionary is { } dict) PageEncoder.WriteDictionaryIds(dict.Ids, column.Validity, first, count, dict.Dictionary.Length, body);
            else PageEncoder.WritePlain(column, first, count, body);
            uncompressed += WritePage(output, body, options.Compression, new PageHeader
            {
                Type = PageType.DataPage,
                DataPageHeader = new DataPageHeader
                {
                    NumValues = count,
                    Encoding = dictionary is null ? ParquetEncoding.Plain : ParquetEncoding.RleDictionary,
                    DefinitionLevelEncoding = ParquetEncoding.Rle,
                    RepetitionLevelEncoding = ParquetEncoding.Rle,
                },
            });
            if (column.Length == 0) break;
        }
        meta.TotalUncompressedSize = uncompressed;
        meta.TotalCompressedSize = output.Position - start;
        return new ColumnChunk { FileOffset = start, MetaData = meta };
    }

    /// <summary>Writes header + compressed body; returns the uncompressed size (header included) for the metadata.</summary>
    private static long WritePage(Stream output, MemoryStream body, CompressionCodec codec, PageHeader header)
    {
        var raw = body.GetBuffer().AsSpan(0, (int)body.Length);
        byte[] compressed = Codecs.Compress(codec, raw);
        header.UncompressedPageSize = raw.Length;
        header.CompressedPageSize = compressed.Length;
        byte[] headerBytes = MetadataWriter.Write(header);
        output.Write(headerBytes);
        output.Write(compressed);
        return headerBytes.Length + raw.Length;
    }

    private static (string[], int[])? BuildDictionary(StringColumn column)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var ids = new int[column.Length];
        for (int i = 0; i < column.Length; i++)
        {
            if (column.Values[i] is not { } s) continue;
            if (!index.TryGetValue(s, out int id))
            {
                if (index.Count >= MaxDictionarySize) return null;
                id = index.Count;
                index.Add(s, id);
            }
            ids[i] = id;
        }
        var values = new string[index.Count];
        foreach (var (s, id) in index) values[id] = s;
        return (values, ids);
    }

    private static bool[] AllValid(int length)
    {
        var valid = new bool[length];
        Array.Fill(valid, true);
        return valid;
    }
}
