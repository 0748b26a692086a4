using System.Collections;
using Bifrost.Daemon.Engine;
using Bifrost.Sim.Gateway;
using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>
/// The host's clock stepping under a live daemon (`daemon.clock: system`, as with TWS), end to end on the replay
/// gateway; the reducer-level twins are in Bifrost.Domain.Tests' Trading.ClockStep. The host's clock here is the
/// test's: its monotonic clock follows the replay's session and its wall clock is that plus the step the test sets,
/// so the daemon lives in the session as it would on a real host. Before, the engine stamped its inputs with the wall
/// clock: a step back froze every timer (its "now" never goes back) for as long as the step, silently. Each ends with
/// the gateway's ledger compared to the store.
/// </summary>
[Collection(EndToEndCollection.Name)]
public class ClockStepScenarioTests(ITestOutputHelper output)
{
    private const long Hour = 3_600_000_000_000L;

    /// <summary>A host whose monotonic clock is the replay's session time and whose wall clock the test steps.</summary>
    private sealed class SessionHostClock(ReplayGateway gateway) : IHostClock
    {
        private long _step;

        public void Step(long nanos) => Interlocked.Add(ref _step, nanos);

        public long WallNanos() => gateway.NowNanos + Interlocked.Read(ref _step);

        public long MonotonicNanos() => gateway.NowNanos;
    }

    private static readonly Hashtable SystemClock = new() { ["BIFROST__DAEMON__CLOCK"] = "system" };

    private static StatusSnapshot Status(DaemonHarness h) => OrderDoubtScenarioTests.Status(h);

    private static string Describe(DaemonHarness h) => OrderDoubtScenarioTests.Describe(h);

    [Fact]
    public async Task HostClockSteppedBack_WhileHedging_PausesOnClockStepped_TheEngineKeepsItsTime_LedgerMatchesStore()
    {
        await using var h = await DaemonHarness.StartAsync(output);
        try
        {
            var host = new SessionHostClock(h.Gateway);
            var run = h.StartDaemon(SystemClock, new DaemonRuntimeOptions { HostClock = host });
            await h.WaitOrders(1, 60_000);
            await h.WaitUntil(() => Status(h).FsmState.StartsWith("Running", StringComparison.Ordinal), $"running ({Describe(h)})", 30_000);
            Assert.DoesNotContain(h.Alerts(), a => a.Code == "CLOCK_STEPPED");

            host.Step(-Hour);
            var stepped = h.Gateway.NowNanos;
            await h.WaitUntil(() => h.Alerts().Any(a => a.Code == "CLOCK_STEPPED"), "the step noticed", 30_000);
            var alert = h.Alerts().Single(a => a.Code == "CLOCK_STEPPED");
            output.WriteLine($"{alert.Severity} {alert.Code}: {alert.Message}");
            Assert.Equal(AlertSeverity.Critical, alert.Severity);
            Assert.Contains("went back 3,600 s", alert.Message);
            await h.WaitFsm("Paused", 30_000);
            Assert.Contains(Status(h).Checks, c => c.Detail?.Contains("CLOCK_STEPPED", StringComparison.Ordinal) == true);
            Assert.NotEqual(Health.Ok, Status(h).Health);

            // The engine's time runs on with the session (a wall clock an hour back would have held it for an hour of
            // the session, 18 wall s at ×200), and the step is reported once.
            await h.WaitUntil(() => Status(h).TimeNanos > stepped + 120_000_000_000L, $"the engine's clock past the step by 120 s ({Describe(h)})", 30_000);
            Assert.InRange(Status(h).TimeNanos, stepped, h.Gateway.NowNanos + 5_000_000_000L);
            Assert.Single(h.Alerts(), a => a.Code == "CLOCK_STEPPED");
            var orders = h.LedgerOf("order").Count + h.LedgerOf("reject").Count;
            await OrderDoubtScenarioTests.NoNewOrdersFor(h, 1500, orders); // 300 simulated s, paused: nothing sent

            await h.StopCleanly(run);
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task Restart_OnAHostClockADayBehind_KeepsTheDaysTrades_PausesOnClockBehind_AndSendsNothing()
    {
        await using var h = await DaemonHarness.StartAsync(output);
        try
        {
            var first = new SessionHostClock(h.Gateway);
            var run = h.StartDaemon(SystemClock, new DaemonRuntimeOptions { HostClock = first });
            await h.WaitOrders(1, 60_000);
            await h.PauseSettleAndStop(run);
            var traded = h.LedgerOf("order").Count + h.LedgerOf("reject").Count;

            // The host's clock went back a day while the daemon was down; it starts again on it.
            var behind = new SessionHostClock(h.Gateway);
            behind.Step(-24 * Hour);
            var again = h.StartDaemon(SystemClock, new DaemonRuntimeOptions { HostClock = behind });
            await h.WaitUntil(() => h.Alerts().Any(a => a.Code == "CLOCK_BEHIND"), "the clock behind the remembered day noticed", 30_000);
            var alert = h.Alerts().Single(a => a.Code == "CLOCK_BEHIND");
            output.WriteLine($"{alert.Severity} {alert.Code}: {alert.Message}");
            Assert.Equal(AlertSeverity.Critical, alert.Severity);
            Assert.Contains($"trades ({traded})", alert.Message);
            await h.WaitFsm("Paused", 30_000);
            Assert.Equal(traded, Status(h).Limits.Single(l => l.Name == "max_daily_trades").Value, 6);
            await OrderDoubtScenarioTests.NoNewOrdersFor(h, 1500, traded);

            await h.StopCleanly(again);
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
