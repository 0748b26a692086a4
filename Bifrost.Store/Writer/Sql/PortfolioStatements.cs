using Bifrost.Store.Records;
using Microsoft.Data.Sqlite;

namespace Bifrost.Store.Writer.Sql;

/// <summary>Portfolio snapshots (insert only: a snapshot id stored once is never written again) and runs (upsert).</summary>
internal sealed class PortfolioStatements(SqliteConnection c) : IDisposable
{
    private readonly Statement _snapshot = new(c, """
        INSERT INTO portfolio_snapshots(id, created_ns, source_kind, source_name, source_sha256, portfolio_value, cash_available, content_hash, canonical_text)
        VALUES (@id, @created, @kind, @name, @sha, @value, @cash, @hash, @text)
        ON CONFLICT(id) DO NOTHING
        """);

    private readonly Statement _line = new(c, """
        INSERT INTO portfolio_snapshot_lines(snapshot_id, symbol, price, current_qty, target_qty, weight, notes)
        VALUES (@id, @symbol, @price, @current, @target, @weight, @notes)
        """);

    private readonly Statement _run = new(c, """
        INSERT INTO portfolio_runs(id, snapshot_id, snapshot_hash, purpose, status, reasons_json, fallback_snapshot_id, fallback_reason,
                                   cancel_requested_by, created_ns, updated_ns)
        VALUES (@id, @snapshot, @hash, @purpose, @status, @reasons, @fallback, @fallbackReason, @cancelBy, @created, @updated)
        ON CONFLICT(id) DO UPDATE SET status = excluded.status, reasons_json = excluded.reasons_json,
            fallback_snapshot_id = excluded.fallback_snapshot_id, fallback_reason = excluded.fallback_reason,
            cancel_requested_by = excluded.cancel_requested_by, updated_ns = excluded.updated_ns
        """);

    private readonly Statement _order = new(c, """
        INSERT INTO portfolio_run_orders(order_ref, run_id, symbol, side, quantity, filled, status, sent, reason, ib_order_id, perm_id,
                                         fills_json, status_times_json)
        VALUES (@ref, @run, @symbol, @side, @qty, @filled, @status, @sent, @reason, @ib, @perm, @fills, @times)
        ON CONFLICT(order_ref) DO UPDATE SET filled = excluded.filled, status = excluded.status, sent = excluded.sent,
            reason = excluded.reason, ib_order_id = excluded.ib_order_id, perm_id = excluded.perm_id,
            fills_json = excluded.fills_json, status_times_json = excluded.status_times_json
        """);

    private readonly Statement _schedule = new(c, """
        INSERT INTO portfolio_schedule(name, handled_through_ns) VALUES (@name, @through)
        ON CONFLICT(name) DO UPDATE SET handled_through_ns = excluded.handled_through_ns
        """);

    public void Schedule(SqliteTransaction tx, string name, long handledThroughNanos) => _schedule.Run(tx, name, handledThroughNanos);

    public void Snapshot(SqliteTransaction tx, PortfolioSnapshotRecord s)
    {
        if (_snapshot.Run(tx, s.Id, s.CreatedNanos, s.SourceKind, s.SourceName, s.SourceSha256, s.PortfolioValue, s.CashAvailable,
                s.ContentHash, s.CanonicalText) == 0) return; // stored already: frozen
        foreach (var l in s.Lines) _line.Run(tx, s.Id, l.Symbol, l.Price, l.Current, l.Target, l.Weight, l.Notes);
    }

    public void Run(SqliteTransaction tx, PortfolioRunRecord r)
    {
        _run.Run(tx, r.Id, r.SnapshotId, r.SnapshotHash, r.Purpose, r.Status, r.ReasonsJson, r.FallbackSnapshotId, r.FallbackReason,
            r.CancelRequestedBy, r.CreatedNanos, r.UpdatedNanos);
        foreach (var o in r.Orders)
            _order.Run(tx, o.OrderRef, r.Id, o.Symbol, o.Side, o.Quantity, o.Filled, o.Status, o.Sent, o.Reason, o.IbOrderId, o.PermId,
                o.FillsJson, o.StatusTimesJson);
    }

    public void Dispose()
    {
        _snapshot.Dispose();
        _line.Dispose();
        _run.Dispose();
        _order.Dispose();
        _schedule.Dispose();
    }
}
