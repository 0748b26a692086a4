using System.Runtime.InteropServices;

namespace Bifrost.Parquet.Reading.Accumulators;

/// <summary>Legacy Impala/Spark timestamp: nanoseconds within the day, then the Julian day number (little endian).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal readonly struct Int96
{
    private const long JulianDayOfUnixEpoch = 2_440_588;
    private const long NanosPerDay = 86_400_000_000_000;

    public readonly long NanosOfDay;
    public readonly int JulianDay;

    public Int96(long nanosOfDay, int julianDay)
    {
        NanosOfDay = nanosOfDay;
        JulianDay = julianDay;
    }

    public long ToUnixNanoseconds() => unchecked((JulianDay - JulianDayOfUnixEpoch) * NanosPerDay + NanosOfDay);
}
