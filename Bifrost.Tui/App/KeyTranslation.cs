using System.Text;
using Terminal.Gui.Drivers;
using Terminal.Gui.Input;

namespace Bifrost.Tui.App;

/// <summary>Terminal.Gui's key → the ConsoleKeyInfo the (UI-independent, tested) key map reads.</summary>
internal static class KeyTranslation
{
    public static ConsoleKeyInfo? ToConsoleKey(Key key)
    {
        var shift = key.IsShift;
        var ctrl = key.IsCtrl;
        var alt = key.IsAlt;
        var code = key.KeyCode & ~(KeyCode.ShiftMask | KeyCode.CtrlMask | KeyCode.AltMask);
        (ConsoleKey Key, char Char)? special = code switch
        {
            KeyCode.Tab => (ConsoleKey.Tab, '\t'),
            KeyCode.Enter => (ConsoleKey.Enter, '\r'),
            KeyCode.Esc => (ConsoleKey.Escape, '\u001b'),
            KeyCode.Backspace => (ConsoleKey.Backspace, '\b'),
            KeyCode.CursorUp => (ConsoleKey.UpArrow, '\0'),
            KeyCode.CursorDown => (ConsoleKey.DownArrow, '\0'),
            KeyCode.CursorLeft => (ConsoleKey.LeftArrow, '\0'),
            KeyCode.CursorRight => (ConsoleKey.RightArrow, '\0'),
            KeyCode.PageUp => (ConsoleKey.PageUp, '\0'),
            KeyCode.PageDown => (ConsoleKey.PageDown, '\0'),
            KeyCode.Home => (ConsoleKey.Home, '\0'),
            KeyCode.End => (ConsoleKey.End, '\0'),
            _ => null,
        };
        if (special is { } s) return new ConsoleKeyInfo(s.Char, s.Key, shift, alt, ctrl);
        if (ctrl && code is >= KeyCode.A and <= KeyCode.Z)
            return new ConsoleKeyInfo((char)(code - KeyCode.A + 1), (ConsoleKey)('A' + (code - KeyCode.A)), shift, alt, ctrl);
        var rune = key.AsRune;
        if (rune == default || rune.Value > 0xFFFF || Rune.IsControl(rune)) return null;
        var ch = (char)rune.Value;
        var consoleKey = char.IsAsciiLetter(ch) ? (ConsoleKey)char.ToUpperInvariant(ch)
            : char.IsAsciiDigit(ch) ? (ConsoleKey)('0' + (ch - '0'))
            : ConsoleKey.NoName;
        return new ConsoleKeyInfo(ch, consoleKey, shift, alt, ctrl);
    }
}
