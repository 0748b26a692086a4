using Bifrost.Parquet.Format;

namespace Bifrost.Parquet.Writing;

public sealed record ParquetWriterOptions
{
    /// <summary>ZSTD (default) or SNAPPY are the intended choices; GZIP, LZ4_RAW and UNCOMPRESSED also work.</summary>
    public CompressionCodec Compression { get; init; } = CompressionCodec.Zstd;

    /// <summary>Rows per data page; pages bound the reader's per-page buffers.</summary>
    public int PageRowCount { get; init; } = 64 * 1024;

    /// <summary>Dictionary-encode string columns (RLE_DICTIONARY), falling back to PLAIN when the dictionary gets large.</summary>
    public bool DictionaryForStrings { get; init; } = true;

    public string CreatedBy { get; init; } = "Bifrost.Parquet";
}
