using Bifrost.Store.Records;
using Microsoft.Data.Sqlite;

namespace Bifrost.Store.Writer.Sql;

internal sealed class RunStatements(SqliteConnection c) : IDisposable
{
    private readonly Statement _start = new(c, """
        INSERT INTO runs(run_id, kind, parent_run_id, started_ns, params_json) VALUES (@run, @kind, @parent, @started, @params)
        ON CONFLICT(run_id) DO NOTHING
        """);

    private readonly Statement _end = new(c, "UPDATE runs SET ended_ns = @ended, summary_json = COALESCE(@summary, summary_json) WHERE run_id = @run");

    private readonly Statement _guardBlock = new(c, """
        INSERT INTO run_guard_blocks(run_id, reason, count) VALUES (@run, @reason, @count)
        ON CONFLICT(run_id, reason) DO UPDATE SET count = excluded.count
        """);

    private readonly Statement _metrics = new(c, """
        INSERT OR REPLACE INTO run_metrics(run_id, total_pnl, realized_pnl, fees, max_drawdown, sharpe, orders, fills, hedges, metrics_json)
        VALUES (@run, @total, @realized, @fees, @dd, @sharpe, @orders, @fills, @hedges, @json)
        """);

    public void Start(SqliteTransaction tx, RunRecord r) =>
        _start.Run(tx, r.RunId, Columns.Text(r.Kind), r.ParentRunId, r.StartedNanos, r.ParametersJson);

    public void End(SqliteTransaction tx, StoreWrite.RunEnded e)
    {
        _end.Run(tx, e.EndedNanos, e.SummaryJson, e.RunId);
        foreach (var (reason, count) in e.GuardBlocks) _guardBlock.Run(tx, e.RunId, reason, count);
    }

    public void Metrics(SqliteTransaction tx, RunMetrics m) =>
        _metrics.Run(tx, m.RunId, m.TotalPnl, m.RealizedPnl, m.Fees, m.MaxDrawdown, m.Sharpe, m.Orders, m.Fills, m.Hedges, m.MetricsJson);

    public void Dispose()
    {
        _start.Dispose();
        _end.Dispose();
        _guardBlock.Dispose();
        _metrics.Dispose();
    }
}
