namespace Bifrost.Store.Records;

/// <summary>
/// The daemon's current picture, written whole (one row in <c>status</c>) and appended to <c>status_history</c> on change
/// and at an interval. Lists are stored as JSON; numbers the monitor sorts or aggregates on are columns.
/// </summary>
public sealed record StatusSnapshot
{
    public required long TimeNanos { get; init; }
    public required string FsmState { get; init; }
    public required Health Health { get; init; }
    public IReadOnlyList<CheckResult> Checks { get; init; } = [];
    public IReadOnlyList<string> BlockReasons { get; init; } = [];
    public IReadOnlyList<PositionEntry> Positions { get; init; } = [];
    public Greeks NetGreeks { get; init; } = new(0, 0, 0, 0);
    public PnlSnapshot Pnl { get; init; } = PnlSnapshot.Zero;
    public HedgeBand? Band { get; init; }
    public IReadOnlyList<LimitUsage> Limits { get; init; } = [];

    /// <summary>e.g. "connected", "disconnected (1100)".</summary>
    public string Connection { get; init; } = "";

    /// <summary>e.g. "ok", "degraded (2103 usfarm)".</summary>
    public string MarketData { get; init; } = "";

    /// <summary>Free-form summary of the configuration in force (mode, account, legs…), JSON.</summary>
    public string ConfigSummaryJson { get; init; } = "{}";

    public long HeartbeatNanos { get; init; }
    public int DaemonPid { get; init; }
    public string? RunId { get; init; }

    /// <summary>The account's numeric values as the broker last reported them (NetLiquidation, TotalCashValue…); empty
    /// when none was reported.</summary>
    public IReadOnlyDictionary<string, double> AccountValues { get; init; } = new Dictionary<string, double>();
}

/// <summary>One self-check item; <see cref="Health"/> says how it colours the light.</summary>
public sealed record CheckResult(string Name, Health Health, string? Detail = null);

public sealed record PositionEntry(
    long ContractId, string Symbol, string SecType, double Quantity, double AvgCost, PositionOwner Owner, double? MarketPrice = null);

public sealed record Greeks(double Delta, double Gamma, double Vega, double Theta);

/// <summary>
/// The run's P&amp;L (realised, unrealised, fees; <see cref="Daily"/> is since the session day began), with its attribution:
/// delta, gamma, theta, vega, spread (trading against the mark), opening (P&amp;L carried in), basis (mark against model),
/// residual, and the fees, which add up to realised + unrealised − fees at the last valuation. <see cref="DailyKnown"/>
/// false: the day's P&amp;L was not known (the book without a valuation, the day without its baseline) and
/// <see cref="Daily"/> reads 0; the daily views give none for such a day.
/// </summary>
public sealed record PnlSnapshot(
    double Realized, double Unrealized, double Fees, double Daily,
    double AttrGamma, double AttrTheta, double AttrVega, double AttrDelta, double AttrResidual,
    double AttrSpread = 0, double AttrOpening = 0, double AttrBasis = 0, bool DailyKnown = true)
{
    public static readonly PnlSnapshot Zero = new(0, 0, 0, 0, 0, 0, 0, 0, 0);
}

/// <summary>The delta band the hedger keeps net delta in.</summary>
public sealed record HedgeBand(double Lower, double Upper, double Target);

/// <summary>A risk limit and how much of it is used, for the dashboard's "how close" gauge.</summary>
public sealed record LimitUsage(string Name, double Value, double Limit);
