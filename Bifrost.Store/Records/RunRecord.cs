namespace Bifrost.Store.Records;

/// <summary>
/// A run: a live session, a one-off action (flatten, manual, rebalance) or simulator work (backtest, sweep). A sweep's
/// backtests name it as <see cref="ParentRunId"/>. Summary and guard-block counts are filled in when the run ends.
/// </summary>
public sealed record RunRecord(string RunId, RunKind Kind, long StartedNanos, string ParametersJson = "{}", string? ParentRunId = null)
{
    public long? EndedNanos { get; init; }
    public string? SummaryJson { get; init; }
}

/// <summary>Result metrics of a run (written by the simulator for backtests/sweeps, optionally by the daemon at run end).</summary>
public sealed record RunMetrics(
    string RunId,
    double TotalPnl,
    double RealizedPnl,
    double Fees,
    double MaxDrawdown,
    double? Sharpe,
    long Orders,
    long Fills,
    long Hedges,
    string MetricsJson = "{}");

/// <summary>What the History screen shows per run: the run, its metrics if any, and guard blocks by reason.</summary>
public sealed record RunSummary(RunRecord Run, RunMetrics? Metrics, IReadOnlyDictionary<string, long> GuardBlocks);
