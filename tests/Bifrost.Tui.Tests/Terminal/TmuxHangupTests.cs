using System.Diagnostics;

namespace Bifrost.Tui.Tests.Terminal;

/// <summary>
/// An operator's SSH session drops: the console must go with its terminal. With Terminal.Gui's stock input an orphaned
/// console kept spinning its main loop (15 % of a core each, found after a benchmark's tmux server was killed).
/// </summary>
[Collection(RealDaemonCollection.Name)]
public sealed class TmuxHangupTests
{
    [Theory]
    [InlineData("quiet")]
    [InlineData("stock")]
    public void Console_WhenItsTerminalGoesAway_Exits(string driver)
    {
        var dir = Directory.CreateTempSubdirectory("bifrost-tui-hangup-");
        try
        {
            var tui = MonitorUnderTest.Built(Path.Combine(dir.FullName, "none.db"), "--utc");
            using var tmux = Tmux.Start($"exec env BIFROST_TUI_DRIVER={driver} {tui.Command}", 80, 24);
            tmux.WaitFor(s => s.Contains("STORE UNAVAILABLE"), TimeSpan.FromSeconds(30), "the console's first frame");
            using var console = Process.GetProcessById(tmux.PanePid);
            tmux.KillServer();
            if (!console.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                console.Kill();
                Assert.Fail($"the console ({driver} input) outlived its terminal");
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
