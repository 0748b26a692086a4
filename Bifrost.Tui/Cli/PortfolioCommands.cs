using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bifrost.Store;
using Bifrost.Store.Control;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Tui.App;
using Bifrost.Tui.Model;
using Microsoft.Data.Sqlite;

namespace Bifrost.Tui.Cli;

/// <summary>
/// `portfolio-run FILE | --target SYM=QTY... | --snapshot ID [--wait]`: queues a portfolio run on a signals file (CSV or JSON; the daemon reads
/// it, freezes a snapshot, pre-trades and executes it). `portfolio-runs [RUN]`: runs with status, reasons, fallback and
/// orders. Exit: 0 done, 1 partial / failed / blocked / refused, 2 bad arguments or store unavailable, 3 --wait timed out.
/// </summary>
internal static class PortfolioCommands
{
    public static int Run(Arguments args, TextWriter stdout, TextWriter stderr, Action<TimeSpan>? sleep = null)
    {
        sleep ??= Thread.Sleep;
        var (json, what) = Request(args);
        if (json["file"] is { } file) AwaitSettled((string)file!, stdout, sleep);
        var timeout = TimeSpan.FromSeconds(args.Number("--timeout", 120, 1, 86_400));
        long id;
        try
        {
            using var queue = ControlQueue.Open(args.StorePath, new StoreOptions { BusyTimeout = TimeSpan.FromSeconds(2) });
            id = queue.Enqueue(ControlCommandKind.PortfolioRun, json.ToJsonString(), ControlSender.DefaultRequester().Replace("/tui", "/cli", StringComparison.Ordinal));
        }
        catch (Exception e) when (e is StoreUnavailableException or StoreSchemaException or SqliteException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"STORE UNAVAILABLE: {StoreSource.Reason(e)} ({args.StorePath}); nothing was sent");
            return 2;
        }
        stdout.WriteLine($"control #{id} queued: portfolio run on {what}");
        if (!args.Has("--wait")) return 0;

        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var (control, run) = Read(args.StorePath, r => (r.GetControlCommand(id), r.FindPortfolioRunForControl(id)));
            if (control?.Status is ControlStatus.Done or ControlStatus.Refused)
            {
                if (run is not null) Print(run, stdout);
                if (args.Has("--json")) stdout.WriteLine(JsonSerializer.Serialize(new { control = id, run }, Reports.Json));
                var status = run?.Status ?? "refused";
                stdout.WriteLine($"result: {status}" + (control.Result is { Length: > 0 } d ? $" — {d}" : ""));
                return status == "done" ? 0 : ControlCommandLine.FailedExit;
            }
            if (DateTime.UtcNow >= deadline)
            {
                // As for an order: a run the daemon has not taken is withdrawn, so a retry on this timeout is the only one.
                if (control?.Status == ControlStatus.Pending
                    && ControlCommandLine.Withdraw(args.StorePath, id, $"withdrawn by the command line: not taken within --timeout {timeout.TotalSeconds:0}s"))
                {
                    stdout.WriteLine($"result: timed_out — withdrawn: the daemon did not take control #{id} within {timeout.TotalSeconds:0}s; it will not run, nothing was sent");
                    return ControlCommandLine.TimeoutExit;
                }
                stdout.WriteLine($"result: timed_out — control #{id} still {control?.Status.ToString().ToLowerInvariant() ?? "unknown"} after {timeout.TotalSeconds:0}s");
                return ControlCommandLine.TimeoutExit;
            }
            sleep(TimeSpan.FromMilliseconds(250));
        }
    }

    /// <summary>How long the daemon wants a signals file left unmodified before it reads it (its SignalsDirectory.Settle).</summary>
    private static readonly TimeSpan DaemonSettle = TimeSpan.FromSeconds(2);

    /// <summary>The daemon refuses a file modified just before it reads it (it may still be being written): one just
    /// written (`make-signals > f.csv && bifrost-tui portfolio-run f.csv`) is queued once it has been left that long.</summary>
    private static void AwaitSettled(string file, TextWriter stdout, Action<TimeSpan> sleep)
    {
        var settled = DaemonSettle + TimeSpan.FromMilliseconds(500);
        var age = DateTime.UtcNow - File.GetLastWriteTimeUtc(file);
        if (age >= settled) return;
        var wait = age < TimeSpan.Zero ? settled : settled - age; // a time ahead of this clock waits the whole settle
        stdout.WriteLine($"waiting {wait.TotalSeconds:F1} s: {file} was modified {Math.Max(0, age.TotalSeconds):F1} s ago");
        sleep(wait);
    }

    /// <summary>The control's arguments: a signals FILE, operator --target SYMBOL=QTY (repeatable), or --snapshot ID alone
    /// (re-run that stored snapshot). Every bad value is a usage error naming its option (exit 2).</summary>
    internal static (JsonObject Json, string What) Request(Arguments args)
    {
        var json = new JsonObject();
        var snap = args.Value("--snapshot");
        if (snap is not null && (snap.Length is 0 or > 32 || !snap.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            throw new UsageException($"--snapshot: 1-32 letters, digits, '-', '_' or '.', got '{snap}'");
        var targets = args.Values("--target");
        string what;
        if (args.Words.Count == 1)
        {
            if (targets.Count > 0) throw new UsageException("--target: not with a signals FILE (one source per run)");
            var file = Path.GetFullPath(args.Words[0]);
            var ext = Path.GetExtension(file).ToLowerInvariant();
            if (ext is not (".csv" or ".json")) throw new UsageException($"FILE: expected a .csv or .json signals file, got '{args.Words[0]}'");
            if (!File.Exists(file)) throw new UsageException($"FILE: '{args.Words[0]}' does not exist");
            json["file"] = file;
            what = file;
        }
        else if (targets.Count > 0)
        {
            var list = new JsonArray();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var t in targets)
            {
                var (symbol, quantity) = ParseTarget(t);
                if (!seen.Add(symbol)) throw new UsageException($"--target: {symbol} given twice");
                list.Add(new JsonObject { ["symbol"] = symbol, ["quantity"] = quantity });
            }
            json["targets"] = list;
            what = "targets " + string.Join(" ", targets.Select(t => t.ToUpperInvariant()));
        }
        else if (snap is not null) what = $"stored snapshot {snap}";
        else throw new UsageException("portfolio-run expects a signals FILE, --target SYMBOL=QTY, or --snapshot ID (re-run a stored snapshot)");
        if (snap is not null) json["snapshot_id"] = snap;
        return (json, what);
    }

    /// <summary>SYMBOL=QTY: a portfolio symbol (1-12 of A-Z, 0-9, '.', '-') and a whole number of shares.</summary>
    internal static (string Symbol, int Quantity) ParseTarget(string text)
    {
        var eq = text.IndexOf('=');
        if (eq <= 0 || eq == text.Length - 1) throw new UsageException($"--target: expected SYMBOL=QTY, got '{text}'");
        var symbol = text[..eq].Trim().ToUpperInvariant();
        if (symbol.Length is 0 or > 12 || !symbol.All(c => c is (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '-'))
            throw new UsageException($"--target symbol: 1-12 of A-Z, 0-9, '.', '-', got '{text[..eq]}'");
        if (!int.TryParse(text[(eq + 1)..].Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var quantity))
            throw new UsageException($"--target quantity: a whole number of shares, got '{text[(eq + 1)..]}'");
        return (symbol, quantity);
    }

    public static int Runs(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        var limit = (int)args.Number("--limit", 20, 1, 10_000);
        try
        {
            using var reader = StoreReader.Open(args.StorePath);
            var runs = args.Words.Count == 1
                ? reader.GetPortfolioRun(args.Words[0]) is { } one ? [one] : null
                : reader.ListPortfolioRuns(limit);
            if (runs is null)
            {
                stderr.WriteLine($"bifrost-tui: no portfolio run '{args.Words[0]}'");
                return 2;
            }
            if (args.Has("--json"))
            {
                stdout.WriteLine(JsonSerializer.Serialize(runs, Reports.Json));
                return 0;
            }
            if (runs.Count == 0) stdout.WriteLine("no portfolio runs");
            foreach (var r in runs)
            {
                Print(r, stdout);
                if (args.Words.Count == 1 && reader.GetPortfolioSnapshot(r.SnapshotId) is { } s)
                {
                    stdout.WriteLine(PortfolioRunsModel.SnapshotLine(s));
                    foreach (var l in s.Lines) stdout.WriteLine(PortfolioRunsModel.TargetLine(l));
                }
            }
            return 0;
        }
        catch (Exception e) when (e is StoreUnavailableException or StoreSchemaException or SqliteException or IOException)
        {
            stderr.WriteLine($"STORE UNAVAILABLE: {StoreSource.Reason(e)} ({args.StorePath})");
            return 2;
        }
    }

    private static void Print(PortfolioRunRecord r, TextWriter stdout)
    {
        stdout.WriteLine(PortfolioRunsModel.Line(r));
        foreach (var o in r.Orders) stdout.WriteLine(PortfolioRunsModel.OrderLine(o));
    }

    private static T Read<T>(string path, Func<StoreReader, T> read) where T : struct
    {
        try
        {
            using var reader = StoreReader.Open(path, new StoreOptions { BusyTimeout = TimeSpan.FromSeconds(1) });
            return read(reader);
        }
        catch (Exception e) when (e is StoreUnavailableException or SqliteException or IOException)
        {
            return default;
        }
    }
}
