using Bifrost.Store.Records;
using Bifrost.Store.Sqlite;
using Microsoft.Data.Sqlite;

namespace Bifrost.Store.ReadModel;

public sealed partial class StoreReader
{
    private const string PortfolioRunSelect = """
        SELECT id, snapshot_id, snapshot_hash, purpose, status, reasons_json, fallback_snapshot_id, fallback_reason,
               cancel_requested_by, created_ns, updated_ns
        FROM portfolio_runs
        """;

    /// <summary>Portfolio runs, newest first, each with its orders.</summary>
    public IReadOnlyList<PortfolioRunRecord> ListPortfolioRuns(int limit = 50) =>
        Query($"{PortfolioRunSelect} ORDER BY created_ns DESC, id LIMIT @limit", ReadPortfolioRun, ("@limit", limit))
            .Select(r => r with { Orders = PortfolioRunOrders(r.Id) }).ToList();

    /// <summary>A portfolio schedule's handled-through instant (Unix ns), or null when it was never stored.</summary>
    public long? GetPortfolioScheduleHandledThrough(string name) =>
        Query("SELECT handled_through_ns FROM portfolio_schedule WHERE name = @name", r => (long?)r.GetInt64(0), ("@name", name)).FirstOrDefault();

    public PortfolioRunRecord? GetPortfolioRun(string runId) =>
        One($"{PortfolioRunSelect} WHERE id = @id", ReadPortfolioRun, ("@id", runId)) is { } r ? r with { Orders = PortfolioRunOrders(r.Id) } : null;

    /// <summary>The portfolio run a portfolio_run control made (its id ends with <c>-pf{control id}</c>).</summary>
    public PortfolioRunRecord? FindPortfolioRunForControl(long controlId)
    {
        var suffix = $"-pf{controlId}";
        return One($"{PortfolioRunSelect} WHERE substr(id, -length(@suffix)) = @suffix", ReadPortfolioRun, ("@suffix", suffix)) is { } r
            ? r with { Orders = PortfolioRunOrders(r.Id) }
            : null;
    }

    public IReadOnlyList<PortfolioRunOrderRecord> PortfolioRunOrders(string runId) =>
        Query("""
            SELECT order_ref, symbol, side, quantity, filled, status, sent, reason, ib_order_id, perm_id, fills_json, status_times_json
            FROM portfolio_run_orders WHERE run_id = @run ORDER BY symbol, order_ref
            """,
            r => new PortfolioRunOrderRecord(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetInt32(4), r.GetString(5),
                r.GetInt64(6) != 0, r.GetStringOrNull(7), r.GetInt64OrNull(8), r.GetInt64OrNull(9), r.GetString(10), r.GetString(11)),
            ("@run", runId));

    public PortfolioSnapshotRecord? GetPortfolioSnapshot(string snapshotId)
    {
        var lines = Query("""
            SELECT symbol, price, current_qty, target_qty, weight, notes FROM portfolio_snapshot_lines WHERE snapshot_id = @id ORDER BY symbol
            """,
            r => new PortfolioSnapshotLineRecord(r.GetString(0), r.GetDoubleOrNull(1), r.GetInt32(2), r.GetInt32(3), r.GetDouble(4), r.GetString(5)),
            ("@id", snapshotId));
        return One("""
            SELECT id, created_ns, source_kind, source_name, source_sha256, portfolio_value, cash_available, content_hash, canonical_text
            FROM portfolio_snapshots WHERE id = @id
            """,
            r => new PortfolioSnapshotRecord(r.GetString(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.GetStringOrNull(4), r.GetDouble(5),
                r.GetDoubleOrNull(6), r.GetString(7), r.GetString(8), lines),
            ("@id", snapshotId));
    }

    /// <summary>Every stored snapshot id, oldest first (the daemon checks each one's hash at start).</summary>
    public IReadOnlyList<string> ListPortfolioSnapshotIds() =>
        Query("SELECT id FROM portfolio_snapshots ORDER BY created_ns, id", r => r.GetString(0));

    private static PortfolioRunRecord ReadPortfolioRun(SqliteDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetStringOrNull(6),
            r.GetStringOrNull(7), r.GetStringOrNull(8), r.GetInt64(9), r.GetInt64(10), []);
}
