using System.Collections;
using Bifrost.Daemon.Configuration;
using Bifrost.Daemon.Engine;
using Bifrost.Daemon.Tests.EndToEnd;
using Bifrost.Domain;
using Bifrost.Store.Records;
using Bifrost.Store.Writer;
using Microsoft.Data.Sqlite;

namespace Bifrost.Daemon.Tests.Engine;

/// <summary>A store serves one engine (run_id, account, mode): another one is refused before anything connects. Real
/// SQLite stores, written as the daemon writes its run row (the configuration summary each start records).</summary>
public sealed class StoreIdentityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bifrost-identity-").FullName;
    private string Store => Path.Combine(_dir, "bifrost.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static Config Cfg(string json) => ConfigLoader.Parse(json, new Hashtable()).Preview;

    private static string Json(string runId = "t1", string account = "DU1234567", string mode = "paper") =>
        TestConfig.Json(1, "x.db", conIds: true, mode: mode, account: account).Replace("\"run_id\": \"t1\"", $"\"run_id\": \"{runId}\"", StringComparison.Ordinal);

    /// <summary>The store as a daemon of this configuration leaves it: its run row, and a manual child run.</summary>
    private async Task Written(Config cfg)
    {
        await using var store = StoreWriter.Open(Store);
        store.StartRun(new RunRecord(cfg.RunId, RunKind.Live, 1, StatusMapper.ConfigSummary(cfg, "127.0.0.1", 7497, 17, "system")));
        store.StartRun(new RunRecord($"{cfg.RunId}-man7", RunKind.Manual, 2, "{}", cfg.RunId));
        await store.FlushAsync();
    }

    [Fact]
    public async Task TheSameRunAccountAndMode_Runs()
    {
        await Written(Cfg(Json()));
        Assert.Null(StoreIdentity.Problem(Store, Cfg(Json())));
    }

    [Fact]
    public void ANewStore_OrNone_Runs()
    {
        Assert.Null(StoreIdentity.Problem(Store, Cfg(Json())));
        File.WriteAllBytes(Store, []);
        Assert.Null(StoreIdentity.Problem(Store, Cfg(Json())));
    }

    [Theory]
    [InlineData("t2", "DU1234567", "paper", "run_id 't2'")] // a renamed run would take the old hedge for the operator's
    [InlineData("t1", "DU7654321", "paper", "account DU7654321")] // another paper account
    [InlineData("t1", "U7654321", "live", "account U7654321 (live)")] // paper to live with the same file
    public async Task AnotherRunAccountOrMode_IsRefused_NamingBoth(string runId, string account, string mode, string named)
    {
        await Written(Cfg(Json()));
        var problem = StoreIdentity.Problem(Store, Cfg(Json(runId, account, mode)));
        Assert.NotNull(problem);
        Assert.Contains("belongs to run_id 't1' on account DU1234567 (paper)", problem);
        Assert.Contains(named, problem);
        Assert.Contains("give this configuration its own store.path", problem);
    }
}
