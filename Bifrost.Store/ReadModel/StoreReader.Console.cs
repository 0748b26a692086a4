using Bifrost.Store.Records;
using Bifrost.Store.Sqlite;
using Microsoft.Data.Sqlite;

namespace Bifrost.Store.ReadModel;

/// <summary>An alert with who acknowledged it and when (schema v2), and the notifier's delivery outcomes.</summary>
public sealed record AlertView(AlertRecord Alert, string? AcknowledgedBy, long? AcknowledgedNanos, IReadOnlyList<AlertDelivery> Deliveries);

/// <summary>One alert_deliveries row: the notifier's outcome on one channel.</summary>
public sealed record AlertDelivery(long AlertId, string Channel, string Status, long Attempts, string Detail, long WallNanos);

/// <summary>
/// One order's timeline from the operations log (one time base: the daemon's operation clock): sent, first broker status
/// (acknowledged), last fill; and the decision price recorded with the sent row (the mid for a market order).
/// </summary>
public sealed record OrderTimeline(
    string OrderRef, string? RunId, string Purpose, string OrderType, TradeSide Side, double Qty, double Filled, double? AvgPrice,
    long SentNanos, long? AckNanos, long? LastFillNanos, double? DecisionPrice);

// What the operator console and its command line read beyond the monitor's original screens.
public sealed partial class StoreReader
{
    /// <summary>Alerts newest first with acknowledgement and delivery details.</summary>
    public IReadOnlyList<AlertView> GetAlertViews(bool unacknowledgedOnly = false, int limit = 100)
    {
        var alerts = Query($"""
            SELECT id, time_ns, severity, code, message, acknowledged, acknowledged_by, acknowledged_ns FROM alerts
            {(unacknowledgedOnly ? "WHERE acknowledged = 0" : "")} ORDER BY time_ns DESC, id DESC LIMIT @limit
            """,
            r => (Alert: new AlertRecord(r.GetInt64(1), EnumText<AlertSeverity>.Parse(r.GetString(2)), r.GetString(3), r.GetString(4))
            {
                Id = r.GetInt64(0),
                Acknowledged = r.GetInt64(5) != 0,
            }, By: r.GetStringOrNull(6), At: r.GetInt64OrNull(7)),
            ("@limit", limit));
        if (alerts.Count == 0) return [];
        var from = alerts.Min(a => a.Alert.Id);
        var deliveries = Query("""
            SELECT alert_id, channel, status, attempts, detail, wall_ns FROM alert_deliveries WHERE alert_id >= @from ORDER BY id
            """,
            r => new AlertDelivery(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetString(4), r.GetInt64(5)),
            ("@from", from)).ToLookup(d => d.AlertId);
        return alerts.Select(a => new AlertView(a.Alert, a.By, a.At, deliveries[a.Alert.Id].ToList())).ToList();
    }

    /// <summary>How many alerts nobody has acknowledged yet (the header shows it on every screen).</summary>
    public long CountUnacknowledgedAlerts() =>
        Query("SELECT COUNT(*) FROM alerts WHERE acknowledged = 0", r => r.GetInt64(0))[0];

    /// <summary>
    /// The run a manual_order or rebalance control created: the daemon names it <c>{session}-man{id}</c> /
    /// <c>{session}-reb{id}</c> and records it on the control operation it writes when it takes the command.
    /// </summary>
    public string? FindControlRun(long controlId) =>
        One("""
            SELECT run_id FROM operations WHERE kind IN ('control', 'control_done')
              AND (run_id LIKE '%-man' || @id OR run_id LIKE '%-reb' || @id) ORDER BY id LIMIT 1
            """, r => r.GetString(0), ("@id", controlId.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>
    /// Orders of a daemon run and of every run it made (<c>{run}-man{id}</c>, <c>-reb</c>, <c>-flat</c>…), oldest
    /// first: the orders the daemon knows as its own, whichever control placed them.
    /// </summary>
    public IReadOnlyList<OrderRecord> GetOrdersForRunAndChildren(string runId) =>
        Query($"""
            SELECT {OrderColumns} FROM orders WHERE run_id = @run OR substr(run_id, 1, length(@run) + 1) = @run || '-'
            ORDER BY created_ns, order_ref
            """, ReadOrder, ("@run", runId));

    /// <summary>
    /// The end of the flatten a flatten control started or found under way ("already flattening"): the first
    /// control_done operation of a <c>{session}-flat{n}</c> run recorded after the control's own control operation
    /// (<c>… (#id)</c>), or of the run that names the control (<c>{"control_id":id}</c>, journaled with its first order:
    /// a daemon killed just after sending it may have lost the control's operation); null while that flatten is still going.
    /// </summary>
    public (string RunId, string Detail)? FindFlattenEnd(long controlId) =>
        Query("""
            SELECT run_id, detail FROM operations WHERE kind = 'control_done' AND run_id LIKE '%-flat%'
              AND (id > (SELECT MIN(id) FROM operations WHERE kind = 'control' AND detail LIKE '%(#' || @id || ')')
                   OR run_id IN (SELECT run_id FROM runs WHERE kind = 'flatten' AND json_valid(params_json)
                                   AND json_type(params_json, '$.control_id') = 'integer' AND json_extract(params_json, '$.control_id') = @n))
            ORDER BY id LIMIT 1
            """, r => (r.GetString(0), r.GetString(1)),
            ("@id", controlId.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("@n", controlId)) is [var end, ..] ? end : null;

    /// <summary>
    /// Order timelines for the newest <paramref name="limit"/> orders created at or after <paramref name="fromNanos"/>
    /// (operation clock), oldest first: past the limit the oldest are left out, never the day's.
    /// </summary>
    public IReadOnlyList<OrderTimeline> GetOrderTimelines(long fromNanos = 0, int limit = 100_000) =>
        Query("""
            SELECT * FROM (
              SELECT o.order_ref, o.run_id, o.purpose, o.order_type, o.side, o.qty, o.filled, o.avg_price,
                     MIN(CASE WHEN p.kind = 'order' THEN p.time_ns END),
                     MIN(CASE WHEN p.kind = 'status' THEN p.time_ns END),
                     MAX(CASE WHEN p.kind = 'fill' THEN p.time_ns END),
                     MIN(CASE WHEN p.kind = 'order' THEN p.price END),
                     o.created_ns AS created
              FROM orders o LEFT JOIN operations p ON p.order_ref = o.order_ref
              WHERE o.created_ns >= @from
              GROUP BY o.order_ref ORDER BY o.created_ns DESC, o.order_ref DESC LIMIT @limit)
            ORDER BY created, order_ref
            """,
            r => new OrderTimeline(r.GetString(0), r.GetStringOrNull(1), r.GetString(2), r.GetString(3), EnumText<TradeSide>.Parse(r.GetString(4)),
                r.GetDouble(5), r.GetDouble(6), r.GetDoubleOrNull(7), r.GetInt64OrNull(8) ?? r.GetInt64(12), r.GetInt64OrNull(9),
                r.GetInt64OrNull(10), r.IsDBNull(11) ? null : r.GetDouble(11) is var d && double.IsFinite(d) ? d : null),
            ("@from", fromNanos), ("@limit", limit));

    /// <summary>
    /// The decision price (the price its order operation was sent at) of each order of the runs named, by order ref:
    /// read for the runs shown, however old, and never the whole store's orders on each refresh.
    /// </summary>
    public IReadOnlyDictionary<string, double> GetDecisionPrices(IReadOnlyCollection<string> runIds)
    {
        if (runIds.Count == 0) return new Dictionary<string, double>();
        var names = runIds.Select((_, i) => $"@r{i}").ToList();
        return Query($"""
                SELECT o.order_ref, MIN(p.price) FROM orders o JOIN operations p ON p.order_ref = o.order_ref AND p.kind = 'order'
                WHERE o.run_id IN ({string.Join(", ", names)}) GROUP BY o.order_ref
                """, r => (Ref: r.GetString(0), Price: r.IsDBNull(1) ? double.NaN : r.GetDouble(1)),
                [.. runIds.Select((id, i) => (names[i], (object?)id))])
            .Where(d => double.IsFinite(d.Price))
            .ToDictionary(d => d.Ref, d => d.Price);
    }

    /// <summary>Fees of a run's fills (null commissions count as unknown, not zero).</summary>
    public (double Fees, long Fills, long FeesUnknown) GetRunFees(string runId) =>
        Query("""
            SELECT COALESCE(SUM(commission), 0), COUNT(*), SUM(CASE WHEN commission IS NULL THEN 1 ELSE 0 END)
            FROM fills WHERE order_ref IN (SELECT order_ref FROM orders WHERE run_id = @run)
            """, r => (r.GetDouble(0), r.GetInt64(1), r.IsDBNull(2) ? 0 : r.GetInt64(2)), ("@run", runId))[0];

    /// <summary>SQLite's data_version: changes whenever another connection commits (cheap; the console polls it).</summary>
    public long DataVersion() => Query("PRAGMA data_version", r => r.GetInt64(0))[0];
}
