using System.Text;
using Bifrost.Tui.Model;

namespace Bifrost.Tui.App;

/// <summary>
/// The real terminal: alternate screen buffer, hidden cursor, no autowrap. Each frame is drawn by moving the cursor
/// to each changed line and rewriting only that line, in one write — no clear per frame, so no flicker. A size change
/// clears once and redraws everything. <see cref="Dispose"/> restores the terminal.
/// </summary>
internal sealed class TerminalScreen : IDisposable
{
    private const string Esc = "\u001b[";
    private readonly Stream _out;
    private readonly StringBuilder _buffer = new(32 * 1024);
    private string[] _previous = [];
    private Viewport _size;
    private bool _disposed;

    private TerminalScreen(Stream output)
    {
        _out = output;
        Write($"{Esc}?1049h{Esc}?25l{Esc}?7l{Esc}2J{Esc}H");
    }

    public static TerminalScreen Enter() => new(Console.OpenStandardOutput());

    /// <summary>The terminal's size now (re-read every frame, so resizes are picked up).</summary>
    public static Viewport CurrentSize()
    {
        try
        {
            return new Viewport(Math.Max(20, Console.WindowWidth), Math.Max(10, Console.WindowHeight));
        }
        catch (IOException)
        {
            return Viewport.Standard;
        }
    }

    public void Draw(string[] lines, Viewport size)
    {
        var full = size != _size || _previous.Length != lines.Length;
        _buffer.Clear();
        if (full) _buffer.Append(Esc).Append("0m").Append(Esc).Append("2J");
        for (var i = 0; i < lines.Length; i++)
        {
            if (!full && string.Equals(_previous[i], lines[i], StringComparison.Ordinal)) continue;
            _buffer.Append(Esc).Append(i + 1).Append(";1H").Append(lines[i]).Append(Esc).Append("0m");
            if (VisibleLength(lines[i]) < size.Width) _buffer.Append(Esc).Append('K');
        }
        _previous = lines;
        _size = size;
        if (_buffer.Length > 0) Write(_buffer.ToString());
    }

    /// <summary>Forget what is on screen (next <see cref="Draw"/> repaints everything).</summary>
    public void Invalidate() => _previous = [];

    // Characters outside ANSI escape sequences (the views use single-cell characters only).
    internal static int VisibleLength(string line)
    {
        var n = 0;
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '\u001b' && i + 1 < line.Length && line[i + 1] == '[')
            {
                i += 2;
                while (i < line.Length && (line[i] < '@' || line[i] > '~')) i++;
                continue;
            }
            n++;
        }
        return n;
    }

    private void Write(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        _out.Write(bytes);
        _out.Flush();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            Write($"{Esc}0m{Esc}?7h{Esc}?25h{Esc}?1049l");
        }
        catch (IOException)
        {
            // The terminal is gone (SSH dropped): nothing to restore.
        }
    }
}
