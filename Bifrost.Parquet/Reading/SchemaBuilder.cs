using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Format;

namespace Bifrost.Parquet.Reading;

/// <summary>
/// Turns the footer's depth-first schema list into leaf column descriptors. Columns nested in groups or repeated
/// are listed but marked unsupported, so the flat columns of such a file can still be projected and read.
/// </summary>
internal static class SchemaBuilder
{
    public static List<ColumnDescriptor> Build(IReadOnlyList<SchemaElement> elements)
    {
        if (elements.Count == 0) throw new InvalidDataException("the schema is empty");
        var leaves = new List<ColumnDescriptor>();
        int next = 1;
        int rootChildren = elements[0].NumChildren ?? 0;
        for (int i = 0; i < rootChildren; i++) Walk(elements, ref next, "", 0, 0, 0, leaves);
        if (next != elements.Count) throw new InvalidDataException($"the schema lists {elements.Count} elements but its tree covers {next}");
        // Columns are asked for by name: of two with one name, which a reader got would be a guess (our writer refuses them).
        if (leaves.GroupBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new InvalidDataException($"column '{twice.Key}' appears twice");
        return leaves;
    }

    private static void Walk(IReadOnlyList<SchemaElement> elements, ref int next, string prefix, int depth, int definition, int repetition, List<ColumnDescriptor> leaves)
    {
        if (next >= elements.Count) throw new InvalidDataException("the schema tree claims more children than the schema lists");
        if (depth > 100) throw new InvalidDataException("the schema is nested too deeply");
        var element = elements[next++];
        var rep = element.RepetitionType ?? Repetition.Optional;
        if (rep == Repetition.Optional) definition++;
        if (rep == Repetition.Repeated) { definition++; repetition++; }
        string path = prefix.Length == 0 ? element.Name : prefix + "." + element.Name;
        if (element.NumChildren is > 0 and var children)
        {
            for (int i = 0; i < children; i++) Walk(elements, ref next, path, depth + 1, definition, repetition, leaves);
            return;
        }
        if (element.Type is null) throw new InvalidDataException($"schema leaf '{path}' has no physical type");
        var descriptor = Describe(element, path, definition, repetition, depth);
        descriptor.Index = leaves.Count;
        leaves.Add(descriptor);
    }

    private static ColumnDescriptor Describe(SchemaElement e, string path, int definition, int repetition, int depth)
    {
        var physical = e.Type!.Value;
        if (!Enum.IsDefined(physical)) throw new InvalidDataException($"column '{path}' has unknown physical type {(int)physical}");
        var (kind, text, utc) = Classify(e, physical);
        string? unsupported = repetition > 0 ? "repeated (list) columns are not supported"
            : depth > 0 ? "columns nested in groups are not supported"
            : kind == ValueKind.Decimal && (e.LogicalType?.Scale ?? e.Scale ?? 0) > 28 ? "decimal scale above 28 does not fit System.Decimal"
            : physical == PhysicalType.FixedLenByteArray && (e.TypeLength ?? 0) <= 0 ? "FIXED_LEN_BYTE_ARRAY without a type length"
            : null;
        return new ColumnDescriptor(path, kind, physical, e.RepetitionType != Repetition.Required)
        {
            TypeLength = physical == PhysicalType.FixedLenByteArray ? e.TypeLength ?? 0 : 0,
            Precision = e.LogicalType?.Kind == LogicalKind.Decimal ? e.LogicalType.Precision : e.Precision ?? 0,
            Scale = e.LogicalType?.Kind == LogicalKind.Decimal ? e.LogicalType.Scale : e.Scale ?? 0,
            IsAdjustedToUtc = utc,
            LogicalTypeText = text,
            UnsupportedReason = unsupported,
            MaxDefinitionLevel = definition,
            MaxRepetitionLevel = repetition,
        };
    }

    // The LogicalType annotation wins; the legacy ConvertedType is the fallback (older pyarrow, Spark).
    private static (ValueKind Kind, string Text, bool Utc) Classify(SchemaElement e, PhysicalType physical)
    {
        if (e.LogicalType is { } logical)
        {
            switch (logical.Kind)
            {
                case LogicalKind.String or LogicalKind.Enum or LogicalKind.Json when physical == PhysicalType.ByteArray:
                    return (ValueKind.String, logical.Kind.ToString().ToUpperInvariant(), false);
                case LogicalKind.Decimal:
                    return (ValueKind.Decimal, $"DECIMAL({logical.Precision},{logical.Scale})", false);
                case LogicalKind.Date when physical == PhysicalType.Int32:
                    return (ValueKind.Date, "DATE", false);
                case LogicalKind.Timestamp when physical == PhysicalType.Int64:
                {
                    var kind = logical.Unit switch
                    {
                        TimeUnit.Millis => ValueKind.TimestampMillis,
                        TimeUnit.Micros => ValueKind.TimestampMicros,
                        _ => ValueKind.TimestampNanos,
                    };
                    return (kind, $"TIMESTAMP({logical.Unit.ToString().ToUpperInvariant()}, {(logical.IsAdjustedToUtc ? "UTC" : "local")})", logical.IsAdjustedToUtc);
                }
                case LogicalKind.Time:
                    return (Plain(physical), $"TIME({logical.Unit.ToString().ToUpperInvariant()})", logical.IsAdjustedToUtc);
                case LogicalKind.Integer:
                    return (Plain(physical), $"INT({logical.BitWidth}, {(logical.IsSigned ? "signed" : "unsigned")})", false);
            }
        }
        return e.ConvertedType switch
        {
            ConvertedType.Utf8 or ConvertedType.Enum or ConvertedType.Json when physical == PhysicalType.ByteArray => (ValueKind.String, e.ConvertedType.Value.ToString().ToUpperInvariant(), false),
            ConvertedType.Decimal => (ValueKind.Decimal, $"DECIMAL({e.Precision ?? 0},{e.Scale ?? 0})", false),
            ConvertedType.Date when physical == PhysicalType.Int32 => (ValueKind.Date, "DATE", false),
            // Converted timestamps are defined as UTC instants.
            ConvertedType.TimestampMillis when physical == PhysicalType.Int64 => (ValueKind.TimestampMillis, "TIMESTAMP_MILLIS", true),
            ConvertedType.TimestampMicros when physical == PhysicalType.Int64 => (ValueKind.TimestampMicros, "TIMESTAMP_MICROS", true),
            { } other => (Plain(physical), other.ToString().ToUpperInvariant(), false),
            null when physical == PhysicalType.Int96 => (ValueKind.TimestampNanos, "INT96 timestamp", false),
            null => (Plain(physical), "", false),
        };
    }

    private static ValueKind Plain(PhysicalType physical) => physical switch
    {
        PhysicalType.Boolean => ValueKind.Boolean,
        PhysicalType.Int32 => ValueKind.Int32,
        PhysicalType.Int64 => ValueKind.Int64,
        PhysicalType.Int96 => ValueKind.TimestampNanos,
        PhysicalType.Float => ValueKind.Float,
        PhysicalType.Double => ValueKind.Double,
        _ => ValueKind.Binary,
    };
}
