using Bifrost.Store.Records;

namespace Bifrost.Tui.Input;

/// <summary>
/// Key → action, depending only on the key and the UI state (an open confirmation swallows every key but y/n/Esc, so a
/// stray key can never trigger anything). The footer and help texts are here too, next to what they describe.
/// </summary>
internal static class KeyMap
{
    public static UiAction? Map(ConsoleKeyInfo key, UiState state)
    {
        var ctrl = (key.Modifiers & ConsoleModifiers.Control) != 0;
        if (ctrl && key.Key == ConsoleKey.C) return new UiAction.Quit();

        if (state.Confirm is not null)
            return key.KeyChar switch
            {
                'y' or 'Y' => new UiAction.Confirm(),
                'n' or 'N' => new UiAction.Cancel(),
                _ => key.Key == ConsoleKey.Escape ? new UiAction.Cancel() : null,
            };

        if (state.Help) return key.KeyChar == 'q' ? new UiAction.Quit() : new UiAction.ToggleHelp();

        // A form takes every key (digits and letters are what the operator types into it); Esc leaves it.
        if (state.Screen is Screen.Ticket or Screen.Rebalance or Screen.Book) return new UiAction.FormKey(key);

        switch (key.Key)
        {
            case ConsoleKey.Tab: return (key.Modifiers & ConsoleModifiers.Shift) != 0 ? new UiAction.PreviousScreen() : new UiAction.NextScreen();
            case ConsoleKey.RightArrow: return new UiAction.NextScreen();
            case ConsoleKey.LeftArrow: return new UiAction.PreviousScreen();
            case ConsoleKey.UpArrow: return new UiAction.Up();
            case ConsoleKey.DownArrow: return new UiAction.Down();
            case ConsoleKey.PageUp: return new UiAction.PageUp();
            case ConsoleKey.PageDown: return new UiAction.PageDown();
            case ConsoleKey.Home: return new UiAction.Newest();
            case ConsoleKey.Enter: return new UiAction.Open();
            case ConsoleKey.Escape or ConsoleKey.Backspace: return new UiAction.Back();
        }

        return key.KeyChar switch
        {
            '1' => new UiAction.Show(Screen.Dashboard),
            '2' => new UiAction.Show(Screen.Operations),
            '3' => new UiAction.Show(Screen.History),
            '4' => new UiAction.Show(Screen.Controls),
            '5' => new UiAction.Show(Screen.Runs),
            '6' => new UiAction.Show(Screen.Alerts),
            '7' => new UiAction.Show(Screen.Stats),
            '8' or 'o' => new UiAction.Show(Screen.Ticket),
            '9' or 'b' => new UiAction.Show(Screen.Rebalance),
            'm' => new UiAction.Show(Screen.Book),
            'a' => new UiAction.Acknowledge(),
            'k' => new UiAction.Up(),
            'j' => new UiAction.Down(),
            'g' => new UiAction.Newest(),
            'f' => new UiAction.NextKindFilter(),
            't' => new UiAction.NextTimeRange(),
            's' => new UiAction.RequestControl(ControlCommandKind.Stop),
            'p' => new UiAction.RequestControl(ControlCommandKind.Pause),
            'r' => new UiAction.RequestControl(ControlCommandKind.Resume),
            'x' => new UiAction.RequestControl(ControlCommandKind.Flatten),
            'c' => new UiAction.RequestControl(ControlCommandKind.SelfCheck),
            '?' or 'h' => new UiAction.ToggleHelp(),
            'q' => new UiAction.Quit(),
            _ => null,
        };
    }

    /// <summary>The footer line: keys for the current screen first, then the controls.</summary>
    public static IReadOnlyList<(string Key, string Text)> Footer(UiState state)
    {
        if (state.Confirm is not null) return [("y", "confirm"), ("n/Esc", "cancel")];
        if (state.Help) return [("any key", "close help"), ("q", "quit")];
        if (state.Screen is Screen.Ticket && state.Ticket.Stage != Bifrost.Tui.Model.TicketStage.Editing)
            return state.Ticket.Stage == Bifrost.Tui.Model.TicketStage.TypingAccount ? [("Enter", "send if the account matches"), ("Esc", "nothing sent")] : [("y", "confirm"), ("n/Esc", "back")];
        if ((state.Screen is Screen.Rebalance && state.Rebalance.Confirming) || (state.Screen is Screen.Book && state.Book.Confirming))
            return [("y", "confirm"), ("n/Esc", "back")];
        if (state.Screen is Screen.Ticket or Screen.Rebalance or Screen.Book)
            return [("↑↓", "field"), ("←→", "choose"), ("Enter", "review"), ("Esc", "leave the form"), ("Ctrl+C", "quit")];
        IReadOnlyList<(string, string)> screen = state.Screen switch
        {
            Screen.Operations when state.DetailOpen => [("Esc", "back"), ("↑↓", "prev/next")],
            Screen.Operations => [("↑↓", "move"), ("Enter", "detail"), ("f", "kind"), ("t", "time"), ("Home", "newest")],
            Screen.History => [("↑↓", "scroll runs")],
            Screen.Alerts => [("a", "acknowledge newest"), ("1-9", "screens")],
            _ => [("1-9", "screens"), ("o", "order"), ("b", "rebalance")],
        };
        return state.Screen == Screen.Operations
            ? [.. screen, ("?", "help"), ("q", "quit"), ("s", "stop"), ("p", "pause"), ("r", "resume"), ("x", "flatten")]
            : [.. screen, ("s", "stop"), ("p", "pause"), ("r", "resume"), ("x", "flatten"), ("?", "help"), ("q", "quit")];
    }

    /// <summary>Every key, for the help screen.</summary>
    public static readonly IReadOnlyList<(string Key, string Text)> Help =
    [
        ("1 2 3 4", "Dashboard, Operations, History, Controls"),
        ("5 6 7", "Runs, Alerts, Statistics"),
        ("8 / o", "order ticket: contract, side, quantity, MKT/LMT, risk bypass; Enter reviews, y sends (live: type the account id)"),
        ("9 / b", "rebalance: target per contract, preview of the implied orders, y sends; progress and batch status follow"),
        ("m", "confirm book: after a BOOK_MISMATCH or reconciliation halt, state what the strategy owns per leg and of the underlying (nothing is traded)"),
        ("Esc", "leave the order ticket, rebalance or book form (they keep what you typed)"),
        ("a", "alerts: acknowledge the newest unacknowledged alert (recorded with you and the time)"),
        ("Tab ← →", "next / previous screen"),
        ("↑ ↓  j k", "move the selection (Operations), scroll runs (History)"),
        ("PgUp PgDn", "page through operations"),
        ("Home  g", "back to the newest operation (follow live)"),
        ("Enter / Esc", "open / close an operation's detail"),
        ("f", "operations: cycle the kind filter"),
        ("t", "operations: cycle the time range"),
        ("s", "stop the daemon (asks first)"),
        ("p / r", "pause / resume hedging (asks first)"),
        ("x", "flatten strategy exposure (asks first)"),
        ("c", "ask the daemon for a self-check (asks first)"),
        ("y / n", "confirm / cancel a control command"),
        ("?  h", "this help"),
        ("q", "quit the console (asks first; the daemon keeps running); Ctrl+C quits at once; Esc never quits"),
    ];
}
