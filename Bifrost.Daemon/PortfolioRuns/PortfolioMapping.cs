using System.Text.Json;
using Bifrost.Domain;
using Bifrost.Domain.PortfolioRuns;
using Bifrost.Store.Records;

namespace Bifrost.Daemon.PortfolioRuns;

/// <summary>Domain portfolio snapshots and runs → store rows. Pure; NaN amounts are stored as NULL.</summary>
public static class PortfolioMapping
{
    private static double? Finite(double v) => double.IsFinite(v) ? v : null;

    public static PortfolioSnapshotRecord Snapshot(Snapshot s)
    {
        var (kind, name, sha) = s.Source switch
        {
            SnapshotSource.SignalsFile f => ("file", f.fileName, f.sha256),
            SnapshotSource.OperatorTargets o => ("operator", o.requestedBy, (string?)null),
            _ => ("operator", "?", null),
        };
        var canonical = SnapshotModule.canonicalText(s.Id, s.CreatedAt, s.Source, s.PortfolioValue, s.CashAvailable, s.Lines);
        return new PortfolioSnapshotRecord(s.Id, s.CreatedAt.Nanos, kind, name, sha, s.PortfolioValue, Finite(s.CashAvailable), s.ContentHash,
            canonical, s.Lines.Select(l => new PortfolioSnapshotLineRecord(l.Symbol, Finite(l.Price), l.Current, l.Target, l.Weight,
                string.Join(",", l.Notes))).ToList());
    }

    public static string Purpose(RunPurpose p) => p switch
    {
        RunPurpose.ScheduledSlot s => $"scheduled:{s.slotId}",
        RunPurpose.OperatorRequested o => $"operator:{o.requestedBy}",
        RunPurpose.FallbackAfter f => $"fallback_after:{f.failedRunId}",
        _ => "?",
    };

    public static PortfolioRunRecord Run(Run r) => new(
        r.Id, r.SnapshotId, r.SnapshotHash, Purpose(r.Purpose), RunStatusModule.name(r.Status), JsonSerializer.Serialize(r.Reasons.ToArray()),
        r.Fallback?.Value.TargetSnapshotId, r.Fallback?.Value.Reason, r.CancelRequestedBy?.Value, r.CreatedAt.Nanos, r.UpdatedAt.Nanos,
        r.Orders.Select(Order).ToList());

    private static PortfolioRunOrderRecord Order(RunOrder o) => new(
        o.Ref, o.Key.Symbol, SideModule.name(o.Key.Side).ToLowerInvariant(), o.Quantity, o.Filled, RunOrderStatusModule.name(o.Status), o.Sent, o.Reason?.Value,
        o.IbOrderId?.Value, o.PermId?.Value,
        JsonSerializer.Serialize(o.Fills.Select(f => new
        {
            exec_id = f.ExecId, quantity = f.Quantity, price = f.Price, commission = f.Commission?.Value,
            venue_ns = f.VenueTime.Nanos, received_ns = f.ReceivedAt.Nanos,
        })),
        JsonSerializer.Serialize(o.StatusTimes.Select(t => new
        {
            status = RunOrderStatusModule.name(t.Item1), venue_ns = t.Item2.Nanos, received_ns = t.Item3.Nanos,
        })));
}
