using System.Text.Json;
using Bifrost.Store;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Tui.Input;
using Microsoft.Data.Sqlite;

namespace Bifrost.Tui.Model;

/// <summary>
/// Reads a frame's rows through one read-only <see cref="StoreReader"/>. A missing, locked or broken store is reported
/// in <see cref="StoreData.Error"/>, never thrown; the reader is dropped and reopened on the next frame (retry).
/// </summary>
internal sealed class StoreSource(string path, StoreOptions? options = null) : IDisposable
{
    /// <summary>Portfolio runs on the Runs screen (below the order-derived runs).</summary>
    private const int PortfolioRunRows = 5;

    // Short busy timeout: a locked store must not freeze the screen; the next frame retries.
    private readonly StoreOptions _options = options ?? new StoreOptions { BusyTimeout = TimeSpan.FromMilliseconds(200) };
    // Reopened now and then, and at once when the path names another file (a restored backup): the old file's rows (a
    // tracked command's id meaning another command there) are not shown as the store's.
    private static readonly TimeSpan ReopenEvery = TimeSpan.FromSeconds(10);
    private StoreReader? _reader;
    private DateTime _openedAt;

    public string Path { get; } = path;

    public StoreData Load(UiState ui, Viewport viewport, long nowNanos)
    {
        try
        {
            if (_reader is not null && (DateTime.UtcNow - _openedAt > ReopenEvery || _reader.FileReplaced))
            {
                _reader.Dispose();
                _reader = null;
            }
            if (_reader is null)
            {
                _reader = StoreReader.Open(Path, _options);
                _openedAt = DateTime.UtcNow;
            }
            return Read(_reader, ui, viewport, nowNanos);
        }
        catch (Exception e) when (IsStoreProblem(e))
        {
            _reader?.Dispose();
            _reader = null;
            return StoreData.Unavailable(Reason(e));
        }
    }

    /// <summary>
    /// SQLite's data_version on this source's connection (changes when the daemon commits); null when the store cannot
    /// be read, or when the connection was just (re)opened — either way the caller reads the store again.
    /// </summary>
    public long? DataVersion()
    {
        if (_reader is null || DateTime.UtcNow - _openedAt > ReopenEvery || _reader.FileReplaced) return null;
        try
        {
            return _reader.DataVersion();
        }
        catch (Exception e) when (IsStoreProblem(e))
        {
            return null;
        }
    }

    public static StoreData Read(StoreReader reader, UiState ui, Viewport viewport, long nowNanos)
    {
        var status = reader.GetStatus();
        var data = new StoreData { Status = status };

        if (ui.Screen == Screen.Operations)
        {
            var query = OperationsQuery(ui, nowNanos) with { Limit = viewport.OperationRows + 1 };
            var page = reader.QueryOperations(query);
            data = data with { Operations = page, OperationsTotal = reader.CountOperations(query) };
            if (ui.DetailOpen && page.Count > 0)
            {
                var op = page[Math.Clamp(ui.Selected, 0, Math.Min(page.Count, viewport.OperationRows) - 1)];
                if (op.OrderRef is { } orderRef)
                    data = data with { DetailOrder = reader.GetOrder(orderRef), DetailFills = reader.GetFillsForOrder(orderRef) };
            }
        }
        if (ui.Screen == Screen.History)
        {
            data = data with
            {
                Days = reader.GetDailySummaries(viewport.DayRows),
                Runs = reader.ListRuns(new RunQuery { Limit = ui.HistoryOffset + viewport.RunRows }),
            };
        }
        data = data with { UnacknowledgedAlerts = reader.CountUnacknowledgedAlerts() };
        if (ui.Screen == Screen.Runs)
        {
            var runs = reader.ListRuns(new RunQuery { Limit = Math.Max(1, viewport.BodyRows - 2) });
            data = data with
            {
                RunList = runs.Select(r => (r, reader.GetOrdersForRun(r.Run.RunId), reader.GetFillsForRun(r.Run.RunId))).ToList(),
                DecisionPrices = reader.GetDecisionPrices([.. runs.Select(r => r.Run.RunId)]),
                PortfolioRuns = reader.ListPortfolioRuns(PortfolioRunRows),
            };
            if (data.PortfolioRuns is [var newest, ..]) data = data with { NewestSnapshot = reader.GetPortfolioSnapshot(newest.SnapshotId) };
        }
        if (ui.Screen == Screen.Alerts)
        {
            // Unacknowledged alerts pinned first (newest first), then the newest acknowledged ones in the rows left:
            // an older unacknowledged CRITICAL behind newer acknowledged alerts stays on screen and `a` reaches it.
            var rows = Math.Max(1, viewport.BodyRows - 2);
            var open = reader.GetAlertViews(unacknowledgedOnly: true, limit: rows);
            var acknowledged = open.Count >= rows
                ? []
                : reader.GetAlertViews(limit: rows + open.Count).Where(a => a.Alert.Acknowledged).Take(rows - open.Count);
            data = data with { Alerts = [.. open, .. acknowledged] };
        }
        if (ui.Screen == Screen.Stats)
            data = data with { StatsDays = reader.GetDailySummaries(400), StatsOrders = reader.GetOrderTimelines() };
        if (ui.Screen == Screen.Controls || ui.Confirm is not null)
            data = data with { RecentCommands = reader.ListControlCommands(viewport.CommandRows) };
        var formControl = ui.Screen switch { Screen.Ticket => ui.Ticket.ControlId, Screen.Rebalance => ui.Rebalance.ControlId, Screen.Book => ui.Book.ControlId, _ => null };
        if (formControl is { } fc && reader.GetControlCommand(fc) is var control)
        {
            var formRun = reader.FindControlRun(fc);
            data = data with { Follow = new FormFollow(control, formRun, formRun is null ? [] : reader.GetOrdersForRun(formRun)) { Symbol = RunsModel.Symbols(status) } };
        }
        if (ui.TrackedCommand is { } id)
            data = data with { Tracked = reader.GetControlCommand(id) };
        // Stop cancels every working order the daemon placed (its run's and its child runs': hedges, manual, rebalance,
        // flatten); flatten cancels only the strategy-owned ones, the operator's own manual orders keep working.
        if (ui.Confirm is ControlCommandKind.Stop or ControlCommandKind.Flatten && status?.RunId is { } run)
        {
            var working = reader.GetOrdersForRunAndChildren(run).Where(o => IsWorking(o.Status)).ToList();
            data = data with
            {
                WorkingOrders = ui.Confirm == ControlCommandKind.Stop ? working.Count : working.Count(o => !IsOperatorOwned(o.Purpose)),
                WorkingManualOrders = working.Count(o => IsOperatorOwned(o.Purpose)),
            };
        }
        return data;
    }

    /// <summary>The Operations screen's filters as a store query (paging cursor included, limit not set).</summary>
    public static OperationQuery OperationsQuery(UiState ui, long nowNanos)
    {
        var kinds = OperationFilters.Kinds[ui.KindFilter % OperationFilters.Kinds.Count].Kinds;
        var span = OperationFilters.TimeRanges[ui.TimeRange % OperationFilters.TimeRanges.Count].Span;
        return new OperationQuery
        {
            Kinds = kinds.Length > 0 ? kinds : null,
            FromNanos = span is { } s ? nowNanos - s.Ticks * 100 : null,
            Before = ui.Top,
        };
    }

    // Purpose "manual" (an order the operator placed for their own, external position) is the only one the strategy
    // does not own (OrderPurpose.owner in the domain).
    private static bool IsOperatorOwned(string purpose) => purpose.Equals("manual", StringComparison.OrdinalIgnoreCase);

    // IB order states that are finished; anything else may still trade.
    private static bool IsWorking(string status) =>
        !status.Equals("Filled", StringComparison.OrdinalIgnoreCase)
        && !status.Equals("Cancelled", StringComparison.OrdinalIgnoreCase)
        && !status.Equals("ApiCancelled", StringComparison.OrdinalIgnoreCase)
        && !status.Equals("Inactive", StringComparison.OrdinalIgnoreCase)
        && !status.Equals("Rejected", StringComparison.OrdinalIgnoreCase);

    /// <summary>A store that cannot be read: missing, locked, not SQLite, another schema, or a row whose JSON does not read.</summary>
    internal static bool IsStoreProblem(Exception e) =>
        e is StoreUnavailableException or StoreSchemaException or SqliteException or IOException or UnauthorizedAccessException
            or JsonException or InvalidOperationException;

    /// <summary>The reason part of a store exception, without the path the screen already shows.</summary>
    public static string Reason(Exception e)
    {
        const string marker = " is unavailable: ";
        var message = e.Message.ReplaceLineEndings(" ");
        var at = message.IndexOf(marker, StringComparison.Ordinal);
        return at >= 0 ? message[(at + marker.Length)..] : message;
    }

    public void Dispose()
    {
        _reader?.Dispose();
        _reader = null;
    }
}
