using Bifrost.Store.ReadModel;
using Bifrost.Tui.Model;

namespace Bifrost.Tui.Input;

/// <summary>
/// The elmish-style update: (state, action, what is on screen) → (new state, effects). Pure; the loop performs the
/// effects and feeds their outcome back as actions (<see cref="UiAction.ControlSent"/>, <see cref="UiAction.ControlFailed"/>).
/// </summary>
internal static class UiUpdate
{
    // Tab and ← → cycle the views; the forms (order ticket, rebalance) are opened by their keys.
    private static readonly int ScreenCount = (int)Screen.Stats + 1;

    public static (UiState State, IReadOnlyList<UiEffect> Effects) Update(UiState s, UiAction action, MonitorViewModel? view)
    {
        var none = Array.Empty<UiEffect>();
        switch (action)
        {
            case UiAction.Quit:
                return (s, [new UiEffect.Quit()]);
            case UiAction.Confirm when s.Confirm is { } kind && view?.Controls.Pending is { Fits: false } cut && cut.Kind == kind:
                return (s with { Message = $"{kind} NOT sent: the confirmation does not fit this terminal; enlarge it and read it all, or n" }, none);
            case UiAction.Confirm when s.Confirm is { } kind:
                var text = view?.Controls.Pending is { } p && p.Kind == kind ? p.Text : ControlTexts.Title(kind);
                return (s with { Confirm = null }, [new UiEffect.EnqueueControl(kind, text)]);
            case UiAction.Cancel:
                return (s with { Confirm = null, Message = s.Confirm is { } k ? $"{k} cancelled, nothing sent" : s.Message }, none);
            case UiAction.ControlSent sent:
                return (s with { TrackedCommand = sent.Id, Message = null }, none);
            case UiAction.ControlFailed failed:
                return (s with { Message = $"{failed.Kind} NOT sent: {failed.Reason}" }, none);
            case UiAction.RequestSent sent when sent.Form == Screen.Ticket:
                return (s with { Ticket = s.Ticket with { ControlId = sent.Id, Sent = sent.Text, Error = null } }, none);
            case UiAction.RequestSent sent when sent.Form == Screen.Rebalance:
                return (s with { Rebalance = s.Rebalance with { ControlId = sent.Id, Sent = sent.Text, Error = null } }, none);
            case UiAction.RequestSent sent when sent.Form == Screen.Book:
                return (s with { Book = s.Book with { ControlId = sent.Id, Sent = sent.Text, Error = null } }, none);
            case UiAction.RequestFailed failed when failed.Form == Screen.Book:
                return (s with { Book = s.Book with { Error = $"NOT sent: {failed.Reason}" } }, none);
            case UiAction.RequestFailed failed when failed.Form == Screen.Ticket:
                return (s with { Ticket = s.Ticket with { Error = $"NOT sent: {failed.Reason}" } }, none);
            case UiAction.RequestFailed failed:
                return (s with { Rebalance = s.Rebalance with { Error = $"NOT sent: {failed.Reason}" } }, none);
            case UiAction.FormKey form:
                var (next, effects) = Form(s, form.Key, view?.Form ?? FormContext.None);
                // A review the terminal shows cut (its orders, its y line below the edge) is not what the operator read.
                return effects.Any(e => e is UiEffect.SendRequest) && view?.Text is { Cut: true }
                    ? (s with { Message = "NOT sent: the review does not fit this terminal; enlarge it and read it all, or n / Esc" }, none)
                    : (effects.Any(e => e is UiEffect.SendRequest) ? next with { Message = null } : next, effects);
        }
        if (s.Confirm is not null) return (s, none);

        return action switch
        {
            UiAction.ToggleHelp => (s with { Help = !s.Help }, none),
            UiAction.Show show => (s with { Screen = show.Screen, Help = false }, none),
            UiAction.NextScreen => (s with { Screen = (Screen)(((int)s.Screen + 1) % ScreenCount) }, none),
            UiAction.PreviousScreen => (s with { Screen = (Screen)(((int)s.Screen + ScreenCount - 1) % ScreenCount) }, none),
            UiAction.Acknowledge when s.Screen == Screen.Alerts && view?.Text?.AckTarget is { } alertId => (s, [new UiEffect.AcknowledgeAlert(alertId)]),
            UiAction.Acknowledge => (s with { Message = "no unacknowledged alert on this screen" }, none),
            UiAction.AlertAcknowledged ack => (s with { Message = ack.Text }, none),
            UiAction.RequestControl request => (s with { Confirm = request.Kind, Help = false, Message = null }, none),
            UiAction.Back when s.Help => (s with { Help = false }, none),
            UiAction.Back when s.Screen == Screen.Operations && s.DetailOpen => (s with { DetailOpen = false }, none),
            UiAction.Back => (s with { Message = null }, none),
            _ when s.Screen == Screen.Operations => (Operations(s, action, view?.Operations), none),
            _ when s.Screen == Screen.History => (History(s, action, view?.History), none),
            _ => (s, none),
        };
    }

    private static (UiState, IReadOnlyList<UiEffect>) Form(UiState s, ConsoleKeyInfo key, FormContext ctx)
    {
        FormOutcome outcome;
        if (s.Screen == Screen.Ticket)
        {
            (var ticket, outcome) = OrderTicket.Update(s.Ticket, key, ctx);
            s = s with { Ticket = ticket };
        }
        else if (s.Screen == Screen.Rebalance)
        {
            (var rebalance, outcome) = RebalanceForm.Update(s.Rebalance, key, ctx);
            s = s with { Rebalance = rebalance };
        }
        else if (s.Screen == Screen.Book)
        {
            (var book, outcome) = RebalanceForm.Update(s.Book, key, ctx);
            s = s with { Book = book };
        }
        else
        {
            return (s, []);
        }
        return outcome switch
        {
            FormOutcome.Leave => (s with { Screen = Screen.Dashboard }, []),
            FormOutcome.Send send => (s, [new UiEffect.SendRequest(send.Request, s.Screen)]),
            _ => (s, []),
        };
    }

    private static UiState Operations(UiState s, UiAction action, OperationsVm? ops)
    {
        var rows = ops?.Rows ?? [];
        var selected = Math.Clamp(s.Selected, 0, Math.Max(0, rows.Count - 1));
        switch (action)
        {
            case UiAction.NextKindFilter:
                return Reset(s) with { KindFilter = (s.KindFilter + 1) % OperationFilters.Kinds.Count };
            case UiAction.NextTimeRange:
                return Reset(s) with { TimeRange = (s.TimeRange + 1) % OperationFilters.TimeRanges.Count };
            case UiAction.Newest:
                return Reset(s);
            case UiAction.Open when rows.Count > 0:
                return Pin(s, rows) with { DetailOpen = true, Selected = selected };
            case UiAction.Down when selected < rows.Count - 1:
                return Pin(s, rows) with { Selected = selected + 1 };
            case UiAction.Down when ops is { HasOlder: true } && rows.Count > 1:
                // Scroll one row: the page now starts at the second row (inclusive cursor = (time, id + 1)).
                return s with { Back = s.Back.Push(Pin(s, rows).Top), Top = From(rows[1]), Selected = selected };
            case UiAction.Up when selected > 0:
                return s with { Selected = selected - 1 };
            case UiAction.Up when !s.Back.IsEmpty:
                return s with { Top = s.Back.Peek(), Back = s.Back.Pop(), Selected = 0 };
            case UiAction.PageDown when ops is { HasOlder: true } && rows.Count > 0:
            {
                // One Back entry per row scrolled, so Up undoes one row and PageUp one page.
                var back = s.Back.Push(Pin(s, rows).Top);
                for (var i = 1; i < rows.Count; i++) back = back.Push(From(rows[i]));
                return s with { Back = back, Top = new OperationCursor(rows[^1].TimeNanos, rows[^1].Id), Selected = 0 };
            }
            case UiAction.PageDown:
                return s with { Selected = Math.Max(0, rows.Count - 1) };
            case UiAction.PageUp when !s.Back.IsEmpty:
            {
                var back = s.Back;
                var top = s.Top;
                for (var i = 0; i < Math.Max(1, ops?.PageSize ?? rows.Count) && !back.IsEmpty; i++)
                {
                    top = back.Peek();
                    back = back.Pop();
                }
                return s with { Top = top, Back = back, Selected = 0 };
            }
            case UiAction.PageUp:
                return s with { Selected = 0 };
            default:
                return s;
        }
    }

    /// <summary>Page starting at (and including) <paramref name="row"/>.</summary>
    private static OperationCursor From(OperationRow row) => new(row.TimeNanos, row.Id + 1);

    // Once the operator moves in the list it stops following new rows, so the selection stays on the same operation.
    private static UiState Pin(UiState s, IReadOnlyList<OperationRow> rows) =>
        s.Top is null && rows.Count > 0 ? s with { Top = From(rows[0]) } : s;

    private static UiState Reset(UiState s) =>
        s with { Top = null, Back = s.Back.Clear(), Selected = 0, DetailOpen = false };

    private static UiState History(UiState s, UiAction action, HistoryVm? history) => action switch
    {
        UiAction.Down when history is not null && s.HistoryOffset < history.Runs.Count + history.Offset - 1 => s with { HistoryOffset = s.HistoryOffset + 1 },
        UiAction.Up when s.HistoryOffset > 0 => s with { HistoryOffset = s.HistoryOffset - 1 },
        UiAction.PageDown when history is not null => s with { HistoryOffset = Math.Min(s.HistoryOffset + 10, Math.Max(0, history.Offset + history.Runs.Count - 1)) },
        UiAction.PageUp => s with { HistoryOffset = Math.Max(0, s.HistoryOffset - 10) },
        UiAction.Newest => s with { HistoryOffset = 0 },
        _ => s,
    };
}
