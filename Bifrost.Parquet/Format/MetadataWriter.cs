using Bifrost.Parquet.Thrift;

namespace Bifrost.Parquet.Format;

/// <summary>Encodes the structs Bifrost's writer produces; field ids mirror <see cref="MetadataReader"/>.</summary>
internal static class MetadataWriter
{
    public static byte[] Write(FileMetaData m)
    {
        var w = new CompactWriter();
        w.BeginStruct();
        w.I32(1, m.Version);
        w.ListField(2, CompactType.Struct, m.Schema.Count);
        foreach (var e in m.Schema) WriteSchemaElement(w, e);
        w.I64(3, m.NumRows);
        w.ListField(4, CompactType.Struct, m.RowGroups.Count);
        foreach (var g in m.RowGroups) WriteRowGroup(w, g);
        if (m.KeyValueMetadata.Count > 0)
        {
            w.ListField(5, CompactType.Struct, m.KeyValueMetadata.Count);
            foreach (var kv in m.KeyValueMetadata)
            {
                w.BeginStruct();
                w.String(1, kv.Key);
                if (kv.Value is not null) w.String(2, kv.Value);
                w.EndStruct();
            }
        }
        if (m.CreatedBy is not null) w.String(6, m.CreatedBy);
        w.EndStruct();
        return w.ToArray();
    }

    public static byte[] Write(PageHeader h)
    {
        var w = new CompactWriter();
        w.BeginStruct();
        w.I32(1, (int)h.Type);
        w.I32(2, h.UncompressedPageSize);
        w.I32(3, h.CompressedPageSize);
        if (h.DataPageHeader is { } d)
        {
            w.StructField(5);
            w.BeginStruct();
            w.I32(1, d.NumValues);
            w.I32(2, (int)d.Encoding);
            w.I32(3, (int)d.DefinitionLevelEncoding);
            w.I32(4, (int)d.RepetitionLevelEncoding);
            w.EndStruct();
        }
        if (h.DictionaryPageHeader is { } dict)
        {
            w.StructField(7);
            w.BeginStruct();
            w.I32(1, dict.NumValues);
            w.I32(2, (int)dict.Encoding);
            w.EndStruct();
        }
        w.EndStruct();
        return w.ToArray();
    }

    private static void WriteSchemaElement(CompactWriter w, SchemaElement e)
    {
        w.BeginStruct();
        if (e.Type is { } type) w.I32(1, (int)type);
        if (e.TypeLength is { } length) w.I32(2, length);
        if (e.RepetitionType is { } repetition) w.I32(3, (int)repetition);
        w.String(4, e.Name);
        if (e.NumChildren is { } children) w.I32(5, children);
        if (e.ConvertedType is { } converted) w.I32(6, (int)converted);
        if (e.Scale is { } scale) w.I32(7, scale);
        if (e.Precision is { } precision) w.I32(8, precision);
        if (e.LogicalType is { } logical) WriteLogicalType(w, logical);
        w.EndStruct();
    }

    private static void WriteLogicalType(CompactWriter w, LogicalType t)
    {
        short member = t.Kind switch
        {
            LogicalKind.String => 1,
            LogicalKind.Decimal => 5,
            LogicalKind.Date => 6,
            LogicalKind.Timestamp => 8,
            _ => throw new NotSupportedException($"the writer does not emit logical type {t.Kind}"),
        };
        w.StructField(10);
        w.BeginStruct();
        w.StructField(member);
        w.BeginStruct();
        if (t.Kind == LogicalKind.Decimal)
        {
            w.I32(1, t.Scale);
            w.I32(2, t.Precision);
        }
        else if (t.Kind == LogicalKind.Timestamp)
        {
            w.Bool(1, t.IsAdjustedToUtc);
            w.StructField(2);
            w.BeginStruct();
            w.StructField(t.Unit switch { TimeUnit.Millis => 1, TimeUnit.Micros => 2, _ => 3 });
            w.BeginStruct();
            w.EndStruct();
            w.EndStruct();
        }
        w.EndStruct();
        w.EndStruct();
    }

    private static void WriteRowGroup(CompactWriter w, RowGroup g)
    {
        w.BeginStruct();
        w.ListField(1, CompactType.Struct, g.Columns.Count);
        foreach (var c in g.Columns) WriteColumnChunk(w, c);
        w.I64(2, g.TotalByteSize);
        w.I64(3, g.NumRows);
        if (g.FileOffset is { } offset) w.I64(5, offset);
        if (g.TotalCompressedSize is { } compressed) w.I64(6, compressed);
        w.EndStruct();
    }

    private static void WriteColumnChunk(CompactWriter w, ColumnChunk c)
    {
        w.BeginStruct();
        w.I64(2, c.FileOffset);
        if (c.MetaData is { } m)
        {
            w.StructField(3);
            w.BeginStruct();
            w.I32(1, (int)m.Type);
            w.ListField(2, CompactType.I32, m.Encodings.Count);
            foreach (var e in m.Encodings) w.ListI32((int)e);
            w.ListField(3, CompactType.Binary, m.PathInSchema.Count);
            foreach (var p in m.PathInSchema) w.ListString(p);
            w.I32(4, (int)m.Codec);
            w.I64(5, m.NumValues);
            w.I64(6, m.TotalUncompressedSize);
            w.I64(7, m.TotalCompressedSize);
            w.I64(9, m.DataPageOffset);
            if (m.DictionaryPageOffset is { } dictionary) w.I64(11, dictionary);
            if (m.Statistics is { } s) WriteStatistics(w, 12, s);
            w.EndStruct();
        }
        w.EndStruct();
    }

    private static void WriteStatistics(CompactWriter w, short fieldId, Statistics s)
    {
        w.StructField(fieldId);
        w.BeginStruct();
        if (s.NullCount is { } nulls) w.I64(3, nulls);
        if (s.MaxValue is { } max) w.Binary(5, max);
        if (s.MinValue is { } min) w.Binary(6, min);
        w.EndStruct();
    }
}
