using System.Globalization;
using System.Text.Json;
using Bifrost.Store;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Tui.Model;

namespace Bifrost.Tui.Cli;

/// <summary>`bifrost-tui ops`: the operations log newest first, filtered by time and kind, as text or JSON.</summary>
internal static class OpsCommand
{
    public static int Run(Arguments args, TextWriter stdout, TextWriter stderr, long nowNanos)
    {
        var since = args.Value("--since") is { } s ? TimeArgument.Parse("--since", s, nowNanos) : (long?)null;
        var until = args.Value("--until") is { } u ? TimeArgument.Parse("--until", u, nowNanos) : (long?)null;
        if (since is { } from && until is { } to && from > to) throw new UsageException("--since is after --until: nothing could match");
        var kinds = ParseKinds(args.Value("--kind"));
        var limit = (int)args.Number("--limit", 100, 1, 1_000_000);
        var timeBase = ParseTimeBase(args.Value("--time"));
        var query = new OperationQuery { Kinds = kinds.Count > 0 ? kinds : null, FromNanos = since, ToNanos = until, Limit = limit, TimeBase = timeBase, RunId = args.Value("--run") };
        var baseWord = timeBase == OperationTimeBase.Venue ? "venue" : "wall";

        IReadOnlyList<OperationRecord> ops;
        long matching;
        Func<long, string> symbols;
        try
        {
            using var reader = StoreReader.Open(args.StorePath);
            var status = reader.GetStatus();
            symbols = RunsModel.Symbols(status);
            if (args.Value("--symbol") is { } symbol)
                query = query with { ContractId = ResolveSymbol(symbol, status) };
            ops = reader.QueryOperations(query);
            matching = reader.CountOperations(query);
        }
        catch (Exception e) when (StoreSource.IsStoreProblem(e)) // --symbol reads the status row's JSON
        {
            stderr.WriteLine($"STORE UNAVAILABLE: {StoreSource.Reason(e)} ({args.StorePath})");
            return 2;
        }

        if (args.Has("--json"))
        {
            var report = new Reports.OperationsReport(args.StorePath, baseWord, since is { } a ? Format.Iso(a) : null, until is { } b ? Format.Iso(b) : null,
                kinds.Select(MonitorBuilder.EnumWord).ToList(), ops.Count, matching, ops.Select(Reports.Operation).ToList());
            stdout.WriteLine(JsonSerializer.Serialize(report, Reports.Json));
            return 0;
        }

        var zone = args.Zone;
        stdout.WriteLine($"# {ops.Count} of {matching.ToString(CultureInfo.InvariantCulture)} matching operations, newest first, by {TimeBaseText(timeBase)}"
            + (since is { } f ? $", since {Format.Iso(f)}" : "") + (until is { } t ? $", until {Format.Iso(t)}" : "")
            + $", times in {Format.ZoneName(zone, nowNanos)}");
        foreach (var op in ops)
        {
            var row = MonitorBuilder.Row(op, zone, symbols);
            // What traded, as a trader names it: "buy 2 XYZ 20260320 C 100 @ 3.40" (a leg and the hedge share a run).
            var trade = op.Side is null && op.Qty is null ? "" : $"{row.Side} {row.Qty}" + (row.Contract.Length > 0 ? $" {row.Contract}" : "")
                + (row.Price.Length > 0 ? $" @ {row.Price}" : "");
            var shown = timeBase == OperationTimeBase.Venue ? op.VenueNanos ?? 0 : op.TimeNanos;
            var other = timeBase == OperationTimeBase.Venue ? $"wall {Stamp(op.TimeNanos, zone)}" : op.VenueNanos is { } v ? $"venue {Stamp(v, zone)}" : "venue unknown";
            stdout.WriteLine(string.Join("  ", new[] { Stamp(shown, zone), $"#{op.Id}", row.Kind, trade, row.Ref, row.Detail, $"({other})" }
                .Where(x => x.Length > 0)));
        }
        return 0;
    }

    private static string Stamp(long nanos, TimeZoneInfo zone) =>
        Format.DateTime(nanos, zone) + "." + (nanos / 1_000_000 % 1000).ToString("D3", CultureInfo.InvariantCulture);

    public static string TimeBaseText(OperationTimeBase b) =>
        b == OperationTimeBase.Venue ? "venue time (the engine's clock: the broker's)" : "wall time (when the daemon received it)";

    public static OperationTimeBase ParseTimeBase(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "wall" or "receive" => OperationTimeBase.Wall,
        "venue" => OperationTimeBase.Venue,
        _ => throw new UsageException($"--time: expected wall or venue, got '{text}'"),
    };

    /// <summary>A con id, or a symbol the status snapshot's positions name (case-insensitive); else a usage error.</summary>
    public static long ResolveSymbol(string text, StatusSnapshot? status)
    {
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0) return id;
        var normal = string.Join(' ', text.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var match = (status?.Positions ?? []).FirstOrDefault(p => p.Symbol.Equals(normal, StringComparison.OrdinalIgnoreCase));
        // A configured contract no longer held (the hedge after a flatten) is not among the positions; its config is.
        var config = DaemonConfig.Parse(status?.ConfigSummaryJson);
        return match?.ContractId ?? config.Find(normal)?.ConId ?? throw new UsageException(
            $"--symbol: '{text}' is not a con id nor a symbol the daemon reports (known: {string.Join(", ", (status?.Positions ?? []).Select(p => p.Symbol).Concat(config.Contracts.Select(c => c.Description)).Distinct())})");
    }

    public static List<OperationKind> ParseKinds(string? text)
    {
        var kinds = new List<OperationKind>();
        if (string.IsNullOrWhiteSpace(text)) return kinds;
        foreach (var word in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var w = word.ToLowerInvariant();
            if (!EnumText<OperationKind>.All.Contains(w))
                throw new UsageException($"--kind: unknown kind '{word}' (known: {string.Join(", ", EnumText<OperationKind>.All)})");
            kinds.Add(EnumText<OperationKind>.Parse(w));
        }
        return kinds;
    }
}
