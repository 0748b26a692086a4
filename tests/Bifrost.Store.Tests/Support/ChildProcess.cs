using System.Diagnostics;

namespace Bifrost.Store.Tests.Support;

/// <summary>This test assembly run as a separate process in one of the <see cref="ChildModes"/>.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;

    private ChildProcess(Process process) => _process = process;

    public int Pid => _process.Id;

    public static ChildProcess Start(params string[] args)
    {
        var info = new ProcessStartInfo(DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        foreach (var a in args) info.ArgumentList.Add(a);
        return new ChildProcess(Process.Start(info) ?? throw new InvalidOperationException("could not start child"));
    }

    /// <summary>Reads stdout lines until one satisfies <paramref name="accept"/>; fails the test on timeout or exit.</summary>
    public string WaitForLine(Func<string, bool> accept, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var read = _process.StandardOutput.ReadLineAsync();
            if (!read.Wait(deadline - DateTime.UtcNow)) break;
            var line = read.Result ?? throw new InvalidOperationException($"child exited: {_process.StandardError.ReadToEnd()}");
            if (accept(line)) return line;
        }
        throw new TimeoutException("child did not report in time");
    }

    /// <summary>SIGKILL (Process.Kill on Unix), then wait until the kernel has reaped it.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited) KillHard();
        _process.Dispose();
    }

    // The SDK sets DOTNET_HOST_PATH for test runs; otherwise the current host if it is dotnet, else PATH.
    private static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host)) return host;
        var current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }
}
