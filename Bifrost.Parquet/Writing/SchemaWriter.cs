using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Format;

namespace Bifrost.Parquet.Writing;

/// <summary>Footer schema for a flat writer schema: both the LogicalType and the legacy ConvertedType, so old readers understand it too.</summary>
internal static class SchemaWriter
{
    public static List<SchemaElement> Build(IReadOnlyList<ColumnDescriptor> columns)
    {
        var elements = new List<SchemaElement> { new() { Name = "schema", NumChildren = columns.Count } };
        foreach (var c in columns)
        {
            var e = new SchemaElement
            {
                Name = c.Name,
                Type = c.PhysicalType,
                RepetitionType = c.IsOptional ? Repetition.Optional : Repetition.Required,
            };
            switch (c.Kind)
            {
                case ValueKind.String:
                    e.ConvertedType = ConvertedType.Utf8;
                    e.LogicalType = new LogicalType(LogicalKind.String);
                    break;
                case ValueKind.Date:
                    e.ConvertedType = ConvertedType.Date;
                    e.LogicalType = new LogicalType(LogicalKind.Date);
                    break;
                case ValueKind.TimestampMillis:
                    e.ConvertedType = ConvertedType.TimestampMillis;
                    e.LogicalType = new LogicalType(LogicalKind.Timestamp, IsAdjustedToUtc: true, Unit: TimeUnit.Millis);
                    break;
                case ValueKind.TimestampMicros:
                    e.ConvertedType = ConvertedType.TimestampMicros;
                    e.LogicalType = new LogicalType(LogicalKind.Timestamp, IsAdjustedToUtc: true, Unit: TimeUnit.Micros);
                    break;
                case ValueKind.TimestampNanos:
                    e.LogicalType = new LogicalType(LogicalKind.Timestamp, IsAdjustedToUtc: true, Unit: TimeUnit.Nanos);
                    break;
            }
            elements.Add(e);
        }
        return elements;
    }
}
