using Bifrost.Parquet.Format;

namespace Bifrost.Parquet.Columns;

/// <summary>One flat (leaf) column: its name, storage and meaning. Readers build these from the footer;
/// writers take them as the schema (<see cref="Create"/>).</summary>
public sealed class ColumnDescriptor
{
    internal ColumnDescriptor(string name, ValueKind kind, PhysicalType physicalType, bool isOptional)
    {
        Name = name;
        Kind = kind;
        PhysicalType = physicalType;
        IsOptional = isOptional;
    }

    public string Name { get; }
    public ValueKind Kind { get; }
    public PhysicalType PhysicalType { get; }
    public bool IsOptional { get; }
    /// <summary>Position among the file's leaf columns.</summary>
    public int Index { get; internal set; }
    public int TypeLength { get; internal init; }
    public int Precision { get; internal init; }
    public int Scale { get; internal init; }
    /// <summary>For timestamps: true when values are instants in UTC, false for local (wall-clock) times.</summary>
    public bool IsAdjustedToUtc { get; internal init; }
    /// <summary>The annotation as written in the file, e.g. "TIMESTAMP(MICROS, UTC)" or "UTF8"; empty when none.</summary>
    public string LogicalTypeText { get; internal init; } = "";
    /// <summary>Set when the column cannot be read (nested or repeated); reading it raises an exception with this reason.</summary>
    public string? UnsupportedReason { get; internal init; }

    internal int MaxDefinitionLevel { get; init; }
    internal int MaxRepetitionLevel { get; init; }

    /// <summary>A column for <see cref="Writing.ParquetFileWriter"/>. Supported kinds: Boolean, Int32, Int64, Float, Double,
    /// String, Date, TimestampMillis/Micros/Nanos (UTC-adjusted).</summary>
    public static ColumnDescriptor Create(string name, ValueKind kind, bool optional = false)
    {
        PhysicalType physical = kind switch
        {
            ValueKind.Boolean => PhysicalType.Boolean,
            ValueKind.Int32 or ValueKind.Date => PhysicalType.Int32,
            ValueKind.Int64 or ValueKind.TimestampMillis or ValueKind.TimestampMicros or ValueKind.TimestampNanos => PhysicalType.Int64,
            ValueKind.Float => PhysicalType.Float,
            ValueKind.Double => PhysicalType.Double,
            ValueKind.String => PhysicalType.ByteArray,
            _ => throw new ArgumentException($"the writer does not support columns of kind {kind}", nameof(kind)),
        };
        return new ColumnDescriptor(name, kind, physical, optional)
        {
            IsAdjustedToUtc = true,
            MaxDefinitionLevel = optional ? 1 : 0,
        };
    }

    public override string ToString() => $"{Name} {PhysicalType}{(LogicalTypeText.Length > 0 ? " " + LogicalTypeText : "")}{(IsOptional ? " optional" : "")}";
}
