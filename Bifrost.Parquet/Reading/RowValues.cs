using Bifrost.Parquet.Columns;

namespace Bifrost.Parquet.Reading;

/// <summary>Boxed values for row-at-a-time reading: raw timestamp and date numbers become DateTime and DateOnly.</summary>
public static class RowValues
{
    public static object? Convert(ColumnDescriptor column, object? value) => (column.Kind, value) switch
    {
        (_, null) => null,
        (ValueKind.Date, int days) => DateOnly.FromDayNumber(DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + days),
        (ValueKind.TimestampMillis, long v) => ToDateTime(column, v * TimeSpan.TicksPerMillisecond),
        (ValueKind.TimestampMicros, long v) => ToDateTime(column, v * TimeSpan.TicksPerMicrosecond),
        (ValueKind.TimestampNanos, long v) => ToDateTime(column, v / TimeSpan.NanosecondsPerTick),
        _ => value,
    };

    private static DateTime ToDateTime(ColumnDescriptor column, long ticksSinceEpoch) =>
        new(DateTime.UnixEpoch.Ticks + ticksSinceEpoch, column.IsAdjustedToUtc ? DateTimeKind.Utc : DateTimeKind.Unspecified);
}
