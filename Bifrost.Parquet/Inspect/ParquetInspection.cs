namespace Bifrost.Parquet.Inspect;

/// <summary>What `bifrost-sim inspect FILE.parquet` shows: layout from the footer, value facts from reading the data.</summary>
public sealed record ParquetInspection(
    string File,
    long FileSize,
    long RowCount,
    string? CreatedBy,
    int FormatVersion,
    IReadOnlyList<ColumnInspection> Columns,
    IReadOnlyList<RowGroupInspection> RowGroups);

/// <summary>One column over the whole file. NullCount/Min/Max/Sum come from decoding every value, not from statistics;
/// Sum is set for numeric columns only (exact for integers and decimals). Values are rendered invariantly.</summary>
public sealed record ColumnInspection(
    string Name,
    string PhysicalType,
    string LogicalType,
    bool Optional,
    long NullCount,
    string? Min,
    string? Max,
    string? Sum,
    string? Unsupported);

public sealed record RowGroupInspection(
    int Index,
    long RowCount,
    long CompressedBytes,
    long UncompressedBytes,
    IReadOnlyList<ColumnChunkInspection> Chunks);

public sealed record ColumnChunkInspection(
    string Column,
    string Codec,
    IReadOnlyList<string> Encodings,
    long CompressedBytes,
    long UncompressedBytes,
    long? StatisticsNullCount);
