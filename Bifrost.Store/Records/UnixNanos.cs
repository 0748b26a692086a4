namespace Bifrost.Store.Records;

/// <summary>
/// Times are stored as Unix nanoseconds (int64), the domain's Timestamp unit, so the daemon maps them without loss.
/// The schema adds a generated ISO-8601 column next to each for humans using sqlite3.
/// </summary>
public static class UnixNanos
{
    private const long NanosPerTick = 100;

    public static long FromDateTimeOffset(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * NanosPerTick;

    public static DateTimeOffset ToDateTimeOffset(long nanos) =>
        new(DateTimeOffset.UnixEpoch.UtcTicks + nanos / NanosPerTick, TimeSpan.Zero);

    public static long Now() => FromDateTimeOffset(DateTimeOffset.UtcNow);
}
