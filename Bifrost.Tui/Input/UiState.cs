using System.Collections.Immutable;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;

namespace Bifrost.Tui.Input;

internal enum Screen { Dashboard, Operations, History, Controls, Runs, Alerts, Stats, Ticket, Rebalance, Book }

/// <summary>
/// What the operator has chosen (screen, filters, scroll position, open dialog, command being tracked). Changed only by
/// <see cref="UiUpdate.Update"/>; the store data is not part of it.
/// </summary>
internal sealed record UiState
{
    public Screen Screen { get; init; } = Screen.Dashboard;

    public bool Help { get; init; }

    /// <summary>A control command waiting for y/n.</summary>
    public ControlCommandKind? Confirm { get; init; }

    public int KindFilter { get; init; }

    public int TimeRange { get; init; }

    /// <summary>Keyset cursor of the operations page (null: follow the newest). Rows strictly before it are shown.</summary>
    public OperationCursor? Top { get; init; }

    /// <summary>Earlier <see cref="Top"/>s, one per row scrolled, to scroll back towards the newest.</summary>
    public ImmutableStack<OperationCursor?> Back { get; init; } = ImmutableStack<OperationCursor?>.Empty;

    public int Selected { get; init; }

    /// <summary>The selected operation's detail is open.</summary>
    public bool DetailOpen { get; init; }

    public int HistoryOffset { get; init; }

    /// <summary>The last command this monitor enqueued; its outcome is polled and shown.</summary>
    public long? TrackedCommand { get; init; }

    /// <summary>The order ticket as the operator left it (kept across screens).</summary>
    public Bifrost.Tui.Model.TicketState Ticket { get; init; } = new();

    /// <summary>The rebalance form as the operator left it (kept across screens).</summary>
    public Bifrost.Tui.Model.RebalanceState Rebalance { get; init; } = new();

    /// <summary>The book confirmation form (after a BOOK_MISMATCH halt).</summary>
    public Bifrost.Tui.Model.RebalanceState Book { get; init; } = new() { Book = true };

    /// <summary>A one-line message for the operator (e.g. the control queue could not be written).</summary>
    public string? Message { get; init; }
}

/// <summary>The Operations screen's filter presets (cycled with f and t).</summary>
internal static class OperationFilters
{
    public static readonly IReadOnlyList<(string Label, OperationKind[] Kinds)> Kinds =
    [
        ("all", []),
        ("intent", [OperationKind.Intent]),
        ("order", [OperationKind.Order, OperationKind.Status]),
        ("fill", [OperationKind.Fill]),
        ("cancel", [OperationKind.Cancel]),
        ("reject", [OperationKind.Reject]),
        ("control", [OperationKind.Control, OperationKind.ControlDone]),
        ("alert", [OperationKind.Alert, OperationKind.Anomaly, OperationKind.RiskHalt]),
        ("guard", [OperationKind.GuardBlock]),
        ("state", [OperationKind.State, OperationKind.Reconcile]),
    ];

    public static readonly IReadOnlyList<(string Label, TimeSpan? Span)> TimeRanges =
    [
        ("all time", null),
        ("last 10m", TimeSpan.FromMinutes(10)),
        ("last 1h", TimeSpan.FromHours(1)),
        ("last 24h", TimeSpan.FromHours(24)),
    ];
}
