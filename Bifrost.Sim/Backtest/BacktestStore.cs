using Bifrost.Store.Records;
using Bifrost.Store.Writer;

namespace Bifrost.Sim.Backtest;

/// <summary>Writes backtest and sweep results into the Bifrost store (SQLite) so the monitor's history shows them:
/// a <c>runs</c> row (kind backtest, or sweep with one backtest child per point), <c>run_metrics</c> with the whole
/// summary as metrics_json, and <c>run_guard_blocks</c> by reason. Store run ids carry the wall-clock time of the
/// backtest, so repeated runs of one config are kept side by side; the simulated period is in the summary.</summary>
public sealed class BacktestStore : IDisposable
{
    private readonly StoreWriter _writer;

    private BacktestStore(StoreWriter writer) => _writer = writer;

    public static BacktestStore Open(string path) => new(StoreWriter.Open(path));

    public static string NewRunId(string prefix, string runId) =>
        $"{prefix}-{runId}-{DateTime.UtcNow:yyyyMMdd'T'HHmmss'.'fff}";

    private static long NowNanos() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;

    /// <summary>A sweep's parent run; its points are recorded with <see cref="Record"/> naming it as parent.</summary>
    public void StartSweep(string storeRunId, string sweepJson) =>
        Enqueue(() => _writer.StartRun(new RunRecord(storeRunId, RunKind.Sweep, NowNanos(), sweepJson)));

    public void EndSweep(string storeRunId, string summaryJson) => Enqueue(() => _writer.EndRun(storeRunId, NowNanos(), summaryJson));

    public void Record(string storeRunId, BacktestResult r, string parametersJson, string? parentRunId = null)
    {
        var started = NowNanos();
        var summary = ResultWriter.SummaryJson(r, indented: false);
        Enqueue(() => _writer.StartRun(new RunRecord(storeRunId, RunKind.Backtest, started, parametersJson, parentRunId)));
        Enqueue(() => _writer.RecordRunMetrics(new RunMetrics(storeRunId, r.TotalPnl, r.RealizedPnl, r.Fees, r.MaxDrawdown, r.Sharpe, r.Orders, r.Fills,
            r.Hedges, summary)));
        Enqueue(() => _writer.EndRun(storeRunId, NowNanos(), summary, r.GuardBlocks));
    }

    private void Enqueue(Func<bool> write)
    {
        // A full queue: wait for the writer to catch up and try again; a result is never dropped.
        while (!write()) _writer.FlushAsync().GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        _writer.FlushAsync().GetAwaiter().GetResult();
        _writer.Dispose();
    }
}
