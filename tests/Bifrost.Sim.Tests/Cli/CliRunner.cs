using System.Diagnostics;

namespace Bifrost.Sim.Tests.Cli;

/// <summary>Tests that swap Console.Out/Error run one at a time: a parallel swap would steal another test's output.</summary>
[CollectionDefinition(Name)]
public sealed class CliConsole
{
    public const string Name = "bifrost-sim console";
}

/// <summary>Runs bifrost-sim's Main in-process (an exception escaping it fails the test) or as a child process (for
/// what only shows when the process exits, e.g. a ProcessExit handler throwing: exit 134).</summary>
internal static class CliRunner
{
    public static (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        var err = new StringWriter();
        var out_ = new StringWriter();
        var oldErr = Console.Error;
        var oldOut = Console.Out;
        Console.SetError(err);
        Console.SetOut(out_);
        try
        {
            return (Program.Main(args), out_.ToString(), err.ToString());
        }
        finally
        {
            Console.SetError(oldErr);
            Console.SetOut(oldOut);
        }
    }

    public static (int Code, string Stderr) RunProcess(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"bifrost-sim {string.Join(' ', args)} did not exit within 60 s");
        }
        _ = stdout.Result;
        return (p.ExitCode, stderr.Result);
    }
}
