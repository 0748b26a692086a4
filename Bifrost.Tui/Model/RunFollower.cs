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

    public string? WaitForRun(TimeSpan within, Action<TimeSpan> sleep)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var found = Read(r => Tuple.Create(r.GetControlCommand(controlId), r.FindControlRun(controlId)));
            Last = found?.Item1 ?? Last;
            if (found?.Item2 is { } run) return run;
            if (Last?.Status is ControlStatus.Done or ControlStatus.Refused || DateTime.UtcNow >= deadline) return null;
            sleep(TimeSpan.FromMilliseconds(200));
        }
    }

    public FollowOutcome Follow(TimeSpan timeout, Action<TimeSpan> sleep, Action<string> progress)
    {
        var deadline = DateTime.UtcNow + timeout;
        string? runId = null;
        var lastLine = "";
        while (true)
        {
            var snap = Read(r =>
            {
                var control = r.GetControlCommand(controlId);
                var run = runId ?? r.FindControlRun(controlId);
                var orders = run is null ? [] : r.GetOrdersForRun(run);
                return new Tuple<ControlCommand?, string?, IReadOnlyList<OrderRecord>>(control, run, orders);
            });
            if (snap is not null)
            {
                Last = snap.Item1 ?? Last;
                runId ??= snap.Item2;
                var orders = snap.Item3;
                var line = $"control #{controlId} {Last?.Status.ToString().ToLowerInvariant() ?? "?"}"
                    + (runId is null ? "" : $", run {runId}")
                    + (orders.Count == 0 ? "" : ": " + string.Join("; ", orders.Select(OrderText)));
                if (line != lastLine) progress(line);
                lastLine = line;
                if (Last?.Status is ControlStatus.Done or ControlStatus.Refused)
                    return Finish(Last, runId, orders);
            }
            if (DateTime.UtcNow >= deadline)
                return new FollowOutcome(controlId, Last?.Status.ToString().ToLowerInvariant() ?? "unknown", runId, "timed_out",
                    $"still {Last?.Status.ToString().ToLowerInvariant() ?? "unknown"} after {timeout.TotalSeconds:0}s", []);
            sleep(TimeSpan.FromMilliseconds(250));
        }
    }

    public static string OrderText(OrderRecord o) =>
        $"{o.OrderRef} {MonitorBuilder.EnumWord(o.Side)} {o.Filled.ToString(CultureInfo.InvariantCulture)}/{o.Qty.ToString(CultureInfo.InvariantCulture)} {o.Status}"
        + (o.AvgPrice is { } p && o.Filled > 0 ? $" @ {Format.Price(p)}" : "")
        + (o.RejectReason is { Length: > 0 } why ? $" ({why})" : "");

    /// <summary>done: every order filled (or nothing to do); partial: some filled; failed: refused or nothing filled.</summary>
    public static FollowOutcome Finish(ControlCommand control, string? runId, IReadOnlyList<OrderRecord> orders)
    {
        var texts = orders.Select(OrderText).ToList();
        if (control.Status == ControlStatus.Refused)
            return new FollowOutcome(control.Id, "refused", runId, "failed", control.Result, texts);
        var batch = orders.Count == 0 || orders.All(o => o.Filled >= o.Qty)
            ? "done"
            : orders.Any(o => o.Filled > 0) ? "partial" : "failed";
        return new FollowOutcome(control.Id, "done", runId, batch, control.Result, texts);
    }
}
