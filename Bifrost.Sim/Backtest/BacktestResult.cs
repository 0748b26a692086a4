using Bifrost.Domain.Strategy;

namespace Bifrost.Sim.Backtest;

/// <summary>One point of the equity curve: strategy P&amp;L (money) at a simulated time.</summary>
public readonly record struct EquityPoint(long TimeNanos, double TotalPnl, double RealizedPnl, double UnrealizedPnl, double Fees, double Financing,
    double NetDelta, double Spot);

/// <summary>Slippage against the mid at the moment of each fill (positive = paid away), quantity-weighted.</summary>
public readonly record struct SlippageStats(long Fills, long Shares, double AverageBps, double AveragePerShare);

/// <summary>What one backtest produced. Everything here is a pure function of (data, config): byte-identical on every
/// run and thread count. Wall-clock figures are kept apart in <see cref="RunTiming"/>.</summary>
public sealed record BacktestResult
{
    public required string RunId { get; init; }
    public required string Data { get; init; }
    public long StartNanos { get; init; }
    public long EndNanos { get; init; }
    /// <summary>Rows read from the data (every contract) and events the reducer decided on.</summary>
    public long TicksRead { get; init; }
    public long Events { get; init; }
    public required string FinalState { get; init; }
    /// <summary>Engine P&amp;L (realised + unrealised − fees) plus financing.</summary>
    public double TotalPnl { get; init; }
    public double RealizedPnl { get; init; }
    public double UnrealizedPnl { get; init; }
    public double Fees { get; init; }
    public double Financing { get; init; }
    public PnlAttribution Attribution { get; init; }
    /// <summary>Mean / stdev of curve increments (curve_seconds apart) × √(periods per 252-day year of 6.5 h sessions);
    /// null with fewer than two increments or none varying.</summary>
    public double? Sharpe { get; init; }
    public double MaxDrawdown { get; init; }
    /// <summary>Sessions (distinct UTC dates) the equity curve spans: a Sharpe from fewer than 20 is not meaningful annualised.</summary>
    public int SharpeDays { get; init; }
    /// <summary>Exposure, sampled at every clock step: max |net delta| (shares), max |stock position| (shares), max
    /// |stock position| × spot (money).</summary>
    public double MaxAbsNetDelta { get; init; }
    public double MaxPosition { get; init; }
    public double MaxNotional { get; init; }
    public long Orders { get; init; }
    public long Hedges { get; init; }
    public long Fills { get; init; }
    public long SharesTraded { get; init; }
    /// <summary>Σ |quantity × price × multiplier| of every fill (money).</summary>
    public double Turnover { get; init; }
    public SlippageStats Slippage { get; init; }
    /// <summary>Guard blocks by reason code (each recorded GuardBlocked operation counts once per reason it names).</summary>
    public required IReadOnlyDictionary<string, long> GuardBlocks { get; init; }
    public long GuardBlockEvents { get; init; }
    /// <summary>Simulated seconds spent in each FSM state (Halted(...) grouped as Halted).</summary>
    public required IReadOnlyDictionary<string, double> SecondsInState { get; init; }
    public required IReadOnlyDictionary<string, long> Alerts { get; init; }
    public long Anomalies { get; init; }
    /// <summary>SHA-256 (hex) of the canonical order list, one line per PlaceOrder: time_ns,ref,side,qty,type,limit.</summary>
    public required string OrderListHash { get; init; }
    public required IReadOnlyList<string> OrderList { get; init; }
    public required IReadOnlyList<EquityPoint> Curve { get; init; }
}

/// <summary>Wall-clock figures of a run (never part of the deterministic outputs): wall and CPU time (on a shared
/// machine CPU is the steadier figure), peak memory, and what the run allocated and collected.</summary>
public readonly record struct RunTiming(TimeSpan Elapsed, long PeakWorkingSetBytes, TimeSpan Cpu = default, long AllocatedBytes = 0,
    int Gen0 = 0, int Gen1 = 0, int Gen2 = 0, TimeSpan GcPause = default)
{
    public double EventsPerSecond(long events) => events / Math.Max(1e-9, Elapsed.TotalSeconds);
}
