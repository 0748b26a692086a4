using System.Collections.Concurrent;
using System.Diagnostics;

namespace Bifrost.Tests.Shared;

/// <summary>
/// A process a test starts (a daemon, a gateway, a helper), with its output collected. It never outlives the test:
/// <see cref="Dispose"/> kills its whole process tree and reaps it; the ones still alive when the test host exits are
/// killed then (a failed assertion, a timed-out wait and a constructor that threw halfway all end in one of the two);
/// and when the test host itself is killed (a CI job timeout, <c>--blame-hang</c>), the kernel kills them
/// (PR_SET_PDEATHSIG through util-linux <c>setpriv</c>, which execs, so the pid is the program's own).
/// </summary>
public sealed class TestChild : IDisposable
{
    private static readonly ConcurrentDictionary<int, TestChild> Alive = new();
    private static readonly Spawner Spawn = new();
    private readonly List<string> _lines = [];

    static TestChild()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var child in Alive.Values) child.Kill();
        };
    }

    private int _disposed;

    private TestChild(Process process)
    {
        Process = process;
        Pid = process.Id;
    }

    public Process Process { get; }

    public int Pid { get; }

    /// <summary>stdout lines, and stderr lines prefixed "! ", in arrival order.</summary>
    public string Output
    {
        get
        {
            lock (_lines) return string.Join("\n", _lines);
        }
    }

    /// <summary>The pids currently alive that this test host started (tests of the cleanup read it).</summary>
    public static IReadOnlyCollection<int> AlivePids => Alive.Keys.ToList();

    /// <summary>Starts <paramref name="file"/> with <paramref name="args"/>; <paramref name="onLine"/> sees each stdout line.</summary>
    public static TestChild Start(string file, IEnumerable<string> args, IDictionary<string, string>? environment = null,
        Action<string>? onLine = null, string? workingDirectory = null) =>
        Start(file, args, environment, onLine, workingDirectory, deathSignal: "KILL", killAtExit: true);

    /// <summary>
    /// Runs <paramref name="shellCommand"/> when the test host dies (exits or is killed) unless disposed first: for what
    /// is not a child of ours and so cannot get a parent-death signal (a tmux server daemonizes). A shell waiting for
    /// SIGTERM as its parent-death signal; Dispose kills it with SIGKILL, so the command does not run then.
    /// </summary>
    public static TestChild OnHostDeath(string shellCommand) =>
        Start("sh", ["-c", $"trap '{shellCommand}; exit 0' TERM; while :; do sleep 1; done"], null, null, null, deathSignal: "TERM", killAtExit: false);

    private static TestChild Start(string file, IEnumerable<string> args, IDictionary<string, string>? environment,
        Action<string>? onLine, string? workingDirectory, string deathSignal, bool killAtExit)
    {
        var psi = new ProcessStartInfo(SetPriv ?? file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        if (SetPriv is not null)
        {
            foreach (var a in new[] { "--pdeathsig", deathSignal, "--", file }) psi.ArgumentList.Add(a);
        }
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;

        var process = Spawn.Start(psi);
        var child = new TestChild(process);
        if (killAtExit) Alive[process.Id] = child;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (child._lines) child._lines.Add(e.Data);
            onLine?.Invoke(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (child._lines) child._lines.Add("! " + e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits (bounded) for the exit and returns the code; the output is complete afterwards.</summary>
    public async Task<int> ExitAsync(int timeoutMs = 60_000)
    {
        await Process.WaitForExitAsync().WaitAsync(TimeSpan.FromMilliseconds(timeoutMs));
        Process.WaitForExit(); // drains the redirected output
        return Process.ExitCode;
    }

    /// <summary>SIGKILL to the whole tree, then reaped (bounded).</summary>
    public void Kill()
    {
        try
        {
            if (!Process.HasExited) Process.Kill(entireProcessTree: true);
            Process.WaitForExit(10_000);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // already gone
        }
    }

    /// <summary>Idempotent: a test's <c>using</c> and the harness that also owns the child may both dispose it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        Kill();
        Alive.TryRemove(new KeyValuePair<int, TestChild>(Pid, this));
        Process.Dispose();
    }

    /// <summary>Is a process with this pid alive (not a zombie)? Linux /proc.</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state is not ("Z" or "X");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>util-linux setpriv, when installed (Debian: always, util-linux is essential).</summary>
    private static readonly string? SetPriv = new[] { "/usr/bin/setpriv", "/bin/setpriv" }.FirstOrDefault(File.Exists);

    /// <summary>
    /// The parent-death signal fires when the <em>thread</em> that forked the child ends, not the process: children are
    /// forked from this one thread, which lives as long as the test host (a pool thread would retire and kill them).
    /// </summary>
    private sealed class Spawner
    {
        private readonly BlockingCollection<(ProcessStartInfo Info, TaskCompletionSource<Process> Done)> _requests = new();

        public Spawner()
        {
            var thread = new Thread(() =>
            {
                foreach (var (info, done) in _requests.GetConsumingEnumerable())
                {
                    try
                    {
                        done.SetResult(Process.Start(info) ?? throw new InvalidOperationException($"could not start {info.FileName}"));
                    }
                    catch (Exception e)
                    {
                        done.SetException(e);
                    }
                }
            }) { IsBackground = true, Name = "test child spawner" };
            thread.Start();
        }

        public Process Start(ProcessStartInfo info)
        {
            var done = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
            _requests.Add((info, done));
            return done.Task.GetAwaiter().GetResult();
        }
    }
}
