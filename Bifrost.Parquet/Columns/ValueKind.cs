namespace Bifrost.Parquet.Columns;

/// <summary>What a column's values mean, combining the physical type with its logical annotation.
/// It decides the <see cref="Column"/> subclass a reader returns (see <see cref="ColumnDescriptor"/>).</summary>
public enum ValueKind
{
    Boolean,        // BooleanColumn
    Int32,          // Int32Column (also TIME_MILLIS, unsigned 8/16/32-bit as raw bits)
    Int64,          // Int64Column (also TIME_MICROS/NANOS, UINT_64 as raw bits)
    Float,          // FloatColumn
    Double,         // DoubleColumn
    String,         // StringColumn (UTF-8 BYTE_ARRAY: STRING, ENUM, JSON)
    Binary,         // BinaryColumn (un-annotated BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY)
    Date,           // Int32Column, days since 1970-01-01
    TimestampMillis, // Int64Column, milliseconds since the epoch
    TimestampMicros, // Int64Column, microseconds since the epoch
    TimestampNanos,  // Int64Column, nanoseconds since the epoch (also legacy INT96)
    Decimal,        // DecimalColumn
}
