using Bifrost.Tui.App;
using Bifrost.Tui.Input;
using Bifrost.Tui.Model;

namespace Bifrost.Tui.Tests.Support;

/// <summary>
/// The console without a terminal: keys go through the real KeyMap and UiUpdate against view models built from a real
/// store, and the effects that write control rows are performed by the real ControlSender (as MonitorApp does).
/// </summary>
internal sealed class ConsoleDriver(string storePath) : IDisposable
{
    private readonly ControlSender _sender = new(storePath, "tester@desk/tui");

    public UiState State { get; private set; } = new();

    public List<ControlRequest> Sent { get; } = [];

    /// <summary>The terminal's size the frames are built and drawn at (80×24 unless a test resizes it).</summary>
    public Viewport Viewport { get; set; } = Viewport.Standard;

    public MonitorViewModel View => Frames.Build(storePath, State, viewport: Viewport);

    /// <summary>The current form's (or text screen's) lines, unwrapped.</summary>
    public string Screen => string.Join("\n", View.Text?.Lines.Select(l => l.Text) ?? []);

    /// <summary>The frame as drawn at <see cref="Viewport"/>.</summary>
    public string Rendered => Frames.Text(Frames.Render(storePath, State, viewport: Viewport));

    /// <summary>Strings are typed a character at a time; ConsoleKeys are pressed.</summary>
    public ConsoleDriver Press(params object[] keys)
    {
        foreach (var k in keys)
            foreach (var info in k is string text ? text.Select(Char) : [Key((ConsoleKey)k)])
            {
                var vm = View;
                if (KeyMap.Map(info, State) is not { } action) continue;
                (State, var effects) = UiUpdate.Update(State, action, vm);
                foreach (var effect in effects.OfType<UiEffect.SendRequest>())
                {
                    Sent.Add(effect.Request);
                    (State, _) = UiUpdate.Update(State, _sender.Send(effect.Request, effect.Form), vm);
                }
            }
        return this;
    }

    private static ConsoleKeyInfo Char(char c) => new(c,
        char.IsAsciiLetter(c) ? (ConsoleKey)char.ToUpperInvariant(c) : char.IsAsciiDigit(c) ? (ConsoleKey)c : c == ' ' ? ConsoleKey.Spacebar : ConsoleKey.NoName,
        false, false, false);

    private static ConsoleKeyInfo Key(ConsoleKey k) => new(k switch
    {
        ConsoleKey.Enter => '\r',
        ConsoleKey.Escape => '\u001b',
        ConsoleKey.Tab => '\t',
        ConsoleKey.Backspace => '\b',
        _ => '\0',
    }, k, false, false, false);

    public void Dispose() => _sender.Dispose();
}
