using System.Globalization;
using System.Text.Json;
using Bifrost.Store;
using Bifrost.Store.Control;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Tui.App;
using Bifrost.Tui.Model;
using Microsoft.Data.Sqlite;

namespace Bifrost.Tui.Cli;

/// <summary>
/// `order`, `flatten-all`, `rebalance`, `cancel`, `confirm-book`: write the same control row the console writes, print the control id and
/// the run id, and with --wait follow the run to its end. Exit: 0 done, 1 refused / partial / failed, 2 bad arguments or
/// store unavailable, 3 --wait timed out.
/// </summary>
internal static class ControlCommandLine
{
    public const int FailedExit = 1;
    public const int TimeoutExit = 3;

    public static ControlRequest Request(Arguments args)
    {
        try
        {
            return args.Command switch
            {
                "order" => new ControlRequest.ManualOrder(
                    ContractName.Parse(args.Words[1]),
                    ControlRequests.ParseSide(args.Words[0]),
                    ControlRequests.ParseQuantity("QTY", args.Words[2]),
                    args.Value("--lmt") is { } lmt ? ControlRequests.ParsePrice("--lmt", lmt) : null,
                    args.Has("--risk-bypass"),
                    args.Has("--adjusts-strategy")),
                "flatten-all" => new ControlRequest.Simple(ControlCommandKind.Flatten),
                "rebalance" => args.Values("--target") is { Count: > 0 } targets
                    ? new ControlRequest.Rebalance(ControlRequests.ParseTargets(targets), args.Has("--risk-bypass"))
                    : throw new FormatException("rebalance needs at least one --target SYMBOL=QTY"),
                "confirm-book" => args.Values("--leg") is { Count: > 0 } legs
                    ? new ControlRequest.ConfirmBook(ControlRequests.ParseTargets(legs, "--leg"))
                    : throw new FormatException("confirm-book needs at least one --leg CONTRACT=QTY"),
                "cancel" => args.Words[0].Length is > 0 and <= 200 && args.Words[0].All(c => c > ' ' && c < 127)
                    ? new ControlRequest.Cancel(args.Words[0])
                    : throw new FormatException($"RUN: expected a run id or an order ref, got '{args.Words[0]}'"),
                _ => throw new FormatException($"{args.Command} is not a control command"),
            };
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
    }

    public static int Run(Arguments args, TextWriter stdout, TextWriter stderr, Func<long> clock, Action<TimeSpan>? sleep = null)
    {
        var request = Request(args);
        var timeout = TimeSpan.FromSeconds(args.Number("--timeout", 120, 1, 86_400));
        sleep ??= Thread.Sleep;
        var (kind, json) = ControlRequests.ToRow(request);
        long id;
        try
        {
            using var sender = new ControlSender(args.StorePath, ControlSender.DefaultRequester().Replace("/tui", "/cli", StringComparison.Ordinal));
            id = sender.Enqueue(request);
        }
        catch (Exception e) when (ControlSender.IsStoreProblem(e))
        {
            stderr.WriteLine($"STORE UNAVAILABLE: {StoreSource.Reason(e)} ({args.StorePath}); nothing was sent");
            return 2;
        }
        stdout.WriteLine($"control #{id} queued: {MonitorBuilder.EnumWord(kind)} — {ControlRequests.Describe(request)}");
        stdout.WriteLine($"args: {json}");

        var follower = new RunFollower(args.StorePath, id);
        if (!args.Has("--wait"))
        {
            // The run id exists once the daemon takes the command: give it a moment, never block a script for long.
            var runId = follower.WaitForRun(TimeSpan.FromSeconds(3), sleep, settle: true);
            // A run id is recorded as the daemon takes the command, even for one it then refuses (broker down,
            // PRICE_BAND): a refusal is said as such and exits as --wait's would, never as a run that started.
            if (follower.Last?.Status == ControlStatus.Refused)
            {
                stdout.WriteLine($"refused: {(follower.Last.Result is { Length: > 0 } why ? why : "(no reason given)")}");
                return FailedExit;
            }
            stdout.WriteLine(runId is null
                ? $"run: not started yet (control #{id} is {follower.Last?.Status.ToString().ToLowerInvariant() ?? "pending"}); follow it with `bifrost-tui runs`"
                  + (Bifrost.Store.Control.ControlExpiry.Expires(kind) ? "; a command that trades expires unless the daemon takes it within daemon.control_max_age_seconds (60 s by default)" : "")
                : $"run: {runId}");
            return 0;
        }

        var outcome = follower.Follow(timeout, sleep, line => stdout.WriteLine(line));
        // Left queued, a trading command the daemon had not taken would still run if it came back within its max age —
        // after the operator sent it again on this timeout. Withdrawn, the retry is the only one.
        if (outcome.Batch == "timed_out" && follower.Last?.Status == ControlStatus.Pending && ControlExpiry.Expires(kind)
            && Withdraw(args.StorePath, id, $"withdrawn by the command line: not taken within --timeout {timeout.TotalSeconds:0}s"))
            outcome = outcome with { Status = "refused", Detail = $"withdrawn: the daemon did not take control #{id} within {timeout.TotalSeconds:0}s; it will not run, nothing was sent" };
        if (args.Has("--json"))
            stdout.WriteLine(JsonSerializer.Serialize(outcome, Reports.Json));
        stdout.WriteLine($"result: {outcome.Batch}" + (outcome.Detail is { Length: > 0 } d ? $" — {d}" : ""));
        return outcome.Batch switch
        {
            "done" => 0,
            "timed_out" => TimeoutExit,
            _ => FailedExit,
        };
    }

    /// <summary>Withdraws a control row no daemon has taken (false if it was taken meanwhile, or the store is unavailable).</summary>
    internal static bool Withdraw(string storePath, long id, string why)
    {
        try
        {
            using var queue = ControlQueue.Open(storePath, new StoreOptions { BusyTimeout = TimeSpan.FromSeconds(2) });
            return queue.Withdraw(id, why);
        }
        catch (Exception e) when (ControlSender.IsStoreProblem(e))
        {
            return false;
        }
    }
}
