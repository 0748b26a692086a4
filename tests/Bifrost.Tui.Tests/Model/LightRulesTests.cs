using Bifrost.Store.Records;
using Bifrost.Tui.Input;
using Bifrost.Tui.Model;
using Bifrost.Tui.Tests.Support;

namespace Bifrost.Tui.Tests.Model;

public sealed class LightRulesTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private const long Now = 1_000_000 * Sample.Second;

    private static StatusSnapshot Status(Health health, double heartbeatAgeSeconds, params string[] reasons) => Sample.Status(Now) with
    {
        Health = health,
        BlockReasons = reasons,
        HeartbeatNanos = Now - (long)(heartbeatAgeSeconds * Sample.Second),
    };

    [Theory]
    [InlineData(Health.Ok, "GREEN", "OK")]
    [InlineData(Health.Degraded, "YELLOW", "DEGRADED")]
    [InlineData(Health.Blocked, "RED", "BLOCKED")]
    public void FreshHeartbeat_LightFollowsTheDaemonsSelfCheck(Health health, string color, string word)
    {
        var light = LightRules.Decide(Status(health, 1), null, Now, Limit);
        Assert.Equal(color, light.ColorWord);
        Assert.Equal(word, light.Word);
    }

    [Theory]
    [InlineData(Health.Ok)]
    [InlineData(Health.Degraded)]
    [InlineData(Health.Blocked)]
    public void HeartbeatOlderThanLimit_RedDaemonSilent_WhateverTheLastStatusSaid(Health health)
    {
        var light = LightRules.Decide(Status(health, 12, "STALE_QUOTES"), null, Now, Limit);
        Assert.Equal(LightColor.Red, light.Color);
        Assert.Equal("DAEMON SILENT", light.Word);
        Assert.Equal([LightRules.DaemonSilent, "STALE_QUOTES"], light.Reasons);
        Assert.Equal("last heartbeat 12s ago (limit 10s)", light.Detail);
    }

    [Fact]
    public void HeartbeatExactlyAtLimit_NotYetSilent()
    {
        Assert.Equal(LightColor.Green, LightRules.Decide(Status(Health.Ok, 10), null, Now, Limit).Color);
    }

    [Fact]
    public void HeartbeatFarAheadOfThisClock_DeadDaemonAfterAClockStepBack_IsSilent_NotGreen()
    {
        var light = LightRules.Decide(Status(Health.Ok, -3600), null, Now, Limit);
        Assert.Equal("RED", light.ColorWord);
        Assert.Equal([LightRules.DaemonSilent], light.Reasons);
        Assert.Contains("ahead of this host's clock", light.Detail, StringComparison.Ordinal);
        // A beat a little ahead (two clocks' rounding, a beat written as the clock was read) is still a fresh one.
        Assert.Equal("GREEN", LightRules.Decide(Status(Health.Ok, -2), null, Now, Limit).ColorWord);
    }

    [Fact]
    public void NoHeartbeatEver_Silent()
    {
        var light = LightRules.Decide(Status(Health.Ok, 0) with { HeartbeatNanos = 0 }, null, Now, Limit);
        Assert.Equal("DAEMON SILENT", light.Word);
        Assert.Equal("no heartbeat recorded", light.Detail);
    }

    [Fact]
    public void Blocked_ListsBlockReasonsAndFailingChecks_BlockedChecksFirst()
    {
        var status = Status(Health.Blocked, 1, "DISCONNECTED", "RISK_HALT") with
        {
            Checks =
            [
                new CheckResult("store", Health.Ok),
                new CheckResult("market_data", Health.Degraded, "2103 usfarm"),
                new CheckResult("connection", Health.Blocked, "1100"),
            ],
        };
        var light = LightRules.Decide(status, null, Now, Limit);
        Assert.Equal(["DISCONNECTED", "RISK_HALT"], light.Reasons);
        Assert.Equal(["connection: 1100", "market_data: 2103 usfarm"], light.FailingChecks);
    }

    [Fact]
    public void StoreError_RedStoreUnavailable_WithTheReason()
    {
        var light = LightRules.Decide(null, "database is locked", Now, Limit);
        Assert.Equal((LightColor.Red, "STORE UNAVAILABLE", "database is locked"), (light.Color, light.Word, light.Detail));
        Assert.Equal("RED · STORE UNAVAILABLE", light.Caption);
    }

    [Fact]
    public void StaleHeartbeatInARealStore_DashboardLightIsRedDaemonSilent()
    {
        using var store = TempStore.WithSample(Frames.Now, status: s => s with { HeartbeatNanos = Frames.Now - 42 * Sample.Second });
        var vm = Frames.Build(store.Path, new UiState());
        Assert.Equal(LightColor.Red, vm.Header.Light.Color);
        Assert.Equal(LightRules.DaemonSilent, vm.Header.Light.Reasons[0]);
        Assert.True(vm.Header.HeartbeatStale);
        Assert.Equal("42s", vm.Header.HeartbeatAge);
    }

    [Fact]
    public void SilentLimitIsConfigurable()
    {
        using var store = TempStore.WithSample(Frames.Now, status: s => s with { HeartbeatNanos = Frames.Now - 42 * Sample.Second });
        Assert.Equal(LightColor.Green, Frames.Build(store.Path, new UiState(), silentAfterSeconds: 60).Header.Light.Color);
    }
}
