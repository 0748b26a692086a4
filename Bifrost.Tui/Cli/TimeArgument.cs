using System.Globalization;
using System.Text.RegularExpressions;
using Bifrost.Store.Records;

namespace Bifrost.Tui.Cli;

/// <summary>--since / --until: an ISO time (UTC when no offset is given) or a duration back from now (10m, 1h30m, 2d).</summary>
internal static partial class TimeArgument
{
    [GeneratedRegex(@"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")]
    private static partial Regex Duration();

    // Nanosecond times since 1970 in an int64 end in 2262: anything outside 1970..2261 would wrap (200000d ago showed
    // "since 2063", 9999-12-31 "since 1816"), so it is refused.
    private static readonly DateTimeOffset Earliest = DateTimeOffset.UnixEpoch;
    private static readonly DateTimeOffset Latest = new(2261, 12, 31, 0, 0, 0, TimeSpan.Zero);

    public static long Parse(string option, string text, long nowNanos)
    {
        var t = text.Trim();
        var m = Duration().Match(t);
        if (t.Length > 0 && m.Success)
        {
            // At most 100 years back; every part checked before the sum so nothing overflows.
            const long maxSeconds = 100L * 366 * 86_400;
            long Part(int g, long seconds)
            {
                if (!m.Groups[g].Success) return 0;
                if (!long.TryParse(m.Groups[g].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var v) || v > maxSeconds / seconds)
                    throw new UsageException($"{option}: a duration of at most 100 years, got '{text}'");
                return v * seconds;
            }
            var total = Part(1, 86_400) + Part(2, 3_600) + Part(3, 60) + Part(4, 1);
            if (total > maxSeconds) throw new UsageException($"{option}: a duration of at most 100 years, got '{text}'");
            return nowNanos - total * 1_000_000_000L;
        }
        if (DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            if (at < Earliest || at > Latest) throw new UsageException($"{option}: a time in 1970..2261, got '{text}'");
            return UnixNanos.FromDateTimeOffset(at);
        }
        throw new UsageException($"{option} expects an ISO time (2026-03-20T14:30:00Z) or a duration (90s, 10m, 2h, 1d), got '{text}'");
    }
}
