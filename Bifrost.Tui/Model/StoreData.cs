using Bifrost.Store.Records;

namespace Bifrost.Tui.Model;

/// <summary>
/// The rows one frame needs, as read from the store (only what the current screen shows is read). <see cref="Error"/>
/// set means the store could not be read this time; everything else is then empty.
/// </summary>
internal sealed record StoreData
{
    public string? Error { get; init; }
    public StatusSnapshot? Status { get; init; }

    /// <summary>The operations page, newest first, one row more than shown when older rows exist.</summary>
    public IReadOnlyList<OperationRecord>? Operations { get; init; }
    public long OperationsTotal { get; init; }
    public OrderRecord? DetailOrder { get; init; }
    public IReadOnlyList<FillRecord> DetailFills { get; init; } = [];

    public IReadOnlyList<DailySummary>? Days { get; init; }
    public IReadOnlyList<RunSummary>? Runs { get; init; }

    public IReadOnlyList<ControlCommand>? RecentCommands { get; init; }
    public ControlCommand? Tracked { get; init; }

    /// <summary>
    /// Working orders the open stop/flatten confirmation would cancel, across the daemon's run and its child runs (stop:
    /// all of them; flatten: the strategy-owned ones); read only while such a confirmation is open.
    /// </summary>
    public int? WorkingOrders { get; init; }

    /// <summary>Of the daemon's working orders, the operator's own manual ones (same moment as <see cref="WorkingOrders"/>).</summary>
    public int? WorkingManualOrders { get; init; }

    /// <summary>Alerts nobody acknowledged yet (read every frame: the header shows it on every screen).</summary>
    public long UnacknowledgedAlerts { get; init; }

    /// <summary>Runs screen: runs with their orders and fills; and the decision price per order ref.</summary>
    public IReadOnlyList<(RunSummary Run, IReadOnlyList<OrderRecord> Orders, IReadOnlyList<FillRecord> Fills)>? RunList { get; init; }
    public IReadOnlyDictionary<string, double>? DecisionPrices { get; init; }

    /// <summary>Runs screen: the newest portfolio runs (run machine status), and the newest run's snapshot.</summary>
    public IReadOnlyList<PortfolioRunRecord>? PortfolioRuns { get; init; }
    public PortfolioSnapshotRecord? NewestSnapshot { get; init; }

    public IReadOnlyList<Bifrost.Store.ReadModel.AlertView>? Alerts { get; init; }

    public IReadOnlyList<DailySummary>? StatsDays { get; init; }
    public IReadOnlyList<Bifrost.Store.ReadModel.OrderTimeline>? StatsOrders { get; init; }

    /// <summary>The open form's sent control, its run and orders.</summary>
    public FormFollow? Follow { get; init; }

    public static StoreData Unavailable(string reason) => new() { Error = reason };
}

/// <summary>Terminal size in cells, and how many list rows each screen has at that size.</summary>
internal readonly record struct Viewport(int Width, int Height)
{
    public const int HeaderRows = 4;
    public const int ChromeRows = HeaderRows + 2; // + tab bar + footer

    public static readonly Viewport Standard = new(80, 24);

    public int BodyRows => Math.Max(3, Height - ChromeRows);

    /// <summary>Operations list rows: the body less its status line and the column header.</summary>
    public int OperationRows => Math.Max(1, BodyRows - 2);

    /// <summary>History: days in the top part, runs below (each with a title and a column header).</summary>
    public int DayRows => Math.Max(1, (BodyRows - 4) / 3);

    public int RunRows => Math.Max(1, BodyRows - 4 - DayRows);

    public int CommandRows => Math.Max(1, BodyRows - 10);
}

/// <summary>Options of the monitor that the view model depends on.</summary>
internal sealed record MonitorSettings(string StorePath, TimeSpan SilentAfter, TimeZoneInfo Zone)
{
    public static readonly TimeSpan DefaultSilentAfter = TimeSpan.FromSeconds(10);
}
