using System.Globalization;
using Bifrost.Parquet.Columns;

namespace Bifrost.Parquet.Inspect;

/// <summary>Renders a value for people: ISO 8601 for dates and timestamps (full sub-second precision), invariant numbers.</summary>
internal static class ValueFormatter
{
    public static string Format(ColumnDescriptor column, object value) => (column.Kind, value) switch
    {
        (ValueKind.Date, int days) => DateOnly.FromDayNumber(DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        (ValueKind.TimestampMillis, long v) => Timestamp(column, v, 1_000, 3),
        (ValueKind.TimestampMicros, long v) => Timestamp(column, v, 1_000_000, 6),
        (ValueKind.TimestampNanos, long v) => Timestamp(column, v, 1_000_000_000, 9),
        (_, double d) => d.ToString("R", CultureInfo.InvariantCulture),
        (_, float f) => f.ToString("R", CultureInfo.InvariantCulture),
        (_, bool b) => b ? "true" : "false",
        (_, IFormattable f) => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Timestamp(ColumnDescriptor column, long value, long perSecond, int digits)
    {
        long seconds = Math.DivRem(value, perSecond, out long fraction);
        if (fraction < 0)
        {
            seconds--;
            fraction += perSecond;
        }
        var time = DateTime.UnixEpoch.AddSeconds(seconds);
        string text = time.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture) + "." + fraction.ToString(new string('0', digits), CultureInfo.InvariantCulture);
        return column.IsAdjustedToUtc ? text + "Z" : text;
    }
}
