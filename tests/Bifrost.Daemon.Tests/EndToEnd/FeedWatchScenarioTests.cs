using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>A feed that dies is told and asked for again, against the replay gateway. Its <c>kill-subscription</c>
/// fault kills the daemon's subscription of a contract (silently, or with IB's errMsg on the ticker) while a new
/// request is served, as TWS does when it drops a ticker. Before, the quote went stale, every hedge was blocked and the
/// light turned RED with no alert and no new request: the subscription stayed dead until someone restarted the
/// daemon. Each scenario ends with the store compared to the gateway's ledger.</summary>
[Collection(EndToEndCollection.Name)]
public class FeedWatchScenarioTests(ITestOutputHelper output)
{
    /// <summary>A quiet hedger (band 1000) with quotes stale after 30 simulated seconds (0.15 s at ×200).</summary>
    private static string Config(int port, string store) =>
        TestConfig.Json(port, store, conIds: true, band: 1000)
            .Replace("\"lag_after_seconds\": 600, \"stale_after_seconds\": 1200", "\"lag_after_seconds\": 15, \"stale_after_seconds\": 30", StringComparison.Ordinal);

    private static IEnumerable<AlertRecord> Told(DaemonHarness h, string code) => h.Alerts().Where(a => a.Code == code);

    private static async Task StopAndCheck(DaemonHarness h, DaemonRun run)
    {
        await h.StopCleanly(run);
        h.AssertMatchesLedger();
    }

    [Fact]
    public async Task SilentlyDeadSubscription_IsTold_AskedForAgain_AndItsQuotesComeBack()
    {
        await using var h = await DaemonHarness.StartAsync(output, config: Config);
        try
        {
            var run = h.StartDaemon();
            await h.WaitFsm("Running");
            await h.WaitUntil(() => h.Read(r => r.GetStatus())!.Checks.Any(c => c.Name == "data_fresh" && c.Health == Health.Ok),
                "every quote fresh before the subscription dies", 30_000);
            var before = Told(h, "MARKET_DATA_STALE").Count(a => a.Message.Contains("XYZ (", StringComparison.Ordinal));
            await h.Gateway.ExecuteAsync("kill-subscription XYZ");
            await h.WaitUntil(() => Told(h, "MARKET_DATA_STALE").Count(a => a.Message.Contains("XYZ (", StringComparison.Ordinal)) > before,
                "MARKET_DATA_STALE naming XYZ", 30_000);
            // The new request is served: the underlying's quotes come back and the operator is told so.
            await h.WaitUntil(() => Told(h, "MARKET_DATA_RESTORED").Any(a => a.Message.Contains("XYZ after", StringComparison.Ordinal)),
                "MARKET_DATA_RESTORED naming XYZ", 30_000);
            var stale = Told(h, "MARKET_DATA_STALE").First(a => a.Message.Contains("XYZ (", StringComparison.Ordinal));
            Assert.Equal(AlertSeverity.Warning, stale.Severity);
            Assert.Contains("DATA_LAG", stale.Message, StringComparison.Ordinal);
            await h.WaitUntil(() => h.Read(r => r.GetStatus())!.Checks.Any(c => c.Name == "data_fresh" && c.Health == Health.Ok),
                "the quotes fresh again", 30_000);
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
        await using var h = await DaemonHarness.StartAsync(output, config: Config);
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
