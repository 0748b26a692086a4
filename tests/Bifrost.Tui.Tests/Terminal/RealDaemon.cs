using System.Text.Json;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Tests.Shared;

namespace Bifrost.Tui.Tests.Terminal;

/// <summary>Tests that start a daemon and a gateway run one after another: two of each at once on a shared 2-core
/// machine starve each other past any sane wait.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealDaemonCollection
{
    public const string Name = "real daemon and replay gateway";
}

/// <summary>
/// The real thing, as processes: the replay gateway (`bifrost-sim gateway`, loopback, ephemeral port, ledger) and the
/// paper daemon (`bifrost-daemon run`) against it, both from the build next to this repository's sources. Start returns
/// once the daemon is running and has hedged; AssertStopped checks it exited 0, recorded no order after the stop, and
/// that every order the gateway's ledger saw from it is in the store. Both are <see cref="TestChild"/>ren: killed with
/// their process trees on Dispose, at test-host exit, and by the kernel if the test host is killed.
/// </summary>
internal sealed class RealDaemon : IDaemonUnderTest
{
    private const int ClientId = 17;
    private readonly string _dir = Directory.CreateTempSubdirectory("bifrost-tui-e2e").FullName;
    private readonly string _root = RepositoryRoot();
    private readonly string _config = BuildConfiguration();
    private TestChild? _gateway;
    private TestChild? _daemon;

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
        Assert.True(_daemon!.Process.WaitForExit(timeout), "the daemon did not exit after the stop");
        Assert.Equal(0, _daemon.Process.ExitCode);

        using var reader = StoreReader.Open(StorePath);
        var operations = reader.QueryOperations(new OperationQuery { Limit = 100_000 });
        var stop = operations.Where(o => o.Kind == OperationKind.Control && o.Detail?.StartsWith("stop by", StringComparison.Ordinal) == true)
            .OrderBy(o => o.Id).First();
        Assert.DoesNotContain(operations, o => o.Kind == OperationKind.Order && o.Id > stop.Id);

        // The gateway's ledger is the broker's truth: every order this client sent is one the daemon recorded.
        var ledgerRefs = LedgerOrderRefs();
        Assert.NotEmpty(ledgerRefs);
        Assert.All(ledgerRefs, r => Assert.NotNull(reader.GetOrder(r)));
    }

    /// <summary>The order refs of every order this daemon's client sent, as the gateway's ledger recorded them.</summary>
    public IReadOnlyList<string> LedgerOrderRefs()
    {
        // The gateway may be writing its last line: read what is complete.
        using var stream = new FileStream(LedgerPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var text = new StreamReader(stream);
        var refs = new List<string>();
        while (text.ReadLine() is { } line)
        {
            if (!line.EndsWith('}')) continue;
            var e = JsonDocument.Parse(line).RootElement;
            if (e.GetProperty("type").GetString() == "order" && e.GetProperty("clientId").GetInt32() == ClientId)
                refs.Add(e.GetProperty("orderRef").GetString()!);
        }
        return refs;
    }

    private TestChild Launch(string project, string dll, string[] args, Action<string> onLine, IDictionary<string, string>? env = null)
    {
        var log = new StreamWriter(Path.Combine(_dir, Path.GetFileNameWithoutExtension(dll) + ".log")) { AutoFlush = true };
        return TestChild.Start("dotnet", [Path.Combine(_root, project, "bin", _config, "net10.0", dll), .. args], env, line =>
        {
            lock (log) log.WriteLine(line);
            onLine(line);
        });
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
        _daemon?.Dispose();
        _gateway?.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
