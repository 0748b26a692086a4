using System.Globalization;
using Bifrost.Parquet.Columns;

namespace Bifrost.Parquet.Inspect;

/// <summary>Renders a value for people: ISO 8601 for dates and timestamps (full sub-second precision), invariant numbers.</summary>
internal static class ValueFormatter
{
    public static string Format(ColumnDescriptor column, object value) => (column.Kind, value) switch
    {
        (ValueKind.Date, int days) => Date(days),
        (ValueKind.TimestampMillis, long v) => Timestamp(column, v, 1_000, 3),
        (ValueKind.TimestampMicros, long v) => Timestamp(column, v, 1_000_000, 6),
        (ValueKind.TimestampNanos, long v) => Timestamp(column, v, 1_000_000_000, 9),
        (_, double d) => d.ToString("R", CultureInfo.InvariantCulture),
        (_, float f) => f.ToString("R", CultureInfo.InvariantCulture),
        (_, bool b) => b ? "true" : "false",
        (_, IFormattable f) => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    // A value past .NET's dates (DuckDB's 'infinity' is the type's maximum) is shown as stored, never thrown on:
    // inspect is what the operator runs on a file that will not load.
    private static string OutOfRange(long value, string unit) =>
        value.ToString(CultureInfo.InvariantCulture) + $" ({unit} since 1970-01-01, outside 0001-01-01 .. 9999-12-31)";

    private static string Date(int days)
    {
        long dayNumber = (long)DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + days;
        return dayNumber < DateOnly.MinValue.DayNumber || dayNumber > DateOnly.MaxValue.DayNumber
            ? OutOfRange(days, "days")
            : DateOnly.FromDayNumber((int)dayNumber).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }

    private static readonly long MinSeconds = (long)(DateTime.MinValue - DateTime.UnixEpoch).TotalSeconds;
    private static readonly long MaxSeconds = (long)(DateTime.MaxValue - DateTime.UnixEpoch).TotalSeconds;

    private static string Timestamp(ColumnDescriptor column, long value, long perSecond, int digits)
    {
        long seconds = Math.DivRem(value, perSecond, out long fraction);
        if (fraction < 0)
        {
            seconds--;
            fraction += perSecond;
        }
        if (seconds < MinSeconds || seconds > MaxSeconds) return OutOfRange(value, column.Kind switch
        {
            ValueKind.TimestampMillis => "milliseconds",
            ValueKind.TimestampMicros => "microseconds",
            _ => "nanoseconds",
        });
        var time = DateTime.UnixEpoch.AddSeconds(seconds);
        string text = time.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture) + "." + fraction.ToString(new string('0', digits), CultureInfo.InvariantCulture);
        return column.IsAdjustedToUtc ? text + "Z" : text;
    }
}
