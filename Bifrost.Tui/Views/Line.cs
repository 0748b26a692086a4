using Spectre.Console;
using Spectre.Console.Rendering;

namespace Bifrost.Tui.Views;

/// <summary>
/// One screen line of styled spans, cut to a width so it never wraps (a wrapped line would push the layout down).
/// Widths are counted in chars: the views use only single-cell characters.
/// </summary>
internal sealed class Line(int width)
{
    private readonly Paragraph _paragraph = new();
    private int _length;

    public int Width { get; } = width;

    public int Remaining => Math.Max(0, Width - _length);

    public Line Add(string text, Style? style = null)
    {
        if (text.Length == 0 || _length >= Width) return this;
        text = text.ReplaceLineEndings(" ");
        if (_length + text.Length > Width)
            text = Width - _length == 1 ? "…" : text[..(Width - _length - 1)] + "…";
        _paragraph.Append(text, style ?? Style.Plain);
        _length += text.Length;
        return this;
    }

    /// <summary>Adds <paramref name="text"/> left-aligned in a field of <paramref name="field"/> cells (cut or padded).</summary>
    public Line Cell(string text, int field, Style? style = null, bool right = false)
    {
        if (field <= 0) return this;
        var cut = text.Length > field ? (field == 1 ? "…" : text[..(field - 1)] + "…") : text;
        return Add(right ? cut.PadLeft(field) : cut.PadRight(field), style);
    }

    public Line Space(int n = 1) => Add(new string(' ', n));

    public IRenderable Build()
    {
        if (_length == 0) _paragraph.Append(" ");
        return _paragraph;
    }

    public static IRenderable Blank => new Text(" ");

    public static IRenderable Of(int width, string text, Style? style = null) => new Line(width).Add(text, style).Build();
}
