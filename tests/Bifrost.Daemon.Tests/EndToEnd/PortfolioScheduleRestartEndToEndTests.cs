using System.Globalization;
using System.Text.Json.Nodes;
using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>A restart (kill -9 or a clean stop) between a scheduled slot's pre-trade and its execution, then the
/// operator's cancel of the slot's run (the reducer-level twins: Bifrost.Domain.Tests' PortfolioSchedule
/// Schedule_RestartBetweenPreTradeAndExecute_…). The restart ends the run (nothing was sent): told as SCHEDULE_FAILED,
/// the cancel answered as done with how it ended, and nothing goes out at execute_at. Found here: the slot went
/// untraded with only a note, and the cancel was refused "no working orders". And the link dropped in the same gap:
/// the slot trades once the daemon is back. Each ends with ledger == store.</summary>
[Collection(EndToEndCollection.Name)]
public class PortfolioScheduleRestartEndToEndTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ScheduledSlot_RestartAfterPreTrade_ThenTheOperatorsCancel_IsHonoured_NothingSent_StoreMatchesLedger(bool kill)
    {
        await using var h = await DaemonHarness.StartAsync(output, config: PortfolioScheduleEndToEndTests.Config, dataPath: PortfolioScheduleEndToEndTests.Data.Value);
        var logs = new List<string>();
        try
        {
            var dir = PortfolioScheduleEndToEndTests.SignalsDir(h);
            PortfolioScheduleEndToEndTests.WriteSignals(dir, "signals.csv", 1.0, 0.5, DateTime.UtcNow.AddHours(-1));
            // An hour of session time (18 s at ×200) to start and arm first; execute an hour after pre-trade (18 s): the
            // restart and the cancel land in between. The longest grace: a slow restart must not make execute a miss.
            var build = PortfolioScheduleEndToEndTests.NextMinute(PortfolioScheduleEndToEndTests.GatewayLocal(h).AddMinutes(60));
            PortfolioScheduleEndToEndTests.WriteSchedule(h, build, graceSeconds: 3600, dir, executeAfterPreTrade: 60);
            var slot = "weekly-" + build.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
            var runId = slot + "-run";

            if (kill)
            {
                using var first = h.StartProcess(onLine: line => { lock (logs) logs.Add(line); });
                await h.WaitUntil(() => h.Read(r => r.GetPortfolioRun(runId))?.Status == "pre_trade", "the slot's run cleared at pre-trade", 90_000);
                first.Process.Kill(); // SIGKILL: no exit path runs
                await first.Process.WaitForExitAsync();
            }
            else
            {
                var first = h.StartDaemon();
                await h.WaitUntil(() => h.Read(r => r.GetPortfolioRun(runId))?.Status == "pre_trade", "the slot's run cleared at pre-trade", 90_000);
                await h.StopCleanly(first);
            }
            var run = h.StartDaemon();
            await h.WaitUntil(() => OrderDoubtScenarioTests.Starts(h) >= 2, "the second engine started", 60_000);
            await h.WaitUntil(() => h.Read(r => r.GetStatus())?.FsmState is { } f && (f.StartsWith("Running", StringComparison.Ordinal) || f.StartsWith("Paused", StringComparison.Ordinal)),
                "the second engine synced", 60_000);

            var cancel = await h.WaitControl(h.Enqueue(ControlCommandKind.Cancel, new JsonObject { ["run_id"] = runId }.ToJsonString()));
            output.WriteLine($"cancel after the restart: {cancel.Status} {cancel.Result}");
            // Before, "Refused run …: no working orders": the answer that once meant the slot would trade all the same.
            Assert.Equal(ControlStatus.Done, cancel.Status);
            Assert.Equal($"run {runId}: already ended failed (cancelled by restart) before its orders went out: nothing was sent", cancel.Result);
            // The restart ended the slot: told once (before, only execute's note said so).
            await h.WaitUntil(() => PortfolioScheduleEndToEndTests.Alerts(h, "SCHEDULE_FAILED").Count > 0, "the slot's end told", 20_000);
            var told = Assert.Single(PortfolioScheduleEndToEndTests.Alerts(h, "SCHEDULE_FAILED"));
            Assert.Contains($"schedule slot {slot}: run {runId} ended by the restart", told.Message, StringComparison.Ordinal);
            // Past execute_at: the execute phase finds the run ended.
            await h.WaitUntil(() => h.Sql($"SELECT count(*) FROM operations WHERE detail LIKE 'schedule {slot}: execute%'", r => r.GetInt64(0)).Single() > 0,
                "the execute phase came", 120_000);
            var ended = h.Read(r => r.GetPortfolioRun(runId))!;
            Assert.Equal("failed", ended.Status);
            Assert.Empty(ended.Orders);
            Assert.DoesNotContain(h.LedgerOf("order"), o => o.OrderRef!.StartsWith("oi_p", StringComparison.Ordinal));
            Assert.Single(PortfolioScheduleEndToEndTests.Alerts(h, "SCHEDULE_FAILED")); // not again at execute

            h.Enqueue(ControlCommandKind.Stop);
            Assert.Equal(0, await run.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
            await PortfolioScheduleEndToEndTests.AssertPortfolioMatchesLedger(h);
        }
        catch
        {
            lock (logs) foreach (var l in logs) output.WriteLine(l);
            h.Dump();
            throw;
        }
    }

    // TWS restarting between the slot's pre-trade and its execution (the reducer-level twin: PortfolioReview
    // ScheduledSlot_LinkDropsAndComesBackBeforeExecute_…): the socket drops, the daemon reconnects and syncs well before
    // execute_at. Found here: the drop blocked the cleared run (connection_unavailable) and the slot never traded.
    [Fact]
    public async Task ScheduledSlot_LinkDroppedAfterPreTrade_BackBeforeExecute_Trades_StoreMatchesLedger()
    {
        await using var h = await DaemonHarness.StartAsync(output, config: PortfolioScheduleEndToEndTests.Config, dataPath: PortfolioScheduleEndToEndTests.Data.Value);
        try
        {
            var dir = PortfolioScheduleEndToEndTests.SignalsDir(h);
            PortfolioScheduleEndToEndTests.WriteSignals(dir, "signals.csv", 1.0, 0.5, DateTime.UtcNow.AddHours(-1));
            // Execute an hour after pre-trade (18 s at ×200): the drop, the reconnect and the sync land in between.
            var build = PortfolioScheduleEndToEndTests.NextMinute(PortfolioScheduleEndToEndTests.GatewayLocal(h).AddMinutes(60));
            PortfolioScheduleEndToEndTests.WriteSchedule(h, build, graceSeconds: 3600, dir, executeAfterPreTrade: 60);
            var slot = "weekly-" + build.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
            var runId = slot + "-run";
            var run = h.StartDaemon();
            await h.WaitUntil(() => h.Read(r => r.GetPortfolioRun(runId))?.Status == "pre_trade", "the slot's run cleared at pre-trade", 90_000);
            await h.Gateway.ExecuteAsync("drop-connection");
            await h.WaitUntil(() => h.Ops(OperationKind.Alert).Any(o => o.Detail!.StartsWith("BROKER_DISCONNECTED", StringComparison.Ordinal)),
                "the drop seen", 30_000);
            Assert.Equal("pre_trade", h.Read(r => r.GetPortfolioRun(runId))!.Status);
            await h.WaitUntil(() => h.Read(r => r.GetPortfolioRun(runId))?.Status is "done" or "partial" or "failed" or "blocked", "the slot's run ended", 120_000);
            var ended = h.Read(r => r.GetPortfolioRun(runId))!;
            Assert.Equal("done", ended.Status);
            Assert.Equal(2, ended.Orders.Count);
            Assert.All(ended.Orders, o => Assert.Equal("filled", o.Status));
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
