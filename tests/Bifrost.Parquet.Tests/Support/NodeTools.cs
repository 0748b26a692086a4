using System.Diagnostics;
using System.Text.Json;

namespace Bifrost.Parquet.Tests.Support;

/// <summary>Runs the DuckDB scripts in tests/node. A missing install fails loudly: the cross-checks are the point.</summary>
internal static class NodeTools
{
    public static string Directory { get; } = Locate();

    public static JsonDocument RunJson(string script, params string[] arguments) => JsonDocument.Parse(Run(script, arguments));

    public static string Run(string script, params string[] arguments)
    {
        if (!System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", "@duckdb", "node-api")))
        {
            Assert.Fail($"The DuckDB cross-check tools are not installed: run `npm install` in {Directory} (tests/node).");
        }
        var start = new ProcessStartInfo("node") { WorkingDirectory = Directory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start node");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // Generous: DuckDB writes 12 files (BROTLI is slow to compress) and the test machine is shared and loaded.
        if (!process.WaitForExit(TimeSpan.FromSeconds(240)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"node {script} did not finish within 240 s");
        }
        if (process.ExitCode != 0) Assert.Fail($"node {script} {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{stderr.Result}");
        return stdout.Result;
    }

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "node");
            if (File.Exists(Path.Combine(candidate, "package.json"))) return candidate;
        }
        throw new InvalidOperationException($"tests/node not found above {AppContext.BaseDirectory}");
    }
}
