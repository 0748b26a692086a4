using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Format;
using Microsoft.Win32.SafeHandles;

namespace Bifrost.Parquet.Reading;

/// <summary>
/// Opens a Parquet file and reads it one row group at a time, only the requested columns. Memory is one row group
/// of the projected columns plus one column chunk's compressed bytes, whatever the file size.
/// <code>
/// using var reader = ParquetFileReader.Open(path);
/// foreach (var batch in reader.ReadRowGroups("ts", "bid"))
///     Use(batch.Get&lt;Int64Column&gt;("ts").Values, batch.Get&lt;DoubleColumn&gt;("bid").Values);
/// </code>
/// </summary>
public sealed class ParquetFileReader : IDisposable
{
    private readonly SafeFileHandle _file;
    private readonly FileMetaData _metadata;
    private readonly List<ColumnDescriptor> _columns;
    private readonly ColumnChunkReader _chunkReader = new();
    private byte[] _chunk = [];

    private ParquetFileReader(string path)
    {
        FilePath = path;
        try
        {
            _file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ParquetException($"{path}: cannot open: {e.Message}", e);
        }
        try
        {
            FileLength = RandomAccess.GetLength(_file);
            _metadata = FooterReader.Read(_file, FileLength, path);
            try
            {
                _columns = SchemaBuilder.Build(_metadata.Schema);
            }
            catch (InvalidDataException e)
            {
                throw new ParquetFormatException($"{path} has an invalid schema: {e.Message}", e);
            }
            foreach (var (group, g) in _metadata.RowGroups.Select((x, i) => (x, i)))
            {
                if (group.Columns.Count != _columns.Count) throw new ParquetFormatException($"{path}: row group {g} has {group.Columns.Count} column chunks, the schema has {_columns.Count} columns");
            }
        }
        catch
        {
            _file.Dispose();
            throw;
        }
    }

    public static ParquetFileReader Open(string path) => new(path);

    public string FilePath { get; }
    public long FileLength { get; }
    public IReadOnlyList<ColumnDescriptor> Columns => _columns;
    public long RowCount => _metadata.NumRows;
    public int RowGroupCount => _metadata.RowGroups.Count;
    public string? CreatedBy => _metadata.CreatedBy;

    internal FileMetaData Metadata => _metadata;

    /// <summary>Bytes of the largest column chunk buffer held so far (for bounded-memory checks).</summary>
    internal int ChunkBufferSize => _chunk.Length;

    public long RowGroupRowCount(int rowGroup) => _metadata.RowGroups[rowGroup].NumRows;

    /// <summary>The descriptor of a column; an unknown name raises an exception listing the file's columns.</summary>
    public ColumnDescriptor GetColumn(string name) =>
        _columns.FirstOrDefault(c => c.Name == name)
        ?? throw new ParquetSchemaMismatchException($"{FilePath} has no column '{name}' (columns: {string.Join(", ", _columns.Select(c => c.Name))})");

    /// <summary>Like <see cref="GetColumn"/>, and also checks the kind, e.g. that "bid" really is a Double column.</summary>
    public ColumnDescriptor RequireColumn(string name, ValueKind kind)
    {
        var column = GetColumn(name);
        if (column.Kind != kind) throw new ParquetSchemaMismatchException($"{FilePath}: column '{name}' is {column.Kind} ({column.PhysicalType} {column.LogicalTypeText}), not {kind}");
        return column;
    }

    /// <summary>Streams the row groups; with no names every readable column is read.</summary>
    public IEnumerable<RowGroupBatch> ReadRowGroups(params string[] columns)
    {
        var projection = Project(columns);
        for (int g = 0; g < RowGroupCount; g++) yield return ReadRowGroup(g, projection);
    }

    /// <summary>Like <see cref="ReadRowGroups"/>, but each row group is decoded into the previous one's arrays where
    /// they fit: a batch (its columns' values, validity and dictionary ids) is valid only until the enumeration moves
    /// on. For readers that copy what they keep (the tick reader): no fresh large arrays per row group, so no page
    /// faults and collections to pay for them.</summary>
    public IEnumerable<RowGroupBatch> ReadRowGroupsRecycled(params string[] columns)
    {
        var projection = Project(columns);
        Column[]? previous = null;
        for (int g = 0; g < RowGroupCount; g++)
        {
            var batch = ReadRowGroup(g, projection, previous);
            previous = batch.Columns as Column[] ?? batch.Columns.ToArray();
            yield return batch;
        }
    }

    public RowGroupBatch ReadRowGroup(int rowGroup, params string[] columns) => ReadRowGroup(rowGroup, Project(columns));

    /// <summary>Row-at-a-time convenience over <see cref="ReadRowGroups"/>: each row is the projected values, boxed
    /// (timestamps as DateTime, dates as DateOnly, nulls as null). The array is reused: copy it to keep it.</summary>
    public IEnumerable<object?[]> ReadRows(params string[] columns)
    {
        var projection = Project(columns);
        var row = new object?[projection.Count];
        for (int g = 0; g < RowGroupCount; g++)
        {
            var batch = ReadRowGroup(g, projection);
            for (int r = 0; r < batch.RowCount; r++)
            {
                for (int c = 0; c < row.Length; c++) row[c] = RowValues.Convert(projection[c], batch.Columns[c].GetValue(r));
                yield return row;
            }
        }
    }

    public void Dispose() => _file.Dispose();

    private List<ColumnDescriptor> Project(string[] names)
    {
        if (names.Length == 0) return _columns.Where(c => c.UnsupportedReason is null).ToList();
        var projection = names.Select(GetColumn).ToList();
        foreach (var column in projection)
        {
            if (column.UnsupportedReason is { } reason) throw new ParquetFormatException($"{FilePath}: column '{column.Name}' cannot be read: {reason}");
        }
        return projection;
    }

    private RowGroupBatch ReadRowGroup(int rowGroup, List<ColumnDescriptor> projection, Column[]? previous = null)
    {
        if ((uint)rowGroup >= (uint)RowGroupCount) throw new ArgumentOutOfRangeException(nameof(rowGroup), $"{FilePath} has {RowGroupCount} row groups");
        var group = _metadata.RowGroups[rowGroup];
        int rows = (int)group.NumRows;
        var columns = new Column[projection.Count];
        for (int i = 0; i < projection.Count; i++) columns[i] = ReadChunk(projection[i], group.Columns[projection[i].Index].MetaData!, rowGroup, rows, previous?[i]);
        return new RowGroupBatch(FilePath, rowGroup, rows, projection, columns);
    }

    private Column ReadChunk(ColumnDescriptor column, ColumnMetaData meta, int rowGroup, int rows, Column? previous)
    {
        string where = $"{FilePath}: row group {rowGroup}, column '{column.Name}'";
        if (meta.Type != column.PhysicalType) throw new ParquetFormatException($"{where}: chunk type {meta.Type} differs from the schema's {column.PhysicalType}");
        int length = (int)meta.TotalCompressedSize;
        if (_chunk.Length < length) _chunk = new byte[length];
        int read = RandomAccess.Read(_file, _chunk.AsSpan(0, length), FooterReader.ChunkStart(meta));
        if (read != length) throw new ParquetFormatException($"{where}: file ends inside the column chunk (truncated)");
        try
        {
            return _chunkReader.Read(column, meta, _chunk, length, rows, previous);
        }
        catch (InvalidDataException e)
        {
            throw new ParquetFormatException($"{where}: {e.Message}", e);
        }
        catch (NotSupportedException e)
        {
            throw new ParquetFormatException($"{where}: {e.Message}", e);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentOutOfRangeException or ArgumentException or OverflowException)
        {
            // A decoder missed a bound check; still report a damaged file rather than crash.
            throw new ParquetFormatException($"{where}: corrupt data ({e.GetType().Name}: {e.Message})", e);
        }
    }
}
