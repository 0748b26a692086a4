using Bifrost.Store.Records;
using Bifrost.Tui.Input;

namespace Bifrost.Tui.Model;

/// <summary>
/// Everything one frame shows, built from store rows by <see cref="MonitorBuilder"/>. Plain data: no Spectre types, so
/// the views, the JSON outputs and the tests all read the same thing.
/// </summary>
internal sealed record MonitorViewModel(
    HeaderVm Header,
    Screen Screen,
    DashboardVm Dashboard,
    OperationsVm? Operations,
    HistoryVm? History,
    ControlsVm Controls,
    bool ShowHelp)
{
    /// <summary>The Runs, Alerts and Statistics screens: styled text lines.</summary>
    public TextScreenVm? Text { get; init; }

    /// <summary>What the forms (order ticket, rebalance) know from the status row.</summary>
    public FormContext Form { get; init; } = FormContext.None;
}

/// <summary>A line of a text screen and how it is emphasised: "", "title", "dim", "good", "warn", "bad".</summary>
internal sealed record TextLine(string Text, string Style = "");

/// <summary>A text screen; <see cref="AckTarget"/> is the alert the a key acknowledges (the newest unacknowledged).</summary>
internal sealed record TextScreenVm(IReadOnlyList<TextLine> Lines, long? AckTarget = null)
{
    /// <summary>Long lines wrap (forms and confirmations: every word must be seen) instead of being cut (lists).</summary>
    public bool Wrap { get; init; }

    /// <summary>Wrapped, the lines are more than the body's rows: the screen shows them cut, saying so.</summary>
    public bool Cut { get; init; }

    /// <summary>The rows the lines take at <paramref name="width"/> (wrapped as the screen wraps them).</summary>
    public int Rows(int width) => Wrap ? Lines.Sum(l => Format.WrapContinued(l.Text, width).Count()) : Lines.Count;
}

/// <summary>The always-visible part: light, FSM state, connection, market data, heartbeat age.</summary>
internal sealed record HeaderVm(
    Light Light,
    string FsmState,
    string Connection,
    string MarketData,
    string HeartbeatAge,
    bool HeartbeatStale,
    string? RunId,
    int? DaemonPid,
    string StorePath,
    string Clock)
{
    /// <summary>Alerts nobody acknowledged (shown in the header on every screen).</summary>
    public long UnacknowledgedAlerts { get; init; }
}

/// <summary>One position; <see cref="IsHedge"/> for the underlying (stock/future) against the option legs.</summary>
internal sealed record PositionRow(
    long ContractId, string Symbol, string SecType, bool IsHedge, double Quantity, double AvgCost, double? MarketPrice, PositionOwner Owner);

internal sealed record DashboardVm(
    IReadOnlyList<PositionRow> Strategy,
    IReadOnlyList<PositionRow> External,
    double StrategyHedgeShares,
    double ExternalShares,
    Greeks Greeks,
    BandGauge? Band,
    PnlSnapshot Pnl,
    IReadOnlyList<LimitGauge> Limits)
{
    public static readonly DashboardVm Empty = new([], [], 0, 0, new Greeks(0, 0, 0, 0), null, PnlSnapshot.Zero, []);

    /// <summary>The net greeks in trader units (theta per day, vega per vol point), labelled where shown.</summary>
    public TraderGreeks Units { get; init; } = TraderGreeks.From(new Greeks(0, 0, 0, 0));

    /// <summary>The run's P&amp;L and its attribution, adding up (an explicit "unattributed" part).</summary>
    public AttributionVm Attribution { get; init; } = AttributionVm.From(PnlSnapshot.Zero);

    public AccountVm Account { get; init; } = new(null, null, [], "no status yet");

    /// <summary>The configuration in force as the daemon reports it (contracts, mode, account, control settings).</summary>
    public DaemonConfig Config { get; init; } = DaemonConfig.Unknown;

    /// <summary>Why the net greeks are not known (a leg without a valuation), or null: the daemon reports them as 0
    /// then, and a 0 delta read as "flat" is the most expensive misreading on the screen.</summary>
    public string? GreeksUnknown { get; init; }

    /// <summary>Why the P&amp;L is not known (a holding without a two-sided quote: after a restart, before quotes), or null.</summary>
    public string? PnlUnknown { get; init; }
}

/// <summary>An operations row formatted for display (times in the monitor's zone; the contract as a trader names it,
/// "" when the operation has none).</summary>
internal sealed record OperationRow(long Id, long TimeNanos, string Time, string Kind, string Side, string Qty, string Contract, string Price, string Ref, string Detail);

internal sealed record OperationsVm(
    string KindFilter,
    string TimeRange,
    IReadOnlyList<OperationRow> Rows,
    int Selected,
    long Total,
    int PageSize,
    bool HasOlder,
    bool AtNewest,
    OperationDetailVm? Detail)
{
    /// <summary>The zone of the rows' times, short ("UTC", "-05:00"): the time column says it.</summary>
    public string Zone { get; init; } = "";
}

/// <summary>One operation with the order and fills it belongs to (the state/reason that triggered it is in Detail).</summary>
internal sealed record OperationDetailVm(long Id, IReadOnlyList<KeyValuePair<string, string>> Fields, IReadOnlyList<string> Fills);

internal sealed record DayRow(string Day, double? Realized, double? Unrealized, double? Fees, double? Daily, long HedgeOrders, long HedgesFilled, double HedgeQty);

internal sealed record RunRow(
    string RunId, string Kind, string Started, string Ended, double? TotalPnl, long? Orders, long? Hedges, string GuardBlocks, long GuardBlockTotal, string? Parent);

internal sealed record HistoryVm(IReadOnlyList<DayRow> Days, IReadOnlyList<RunRow> Runs, int Offset);

/// <summary>A control command as the Controls screen lists it.</summary>
internal sealed record CommandRow(long Id, string Command, string Status, string RequestedBy, string Age, string? Result);

internal sealed record ConfirmationVm(ControlCommandKind Kind, string Title, string Text)
{
    /// <summary>Where the whole text and its y/n line fit; <see cref="ConfirmationFit.Cut"/>: nowhere, y sends nothing.</summary>
    public ConfirmationFit Fit { get; init; } = ConfirmationFit.Body;

    public bool Fits => Fit != ConfirmationFit.Cut;
}

/// <summary>The confirmation dialog in the body under the header; over the whole screen but its footer (a small terminal:
/// the light's caption goes in its title); or cut, when even that cannot hold it.</summary>
internal enum ConfirmationFit { Body, Screen, Cut }

internal sealed record ControlsVm(ConfirmationVm? Pending, CommandRow? Tracked, IReadOnlyList<CommandRow> Recent, string? Message);
