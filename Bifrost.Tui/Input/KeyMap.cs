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
        IReadOnlyList<(string, string)> screen = state.Screen switch
        {
            Screen.Operations when state.DetailOpen => [("Esc", "back"), ("↑↓", "prev/next")],
            Screen.Operations => [("↑↓", "move"), ("Enter", "detail"), ("f", "kind"), ("t", "time"), ("Home", "newest")],
            Screen.History => [("↑↓", "scroll runs")],
            _ => [("1-4", "screens")],
        };
        return state.Screen == Screen.Operations
            ? [.. screen, ("?", "help"), ("q", "quit"), ("s", "stop"), ("p", "pause"), ("r", "resume"), ("x", "flatten")]
            : [.. screen, ("s", "stop"), ("p", "pause"), ("r", "resume"), ("x", "flatten"), ("?", "help"), ("q", "quit")];
    }

    /// <summary>Every key, for the help screen.</summary>
    public static readonly IReadOnlyList<(string Key, string Text)> Help =
    [
        ("1 2 3 4", "Dashboard, Operations, History, Controls"),
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
        ("q  Ctrl+C", "quit the monitor (the daemon keeps running)"),
    ];
}
