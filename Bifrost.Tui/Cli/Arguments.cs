using System.Globalization;

namespace Bifrost.Tui.Cli;

/// <summary>A bad command line: the message names the option; exit code 64 (EX_USAGE).</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// The small command line of bifrost-tui: an optional sub-command (status, ops) then --options. Every option is
/// known up front; an unknown one is an error rather than ignored.
/// </summary>
internal sealed class Arguments
{
    public const int UsageExit = 64;

    private static readonly HashSet<string> Flags = ["--json", "--no-color", "--utc", "--help", "-h"];
    private static readonly HashSet<string> Valued = ["--store", "--refresh-hz", "--silent-after", "--since", "--until", "--kind", "--limit"];

    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public string Command { get; private init; } = "monitor";

    public static Arguments Parse(IReadOnlyList<string> args)
    {
        var i = 0;
        var parsed = new Arguments { Command = args.Count > 0 && !args[0].StartsWith('-') ? args[i++] : "monitor" };
        if (parsed.Command is not ("monitor" or "status" or "ops"))
            throw new UsageException($"unknown command '{parsed.Command}' (expected status or ops, or none for the monitor)");
        for (; i < args.Count; i++)
        {
            var a = args[i];
            string? inline = null;
            if (a.StartsWith("--", StringComparison.Ordinal) && a.IndexOf('=') is var eq and > 0)
            {
                inline = a[(eq + 1)..];
                a = a[..eq];
            }
            if (Flags.Contains(a) && inline is null) parsed._flags.Add(a == "-h" ? "--help" : a);
            else if (Valued.Contains(a))
            {
                var value = inline ?? (i + 1 < args.Count ? args[++i] : throw new UsageException($"{a} needs a value"));
                parsed._values[a] = value;
            }
            else throw new UsageException($"unknown option '{args[i]}'");
        }
        return parsed;
    }

    public bool Has(string flag) => _flags.Contains(flag);

    public string? Value(string option) => _values.GetValueOrDefault(option);

    /// <summary>--store, else $BIFROST_STORE, else the sample configuration's store path.</summary>
    public string StorePath => Value("--store") ?? Environment.GetEnvironmentVariable("BIFROST_STORE") ?? "var/bifrost.db";

    public double Number(string option, double fallback, double min, double max)
    {
        if (Value(option) is not { } text) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
            throw new UsageException($"{option} expects a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}, got '{text}'");
        return v;
    }

    /// <summary>No colour with --no-color, with NO_COLOR set (no-color.org), or when TERM=dumb.</summary>
    public bool Color =>
        !Has("--no-color")
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
        && Environment.GetEnvironmentVariable("TERM") != "dumb";

    public TimeZoneInfo Zone => Has("--utc") ? TimeZoneInfo.Utc : TimeZoneInfo.Local;

    public const string Usage = """
        usage:
          bifrost-tui [--store PATH] [--refresh-hz 2] [--silent-after 10] [--no-color] [--utc]
              full-screen monitor & control (keys: ? for help)
          bifrost-tui status [--json] [--store PATH] [--silent-after 10] [--utc]
              the light, state, positions, greeks, band, P&L and limits once; exit 0 green, 1 yellow, 2 red
          bifrost-tui ops [--since 10m|ISO] [--until 10m|ISO] [--kind fill,order,...] [--limit 100] [--json] [--store PATH] [--utc]
              the operations log, newest first
        PATH defaults to $BIFROST_STORE, else var/bifrost.db. --silent-after: seconds of heartbeat silence before
        the light turns red with DAEMON_SILENT. Durations: 90s, 10m, 2h, 1d, 1h30m. Times without offset are UTC.
        """;
}
