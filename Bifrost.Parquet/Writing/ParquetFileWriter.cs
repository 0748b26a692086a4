using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Format;

namespace Bifrost.Parquet.Writing;

/// <summary>
/// Streams a flat Parquet file, one row group per <see cref="WriteRowGroup"/> call; only the footer metadata is
/// kept between calls. Dispose writes the footer (a file without it is unreadable, which is the point: a crashed
/// writer never leaves a file that looks complete).
/// <code>
/// var schema = new[] { ColumnDescriptor.Create("ts", ValueKind.TimestampMicros), ColumnDescriptor.Create("bid", ValueKind.Double) };
/// using var writer = new ParquetFileWriter(path, schema, new ParquetWriterOptions { Compression = CompressionCodec.Zstd });
/// writer.WriteRowGroup(new Int64Column(ts), new DoubleColumn(bid));
/// </code>
/// </summary>
public sealed class ParquetFileWriter : IDisposable
{
    private readonly FileStream _output;
    private readonly IReadOnlyList<ColumnDescriptor> _schema;
    private readonly ParquetWriterOptions _options;
    private readonly FileMetaData _metadata;
    private bool _closed;

    public ParquetFileWriter(string path, IReadOnlyList<ColumnDescriptor> schema, ParquetWriterOptions? options = null)
    {
        if (schema.Count == 0) throw new ArgumentException("a Parquet file needs at least one column", nameof(schema));
        var duplicate = schema.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"column name '{duplicate.Key}' appears twice", nameof(schema));
        _schema = schema;
        _options = options ?? new ParquetWriterOptions();
        _metadata = new FileMetaData { Version = 1, Schema = SchemaWriter.Build(schema), CreatedBy = _options.CreatedBy };
        _output = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        _output.Write("PAR1"u8);
    }

    /// <summary>Writes one row group; columns are given in schema order and must all have the same length.</summary>
    public void WriteRowGroup(params Column[] columns)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        Check(columns);
        long start = _output.Position;
        var group = new RowGroup { NumRows = columns[0].Length, FileOffset = start };
        for (int i = 0; i < columns.Length; i++)
        {
            var chunk = ColumnChunkWriter.Write(_output, _schema[i], columns[i], _options);
            group.Columns.Add(chunk);
            group.TotalByteSize += chunk.MetaData!.TotalUncompressedSize;
        }
        group.TotalCompressedSize = _output.Position - start;
        _metadata.RowGroups.Add(group);
        _metadata.NumRows += group.NumRows;
    }

    public void Dispose()
    {
        if (_closed) return;
        _closed = true;
        using (_output)
        {
            byte[] footer = MetadataWriter.Write(_metadata);
            _output.Write(footer);
            Span<byte> tail = stackalloc byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(tail, footer.Length);
            "PAR1"u8.CopyTo(tail[4..]);
            _output.Write(tail);
        }
    }

    private void Check(Column[] columns)
    {
        if (columns.Length != _schema.Count) throw new ArgumentException($"the schema has {_schema.Count} columns, {columns.Length} were given");
        for (int i = 0; i < columns.Length; i++)
        {
            var descriptor = _schema[i];
            var column = columns[i];
            bool typeOk = (descriptor.Kind, column) switch
            {
                (ValueKind.Boolean, BooleanColumn) => true,
                (ValueKind.Int32 or ValueKind.Date, Int32Column) => true,
                (ValueKind.Int64 or ValueKind.TimestampMillis or ValueKind.TimestampMicros or ValueKind.TimestampNanos, Int64Column) => true,
                (ValueKind.Float, FloatColumn) => true,
                (ValueKind.Double, DoubleColumn) => true,
                (ValueKind.String, StringColumn) => true,
                _ => false,
            };
            if (!typeOk) throw new ArgumentException($"column '{descriptor.Name}' is {descriptor.Kind}; a {column.GetType().Name} cannot be written to it");
            if (column.Length != columns[0].Length) throw new ArgumentException($"column '{descriptor.Name}' has {column.Length} rows, column '{_schema[0].Name}' has {columns[0].Length}");
            if (!descriptor.IsOptional && column.NullCount > 0) throw new ArgumentException($"column '{descriptor.Name}' is required but has {column.NullCount} nulls");
        }
    }
}
