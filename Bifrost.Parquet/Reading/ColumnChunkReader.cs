using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Compression;
using Bifrost.Parquet.Format;
using Bifrost.Parquet.Reading.Accumulators;
using Bifrost.Parquet.Thrift;

namespace Bifrost.Parquet.Reading;

/// <summary>
/// Decodes one column chunk (already read into memory) into a <see cref="Column"/>: walks its pages, decompresses
/// each, decodes levels and values. Every size from a page header is checked against what is really there.
/// Errors are <see cref="InvalidDataException"/> / <see cref="NotSupportedException"/>; the caller adds file and column.
/// </summary>
internal sealed class ColumnChunkReader
{
    // Sanity cap on one page's uncompressed size: real writers stay far below it, corrupt headers often don't.
    private const int MaxPageSize = 1 << 30;

    // Per-thread scratch, used only inside one Read call: a reader per file would grow fresh ones (up to the largest
    // page, about a megabyte) and page-fault them in again for every file.
    [ThreadStatic] private static byte[]? _pageScratch;
    [ThreadStatic] private static bool[]? _validScratch;

    // A page larger than this is decompressed into an array of its own, so a thread never keeps a huge one.
    private const int MaxScratchPage = 16 << 20;

    /// <param name="previous">The same column of the previous row group, whose arrays may be written over (recycling
    /// readers only); null for fresh arrays.</param>
    public Column Read(ColumnDescriptor column, ColumnMetaData meta, byte[] chunk, int chunkLength, int rows, Column? previous = null)
    {
        var accumulator = AccumulatorFactory.Create(column, rows, previous);
        // Allocated at the first page with a null (most chunks have none): every row valid until a page says otherwise.
        bool[]? validity = null;
        bool[]? reuseValidity = previous?.Validity is { } v && v.Length == rows ? v : null;
        int position = 0;
        int row = 0;
        bool anyNull = false;
        while (row < rows)
        {
            if (position >= chunkLength) throw new InvalidDataException($"column chunk ends after {row} of {rows} rows");
            var reader = new CompactReader(chunk, position, chunkLength - position);
            var header = MetadataReader.ReadPageHeader(reader);
            position = reader.Position;
            if (header.CompressedPageSize < 0 || header.CompressedPageSize > chunkLength - position)
            {
                throw new InvalidDataException($"page claims {header.CompressedPageSize} bytes but the chunk has {chunkLength - position} left");
            }
            if (header.UncompressedPageSize is < 0 or > MaxPageSize) throw new InvalidDataException($"page claims an uncompressed size of {header.UncompressedPageSize} bytes");
            int body = position;
            position += header.CompressedPageSize;
            switch (header.Type)
            {
                case PageType.DictionaryPage:
                {
                    var h = header.DictionaryPageHeader ?? throw new InvalidDataException("dictionary page without its header");
                    if (h.NumValues < 0 || h.NumValues > header.UncompressedPageSize + 1) throw new InvalidDataException($"dictionary page claims {h.NumValues} values in {header.UncompressedPageSize} bytes");
                    var data = Decompress(meta.Codec, chunk, body, header.CompressedPageSize, header.UncompressedPageSize);
                    accumulator.ReadDictionary(h.Encoding, data.AsSpan(0, header.UncompressedPageSize), h.NumValues);
                    break;
                }
                case PageType.DataPage:
                {
                    var h = header.DataPageHeader ?? throw new InvalidDataException("data page without its header");
                    int count = CheckCount(h.NumValues, rows - row);
                    var data = Decompress(meta.Codec, chunk, body, header.CompressedPageSize, header.UncompressedPageSize);
                    int levelBytes = 0;
                    int present = count;
                    Span<bool> valid = Valid(count);
                    int length = header.UncompressedPageSize;
                    if (column.MaxDefinitionLevel > 0) levelBytes = LevelDecoder.DecodeV1(h.DefinitionLevelEncoding, data, 0, length, column.MaxDefinitionLevel, valid, out present);
                    else valid.Fill(true);
                    anyNull |= Decode(accumulator, h.Encoding, data, levelBytes, length - levelBytes, valid, present, row, column.IsOptional, rows, reuseValidity, ref validity);
                    row += count;
                    break;
                }
                case PageType.DataPageV2:
                {
                    var h = header.DataPageHeaderV2 ?? throw new InvalidDataException("data page v2 without its header");
                    int count = CheckCount(h.NumRows, rows - row);
                    if (h.NumValues != count) throw new InvalidDataException($"data page v2 has {h.NumValues} values for {h.NumRows} rows in a flat column");
                    int levels = h.RepetitionLevelsByteLength + h.DefinitionLevelsByteLength;
                    if (h.RepetitionLevelsByteLength < 0 || h.DefinitionLevelsByteLength < 0 || levels > header.CompressedPageSize || levels > header.UncompressedPageSize)
                    {
                        throw new InvalidDataException($"data page v2 level lengths ({h.RepetitionLevelsByteLength}, {h.DefinitionLevelsByteLength}) exceed the page");
                    }
                    Span<bool> valid = Valid(count);
                    // Levels in v2 are never compressed; they sit in front of the (possibly compressed) values.
                    int present = count;
                    if (column.MaxDefinitionLevel > 0) present = LevelDecoder.DecodeHybrid(chunk, body + h.RepetitionLevelsByteLength, h.DefinitionLevelsByteLength, Encodings.BitUnpacker.BitWidthOf(column.MaxDefinitionLevel), column.MaxDefinitionLevel, valid);
                    else valid.Fill(true);
                    var codec = h.IsCompressed ? meta.Codec : CompressionCodec.Uncompressed;
                    var data = Decompress(codec, chunk, body + levels, header.CompressedPageSize - levels, header.UncompressedPageSize - levels);
                    anyNull |= Decode(accumulator, h.Encoding, data, 0, header.UncompressedPageSize - levels, valid, present, row, column.IsOptional, rows, reuseValidity, ref validity);
                    row += count;
                    break;
                }
                default:
                    break; // index pages and unknown page types carry no values: skip them
            }
        }
        return accumulator.Build(anyNull ? validity : null);
    }

    private static int CheckCount(int count, int rowsLeft)
    {
        if (count < 0 || count > rowsLeft) throw new InvalidDataException($"data page claims {count} rows but only {rowsLeft} remain in the row group");
        return count;
    }

    private static Span<bool> Valid(int count)
    {
        var valid = _validScratch ??= new bool[1024];
        if (valid.Length < count) _validScratch = valid = new bool[Math.Max(count, valid.Length * 2)];
        return valid.AsSpan(0, count);
    }

    /// <param name="present">The page's valid rows, as the level decoder counted them.</param>
    private static bool Decode(ColumnAccumulator accumulator, ParquetEncoding encoding, byte[] buffer, int offset, int length, Span<bool> valid, int present,
        int row, bool optional, int rows, bool[]? reuseValidity, ref bool[]? validity)
    {
        accumulator.ReadValues(encoding, buffer, offset, length, present, row);
        if (present == valid.Length) return false;
        if (!optional) throw new InvalidDataException("a required column has null values");
        if (validity is null)
        {
            validity = reuseValidity ?? new bool[rows];
            Array.Fill(validity, true);
        }
        accumulator.Spread(row, present, valid);
        valid.CopyTo(validity.AsSpan(row));
        return true;
    }

    /// <summary>Decompresses a page into the thread's page buffer (or, for a huge page, an array of its own) and returns
    /// that buffer; the page fills its first <paramref name="uncompressedLength"/> bytes.</summary>
    private static byte[] Decompress(CompressionCodec codec, byte[] chunk, int offset, int length, int uncompressedLength)
    {
        if (uncompressedLength < 0) throw new InvalidDataException($"page claims a negative uncompressed size {uncompressedLength}");
        // Checked before the buffer is allocated: a lying header would have it allocate up to a GiB first.
        if (codec == CompressionCodec.Uncompressed && uncompressedLength != length)
            throw new InvalidDataException($"uncompressed page holds {length} bytes, its header says {uncompressedLength}");
        // Sizes are capped above; a codec expanding more than this ratio means a lying header, not data.
        if (codec != CompressionCodec.Uncompressed && (long)uncompressedLength > Math.Max(64L << 20, (long)length * 1100))
        {
            throw new InvalidDataException($"page claims {uncompressedLength} uncompressed bytes from {length} compressed bytes");
        }
        var page = _pageScratch ??= new byte[64 * 1024];
        if (page.Length < uncompressedLength)
        {
            page = new byte[Math.Max(uncompressedLength, page.Length * 2)];
            if (page.Length <= MaxScratchPage) _pageScratch = page;
        }
        Codecs.Decompress(codec, chunk.AsSpan(offset, length), page.AsSpan(0, uncompressedLength));
        return page;
    }
}
