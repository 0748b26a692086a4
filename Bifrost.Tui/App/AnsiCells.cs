using System.Globalization;

namespace Bifrost.Tui.App;

/// <summary>The 16 terminal colours (the palette every terminal has; the light must read in it).</summary>
internal enum Color16 { Black, Red, Green, Yellow, Blue, Magenta, Cyan, Gray, DarkGray, BrightRed, BrightGreen, BrightYellow, BrightBlue, BrightMagenta, BrightCyan, White }

/// <summary>A run of text with one style: 16-colour foreground/background (null = the terminal's default) and emphasis.</summary>
internal readonly record struct Cell(string Text, Color16? Foreground, Color16? Background, bool Bold, bool Reverse);

/// <summary>
/// Splits a line rendered with ANSI SGR sequences (the screen layouts' output) into styled runs for Terminal.Gui to draw.
/// Only SGR is understood (the layouts emit nothing else); 256-colour and RGB codes are reduced to the 16 colours.
/// </summary>
internal static class AnsiCells
{
    public static List<Cell> Parse(string line)
    {
        var cells = new List<Cell>();
        Color16? fg = null, bg = null;
        bool bold = false, reverse = false;
        var text = new System.Text.StringBuilder();
        void Flush()
        {
            if (text.Length == 0) return;
            cells.Add(new Cell(text.ToString(), fg, bg, bold, reverse));
            text.Clear();
        }
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '\u001b' && i + 1 < line.Length && line[i + 1] == '[')
            {
                var end = i + 2;
                while (end < line.Length && (line[end] < '@' || line[end] > '~')) end++;
                if (end >= line.Length) break;
                if (line[end] == 'm')
                {
                    Flush();
                    var codes = line[(i + 2)..end].Split(';', StringSplitOptions.None)
                        .Select(c => int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0).ToArray();
                    if (codes.Length == 0) codes = [0];
                    for (var k = 0; k < codes.Length; k++)
                    {
                        var c = codes[k];
                        switch (c)
                        {
                            case 0: fg = bg = null; bold = reverse = false; break;
                            case 1: bold = true; break;
                            case 22: bold = false; break;
                            case 7: reverse = true; break;
                            case 27: reverse = false; break;
                            case >= 30 and <= 37: fg = (Color16)(c - 30); break;
                            case 39: fg = null; break;
                            case >= 40 and <= 47: bg = (Color16)(c - 40); break;
                            case 49: bg = null; break;
                            case >= 90 and <= 97: fg = (Color16)(c - 90 + 8); break;
                            case >= 100 and <= 107: bg = (Color16)(c - 100 + 8); break;
                            case 38 or 48 when k + 2 < codes.Length && codes[k + 1] == 5:
                                var x = Xterm256(codes[k + 2]);
                                if (c == 38) fg = x; else bg = x;
                                k += 2;
                                break;
                            case 38 or 48 when k + 4 < codes.Length && codes[k + 1] == 2:
                                var rgb = Nearest(codes[k + 2], codes[k + 3], codes[k + 4]);
                                if (c == 38) fg = rgb; else bg = rgb;
                                k += 4;
                                break;
                        }
                    }
                }
                i = end;
                continue;
            }
            text.Append(line[i]);
        }
        Flush();
        return cells;
    }

    private static Color16 Xterm256(int n)
    {
        if (n < 16) return n < 8 ? (Color16)n : (Color16)(n);
        if (n >= 232) return n < 244 ? Color16.DarkGray : Color16.Gray;
        n -= 16;
        return Nearest(n / 36 * 51, n / 6 % 6 * 51, n % 6 * 51);
    }

    // Hue by the dominant channels: good enough for the layouts' green / yellow / red / aqua / grey.
    private static Color16 Nearest(int r, int g, int b)
    {
        var hi = Math.Max(r, Math.Max(g, b));
        if (hi < 64) return Color16.Black;
        bool R = r > hi / 2, G = g > hi / 2, B = b > hi / 2;
        return (R, G, B) switch
        {
            (true, false, false) => Color16.Red,
            (false, true, false) => Color16.Green,
            (true, true, false) => Color16.Yellow,
            (false, false, true) => Color16.Blue,
            (true, false, true) => Color16.Magenta,
            (false, true, true) => Color16.Cyan,
            _ => hi > 200 ? Color16.White : Color16.Gray,
        };
    }
}
