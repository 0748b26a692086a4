using System.Globalization;
using Bifrost.Store.Records;

namespace Bifrost.Tui.Model;

/// <summary>Number, time and text formatting shared by the view model and the command-line outputs.</summary>
internal static class Format
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Age(TimeSpan age) =>
        age == TimeSpan.MaxValue ? "never"
        : age.TotalSeconds < 10 ? age.TotalSeconds.ToString("0.0", Inv) + "s"
        : age.TotalSeconds < 120 ? age.TotalSeconds.ToString("0", Inv) + "s"
        : age.TotalMinutes < 120 ? age.TotalMinutes.ToString("0", Inv) + "m"
        : age.TotalHours < 48 ? age.TotalHours.ToString("0", Inv) + "h"
        : age.TotalDays.ToString("0", Inv) + "d";

    /// <summary>Signed, thousands-separated, at most <paramref name="decimals"/> decimals.</summary>
    public static string Signed(double v, int decimals = 2)
    {
        var frac = decimals > 0 ? "." + new string('#', decimals) : "";
        return v.ToString($"+#,0{frac};-#,0{frac};0", Inv);
    }

    public static string Number(double v, int decimals = 2) => v.ToString("#,0." + new string('0', decimals), Inv);

    public static string Quantity(double v) => v.ToString(v == Math.Floor(v) ? "+#,0;-#,0;0" : "+#,0.##;-#,0.##;0", Inv);

    public static string Money(double v) => v.ToString("+#,0.00;-#,0.00;0.00", Inv);

    public static string OptionalMoney(double? v) => v is { } x ? Money(x) : "-";

    public static string Price(double? v) => v is { } x ? x.ToString("0.00##", Inv) : "";

    public static string Time(long nanos, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(UnixNanos.ToDateTimeOffset(nanos), zone).ToString("HH:mm:ss.fff", Inv);

    public static string DateTime(long nanos, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(UnixNanos.ToDateTimeOffset(nanos), zone).ToString("yyyy-MM-dd HH:mm:ss", Inv);

    /// <summary>The zone shown times are in, at that instant: "UTC", else the offset ("UTC-05:00").</summary>
    public static string Zone(TimeZoneInfo zone, long nanos) => IsUtc(zone) ? "UTC" : "UTC" + Offset(zone, nanos);

    /// <summary>The same for a narrow column: "UTC" or "-05:00".</summary>
    public static string ZoneShort(TimeZoneInfo zone, long nanos) => IsUtc(zone) ? "UTC" : Offset(zone, nanos);

    /// <summary>The same for a command line's header: "UTC", else the zone and its offset ("America/New_York (UTC-05:00)").</summary>
    public static string ZoneName(TimeZoneInfo zone, long nanos) => IsUtc(zone) ? "UTC" : $"{zone.Id} ({Zone(zone, nanos)})";

    private static bool IsUtc(TimeZoneInfo zone) => zone.BaseUtcOffset == TimeSpan.Zero && !zone.SupportsDaylightSavingTime;

    private static string Offset(TimeZoneInfo zone, long nanos)
    {
        var offset = zone.GetUtcOffset(UnixNanos.ToDateTimeOffset(nanos));
        return (offset < TimeSpan.Zero ? "-" : "+") + offset.ToString(@"hh\:mm", Inv);
    }

    public static string Iso(long nanos) => UnixNanos.ToDateTimeOffset(nanos).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", Inv);

    public static string Percent(double fraction) => (fraction * 100).ToString("0", Inv) + "%";

    /// <summary>Greedy word wrap to <paramref name="width"/> cells (a word longer than that is split); at least one line.</summary>
    public static IReadOnlyList<string> Wrap(string text, int width)
    {
        width = Math.Max(1, width);
        var lines = new List<string>();
        var rest = text.ReplaceLineEndings(" ").Trim();
        while (rest.Length > width)
        {
            var cut = rest.LastIndexOf(' ', width);
            if (cut <= 0) cut = width;
            lines.Add(rest[..cut].TrimEnd());
            rest = rest[cut..].TrimStart();
        }
        if (rest.Length > 0 || lines.Count == 0) lines.Add(rest);
        return lines;
    }

    /// <summary>Word wrap; a continuation is indented two cells so it reads as part of the line above.</summary>
    public static IEnumerable<string> WrapContinued(string text, int width)
    {
        var rest = text;
        var first = true;
        while (true)
        {
            var room = first ? width : width - 2;
            if (rest.Length <= room || room < 10)
            {
                yield return first ? rest : "  " + rest;
                yield break;
            }
            var cut = rest.LastIndexOf(' ', room);
            if (cut <= 0) cut = room;
            yield return first ? rest[..cut] : "  " + rest[..cut];
            rest = rest[cut..].TrimStart();
            first = false;
        }
    }

    /// <summary>Cuts <paramref name="text"/> to <paramref name="width"/> cells, ending with an ellipsis when cut.</summary>
    public static string Cut(string text, int width)
    {
        if (width <= 0) return "";
        text = text.ReplaceLineEndings(" ");
        return text.Length <= width ? text : width == 1 ? "…" : text[..(width - 1)] + "…";
    }
}
