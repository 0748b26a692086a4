using System.Text;
using Bifrost.Tui.Input;
using Bifrost.Tui.Model;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Bifrost.Tui.Views;

/// <summary>
/// Renders a frame into lines of text (ANSI-styled, or plain without colour) through an off-screen Spectre console of
/// the terminal's size. The terminal writer and the tests use the same lines. One instance per thread.
/// </summary>
internal sealed class FrameRenderer
{
    private readonly StringWriter _writer = new(new StringBuilder(16 * 1024));
    private readonly IAnsiConsole _console;

    public FrameRenderer(bool color)
    {
        Color = color;
        _console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = color ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = color ? ColorSystemSupport.Standard : ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(_writer),
            Interactive = InteractionSupport.No,
            Enrichment = new ProfileEnrichment { UseDefaultEnrichers = false },
            EnvironmentVariables = new Dictionary<string, string>(),
        });
        _console.Profile.Capabilities.Unicode = true;
        _console.Profile.Capabilities.Links = false;
        _console.Profile.Encoding = Encoding.UTF8;
    }

    public bool Color { get; }

    public string[] Render(IRenderable renderable, Viewport vp)
    {
        _writer.GetStringBuilder().Clear();
        _console.Profile.Width = vp.Width;
        _console.Profile.Height = vp.Height;
        _console.Write(renderable);
        var text = _writer.ToString();
        var lines = text.Split('\n');
        var frame = new string[vp.Height];
        for (var i = 0; i < frame.Length; i++)
            frame[i] = i < lines.Length ? lines[i].TrimEnd('\r') : "";
        return frame;
    }

    public string[] Render(MonitorViewModel vm, UiState state, Viewport vp) => Render(ScreenView.Render(vm, state, vp), vp);
}
