using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Format;
using Bifrost.Parquet.Reading;

namespace Bifrost.Parquet.Inspect;

/// <summary>Builds a <see cref="ParquetInspection"/>: the footer layout, then one streaming pass over the data
/// (one row group in memory at a time) for null counts, min, max and sums.</summary>
public static class ParquetInspector
{
    public static ParquetInspection Inspect(string path)
    {
        using var reader = ParquetFileReader.Open(path);
        var metadata = reader.Metadata;
        var readable = reader.Columns.Where(c => c.UnsupportedReason is null).ToList();
        var aggregators = readable.ToDictionary(c => c.Name, c => new ColumnAggregator(c));
        var names = readable.Select(c => c.Name).ToArray();
        if (names.Length > 0)
        {
            foreach (var batch in reader.ReadRowGroups(names))
            {
                for (int i = 0; i < batch.Columns.Count; i++) aggregators[batch.Descriptors[i].Name].Add(batch.Columns[i]);
            }
        }
        var columns = reader.Columns.Select(c => c.UnsupportedReason is { } reason
            ? new ColumnInspection(c.Name, c.PhysicalType.ToString().ToUpperInvariant(), c.LogicalTypeText, c.IsOptional, 0, null, null, null, reason)
            : aggregators[c.Name].Result()).ToList();
        var rowGroups = metadata.RowGroups.Select((g, index) => new RowGroupInspection(
            index,
            g.NumRows,
            g.Columns.Sum(c => c.MetaData!.TotalCompressedSize), // each within the file: checked when it was opened
            UncompressedSize(path, index, g),
            g.Columns.Select(c => new ColumnChunkInspection(
                string.Join('.', c.MetaData!.PathInSchema),
                EnumText(c.MetaData.Codec.ToString()),
                c.MetaData.Encodings.Select(e => EnumText(e.ToString())).ToList(),
                c.MetaData.TotalCompressedSize,
                c.MetaData.TotalUncompressedSize,
                c.MetaData.Statistics?.NullCount)).ToList())).ToList();
        return new ParquetInspection(path, reader.FileLength, reader.RowCount, reader.CreatedBy, metadata.Version, columns, rowGroups);
    }

    /// <summary>The reader never uses the uncompressed sizes, so only here does a corrupt one matter: refused, naming the
    /// row group, where a sum past long.MaxValue threw an unhandled OverflowException.</summary>
    private static long UncompressedSize(string path, int rowGroup, RowGroup group)
    {
        long total = 0;
        foreach (var chunk in group.Columns)
        {
            long size = chunk.MetaData!.TotalUncompressedSize;
            if (size < 0 || size > long.MaxValue - total)
                throw new ParquetFormatException($"{path} row group {rowGroup}, column '{string.Join('.', chunk.MetaData.PathInSchema)}': uncompressed size {size} is negative or adds up past 2^63 (corrupt footer)");
            total += size;
        }
        return total;
    }

    // PascalCase enum names back to the spec's spelling: RleDictionary → RLE_DICTIONARY.
    private static string EnumText(string name) =>
        string.Concat(name.Select((ch, i) => i > 0 && char.IsUpper(ch) && !char.IsDigit(name[i - 1]) ? "_" + ch : ch.ToString())).ToUpperInvariant();
}
