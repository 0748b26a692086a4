using Bifrost.Sim.Gateway;
using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>A feed that falls quiet is asked for again, and told when the request brings nothing, against the replay
/// gateway. Its <c>kill-subscription</c> fault kills the daemon's subscription of a contract (silently, or with IB's
/// errMsg on the ticker) while a new request is served, as TWS does when it drops a ticker; <c>stop-market-data</c>
/// mutes a contract for every request (a farm's trouble). Before, a dead feed's quote went stale, every hedge was
/// blocked and the light turned RED with no alert and no new request; and a leg whose quote merely stood for
/// lag_after blocked every hedge. Each scenario ends with the store compared to the gateway's ledger.</summary>
[Collection(EndToEndCollection.Name)]
public class FeedWatchScenarioTests(ITestOutputHelper output)
{
    /// <summary>A quiet hedger (band 1000) with quotes lagging after 15 and stale after 30 simulated seconds (0.15 s at
    /// ×200).</summary>
    private static string Config(int port, string store) => Guards(port, store, lag: 15, stale: 30);

    private static string Guards(int port, string store, int lag, int stale) =>
        TestConfig.Json(port, store, conIds: true, band: 1000)
            .Replace("\"lag_after_seconds\": 600, \"stale_after_seconds\": 1200", $"\"lag_after_seconds\": {lag}, \"stale_after_seconds\": {stale}", StringComparison.Ordinal);

    private static IEnumerable<AlertRecord> Told(DaemonHarness h, string code) => h.Alerts().Where(a => a.Code == code);

    private static CheckResult? DataFresh(DaemonHarness h) => h.Read(r => r.GetStatus())?.Checks.FirstOrDefault(c => c.Name == "data_fresh");

    private static async Task StopAndCheck(DaemonHarness h, DaemonRun run)
    {
        await h.StopCleanly(run);
        h.AssertMatchesLedger();
    }

    private static CheckResult? Farms(DaemonHarness h) => h.Read(r => r.GetStatus())?.Checks.FirstOrDefault(c => c.Name == "market_data_farms");

    [Fact]
    public async Task OptionsFarmBroken_AnotherFarmOk_TheLightKeepsNamingTheBrokenFarm_UntilItIsOk()
    {
        // TWS tells each market data farm apart (usfarm the stocks, usopt the options, …). Before, one flag stood for all
        // of them: the stock farm's 2104 cleared the options farm's 2103, and the light said every farm was fine while
        // the legs' farm was down.
        await using var h = await DaemonHarness.StartAsync(output, speed: ReplaySpeed.Times(20), config: Config);
        try
        {
            var run = h.StartDaemon();
            await h.WaitFsm("Running");
            await h.WaitUntil(() => Farms(h)?.Health == Health.Ok, "every farm ok after the connect", 30_000);
            await h.Gateway.ExecuteAsync("send 2103 -1 Market data farm connection is broken:usopt");
            await h.WaitUntil(() => Farms(h) is { Health: not Health.Ok }, "the options farm told broken", 15_000);
            await h.Gateway.ExecuteAsync("send 2104 -1 Market data farm connection is OK:usfarm");
            // A status heartbeat a second: three of them after the stock farm's 2104.
            var until = DateTime.UtcNow.AddSeconds(3);
            while (DateTime.UtcNow < until)
            {
                var farms = Farms(h);
                Assert.True(farms is { Health: not Health.Ok }, $"the options farm is still broken, the light says: {farms?.Detail}");
                await Task.Delay(200);
            }
            Assert.Contains("usopt", Farms(h)!.Detail ?? "", StringComparison.Ordinal); // the farm named as TWS names it
            await h.Gateway.ExecuteAsync("send 2104 -1 Market data farm connection is OK:usopt");
            await h.WaitUntil(() => Farms(h)?.Health == Health.Ok, "every farm ok once the options farm is", 15_000);
            await StopAndCheck(h, run);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task DroppedLegTicker_IsAskedForAgainQuietly_AndNeverBlocksTheHedger()
    {
        // ×20 (a simulated second is 50 ms): lag_after 10 s, stale_after 60 s, so the call is asked for again after
        // 30 s of quiet. Before, the call's standing quote lagged after 10 s (data_fresh named it, every hedge blocked
        // DATA_LAG) and at 60 s it was told dead (MARKET_DATA_STALE).
        await using var h = await DaemonHarness.StartAsync(output, speed: ReplaySpeed.Times(20), config: (port, store) => Guards(port, store, lag: 10, stale: 60));
        try
        {
            var run = h.StartDaemon();
            await h.WaitFsm("Running");
            await h.WaitUntil(() => DataFresh(h)?.Health == Health.Ok, "every quote fresh before the call's ticker drops", 30_000);
            var served = h.Gateway.MarketDataRequestsServed(TestConfig.CallId);
            await h.Gateway.ExecuteAsync("kill-subscription XYZ 20260320 C 100");
            const string callNamed = "XYZ 20260320 C 100: "; // the light names a leg by its terms
            var seen = new List<string>();
            await h.WaitUntil(() =>
                {
                    if (DataFresh(h) is { } check && check.Detail is { } detail && detail.Contains(callNamed, StringComparison.Ordinal)) seen.Add(detail);
                    return h.Gateway.MarketDataRequestsServed(TestConfig.CallId) > served;
                }, "the call asked for again", 30_000);
            Assert.True(seen.Count == 0, "the call's standing quote was judged not fresh: " + string.Join(" | ", seen.Distinct()));
            await h.WaitUntil(() => DataFresh(h)?.Health == Health.Ok, "every quote fresh after the call's new request", 30_000);
            Assert.Empty(Told(h, "MARKET_DATA_STALE"));
            await StopAndCheck(h, run);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task ManualOrder_OnALegWithoutAFreshQuote_IsRefused_ItsQuoteAskedForAgain_AndTheNextTryGoes()
    {
        // ×20: lag_after 10 s, stale_after 120 s. The call's feed is muted (no quote for any request) until resumed.
        await using var h = await DaemonHarness.StartAsync(output, speed: ReplaySpeed.Times(20), config: (port, store) => Guards(port, store, lag: 10, stale: 120));
        try
        {
            var run = h.StartDaemon();
            await h.WaitFsm("Running");
            await h.WaitUntil(() => DataFresh(h)?.Health == Health.Ok, "every quote fresh", 30_000);
            await h.Gateway.ExecuteAsync("stop-market-data XYZ 20260320 C 100");
            await Task.Delay(1_000); // 20 simulated seconds: past lag_after, short of the watch's request at 60 s
            var served = h.Gateway.MarketDataRequestsServed(TestConfig.CallId);
            var order = $$"""{"con_id": {{TestConfig.CallId}}, "side": "buy", "quantity": 1}""";
            var refused = await h.WaitControl(h.Enqueue(ControlCommandKind.ManualOrder, order), 30_000);
            output.WriteLine($"{refused.Status}: {refused.Result}");
            Assert.Equal(ControlStatus.Refused, refused.Status);
            Assert.Contains("market_data_error", refused.Result, StringComparison.Ordinal);
            Assert.Contains("its quote asked for again: try again in a moment", refused.Result, StringComparison.Ordinal);
            await h.WaitUntil(() => h.Gateway.MarketDataRequestsServed(TestConfig.CallId) > served, "the call asked for again", 10_000);
            await h.Gateway.ExecuteAsync("resume-market-data XYZ 20260320 C 100");
            ControlCommand? done = null;
            await h.WaitUntilAsync(async () =>
            {
                done = await h.WaitControl(h.Enqueue(ControlCommandKind.ManualOrder, order), 30_000);
                output.WriteLine($"{done.Status}: {done.Result}");
                if (done.Status == ControlStatus.Done) return true;
                await Task.Delay(200);
                return false;
            }, "the next try goes once the call is quoted", 30_000);
            await h.WaitUntil(() => h.LedgerOf("order").Any(o => o.ConId == TestConfig.CallId), "the call's order at the gateway", 10_000);
            await StopAndCheck(h, run);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task DeadFeed_TheRequestBringsNothing_IsTold_AndItsQuotesComingBackToo()
    {
        await using var h = await DaemonHarness.StartAsync(output, config: Config);
        try
        {
            var run = h.StartDaemon();
            await h.WaitFsm("Running");
            await h.WaitUntil(() => DataFresh(h)?.Health == Health.Ok, "every quote fresh before the feed dies", 30_000);
            var served = h.Gateway.MarketDataRequestsServed(TestConfig.StockId);
            await h.Gateway.ExecuteAsync("stop-market-data XYZ");
            await h.WaitUntil(() => Told(h, "MARKET_DATA_STALE").Any(a => a.Message.Contains("XYZ (", StringComparison.Ordinal)),
                "MARKET_DATA_STALE naming XYZ", 30_000);
            var stale = Told(h, "MARKET_DATA_STALE").First(a => a.Message.Contains("XYZ (", StringComparison.Ordinal));
            Assert.Equal(AlertSeverity.Warning, stale.Severity);
            Assert.Contains("nothing since it was asked for again", stale.Message, StringComparison.Ordinal);
            Assert.Contains("DATA_LAG", stale.Message, StringComparison.Ordinal);
            Assert.True(h.Gateway.MarketDataRequestsServed(TestConfig.StockId) > served, "asked for again before it was told");
            await h.Gateway.ExecuteAsync("resume-market-data XYZ");
            await h.WaitUntil(() => Told(h, "MARKET_DATA_RESTORED").Any(a => a.Message.Contains("XYZ after", StringComparison.Ordinal)),
                "MARKET_DATA_RESTORED naming XYZ", 30_000);
            await h.WaitUntil(() => DataFresh(h)?.Health == Health.Ok, "the quotes fresh again", 30_000);
            await StopAndCheck(h, run);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task SubscriptionRefusedOnItsTicker_IsToldAtOnce_WithIbsWords()
    {
        // Stale after 600 simulated seconds: a quiet leg is asked for again only every 300 (1.5 s at ×200), not every
        // 15 (75 ms). The gateway refuses the one ticker it kills; a re-request racing the kill would leave the call's
        // refusal on a ticker the engine has just dropped (IB refuses the contract's next request too: told then).
        await using var h = await DaemonHarness.StartAsync(output, config: (port, store) => Guards(port, store, lag: 15, stale: 600));
        try
        {
            var run = h.StartDaemon();
            await h.WaitFsm("Running");
            await h.Gateway.ExecuteAsync("kill-subscription XYZ 20260320 C 100 refuse 10197");
            await h.WaitUntil(() => Told(h, "MARKET_DATA_REFUSED").Any(a =>
                    a.Message.Contains("XYZ 20260320 C 100: 10197 No market data during competing live session", StringComparison.Ordinal)),
                "MARKET_DATA_REFUSED naming the call and IB's words", 30_000);
            await StopAndCheck(h, run);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
