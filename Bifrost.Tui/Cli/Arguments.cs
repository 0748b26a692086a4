using System.Globalization;

namespace Bifrost.Tui.Cli;

/// <summary>A bad command line: the message names the option; exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// The command line of bifrost-tui: an optional sub-command, its positional words, then --options. Every option is known
/// per command up front; an unknown one is an error rather than ignored. <c>--target</c> may repeat.
/// </summary>
internal sealed class Arguments
{
    public const int UsageExit = 2;

    private static readonly string[] Control = ["--wait", "--json"];

    /// <summary>Each command's options beside the common ones (flags and valued).</summary>
    private static readonly Dictionary<string, (string[] Flags, string[] Valued, int MinWords, int MaxWords)> Commands = new()
    {
        ["monitor"] = (["--demo"], ["--refresh-hz", "--silent-after", "--config"], 0, 0),
        ["status"] = (["--json"], ["--silent-after"], 0, 0),
        ["ops"] = (["--json"], ["--since", "--until", "--time", "--kind", "--limit", "--symbol", "--run"], 0, 0),
        ["order"] = (["--risk-bypass", "--adjusts-strategy", .. Control], ["--lmt", "--timeout"], 3, 3),
        ["flatten-all"] = ([.. Control], ["--timeout"], 0, 0),
        ["rebalance"] = (["--risk-bypass", .. Control], ["--target", "--timeout"], 0, 0),
        ["cancel"] = ([.. Control], ["--timeout"], 1, 1),
        ["confirm-book"] = ([.. Control], ["--leg", "--timeout"], 0, 0),
        ["runs"] = (["--json"], ["--limit"], 0, 1),
        ["alerts"] = (["--json", "--unacknowledged"], ["--ack", "--limit"], 0, 0),
        ["stats"] = (["--csv"], ["--by", "--limit"], 0, 0),
        ["portfolio-run"] = ([.. Control], ["--snapshot", "--target", "--timeout"], 0, 1),
        ["portfolio-runs"] = (["--json"], ["--limit"], 0, 1),
    };

    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    private readonly List<string> _words = [];

    public string Command { get; private init; } = "monitor";

    public IReadOnlyList<string> Words => _words;

    public static Arguments Parse(IReadOnlyList<string> args)
    {
        var i = 0;
        var parsed = new Arguments { Command = args.Count > 0 && !args[0].StartsWith('-') ? args[i++] : "monitor" };
        if (!Commands.TryGetValue(parsed.Command, out var spec))
            throw new UsageException($"unknown command '{parsed.Command}' (expected {string.Join(", ", Commands.Keys.Where(k => k != "monitor"))}, or none for the console)");
        var flags = spec.Flags.Concat(["--help", "-h", "--utc", "--no-color"]).ToHashSet(StringComparer.Ordinal);
        var valued = spec.Valued.Append("--store").ToHashSet(StringComparer.Ordinal);
        for (; i < args.Count; i++)
        {
            var a = args[i];
            if (!a.StartsWith('-') || IsNegativeNumber(a))
            {
                parsed._words.Add(a);
                continue;
            }
            string? inline = null;
            if (a.StartsWith("--", StringComparison.Ordinal) && a.IndexOf('=') is var eq and > 0)
            {
                inline = a[(eq + 1)..];
                a = a[..eq];
            }
            if (flags.Contains(a) && inline is null) parsed._flags.Add(a == "-h" ? "--help" : a);
            else if (valued.Contains(a))
            {
                var value = inline ?? (i + 1 < args.Count ? args[++i] : throw new UsageException($"{a} needs a value"));
                if (!parsed._values.TryGetValue(a, out var list)) parsed._values[a] = list = [];
                if (list.Count > 0 && a is not ("--target" or "--leg")) throw new UsageException($"{a} given twice");
                list.Add(value);
            }
            else throw new UsageException($"unknown option '{args[i]}' for {parsed.Command}");
        }
        if (!parsed.Has("--help") && (parsed._words.Count < spec.MinWords || parsed._words.Count > spec.MaxWords))
            throw new UsageException(parsed.Command switch
            {
                "order" => "order expects: buy|sell SYMBOL QTY",
                "cancel" => "cancel expects: RUN (a run id, or an order ref oi_…)",
                "runs" => "runs expects at most one RUN (its detail)",
                "portfolio-run" => "portfolio-run expects at most one FILE (signals, .csv or .json)",
                "portfolio-runs" => "portfolio-runs expects at most one RUN (its detail)",
                _ => $"unexpected word '{parsed._words.FirstOrDefault()}' for {parsed.Command}",
            });
        return parsed;
    }

    private static bool IsNegativeNumber(string a) => a.Length > 1 && a[0] == '-' && (char.IsDigit(a[1]) || a[1] == '.');

    public bool Has(string flag) => _flags.Contains(flag);

    public string? Value(string option) => _values.GetValueOrDefault(option) is { Count: > 0 } v ? v[0] : null;

    public IReadOnlyList<string> Values(string option) => _values.GetValueOrDefault(option) ?? [];

    /// <summary>--store, else $BIFROST_STORE, else the sample configuration's store path.</summary>
    public string StorePath => Value("--store") ?? Environment.GetEnvironmentVariable("BIFROST_STORE") ?? "var/bifrost.db";

    public double Number(string option, double fallback, double min, double max)
    {
        if (Value(option) is not { } text) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v) || v < min || v > max)
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
          bifrost-tui [--store PATH] [--config FILE] [--refresh-hz 2] [--silent-after 10] [--no-color] [--utc]
              the operator console (keys in the footer, ? for help; Esc never quits, q asks first)
          bifrost-tui status [--json] [--silent-after 10]
              the light, state, positions, greeks, band, P&L and limits once; exit 0 green, 1 yellow, 2 red
          bifrost-tui ops [--since 10m|ISO] [--until 10m|ISO] [--time wall|venue] [--kind fill,order,...] [--symbol SYMBOL|CONID] [--run RUN] [--limit 100] [--json]
              the operations log, newest first; --time picks the clock of the filter, the order and the first column:
              wall (default: when the daemon received it, host clock) or venue (the engine's clock: the broker's, e.g.
              the replay session's time)
          bifrost-tui order buy|sell SYMBOL QTY [--lmt PRICE] [--risk-bypass] [--adjusts-strategy] [--wait]
              a manual order as its own run (SYMBOL: the underlying, a leg like "XYZ 20260320 C 100", or a con id);
              external (the operator's) unless --adjusts-strategy; --risk-bypass skips the strategy's risk limits only
          bifrost-tui flatten-all [--wait]
              close the strategy-owned hedge (external positions are never touched), then pause or stop per config
          bifrost-tui rebalance --target SYMBOL=QTY [--target ...] [--risk-bypass] [--wait]
              strategy-owned quantity per contract after the run
          bifrost-tui cancel RUN [--wait]
              cancel a run's working orders (RUN may be an order ref oi_... for one order)
          bifrost-tui confirm-book --leg CONTRACT=QTY [--leg ...] [--wait]
              after a BOOK_MISMATCH halt: state the strategy-owned option book (every leg, signed quantity; 0 for none)
          bifrost-tui runs [RUN] [--limit 20] [--json]
              runs with status, orders, fills, fees and slippage; with RUN its orders and fills
          bifrost-tui alerts [--ack ID] [--unacknowledged] [--limit 50] [--json]
              alerts newest first with delivery status; --ack records you (OS user) and the time
          bifrost-tui portfolio-run FILE [--snapshot ID] [--wait]
              a portfolio run on a signals file (CSV/JSON, docs/portfolio-runs.md): snapshot, pre-trade, orders
          bifrost-tui portfolio-run --target SYMBOL=QTY [--target ...] [--snapshot ID] [--wait]
              a portfolio run on operator-entered targets (strategy-owned shares per symbol after the run)
          bifrost-tui portfolio-run --snapshot ID [--wait]
              re-run a stored snapshot (only what the live position still lacks is sent; an unknown ID is refused)
          bifrost-tui portfolio-runs [RUN] [--limit 20] [--json]
              portfolio runs with status, reasons, fallback and orders; with RUN also its frozen snapshot
          bifrost-tui stats [--by day|week|month] [--csv]
              realised/unrealised/fees, hedges, win rate, P&L histogram, slippage (bps) and order latency p50/p95
        Control commands print the control id and the run id; --wait follows the run to its end (exit 0 done,
        1 partial/failed/refused, 3 timed out; --timeout seconds, default 120). Bad arguments exit 2.
        PATH defaults to $BIFROST_STORE, else var/bifrost.db. Durations: 90s, 10m, 2h, 1d, 1h30m. Times without offset are UTC.
        """;
}
