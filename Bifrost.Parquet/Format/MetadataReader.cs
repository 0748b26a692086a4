using Bifrost.Parquet.Thrift;

namespace Bifrost.Parquet.Format;

/// <summary>Decodes footer and page-header structs from the compact protocol. Field ids follow parquet.thrift;
/// every field not listed is skipped, so files from newer writers still read.</summary>
internal static class MetadataReader
{
    public static FileMetaData ReadFileMetaData(CompactReader r)
    {
        var m = new FileMetaData();
        r.BeginStruct();
        while (r.NextField(out short id, out var type))
        {
            switch (id)
            {
                case 1 when type == CompactType.I32: m.Version = r.ReadI32(); break;
                case 2 when type == CompactType.List: m.Schema = ReadList(r, ReadSchemaElement); break;
                case 3 when type == CompactType.I64: m.NumRows = r.ReadI64(); break;
                case 4 when type == CompactType.List: m.RowGroups = ReadList(r, ReadRowGroup); break;
                case 5 when type == CompactType.List: m.KeyValueMetadata = ReadList(r, ReadKeyValue); break;
                case 6 when type == CompactType.Binary: m.CreatedBy = r.ReadString(); break;
                default: r.Skip(type); break;
            }
        }
        r.EndStruct();
        return m;
    }

    public static PageHeader ReadPageHeader(CompactReader r)
    {
        var h = new PageHeader();
        r.BeginStruct();
        while (r.NextField(out short id, out var type))
        {
            switch (id)
            {
                case 1 when type == CompactType.I32: h.Type = (PageType)r.ReadI32(); break;
                case 2 when type == CompactType.I32: h.UncompressedPageSize = r.ReadI32(); break;
                case 3 when type == CompactType.I32: h.CompressedPageSize = r.ReadI32(); break;
                case 4 when type == CompactType.I32: h.Crc = r.ReadI32(); break;
                case 5 when type == CompactType.Struct: h.DataPageHeader = ReadDataPageHeader(r); break;
                case 7 when type == CompactType.Struct: h.DictionaryPageHeader = ReadDictionaryPageHeader(r); break;
                case 8 when type == CompactType.Struct: h.DataPageHeaderV2 = ReadDataPageHeaderV2(r); break;
                default: r.Skip(type); break;
            }
        }
        r.EndStruct();
        return h;
    }

    private static List<T> ReadList<T>(CompactReader r, Func<CompactReader, T> readElement)
    {
        int count = r.ReadListHeader(out _);
        var list = new List<T>(Math.Min(count, 1024));
        for (int i = 0; i < count; i++) list.Add(readElement(r));
        return list;
    }

    private static SchemaElement ReadSchemaElement(CompactReader r)
    {
        var e = new SchemaElement();
        r.BeginStruct();
        while (r.NextField(out short id, out var type))
        {
            switch (id)
            {
                case 1 when type == CompactType.I32: e.Type = (PhysicalType)r.ReadI32(); break;
                case 2 when type == CompactType.I32: e.TypeLength = r.ReadI32(); break;
                case 3 when type == CompactType.I32: e.RepetitionType = (Repetition)r.ReadI32(); break;
                case 4 when type == CompactType.Binary: e.Name = r.ReadString(); break;
                case 5 when type == CompactType.I32: e.NumChildren = r.ReadI32(); break;
                case 6 when type == CompactType.I32: e.ConvertedType = (ConvertedType)r.ReadI32(); break;
                case 7 when type == CompactType.I32: e.Scale = r.ReadI32(); break;
                case 8 when type == CompactType.I32: e.Precision = r.ReadI32(); break;
                case 9 when type == CompactType.I32: e.FieldId = r.ReadI32(); break;
                case 10 when type == CompactType.Struct: e.LogicalType = ReadLogicalType(r); break;
                default: r.Skip(type); break;
            }
        }
        r.EndStruct();
        return e;
    }

    private static LogicalType ReadLogicalType(CompactReader r)
    {
        // A union: exactly one field is set; an unknown member is remembered, not rejected.
        LogicalType result = new(LogicalKind.Unknown);
        r.BeginStruct();
        while (r.NextField(out short id, out var type))
        {
            if (type != CompactType.Struct)
            {
                r.Skip(type);
                continue;
            }
            result = id switch
            {
                1 => Empty(r, LogicalKind.String),
                2 => Empty(r, LogicalKind.Map),
                3 => Empty(r, LogicalKind.List),
                4 => Empty(r, LogicalKind.Enum),
                5 => ReadDecimalType(r),
                6 => Empty(r, LogicalKind.Date),
                7 => ReadTimeType(r, LogicalKind.Time),
                8 => ReadTimeType(r, LogicalKind.Timestamp),
                10 => ReadIntType(r),
                11 => Empty(r, LogicalKind.Unknown),
                12 => Empty(r, LogicalKind.Json),
                13 => Empty(r, LogicalKind.Bson),
                14 => Empty(r, LogicalKind.Uuid),
                15 => Empty(r, LogicalKind.Float16),
                _ => Other(r, id),
            };
        }
        r.EndStruct();
        return result;
    }

    private static LogicalType Empty(CompactReader r, LogicalKind kind)
    {
        r.Skip(CompactType.Struct);
        return new LogicalType(kind);
    }

    private static LogicalType Other(CompactReader r, short id)
    {
        r.Skip(CompactType.Struct);
        return new LogicalType(LogicalKind.Other, OtherFieldId: id);
    }

    private static LogicalType ReadDecimalType(CompactReader r)
    {
        int scale = 0, precision = 0;
        r.BeginStruct();
        while (r.NextField(out short id, out var type))
        {
            switch (id)
            {
                case 1 when type == CompactType.I32: scale = r.ReadI32(); break;
                case 2 when type == CompactType.I32: precision = r.ReadI32(); break;
                default: r.Skip(type); break;
            }
        }
        r.EndStruct();
        return new LogicalType(LogicalKind.Decimal, Scale: scale, Precision: precision);
    }

    private static LogicalType ReadTimeType(CompactReader r, LogicalKind kind)
    {
        bool utc = false;
        TimeUnit unit = TimeUnit.Millis;
        r.BeginStruct();
        while (r.NextField(out short id, out var type))
        {
            switch (id)
            {
                case 1 when type is CompactType.BooleanTrue or CompactType.BooleanFalse: utc = r.ReadBool(); break;
                case 2 when type == CompactType.Struct: unit = ReadTimeUnit(r); break;
                default: r.Skip(type); break;
            }
        }
        r.EndStruct();
        return new LogicalType(kind, IsAdjustedToUtc: utc, Unit: unit);
    }

    private static TimeUnit ReadTimeUnit(CompactReader r)
    {
        TimeUnit unit = TimeUnit.Millis;
        r.BeginStruct();
        while (r.NextField(out short id, out var type))
        {
            unit = id switch
            {
                2 => TimeUnit.Micros,
                3 => TimeUnit.Nanos,
                _ => TimeUnit.Millis,
            };
            r.Skip(type);
        }
        r.EndStruct();
        return unit;
    }

    private static LogicalType ReadIntType(CompactReader r)
    {
        int bitWidth = 0;
        bool signed = true;
        r.BeginStruct();
        while (r.NextField(out short id, out var type))
        {
            switch (id)
            {
                case 1 when type == CompactType.Byte: bitWidth = (sbyte)r.ReadByte(); break;
                case 2 when type is CompactType.BooleanTrue or CompactType.BooleanFalse: signed = r.ReadBool(); break;
                default: r.Skip(type); break;
            }
        }
        r.EndStruct();
        return new LogicalType(LogicalKind.Integer, BitWidth: bitWidth, IsSigned: signed);
    }

    private static KeyValuePair<string, string?> ReadKeyValue(CompactReader r)
    {
        string key = "";
        string? value = null;
        r.BeginStruct();
        while (r.NextField(out short id, out var type))
        {
            switch (id)
            {
                case 1 when type == CompactType.Binary: key = r.ReadString(); break;
                case 2 when type == CompactType.Binary: value = r.ReadString(); break;
                default: r.Skip(type); break;
            }
        }
        r.EndStruct();
        return new(key, value);
    }

    private static RowGroup ReadRowGroup(CompactReader r)
    {
        var g = new RowGroup();
        r.BeginStruct();
        while (r.NextField(out short id, out var type))
        {
            switch (id)
            {
                case 1 when type == CompactType.List: g.Columns = ReadList(r, ReadColumnChunk); break;
                case 2 when type == CompactType.I64: g.TotalByteSize = r.ReadI64(); break;
                case 3 when type == CompactType.I64: g.NumRows = r.ReadI64(); break;
                case 5 when type == CompactType.I64: g.FileOffset = r.ReadI64(); break;
                case 6 when type == CompactType.I64: g.TotalCompressedSize = r.ReadI64(); break;
                case 7 when type == CompactType.I16: g.Ordinal = r.ReadI16(); break;
                default: r.Skip(type); break;
            }
        }
        r.EndStruct();
        return g;
    }

    private static ColumnChunk ReadColumnChunk(CompactReader r)
    {
        var c = new ColumnChunk();
        r.BeginStruct();
        while (r.NextField(out short id, out var type))
        {
            switch (id)
            {
                case 1 when type == CompactType.Binary: c.FilePath = r.ReadString(); break;
                case 2 when type == CompactType.I64: c.FileOffset = r.ReadI64(); break;
                case 3 when type == CompactType.Struct: c.MetaData = ReadColumnMetaData(r); break;
                default: r.Skip(type); break;
            }
        }
        r.EndStruct();
        return c;
    }

    private static ColumnMetaData ReadColumnMetaData(CompactReader r)
    {
        var m = new ColumnMetaData();
        r.BeginStruct();
        while (r.NextField(out short id, out var type))
        {
            switch (id)
            {
                case 1 when type == CompactType.I32: m.Type = (PhysicalType)r.ReadI32(); break;
                case 2 when type == CompactType.List: m.Encodings = ReadList(r, x => (ParquetEncoding)x.ReadI32()); break;
                case 3 when type == CompactType.List: m.PathInSchema = ReadList(r, x => x.ReadString()); break;
                case 4 when type == CompactType.I32: m.Codec = (CompressionCodec)r.ReadI32(); break;
                case 5 when type == CompactType.I64: m.NumValues = r.ReadI64(); break;
                case 6 when type == CompactType.I64: m.TotalUncompressedSize = r.ReadI64(); break;
                case 7 when type == CompactType.I64: m.TotalCompressedSize = r.ReadI64(); break;
                case 9 when type == CompactType.I64: m.DataPageOffset = r.ReadI64(); break;
                case 10 when type == CompactType.I64: m.IndexPageOffset = r.ReadI64(); break;
                case 11 when type == CompactType.I64: m.DictionaryPageOffset = r.ReadI64(); break;
                case 12 when type == CompactType.Struct: m.Statistics = ReadStatistics(r); break;
                default: r.Skip(type); break;
            }
        }
        r.EndStruct();
        return m;
    }

    private static Statistics ReadStatistics(CompactReader r)
    {
        var s = new Statistics();
        r.BeginStruct();
        while (r.NextField(out short id, out var type))
        {
            switch (id)
            {
                case 1 when type == CompactType.Binary: s.MaxLegacy = r.ReadBinary(); break;
                case 2 when type == CompactType.Binary: s.MinLegacy = r.ReadBinary(); break;
                case 3 when type == CompactType.I64: s.NullCount = r.ReadI64(); break;
                case 4 when type == CompactType.I64: s.DistinctCount = r.ReadI64(); break;
                case 5 when type == CompactType.Binary: s.MaxValue = r.ReadBinary(); break;
                case 6 when type == CompactType.Binary: s.MinValue = r.ReadBinary(); break;
                default: r.Skip(type); break;
            }
        }
        r.EndStruct();
        return s;
    }

    private static DataPageHeader ReadDataPageHeader(CompactReader r)
    {
        var h = new DataPageHeader();
        r.BeginStruct();
        while (r.NextField(out short id, out var type))
        {
            switch (id)
            {
                case 1 when type == CompactType.I32: h.NumValues = r.ReadI32(); break;
                case 2 when type == CompactType.I32: h.Encoding = (ParquetEncoding)r.ReadI32(); break;
                case 3 when type == CompactType.I32: h.DefinitionLevelEncoding = (ParquetEncoding)r.ReadI32(); break;
                case 4 when type == CompactType.I32: h.RepetitionLevelEncoding = (ParquetEncoding)r.ReadI32(); break;
                case 5 when type == CompactType.Struct: h.Statistics = ReadStatistics(r); break;
                default: r.Skip(type); break;
            }
        }
        r.EndStruct();
        return h;
    }

    private static DictionaryPageHeader ReadDictionaryPageHeader(CompactReader r)
    {
        var h = new DictionaryPageHeader();
        r.BeginStruct();
        while (r.NextField(out short id, out var type))
        {
            switch (id)
            {
                case 1 when type == CompactType.I32: h.NumValues = r.ReadI32(); break;
                case 2 when type == CompactType.I32: h.Encoding = (ParquetEncoding)r.ReadI32(); break;
                case 3 when type is CompactType.BooleanTrue or CompactType.BooleanFalse: h.IsSorted = r.ReadBool(); break;
                default: r.Skip(type); break;
            }
        }
        r.EndStruct();
        return h;
    }

    private static DataPageHeaderV2 ReadDataPageHeaderV2(CompactReader r)
    {
        var h = new DataPageHeaderV2();
        r.BeginStruct();
        while (r.NextField(out short id, out var type))
        {
            switch (id)
            {
                case 1 when type == CompactType.I32: h.NumValues = r.ReadI32(); break;
                case 2 when type == CompactType.I32: h.NumNulls = r.ReadI32(); break;
                case 3 when type == CompactType.I32: h.NumRows = r.ReadI32(); break;
                case 4 when type == CompactType.I32: h.Encoding = (ParquetEncoding)r.ReadI32(); break;
                case 5 when type == CompactType.I32: h.DefinitionLevelsByteLength = r.ReadI32(); break;
                case 6 when type == CompactType.I32: h.RepetitionLevelsByteLength = r.ReadI32(); break;
                case 7 when type is CompactType.BooleanTrue or CompactType.BooleanFalse: h.IsCompressed = r.ReadBool(); break;
                case 8 when type == CompactType.Struct: h.Statistics = ReadStatistics(r); break;
                default: r.Skip(type); break;
            }
        }
        r.EndStruct();
        return h;
    }
}
