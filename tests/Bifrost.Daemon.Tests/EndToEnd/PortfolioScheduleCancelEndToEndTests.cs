using System.Globalization;
using System.Text.Json.Nodes;
using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>The operator cancels a scheduled slot's run after its pre-trade, before its execution. Before, the cancel
/// found no working order and was refused ("no working orders"), and the slot sent its orders at execute_at all the
/// same. Ends with the gateway's ledger compared to the store.</summary>
[Collection(EndToEndCollection.Name)]
public class PortfolioScheduleCancelEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ScheduledSlot_CancelledByTheOperatorAfterPreTrade_RunEndsCancelled_NothingSent_StoreMatchesLedger()
    {
        await using var h = await DaemonHarness.StartAsync(output, config: PortfolioScheduleEndToEndTests.Config, dataPath: PortfolioScheduleEndToEndTests.Data.Value);
        try
        {
            var dir = PortfolioScheduleEndToEndTests.SignalsDir(h);
            PortfolioScheduleEndToEndTests.WriteSignals(dir, "signals.csv", 1.0, 0.5, DateTime.UtcNow.AddHours(-1));
            // An hour of session time (18 s at ×200) to start and arm first; execute 30 minutes after pre-trade (9 s).
            var build = PortfolioScheduleEndToEndTests.NextMinute(PortfolioScheduleEndToEndTests.GatewayLocal(h).AddMinutes(60));
            PortfolioScheduleEndToEndTests.WriteSchedule(h, build, graceSeconds: 600, dir, executeAfterPreTrade: 30);
            var slot = "weekly-" + build.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
            var run = h.StartDaemon();
            await h.WaitFsm("Running", 30_000);
            await h.WaitUntil(() => h.Read(r => r.GetPortfolioRun(slot + "-run"))?.Status == "pre_trade", "the slot's run cleared at pre-trade", 90_000);

            var cancel = await h.WaitControl(h.Enqueue(ControlCommandKind.Cancel, new JsonObject { ["run_id"] = slot + "-run" }.ToJsonString()));
            Assert.Equal(ControlStatus.Done, cancel.Status);
            Assert.Contains("cancelled before its orders went out", cancel.Result, StringComparison.Ordinal);
            // Past execute_at: the execute phase finds the run ended.
            await h.WaitUntil(() => h.Sql($"SELECT count(*) FROM operations WHERE detail LIKE 'schedule {slot}: execute%'", r => r.GetInt64(0)).Single() > 0,
                "the execute phase came", 90_000);
            var ended = h.Read(r => r.GetPortfolioRun(slot + "-run"))!;
            Assert.Equal("failed", ended.Status);
            Assert.Empty(ended.Orders);
            Assert.DoesNotContain(h.LedgerOf("order"), o => o.OrderRef!.StartsWith("oi_p", StringComparison.Ordinal));
            Assert.Empty(PortfolioScheduleEndToEndTests.Alerts(h, "SCHEDULE_FAILED"));

            h.Enqueue(ControlCommandKind.Stop);
            Assert.Equal(0, await run.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
            await PortfolioScheduleEndToEndTests.AssertPortfolioMatchesLedger(h);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
