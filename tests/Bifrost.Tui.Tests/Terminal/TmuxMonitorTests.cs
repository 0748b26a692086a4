using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;

namespace Bifrost.Tui.Tests.Terminal;

/// <summary>
/// bifrost-tui in a real terminal (tmux, 80×24): the light, a position and an operation appear; s + y queues a stop,
/// the daemon's outcome is shown, its silence then turns the light red; q quits. The screens are kept as a text capture
/// (artifacts/monitor.txt next to the test assembly; docs/monitor.txt when BIFROST_UPDATE_DOCS=1 or when missing).
/// </summary>
[Collection(RealDaemonCollection.Name)]
public sealed class TmuxMonitorTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public void Monitor_InTmux_ShowsLightPositionsOperations_AndStopReachesTheDaemon()
    {
        using var daemon = new FakeDaemon();
        Scenario(daemon, new ScreenExpectations("GREEN · OK", "XYZ 20260320 100 C", "exec 0001.02 hedge 2"));
    }

    /// <summary>The same scenario against the real daemon trading the replay gateway: the stop key reaches it, it exits
    /// 0, and the gateway's ledger shows no order it did not record.</summary>
    [Fact]
    public void Monitor_InTmux_AgainstTheDaemonAndReplayGateway_StopsTheDaemon()
    {
        using var daemon = new RealDaemon();
        Scenario(daemon, new ScreenExpectations("GREEN · OK", "XYZ 20260320 C 100", "hedge MKT ib_id=1"), saveCapture: true);
    }

    /// <summary>The scenario, for any daemon and monitor process (the store path comes from the daemon).</summary>
    internal static void Scenario(IDaemonUnderTest daemon, ScreenExpectations expect, bool saveCapture = false, Func<string, MonitorUnderTest>? monitor = null)
    {
        daemon.Start();
        var tui = (monitor ?? (path => MonitorUnderTest.Built(path, "--utc", "--silent-after", "3")))(daemon.StorePath);
        using var tmux = Tmux.Start(tui.Command, 80, 24);

        // Every text the frame must show is waited for together: a capture can catch a frame half drawn.
        var dashboard = tmux.WaitFor(s => s.Contains(expect.LightCaption) && s.Contains(expect.Position) && s.Contains("STRATEGY-OWNED") && s.Contains("EXTERNAL / MANUAL"),
            Wait, $"'{expect.LightCaption}', '{expect.Position}' and both position tables");
        Assert.All(dashboard.Split('\n'), l => Assert.True(l.Length <= 80));

        // Resize: the monitor follows the terminal, larger and back.
        tmux.Resize(110, 32);
        var large = tmux.WaitFor(s => s.Split('\n').Any(l => l.TrimEnd().Length > 80), Wait, "a frame wider than 80 after resize");
        Assert.Contains(expect.LightCaption, large);
        tmux.Resize(80, 24);
        tmux.WaitFor(s => s.Split('\n').All(l => l.TrimEnd().Length <= 80) && s.Contains(expect.Position), Wait, "the 80×24 frame again");

        tmux.Type("2");
        var operations = tmux.WaitFor(s => s.Contains("[2 Operations]") && s.Contains(expect.OperationsScreenText), Wait, $"operation '{expect.OperationsScreenText}'");

        tmux.Type("s");
        // Title and body together (CI caught the title drawn before the body once).
        var confirm = tmux.WaitFor(s => s.Contains("CONFIRM: Stop the daemon") && s.Contains("Stop: the daemon places no new orders from now"),
            Wait, "the whole stop confirmation");
        tmux.Type("y");

        var queued = WaitForStopInQueue(daemon.StorePath);
        Assert.Equal(ControlCommandKind.Stop, queued.Command);
        Assert.EndsWith("/tui", queued.RequestedBy);

        var outcome = tmux.WaitFor(s => s.Contains($"stop #{queued.Id}: done"), Wait, "the stop outcome");
        daemon.AssertStopped(Wait);
        var silent = tmux.WaitFor(s => s.Contains("RED · DAEMON SILENT"), Wait, "the silent-daemon light");

        if (saveCapture) SaveCapture(dashboard, operations, confirm, outcome, silent);
        // Esc never quits a trading console; q asks first.
        tmux.Key("Escape");
        Thread.Sleep(500);
        Assert.True(tmux.IsRunning, "Esc must not quit the console");
        tmux.Type("q");
        tmux.WaitFor(s => s.Contains("Quit the console? The daemon keeps running."), Wait, "the quit question");
        tmux.Type("y");
        tmux.WaitUntilExited(TimeSpan.FromSeconds(10));
    }

    private static ControlCommand WaitForStopInQueue(string storePath)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (DateTime.UtcNow < deadline)
        {
            using (var reader = StoreReader.Open(storePath))
                if (reader.ListControlCommands().FirstOrDefault(c => c.Command == ControlCommandKind.Stop) is { } stop)
                    return stop;
            Thread.Sleep(100);
        }
        throw new TimeoutException("no stop command reached the control queue");
    }

    private static void SaveCapture(string dashboard, string operations, string confirm, string outcome, string silent)
    {
        var text = string.Join("\n", new[]
        {
            ("Dashboard (80×24): bifrost-daemon trading the replay gateway (make run)", dashboard),
            ("Operations (key 2)", operations),
            ("Stop confirmation (key s)", confirm),
            ("After y: the daemon's outcome in the tab bar", outcome),
            ("The daemon stopped: heartbeat older than --silent-after 3", silent),
        }.Select(p => $"=== {p.Item1}\n{p.Item2.TrimEnd('\n')}\n"));
        var artifacts = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(artifacts);
        File.WriteAllText(Path.Combine(artifacts, "monitor.txt"), text);

        var root = RepositoryRoot();
        if (root is null) return;
        var docs = Path.Combine(root, "docs", "monitor.txt");
        if (Environment.GetEnvironmentVariable("BIFROST_UPDATE_DOCS") == "1" || !File.Exists(docs))
            File.WriteAllText(docs, text);
    }

    private static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Bifrost.sln"))) return dir.FullName;
        return null;
    }
}
