using System.Globalization;
using System.Text.Json;
using Bifrost.Store;
using Bifrost.Store.Control;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Tui.Model;

namespace Bifrost.Tui.Cli;

/// <summary>`runs`, `alerts` (and `alerts --ack`), `stats`: the console's lists, once, for scripts.</summary>
internal static class QueryCommands
{
    private static int Unavailable(Arguments args, TextWriter stderr, Exception e)
    {
        stderr.WriteLine($"STORE UNAVAILABLE: {StoreSource.Reason(e)} ({args.StorePath})");
        return 2;
    }

    public static int Runs(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        var limit = (int)args.Number("--limit", 20, 1, 10_000);
        try
        {
            using var reader = StoreReader.Open(args.StorePath);
            var symbols = RunsModel.Symbols(reader.GetStatus());
            if (args.Words.Count == 1)
            {
                var run = reader.GetRun(args.Words[0]);
                if (run is null)
                {
                    stderr.WriteLine($"bifrost-tui: no run '{args.Words[0]}'");
                    return 2;
                }
                var orders = reader.GetOrdersForRun(run.Run.RunId);
                var fills = reader.GetFillsForRun(run.Run.RunId);
                var decisions = reader.GetDecisionPrices([run.Run.RunId]);
                var detail = RunsModel.Detail(RunsModel.Row(run, orders, fills, decisions, args.Zone), orders, fills, symbols, args.Zone);
                if (args.Has("--json"))
                {
                    stdout.WriteLine(JsonSerializer.Serialize(detail, Reports.Json));
                    return 0;
                }
                stdout.WriteLine(RunsModel.Line(detail.Run));
                if (detail.Run.Result is { } result) stdout.WriteLine($"result: {result}");
                stdout.WriteLine("orders:");
                foreach (var o in detail.Orders) stdout.WriteLine("  " + o);
                stdout.WriteLine($"fills (times in {Format.ZoneName(args.Zone, UnixNanos.Now())}):");
                foreach (var f in detail.Fills) stdout.WriteLine("  " + f);
                return 0;
            }
            var listed = reader.ListRuns(new RunQuery { Limit = limit });
            var prices = reader.GetDecisionPrices([.. listed.Select(r => r.Run.RunId)]);
            var rows = listed
                .Select(r => RunsModel.Row(r, reader.GetOrdersForRun(r.Run.RunId), reader.GetFillsForRun(r.Run.RunId), prices, args.Zone))
                .ToList();
            if (args.Has("--json"))
            {
                stdout.WriteLine(JsonSerializer.Serialize(rows, Reports.Json));
                return 0;
            }
            stdout.WriteLine($"# {rows.Count} run(s), newest first; times in {Format.ZoneName(args.Zone, UnixNanos.Now())}");
            foreach (var r in rows) stdout.WriteLine(RunsModel.Line(r));
            return 0;
        }
        catch (Exception e) when (StoreSource.IsStoreProblem(e)) // a status row that does not read too: exit 2, never a crash
        {
            return Unavailable(args, stderr, e);
        }
    }

    public static int Alerts(Arguments args, TextWriter stdout, TextWriter stderr, long wallNanos)
    {
        var limit = (int)args.Number("--limit", 50, 1, 100_000);
        try
        {
            if (args.Value("--ack") is { } ackText)
            {
                if (!long.TryParse(ackText, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
                    throw new UsageException($"--ack expects an alert id (a positive whole number), got '{ackText}'");
                var who = Environment.UserName;
                var outcome = AlertAcknowledgement.Acknowledge(args.StorePath, id, who, wallNanos,
                    new StoreOptions { BusyTimeout = TimeSpan.FromSeconds(2) });
                switch (outcome)
                {
                    case AcknowledgeOutcome.NotFound:
                        stderr.WriteLine($"bifrost-tui: no alert #{id}");
                        return 2;
                    case AcknowledgeOutcome.AlreadyAcknowledged:
                        using (var r = StoreReader.Open(args.StorePath))
                        {
                            var a = r.GetAlertViews(limit: 100_000).FirstOrDefault(v => v.Alert.Id == id);
                            stdout.WriteLine($"alert #{id} was already acknowledged" + (a?.AcknowledgedBy is { } by ? $" by {by}" : "")
                                + (a?.AcknowledgedNanos is { } at ? $" at {Format.Iso(at)}" : ""));
                        }
                        return 0;
                    default:
                        stdout.WriteLine($"alert #{id} acknowledged by {who} at {Format.Iso(wallNanos)}");
                        return 0;
                }
            }
            using var reader = StoreReader.Open(args.StorePath);
            var alerts = AlertsModel.Rows(reader.GetAlertViews(args.Has("--unacknowledged"), limit), args.Zone);
            var unacknowledged = reader.CountUnacknowledgedAlerts();
            if (args.Has("--json"))
            {
                stdout.WriteLine(JsonSerializer.Serialize(new { unacknowledged, alerts }, Reports.Json));
                return 0;
            }
            stdout.WriteLine($"# {alerts.Count} alert(s), newest first; {unacknowledged} unacknowledged; times in {Format.ZoneName(args.Zone, wallNanos)}");
            foreach (var a in alerts) stdout.WriteLine(AlertsModel.Line(a));
            return 0;
        }
        catch (Exception e) when (StoreSource.IsStoreProblem(e))
        {
            return Unavailable(args, stderr, e);
        }
    }

    public static int Stats(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        StatsPeriod by;
        try
        {
            by = Statistics.ParsePeriod(args.Value("--by"));
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
        var limit = (int)args.Number("--limit", 400, 1, 100_000);
        try
        {
            using var reader = StoreReader.Open(args.StorePath);
            // One day more than the limit tells whether the window begins inside a week or month.
            var days = reader.GetDailySummaries(limit + 1);
            var stats = Statistics.Build(days.Take(limit).ToList(), reader.GetOrderTimelines(), by, nextOlder: days.Count > limit ? days[limit] : null);
            if (args.Has("--csv")) stdout.Write(Statistics.Csv(stats));
            else foreach (var line in Statistics.Lines(stats)) stdout.WriteLine(line);
            return 0;
        }
        catch (Exception e) when (StoreSource.IsStoreProblem(e))
        {
            return Unavailable(args, stderr, e);
        }
    }
}
