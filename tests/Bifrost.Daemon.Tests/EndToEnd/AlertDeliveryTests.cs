using System.Text.Json;
using Bifrost.Daemon.Tests.Alerts;
using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>Alerts the daemon raises on the replay gateway reach a loopback webhook and a script, and every outcome is in
/// alert_deliveries; a notifier that hangs never holds up the engine.</summary>
[Collection(EndToEndCollection.Name)]
public class AlertDeliveryTests(ITestOutputHelper output)
{
    private static string Json(string s) => JsonSerializer.Serialize(s);

    private static List<(long AlertId, string Code, string Channel, string Status, int Attempts, string Detail)> Deliveries(DaemonHarness h) =>
        h.Sql("SELECT d.alert_id, a.code, d.channel, d.status, d.attempts, d.detail FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id",
            r => (r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), (int)r.GetInt64(4), r.GetString(5)));

    [Fact]
    public async Task RejectedOrderAndDroppedConnection_AlertsReachTheWebhookAndTheScript_DeliveriesRecordedSent()
    {
        await using var hook = new LoopbackWebhook();
        var scripts = Directory.CreateTempSubdirectory("bifrost-alert-scripts-").FullName;
        var received = Path.Combine(scripts, "received.jsonl");
        var script = Scripts.Write(scripts, "page.sh", $"cat >> '{received}'; echo >> '{received}'");
        var alerts = $$"""
            { "notifiers": [ { "type": "webhook", "name": "hook", "url": {{Json(hook.Url)}}, "timeout_seconds": 5 },
                             { "type": "command", "name": "pager", "command": [{{Json(script)}}], "timeout_seconds": 5 } ],
              "retries": 2, "backoff_seconds": 0.1 }
            """;
        await using var h = await DaemonHarness.StartAsync(output, faults: ["reject-next-order", "after-orders 3 drop-connection 17"],
            config: (port, store) => TestConfig.Json(port, store, conIds: false, alerts: alerts));
        try
        {
            var run = h.StartDaemon();
            await h.WaitUntil(() => hook.Bodies.Any(b => b.Contains("\"BROKER_DISCONNECTED\"", StringComparison.Ordinal)), "the disconnect alert at the webhook", 60_000);
            await h.WaitUntil(() => hook.Bodies.Any(b => b.Contains("\"ORDER_REJECTED\"", StringComparison.Ordinal)), "the reject alert at the webhook", 30_000);
            await h.WaitUntil(() => File.Exists(received) && File.ReadAllText(received).Contains("\"BROKER_DISCONNECTED\"", StringComparison.Ordinal),
                "the disconnect alert at the script", 30_000);
            var before = h.LedgerOf("order").Count;
            await h.WaitOrders(before + 1, 60_000); // reconnected and hedging again

            await h.PauseSettleAndStop(run);
            var deliveries = Deliveries(h);
            foreach (var code in new[] { "ORDER_REJECTED", "BROKER_DISCONNECTED" })
            foreach (var channel in new[] { "hook", "pager" })
                Assert.Contains(deliveries, d => d.Code == code && d.Channel == channel && d.Status == "sent" && d.Attempts == 1);
            // Every alert the daemon raised went out (the notifier's default minimum is info).
            var alertIds = h.Sql("SELECT id FROM alerts", r => r.GetInt64(0));
            Assert.All(alertIds, id => Assert.Equal(2, deliveries.Count(d => d.AlertId == id)));
            var body = JsonDocument.Parse(hook.Bodies.First(b => b.Contains("\"BROKER_DISCONNECTED\"", StringComparison.Ordinal))).RootElement;
            Assert.Equal("warning", body.GetProperty("severity").GetString());
            Assert.Equal("t1", body.GetProperty("run_id").GetString());
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
        finally
        {
            Directory.Delete(scripts, recursive: true);
        }
    }

    [Fact]
    public async Task NotifierProgramHangs_TheEngineKeepsHedging_TheProgramIsKilledAtItsTimeoutAndRecorded()
    {
        var scripts = Directory.CreateTempSubdirectory("bifrost-alert-scripts-").FullName;
        var started = Path.Combine(scripts, "started");
        var script = Scripts.Write(scripts, "hang.sh", $"touch '{started}'; exec sleep 300");
        var alerts = $$"""
            { "notifiers": [ { "type": "command", "name": "pager", "command": [{{Json(script)}}], "timeout_seconds": 25 } ], "retries": 0 }
            """;
        await using var h = await DaemonHarness.StartAsync(output, faults: ["reject-next-order"],
            config: (port, store) => TestConfig.Json(port, store, conIds: false, alerts: alerts));
        try
        {
            var run = h.StartDaemon();
            await h.WaitUntil(() => File.Exists(started), "the notifier program started on ORDER_REJECTED", 60_000);
            var atAlert = h.LedgerOf("order").Count;
            await h.WaitOrders(atAlert + 3, 60_000);
            // Three more orders went out while the program was still hanging: the loop did not wait for it.
            Assert.DoesNotContain(Deliveries(h), d => d.Code == "ORDER_REJECTED");

            await h.WaitUntil(() => Deliveries(h).Any(d => d.Code == "ORDER_REJECTED"), "the timed-out delivery recorded", 60_000);
            var failed = Deliveries(h).First(d => d.Code == "ORDER_REJECTED");
            Assert.Equal(("pager", "failed", 1), (failed.Channel, failed.Status, failed.Attempts));
            Assert.StartsWith("timed out after 25 s; program killed", failed.Detail);

            await h.PauseSettleAndStop(run);
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
        finally
        {
            Directory.Delete(scripts, recursive: true);
        }
    }

    [Fact]
    public async Task EveryDeliveryFailing_TurnsTheLightYellow_NamingTheChannelAndItsError()
    {
        await using var hook = new LoopbackWebhook(status: 503); // the relay is down
        var alerts = $$"""
            { "notifiers": [ { "type": "webhook", "name": "hook", "url": {{Json(hook.Url)}}, "timeout_seconds": 5 } ], "retries": 0 }
            """;
        await using var h = await DaemonHarness.StartAsync(output, faults: ["reject-next-order"],
            config: (port, store) => TestConfig.Json(port, store, conIds: false, alerts: alerts));
        try
        {
            var run = h.StartDaemon();
            await h.WaitUntil(() => Deliveries(h).Any(d => d.Code == "ORDER_REJECTED" && d.Status == "failed"), "the failed delivery recorded", 60_000);
            // The status is published on the engine's clock ticks, so the failing channel shows at the next one.
            await h.WaitUntil(() => h.Read(r => r.GetStatus())!.Checks.Any(c => c.Name == "alerts_delivered" && c.Health == Health.Degraded),
                "the light names the failing channel", 10_000);
            var check = h.Read(r => r.GetStatus())!.Checks.Single(c => c.Name == "alerts_delivered");
            Assert.StartsWith("hook NOT delivering: HTTP 503", check.Detail);

            await h.PauseSettleAndStop(run);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
