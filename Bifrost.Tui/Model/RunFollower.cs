using System.Globalization;
using Bifrost.Store;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Microsoft.Data.Sqlite;

namespace Bifrost.Tui.Model;

/// <summary>The end of a followed control: its row status, the run it made, the batch status and the daemon's words.</summary>
internal sealed record FollowOutcome(long ControlId, string Status, string? RunId, string Batch, string? Detail, IReadOnlyList<string> Orders);

/// <summary>Polls one control row and the run it created until both are finished (or the time is up).</summary>
internal sealed class RunFollower(string storePath, long controlId)
{
    public ControlCommand? Last { get; private set; }

    private T? Read<T>(Func<StoreReader, T> read) where T : class
    {
        try
        {
            using var reader = StoreReader.Open(storePath, new StoreOptions { BusyTimeout = TimeSpan.FromSeconds(1) });
            return read(reader);
        }
        catch (Exception e) when (e is StoreUnavailableException or SqliteException or IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// The run the control created, once recorded. With <paramref name="settle"/> it keeps polling (within the time
    /// given) until the control row is done or refused too: the daemon records the run as it takes a command it may
    /// still refuse.
    /// </summary>
    public string? WaitForRun(TimeSpan within, Action<TimeSpan> sleep, bool settle = false)
    {
        var deadline = DateTime.UtcNow + within;
        string? runId = null;
        while (true)
        {
            var found = Read(r => Tuple.Create(r.GetControlCommand(controlId), r.FindControlRun(controlId)));
            Last = found?.Item1 ?? Last;
            runId ??= found?.Item2;
            var settled = Last?.Status is ControlStatus.Done or ControlStatus.Refused;
            if (runId is not null && (!settle || settled)) return runId;
            if (settled || DateTime.UtcNow >= deadline) return runId;
            sleep(TimeSpan.FromMilliseconds(200));
        }
    }

    public FollowOutcome Follow(TimeSpan timeout, Action<TimeSpan> sleep, Action<string> progress)
    {
        var deadline = DateTime.UtcNow + timeout;
        string? runId = null;
        var lastLine = "";
        Func<long, string>? symbol = null;
        while (true)
        {
            (string RunId, string Detail)? flattenEnd = null;
            var snap = Read(r =>
            {
                var control = r.GetControlCommand(controlId);
                string? run;
                IReadOnlyList<OrderRecord> orders;
                switch (control?.Command)
                {
                    // A cancel makes no run: follow the orders it targets until none is working.
                    case ControlCommandKind.Cancel:
                        run = null;
                        orders = CancelTarget(control.ArgumentsJson) switch
                        {
                            (string id, null) => r.GetOrdersForRun(id),
                            (null, string orderRef) => r.GetOrder(orderRef) is { } o ? [o] : [],
                            _ => [],
                        };
                        break;
                    // A flatten's run is {session}-flat{n}: followed to the control_done the daemon writes as it ends.
                    case ControlCommandKind.Flatten:
                        flattenEnd = r.FindFlattenEnd(controlId);
                        run = flattenEnd?.RunId;
                        orders = run is null ? [] : r.GetOrdersForRun(run);
                        break;
                    default:
                        run = runId ?? r.FindControlRun(controlId);
                        orders = run is null ? [] : r.GetOrdersForRun(run);
                        break;
                }
                symbol = RunsModel.Symbols(r);
                return new Tuple<ControlCommand?, string?, IReadOnlyList<OrderRecord>>(control, run, orders);
            });
            string Text(OrderRecord o) => OrderText(o, symbol);
            if (snap is not null)
            {
                Last = snap.Item1 ?? Last;
                runId ??= snap.Item2;
                var orders = snap.Item3;
                var line = $"control #{controlId} {Last?.Status.ToString().ToLowerInvariant() ?? "?"}"
                    + (runId is null ? "" : $", run {runId}")
                    + (orders.Count == 0 ? "" : ": " + string.Join("; ", orders.Select(Text)));
                if (line != lastLine) progress(line);
                lastLine = line;
                if (Last?.Status == ControlStatus.Refused)
                    return Finish(Last, runId, orders, symbol);
                if (Last?.Status == ControlStatus.Done)
                {
                    // Done on the control row is not the end of what it started: a cancel only sent the cancels, a
                    // flatten answered "already flattening" is the earlier flatten's to finish.
                    switch (Last.Command)
                    {
                        case ControlCommandKind.Cancel when orders.Count == 0:
                            return new FollowOutcome(controlId, "done", null, "failed", $"{Last.Result}; no such order in the store", []);
                        case ControlCommandKind.Cancel when !orders.Any(o => IsWorking(o.Status)):
                            return new FollowOutcome(controlId, "done", null, "done", Last.Result, orders.Select(Text).ToList());
                        case ControlCommandKind.Flatten when flattenEnd is { } end:
                            return new FollowOutcome(controlId, "done", end.RunId,
                                end.Detail.StartsWith("flatten incomplete", StringComparison.Ordinal) ? "failed" : "done",
                                end.Detail, orders.Select(Text).ToList());
                        case ControlCommandKind.Cancel or ControlCommandKind.Flatten:
                            break;
                        default:
                            return Finish(Last, runId, orders, symbol);
                    }
                }
            }
            if (DateTime.UtcNow >= deadline)
                return new FollowOutcome(controlId, Last?.Status.ToString().ToLowerInvariant() ?? "unknown", runId, "timed_out",
                    $"still {Last?.Status.ToString().ToLowerInvariant() ?? "unknown"} after {timeout.TotalSeconds:0}s", []);
            sleep(TimeSpan.FromMilliseconds(250));
        }
    }

    private static (string? RunId, string? OrderRef) CancelTarget(string json)
    {
        try
        {
            var root = System.Text.Json.JsonDocument.Parse(json).RootElement;
            return (root.TryGetProperty("run_id", out var run) ? run.GetString() : null,
                root.TryGetProperty("order_ref", out var r) ? r.GetString() : null);
        }
        catch (System.Text.Json.JsonException)
        {
            return (null, null);
        }
    }

    // IB order states that are finished; anything else may still trade.
    private static bool IsWorking(string status) =>
        status is not ("Filled" or "Cancelled" or "ApiCancelled" or "Inactive" or "Rejected");

    /// <summary>"oi_… sell 10/10 XYZ 20260320 C 100 Filled @ 3.40": a rebalance trades legs and the hedge in one run.</summary>
    public static string OrderText(OrderRecord o, Func<long, string>? symbol = null) =>
        $"{o.OrderRef} {MonitorBuilder.EnumWord(o.Side)} {o.Filled.ToString(CultureInfo.InvariantCulture)}/{o.Qty.ToString(CultureInfo.InvariantCulture)}"
        + (symbol is null ? "" : $" {symbol(o.ContractId)}") + $" {o.Status}"
        + (o.AvgPrice is { } p && o.Filled > 0 ? $" @ {Format.Price(p)}" : "")
        + (o.RejectReason is { Length: > 0 } why ? $" ({why})" : "");

    /// <summary>done: every order filled (or nothing to do); partial: some filled; failed: refused or nothing filled —
    /// never better than the daemon's own word on the run ("partial: …"): a contract refused before it went out has no
    /// order row, and the filled rest read as done.</summary>
    public static FollowOutcome Finish(ControlCommand control, string? runId, IReadOnlyList<OrderRecord> orders, Func<long, string>? symbol = null)
    {
        var texts = orders.Select(o => OrderText(o, symbol)).ToList();
        if (control.Status == ControlStatus.Refused)
            return new FollowOutcome(control.Id, "refused", runId, "failed", control.Result, texts);
        var batch = RunsModel.Worse(RunsModel.FromOrders(orders), RunsModel.BatchWord(control.Result));
        return new FollowOutcome(control.Id, "done", runId, batch, control.Result, texts);
    }
}
