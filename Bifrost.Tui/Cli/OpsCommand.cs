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
        var kinds = ParseKinds(args.Value("--kind"));
        var limit = (int)args.Number("--limit", 100, 1, 1_000_000);
        var query = new OperationQuery { Kinds = kinds.Count > 0 ? kinds : null, FromNanos = since, ToNanos = until, Limit = limit };

        IReadOnlyList<OperationRecord> ops;
        long matching;
        try
        {
            using var reader = StoreReader.Open(args.StorePath);
            ops = reader.QueryOperations(query);
            matching = reader.CountOperations(query);
        }
        catch (Exception e) when (e is StoreUnavailableException or StoreSchemaException)
        {
            stderr.WriteLine($"STORE UNAVAILABLE: {StoreSource.Reason(e)} ({args.StorePath})");
            return 2;
        }

        if (args.Has("--json"))
        {
            var report = new Reports.OperationsReport(args.StorePath, since is { } a ? Format.Iso(a) : null, until is { } b ? Format.Iso(b) : null,
                kinds.Select(MonitorBuilder.EnumWord).ToList(), ops.Count, matching, ops.Select(Reports.Operation).ToList());
            stdout.WriteLine(JsonSerializer.Serialize(report, Reports.Json));
            return 0;
        }

        var zone = args.Zone;
        stdout.WriteLine($"# {ops.Count} of {matching.ToString(CultureInfo.InvariantCulture)} matching operations, newest first"
            + (since is { } f ? $", since {Format.Iso(f)}" : "") + (until is { } t ? $", until {Format.Iso(t)}" : ""));
        foreach (var op in ops)
        {
            var row = MonitorBuilder.Row(op, zone);
            var trade = op.Side is null && op.Qty is null ? "" : $"{row.Side} {row.Qty}" + (row.Price.Length > 0 ? $" @ {row.Price}" : "");
            stdout.WriteLine(string.Join("  ", new[] { Format.DateTime(op.TimeNanos, zone) + "." + row.Time[^3..], $"#{op.Id}", row.Kind, trade, row.Ref, row.Detail }
                .Where(x => x.Length > 0)));
        }
        return 0;
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
