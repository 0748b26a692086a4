using System.Globalization;
using System.Text.RegularExpressions;
using Bifrost.Store.Records;

namespace Bifrost.Tui.Cli;

/// <summary>--since / --until: an ISO time (UTC when no offset is given) or a duration back from now (10m, 1h30m, 2d).</summary>
internal static partial class TimeArgument
{
    [GeneratedRegex(@"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")]
    private static partial Regex Duration();

    public static long Parse(string option, string text, long nowNanos)
    {
        var t = text.Trim();
        var m = Duration().Match(t);
        if (t.Length > 0 && m.Success)
        {
            long Part(int g) => m.Groups[g].Success ? long.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture) : 0;
            var span = TimeSpan.FromDays(Part(1)) + TimeSpan.FromHours(Part(2)) + TimeSpan.FromMinutes(Part(3)) + TimeSpan.FromSeconds(Part(4));
            return nowNanos - span.Ticks * 100;
        }
        if (DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            return UnixNanos.FromDateTimeOffset(at);
        throw new UsageException($"{option} expects an ISO time (2026-03-20T14:30:00Z) or a duration (90s, 10m, 2h, 1d), got '{text}'");
    }
}
