using System.Diagnostics;
using System.Text.Json;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;

namespace Bifrost.Tui.Tests.Terminal;

/// <summary>
/// The real thing, as processes: the replay gateway (`bifrost-sim gateway`, loopback, ephemeral port, ledger) and the
/// paper daemon (`bifrost-daemon run`) against it, both from the build next to this repository's sources. Start returns
/// once the daemon is running and has hedged; AssertStopped checks it exited 0, recorded no order after the stop, and
/// that every order the gateway's ledger saw from it is in the store.
/// </summary>
internal sealed class RealDaemon : IDaemonUnderTest
{
    private const int ClientId = 17;
    private readonly string _dir = Directory.CreateTempSubdirectory("bifrost-tui-e2e").FullName;
    private readonly string _root = RepositoryRoot();
    private readonly string _config = BuildConfiguration();
    private Process? _gateway;
    private Process? _daemon;

    public string StorePath => Path.Combine(_dir, "bifrost.db");
    private string LedgerPath => Path.Combine(_dir, "ledger.jsonl");
    public string FirstOrderRef => "oi_replay1_1";

    public void Start()
    {
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _gateway = Launch("Bifrost.Sim", "bifrost-sim.dll",
            ["gateway", "--data", Path.Combine(_root, "data", "sample", "xyz-2026-03-02.parquet"), "--port", "0", "--speed", "30",
             "--ledger", LedgerPath, "--seed-position", "XYZ 20260320 C 100:10", "--seed-position", "XYZ 20260320 P 100:10"],
            line =>
            {
                const string marker = "listening on 127.0.0.1:";
                var i = line.IndexOf(marker, StringComparison.Ordinal);
                if (i >= 0) listening.TrySetResult(int.Parse(line[(i + marker.Length)..].Trim()));
            });
        if (!listening.Task.Wait(TimeSpan.FromSeconds(60))) throw new TimeoutException("the replay gateway did not start listening");
        var env = new Dictionary<string, string>
        {
            ["BIFROST__CONNECTION__PORT"] = listening.Task.Result.ToString(),
            ["BIFROST__CONNECTION__CLIENT_ID"] = ClientId.ToString(),
            ["BIFROST__STORE__PATH"] = StorePath,
        };
        _daemon = Launch("Bifrost.Daemon", "bifrost-daemon.dll", ["run", "--config", Path.Combine(_root, "config", "paper-replay.json")], _ => { }, env);
        WaitFor(() =>
        {
            if (!File.Exists(StorePath)) return false;
            using var reader = StoreReader.Open(StorePath);
            return reader.GetStatus()?.FsmState.StartsWith("Running", StringComparison.Ordinal) == true && reader.GetOrder(FirstOrderRef) is not null;
        }, TimeSpan.FromSeconds(90), "the daemon running with its first hedge recorded");
    }

    public void AssertStopped(TimeSpan timeout)
    {
        Assert.NotNull(_daemon);
        Assert.True(_daemon!.WaitForExit(timeout), "the daemon did not exit after the stop");
        Assert.Equal(0, _daemon.ExitCode);

        using var reader = StoreReader.Open(StorePath);
        var operations = reader.QueryOperations(new OperationQuery { Limit = 100_000 });
        var stop = operations.Where(o => o.Kind == OperationKind.Control && o.Detail?.StartsWith("stop by", StringComparison.Ordinal) == true)
            .OrderBy(o => o.Id).First();
        Assert.DoesNotContain(operations, o => o.Kind == OperationKind.Order && o.Id > stop.Id);

        // The gateway's ledger is the broker's truth: every order this client sent is one the daemon recorded.
        var ledgerRefs = File.ReadAllLines(LedgerPath)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("type").GetString() == "order" && e.GetProperty("clientId").GetInt32() == ClientId)
            .Select(e => e.GetProperty("orderRef").GetString()!)
            .ToList();
        Assert.NotEmpty(ledgerRefs);
        Assert.All(ledgerRefs, r => Assert.NotNull(reader.GetOrder(r)));
    }

    private Process Launch(string project, string dll, string[] args, Action<string> onLine, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(_root, project, "bin", _config, "net10.0", dll));
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        var log = new StreamWriter(Path.Combine(_dir, Path.GetFileNameWithoutExtension(dll) + ".log")) { AutoFlush = true };
        var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { if (e.Data is null) return; lock (log) log.WriteLine(e.Data); onLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static void WaitFor(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (condition()) return;
            }
            catch (Bifrost.Store.StoreUnavailableException)
            {
                // The daemon has not created or initialised the store yet.
            }
            Thread.Sleep(200);
        }
        throw new TimeoutException($"timed out waiting for {what}");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Bifrost.sln"))) return dir.FullName;
        throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }

    // tests/Bifrost.Tui.Tests/bin/<Configuration>/net10.0/: the shells under test come from the same configuration.
    private static string BuildConfiguration() => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    public void Dispose()
    {
        foreach (var p in new[] { _daemon, _gateway })
        {
            if (p is null) continue;
            try
            {
                if (!p.HasExited) p.Kill(entireProcessTree: true);
                p.WaitForExit(5_000);
            }
            catch (InvalidOperationException)
            {
            }
            p.Dispose();
        }
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
