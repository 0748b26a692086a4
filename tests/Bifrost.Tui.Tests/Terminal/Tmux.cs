using System.Diagnostics;
using Bifrost.Tests.Shared;

namespace Bifrost.Tui.Tests.Terminal;

/// <summary>
/// A tmux server of our own (private socket, so an operator's sessions are never touched) running one command in an
/// 80×24 session; the pane is captured as text and keys are sent as a user would type them. Dispose kills that server;
/// so does a reaper if the test host dies first (the server daemonizes: it is no child of ours to take down with us).
/// </summary>
internal sealed class Tmux : IDisposable
{
    private readonly string _socket = $"bifrost-tui-test-{Environment.ProcessId}-{Guid.NewGuid():N}";
    private const string Session = "monitor";
    private TestChild? _reaper;

    private Tmux() { }

    /// <summary>
    /// tmux must be installed. Under CI (CI=true) as root it is installed with apt-get; anywhere else a missing tmux fails
    /// the test with the command to run, rather than installing software on a developer's machine.
    /// </summary>
    public static void Require()
    {
        if (Run("tmux", ["-V"], throwOnError: false).Code == 0) return;
        var ci = Environment.GetEnvironmentVariable("CI") == "true";
        var root = Environment.UserName == "root";
        if (!ci || !root)
            throw new InvalidOperationException("tmux is not installed; the terminal test needs it: sudo apt-get install -y tmux");
        Run("apt-get", ["update"], throwOnError: false, timeout: TimeSpan.FromMinutes(5));
        Run("apt-get", ["install", "-y", "tmux"], timeout: TimeSpan.FromMinutes(5));
    }

    public static Tmux Start(string command, int width = 80, int height = 24)
    {
        Require();
        var tmux = new Tmux();
        tmux._reaper = TestChild.OnHostDeath($"tmux -L {tmux._socket} kill-server");
        try
        {
            tmux.Ctl("-f", "/dev/null", "new-session", "-d", "-s", Session, "-x", width.ToString(), "-y", height.ToString(), command);
            tmux.Ctl("set-option", "-t", Session, "remain-on-exit", "off");
        }
        catch
        {
            tmux.Dispose();
            throw;
        }
        return tmux;
    }

    public string Capture() => Ctl("capture-pane", "-p", "-t", Session).Output;

    /// <summary>Types <paramref name="text"/> literally (each char one key press).</summary>
    public void Type(string text) => Ctl("send-keys", "-t", Session, "-l", "--", text); // -- : text may start with a minus

    /// <summary>A named key (tmux key name: Escape, Enter, Tab, Up…).</summary>
    public void Key(string name) => Ctl("send-keys", "-t", Session, name);

    public void Resize(int width, int height) =>
        Ctl("resize-window", "-t", Session, "-x", width.ToString(), "-y", height.ToString());

    /// <summary>The process running in the pane (the command was started with exec).</summary>
    public int PanePid => int.Parse(Ctl("list-panes", "-t", Session, "-F", "#{pane_pid}").Output.Trim());

    /// <summary>The terminal goes away as an SSH drop does: the server closes the pty and hangs up its processes.</summary>
    public void KillServer() => Run("tmux", ["-L", _socket, "kill-server"], throwOnError: false);

    public bool IsRunning => Run("tmux", ["-L", _socket, "has-session", "-t", Session], throwOnError: false).Code == 0;

    /// <summary>Polls the pane until <paramref name="accept"/> holds; fails with the last capture.</summary>
    public string WaitFor(Func<string, bool> accept, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            if (!IsRunning) throw new InvalidOperationException($"the monitor exited while waiting for {what}; last screen:\n{last}");
            last = Capture();
            if (accept(last)) return last;
            Thread.Sleep(100);
        }
        throw new TimeoutException($"no {what} on screen within {timeout.TotalSeconds}s; last screen:\n{last}");
    }

    public void WaitUntilExited(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (IsRunning && DateTime.UtcNow < deadline) Thread.Sleep(100);
        if (IsRunning) throw new TimeoutException("the monitor did not exit");
    }

    private (int Code, string Output) Ctl(params string[] args) => Run("tmux", ["-L", _socket, .. args]);

    private static (int Code, string Output) Run(string file, string[] args, bool throwOnError = true, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception) when (!throwOnError)
        {
            return (-1, "");
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(10)))
            {
                process.Kill();
                throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish");
            }
            if (throwOnError && process.ExitCode != 0)
                throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {error.Result}");
            return (process.ExitCode, output.Result);
        }
    }

    public void Dispose()
    {
        _reaper?.Dispose();
        try
        {
            Run("tmux", ["-L", _socket, "kill-server"], throwOnError: false);
        }
        catch (TimeoutException)
        {
        }
    }
}
