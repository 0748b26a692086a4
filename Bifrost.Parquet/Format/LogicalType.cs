namespace Bifrost.Parquet.Format;

public enum TimeUnit
{
    Millis,
    Micros,
    Nanos,
}

/// <summary>The LogicalType union of parquet.thrift, reduced to the members this library interprets.
/// Unknown members are kept as <see cref="LogicalKind.Other"/> with their thrift field id.</summary>
internal enum LogicalKind
{
    String,
    Map,
    List,
    Enum,
    Decimal,
    Date,
    Time,
    Timestamp,
    Integer,
    Unknown,
    Json,
    Bson,
    Uuid,
    Float16,
    Other,
}

internal sealed record LogicalType(
    LogicalKind Kind,
    int Scale = 0,
    int Precision = 0,
    bool IsAdjustedToUtc = false,
    TimeUnit Unit = TimeUnit.Millis,
    int BitWidth = 0,
    bool IsSigned = true,
    int OtherFieldId = 0);
