using Bifrost.Store.Records;
using Bifrost.Store.Sqlite;
using Microsoft.Data.Sqlite;

namespace Bifrost.Store.ReadModel;

public sealed partial class StoreReader
{
    // Guard blocks come back as one JSON object per run (json_group_object) to avoid a query per run.
    private const string RunSelect = """
        SELECT r.run_id, r.kind, r.started_ns, r.params_json, r.parent_run_id, r.ended_ns, r.summary_json,
               m.run_id, m.total_pnl, m.realized_pnl, m.fees, m.max_drawdown, m.sharpe, m.orders, m.fills, m.hedges, m.metrics_json,
               (SELECT json_group_object(g.reason, g.count) FROM run_guard_blocks g WHERE g.run_id = r.run_id)
        FROM runs r LEFT JOIN run_metrics m ON m.run_id = r.run_id
        """;

    public IReadOnlyList<RunSummary> ListRuns(RunQuery query)
    {
        var clauses = new List<string>();
        var ps = new List<(string, object?)> { ("@limit", query.Limit) };
        if (query.Kinds is { Count: > 0 } kinds)
        {
            var names = kinds.Select((k, i) => { ps.Add(($"@k{i}", EnumText<RunKind>.ToText(k))); return $"@k{i}"; });
            clauses.Add($"r.kind IN ({string.Join(",", names)})");
        }
        if (query.ParentRunId is { } parent) { clauses.Add("r.parent_run_id = @parent"); ps.Add(("@parent", parent)); }
        var where = clauses.Count > 0 ? " WHERE " + string.Join(" AND ", clauses) : "";
        return Query($"{RunSelect}{where} ORDER BY r.started_ns DESC, r.run_id LIMIT @limit", ReadRun, ps.ToArray());
    }

    public RunSummary? GetRun(string runId) => One($"{RunSelect} WHERE r.run_id = @run", ReadRun, ("@run", runId));

    /// <summary>The flatten runs that name the control which asked for them (the daemon writes <c>{"control_id":7}</c>
    /// with a flatten's first order): control id → run id. A restart answers a flatten it finds unanswered by its run.</summary>
    public IReadOnlyDictionary<long, string> FlattenRunsByControl() =>
        Query("""
            SELECT run_id, json_extract(params_json, '$.control_id') FROM runs
            WHERE kind = @kind AND json_valid(params_json) AND json_type(params_json, '$.control_id') = 'integer'
            ORDER BY started_ns
            """, r => (Control: r.GetInt64(1), Run: r.GetString(0)), ("@kind", EnumText<RunKind>.ToText(RunKind.Flatten)))
            .GroupBy(x => x.Control).ToDictionary(g => g.Key, g => g.Last().Run);

    /// <summary>The History screen's days, newest first.</summary>
    public IReadOnlyList<DailySummary> GetDailySummaries(int days = 30) =>
        Query("""
            SELECT day, pnl_realized, pnl_unrealized, pnl_fees, pnl_daily, hedge_orders, hedges_filled, hedge_qty, has_session
            FROM daily_summary ORDER BY day DESC LIMIT @n
            """,
            r => new DailySummary(DateOnly.ParseExact(r.GetString(0), "yyyy-MM-dd"), r.GetDoubleOrNull(1), r.GetDoubleOrNull(2),
                r.GetDoubleOrNull(3), r.GetDoubleOrNull(4), r.GetInt64(5), r.GetInt64(6), r.GetDouble(7), r.GetInt64(8) != 0),
            ("@n", days));

    /// <summary>An engine_state value (e.g. <c>EngineKeys.NextOrderId</c>), or null.</summary>
    public string? GetEngineState(string key) =>
        One("SELECT value FROM engine_state WHERE key = @key", r => r.GetString(0), ("@key", key));

    /// <summary>When an engine_state value was last written (its writer's clock, nanoseconds), or null.</summary>
    public long? GetEngineStateWrittenAt(string key) =>
        Query("SELECT updated_ns FROM engine_state WHERE key = @key", r => (long?)r.GetInt64(0), ("@key", key)).FirstOrDefault();

    private static RunSummary ReadRun(SqliteDataReader r)
    {
        var run = new RunRecord(r.GetString(0), EnumText<RunKind>.Parse(r.GetString(1)), r.GetInt64(2), r.GetString(3), r.GetStringOrNull(4))
        {
            EndedNanos = r.GetInt64OrNull(5),
            SummaryJson = r.GetStringOrNull(6),
        };
        var metrics = r.IsDBNull(7)
            ? null
            : new RunMetrics(r.GetString(7), r.GetDouble(8), r.GetDouble(9), r.GetDouble(10), r.GetDouble(11), r.GetDoubleOrNull(12),
                r.GetInt64(13), r.GetInt64(14), r.GetInt64(15), r.GetString(16));
        var blocks = StoreJson.Deserialize<Dictionary<string, long>>(r.GetStringOrNull(17) ?? "{}", []);
        return new RunSummary(run, metrics, blocks);
    }
}
