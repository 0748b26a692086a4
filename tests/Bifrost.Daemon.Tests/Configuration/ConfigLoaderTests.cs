using System.Collections;
using Bifrost.Daemon.Configuration;
using Bifrost.Daemon.Tests.EndToEnd;

namespace Bifrost.Daemon.Tests.Configuration;

public class ConfigLoaderTests
{
    private static readonly string Sample = File.ReadAllText(Path.Combine(Repo.Root, "config", "paper-replay.json"));

    private static DaemonSettings Parse(string json, params (string Key, string Value)[] env) =>
        ConfigLoader.Parse(json, env.ToDictionary(e => e.Key, e => e.Value) as IDictionary ?? new Hashtable());

    [Fact]
    public void SampleConfigs_AreValid_AndNameWhatIsResolvedLater()
    {
        var s = Parse(Sample);
        Assert.Equal(("127.0.0.1", 7497, 17), (s.Connection.Host, s.Connection.Port, s.Connection.ClientId));
        Assert.Equal(ClockSource.Broker, s.Daemon.Clock);
        Assert.Equal(3, s.Unresolved.Count); // underlying + 2 legs without con_id
        Parse(File.ReadAllText(Path.Combine(Repo.Root, "config", "bifrost.sample.json")));
    }

    // A config giving every con_id (as the start-up refusals advise) ran on the preview, which lacked the client id: an
    // order of this run from another client (a copied config, a second engine) was listed and applied as ours.
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void EveryConIdGiven_TheEngineStillKnowsItsClientId_AndTellsAnotherClientsOrderOfThisRun(bool conIds)
    {
        var s = Parse(TestConfig.Json(port: 1, storePath: "x.db", conIds: conIds, clientId: 23));
        Assert.Equal(conIds ? 0 : 3, s.Unresolved.Count);
        Assert.Equal(23, s.Preview.Control.ClientId?.Value);
        Assert.True(Bifrost.Domain.Trading.Restart.isOtherClient(s.Preview, "oi_t1_5", 24), "our run's ref from client 24");
        Assert.False(Bifrost.Domain.Trading.Restart.isOtherClient(s.Preview, "oi_t1_5", 23), "ours");
    }

    [Fact]
    public void TwsRestartWindow_AlsoBlocksNewOrders_AsACalendarNoTradeWindow()
    {
        var s = Parse(Sample, ("BIFROST__DAEMON__TWS_RESTART_WINDOW", "[\"23:45\",\"00:15\"]"));
        Assert.Equal((23 * 60 + 45, 15), s.Daemon.RestartWindow);
        Assert.Contains(Tuple.Create(23 * 60 + 45, 15), s.Preview.Calendar.NoTradeWindows);
    }

    [Fact]
    public void EnvironmentOverrides_SetNestedKeysAndArrayElements_WithJsonLiterals()
    {
        var s = Parse(Sample, ("BIFROST__CONNECTION__PORT", "4002"), ("BIFROST__STORE__PATH", "/tmp/x.db"), ("BIFROST__DAEMON__CLOCK", "system"),
            ("BIFROST__STRATEGY__LEGS__1__QUANTITY", "7"), ("bifrost__risk__max_position", "123"), ("OTHER__PORT", "1"));
        Assert.Equal(4002, s.Connection.Port);
        Assert.Equal("/tmp/x.db", s.Store.Path);
        Assert.Equal(ClockSource.System, s.Daemon.Clock);
        Assert.Equal(7, s.Preview.Strategy.Legs[1].Quantity);
        Assert.Equal(123, s.Preview.Risk.MaxPosition);
    }

    [Theory]
    [InlineData("BIFROST__CONNECTION__HOST", "tws.example.invalid", "connection.host")]
    [InlineData("BIFROST__CONNECTION__PORT", "70000", "connection.port")]
    [InlineData("BIFROST__CONNECTION__PORT", "\"x\"", "connection.port")]
    [InlineData("BIFROST__CONNECTION__TYPO", "1", "connection.typo")]
    [InlineData("BIFROST__STORE__PATH", "null", "store.path")]
    [InlineData("BIFROST__DAEMON__CLOCK", "sundial", "daemon.clock")]
    [InlineData("BIFROST__DAEMON__CLOCK_STEP_SECONDS", "0", "daemon.clock_step_seconds")]
    [InlineData("BIFROST__DAEMON__CONTROL_MAX_AGE_SECONDS", "-5", "daemon.control_max_age_seconds")]
    [InlineData("BIFROST__DAEMON__CLOCK_STEP_SECONDS", "\"2s\"", "daemon.clock_step_seconds")]
    [InlineData("BIFROST__DAEMON__TWS_RESTART_WINDOW", "[\"25:00\",\"00:10\"]", "daemon.tws_restart_window")]
    [InlineData("BIFROST__STRATEGY__LEGS__0__STRIKE", "-1", "strategy.legs[0]")]
    [InlineData("BIFROST__MODE", "yolo", "mode")]
    [InlineData("BIFROST__RISK__MAX_POSITION", "0", "risk.max_position")]
    [InlineData("BIFROST__CONNECTION__DEDICATED_SENDER", "\"yes\"", "connection.dedicated_sender")]
    [InlineData("BIFROST__CONNECTION__DEDICATED_SENDER", "1", "connection.dedicated_sender")]
    public void BadValues_NameTheKey(string variable, string value, string key)
    {
        var e = Assert.Throws<DaemonConfigException>(() => Parse(Sample, (variable, value)));
        Assert.StartsWith(key, e.Key);
    }

    [Fact]
    public void RemoteHost_IsAllowedOnlyWhenExplicit()
    {
        var s = Parse(Sample, ("BIFROST__CONNECTION__HOST", "tws.example.invalid"), ("BIFROST__CONNECTION__ALLOW_REMOTE", "true"));
        Assert.Equal("tws.example.invalid", s.Connection.Host);
        Assert.True(ConfigLoader.IsLoopback("::1"));
        Assert.True(ConfigLoader.IsLoopback("localhost"));
        Assert.False(ConfigLoader.IsLoopback("example.com"));
    }

    [Fact]
    public void ClockStepTolerance_AndControlMaxAge_HaveTheirDefaultsUnlessConfigured()
    {
        Assert.Equal(TimeSpan.FromSeconds(2), Parse(Sample).Daemon.ClockStepTolerance);
        Assert.Equal(TimeSpan.FromSeconds(30), Parse(Sample, ("BIFROST__DAEMON__CLOCK_STEP_SECONDS", "30")).Daemon.ClockStepTolerance);
        Assert.Equal(TimeSpan.FromSeconds(60), Parse(Sample).Daemon.ControlMaxAge);
        Assert.Equal(TimeSpan.FromSeconds(600), Parse(Sample, ("BIFROST__DAEMON__CONTROL_MAX_AGE_SECONDS", "600")).Daemon.ControlMaxAge);
    }

    [Fact]
    public void DedicatedSender_IsOffUnlessConfigured()
    {
        Assert.False(Parse(Sample).Connection.DedicatedSender);
        Assert.True(Parse(Sample, ("BIFROST__CONNECTION__DEDICATED_SENDER", "true")).Connection.DedicatedSender);
    }

    [Fact]
    public void InvalidJson_IsAConfigError() => Assert.Equal("(json)", Assert.Throws<DaemonConfigException>(() => Parse("{ nope")).Key);

    [Fact]
    public async Task CheckConfig_ExitsZeroWhenValid_TwoNamingTheKey()
    {
        var path = Path.Combine(Path.GetTempPath(), $"bifrost-cfg-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, Sample);
        try
        {
            Assert.Equal(0, await DaemonProgram.RunAsync(["check-config", "--config", path], new Hashtable(), CancellationToken.None));
            Assert.Equal(2, await DaemonProgram.RunAsync(["check-config", "--config", path],
                new Hashtable { ["BIFROST__GUARDS__STALE_AFTER_SECONDS"] = "1" }, CancellationToken.None));
            Assert.Equal(2, await DaemonProgram.RunAsync(["check-config", "--config", path + ".missing"], new Hashtable(), CancellationToken.None));
            Assert.Equal(2, await DaemonProgram.RunAsync(["frobnicate"], new Hashtable(), CancellationToken.None));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("\"run_id\":", "\"run_id\": \"x\", \"run_id\":", "run_id")]
    [InlineData("\"port\":", "\"port\": 4002, \"port\":", "connection.port")]
    [InlineData("\"max_position\":", "\"max_position\": 3000, \"max_position\":", "risk.max_position")]
    public void AKeyGivenTwice_IsRefusedNamingIt_NeverACrashNorTheLastOneWinning(string find, string replace, string key)
    {
        Assert.Contains(find, Sample);
        var e = Assert.Throws<DaemonConfigException>(() => Parse(Sample.Replace(find, replace)));
        Assert.Equal(key, e.Key);
        Assert.Contains("twice", e.Message);
    }

    // 60 s between beats showed a healthy daemon DAEMON SILENT most of the time (the console's limit is 10 s); a
    // backtest file may say 60 (it has no heartbeat), the daemon may not.
    [Fact]
    public void ASelfCheckSlowerThanTheConsolesSilence_IsRefusedNamingTheKey()
    {
        Assert.Contains("\"self_check_seconds\": 1", Sample);
        var e = Assert.Throws<DaemonConfigException>(() => Parse(Sample.Replace("\"self_check_seconds\": 1", "\"self_check_seconds\": 60")));
        Assert.Equal("control.self_check_seconds", e.Key);
        Assert.Contains("silent", e.Message);
        Parse(Sample.Replace("\"self_check_seconds\": 1", "\"self_check_seconds\": 5"));
    }

    [Fact]
    public void AStaleThresholdAsLongAsTheSession_IsRefusedNamingTheKey()
    {
        // A backtest's guards (86400: its data is sparse) copied into the daemon's file: no quote was ever stale, no
        // silent feed told within the day.
        const string guards = "\"lag_after_seconds\": 60, \"stale_after_seconds\": 300";
        Assert.Contains(guards, Sample);
        var e = Assert.Throws<DaemonConfigException>(() => Parse(Sample.Replace(guards, "\"lag_after_seconds\": 86400, \"stale_after_seconds\": 86400")));
        Assert.Equal("guards.stale_after_seconds", e.Key);
        Assert.Contains("shorter than the session for the daemon (23,400 s", e.Message);
        Assert.Throws<DaemonConfigException>(() => Parse(Sample.Replace(guards, "\"lag_after_seconds\": 60, \"stale_after_seconds\": 23400")));
        Parse(Sample.Replace(guards, "\"lag_after_seconds\": 60, \"stale_after_seconds\": 23399"));
    }

    [Fact]
    public void AnEnvironmentOverrideWithARepeatedKey_IsRefusedNamingTheVariable()
    {
        var e = Assert.Throws<DaemonConfigException>(() => Parse(Sample, ("BIFROST__GUARDS", "{\"max_spread_bps\": 5, \"max_spread_bps\": 500}")));
        Assert.Equal("BIFROST__GUARDS", e.Key);
    }

    // A lone \uXXXX surrogate is valid JSON that .NET cannot read back: it threw InvalidOperationException (not
    // JsonException) when the merged config was written out, an unhandled crash (exit 134) instead of a refusal.
    [Theory]
    [InlineData("\"run_id\": \"", "\"run_id\": \"\\ud800", "run_id")]
    [InlineData("\"connection\": {", "\"connection\": { \"\\udc00x\": 1,", "connection.(a key)")]
    [InlineData("\"risk\": {", "\"risk\": { \"note\": [\"ok\", \"\\udfff\"],", "risk.note[1]")]
    public void AStringOrKeyWithALoneSurrogateEscape_IsRefusedNamingIt_NeverACrash(string find, string replace, string key)
    {
        Assert.Contains(find, Sample);
        var e = Assert.Throws<DaemonConfigException>(() => Parse(Sample.Replace(find, replace)));
        Assert.Equal(key, e.Key);
        Assert.Contains("not valid text", e.Message);
    }

    [Theory]
    [InlineData("\"4001\\ud800\"")]
    [InlineData("{\"\\ud800\": 1}")]
    public void AnEnvironmentOverrideWithALoneSurrogateEscape_IsRefusedNamingTheVariable(string value)
    {
        var e = Assert.Throws<DaemonConfigException>(() => Parse(Sample, ("BIFROST__CONNECTION__HOST", value)));
        Assert.Equal("BIFROST__CONNECTION__HOST", e.Key);
        Assert.Contains("not valid text", e.Message);
    }

    [Fact]
    public void TwoEnvironmentOverridesOfOneKeyDifferingInCase_AreRefusedNamingBoth_NeverTheLastSortedWinning()
    {
        var e = Assert.Throws<DaemonConfigException>(() => Parse(Sample,
            ("BIFROST__RISK__MAX_POSITION", "3000"), ("bifrost__risk__max_position", "3000000")));
        Assert.Equal("BIFROST__RISK__MAX_POSITION", e.Key);
        Assert.Contains("bifrost__risk__max_position", e.Message);
    }
}
