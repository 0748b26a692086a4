using System.Collections;
using System.Text.Json;
using Bifrost.Daemon.Engine;
using Bifrost.Daemon.Tests.Alerts;
using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>
/// An exception in the engine loop (a bug) ends the daemon with exit 1 and systemd restarts it. Before, only the log
/// had it: the exit path ran, marked the store stopped, and the next start raised nothing (UNCLEAN_EXIT is for exits
/// that skip the exit path), so nobody was told the book had gone unwatched. Now the crash pages at once
/// (ENGINE_CRASHED, critical, through the alert channels) and the restart reconciles. Ends with the gateway's ledger
/// compared to the store.
/// </summary>
[Collection(EndToEndCollection.Name)]
public class CrashScenarioTests(ITestOutputHelper output)
{
    /// <summary>The replay's session time as the host's clocks; armed, reading the wall clock throws (only the clock
    /// ticker's step check reads it once the engine runs).</summary>
    private sealed class FailingWallClock(Bifrost.Sim.Gateway.ReplayGateway gateway) : IHostClock
    {
        public volatile bool Armed;

        public long WallNanos() => Armed ? throw new IOException("injected: the host's clock could not be read") : gateway.NowNanos;

        public long MonotonicNanos() => gateway.NowNanos;
    }

    /// <summary>The ticker drives the limits, staleness, order timeouts and the heartbeat. Before, its death went unseen
    /// (awaited only at the stop): the engine hedged on without a clock. Now it is a crash, paged.</summary>
    [Fact]
    public async Task ClockTickerFails_TheDaemonStopsLoudly_NotRunsWithoutAClock_LedgerMatchesStore()
    {
        await using var h = await DaemonHarness.StartAsync(output);
        try
        {
            var host = new FailingWallClock(h.Gateway);
            var run = h.StartDaemon(new Hashtable { ["BIFROST__DAEMON__CLOCK"] = "system" }, new DaemonRuntimeOptions { HostClock = host });
            await h.WaitOrders(1, 60_000);
            await h.WaitFsm("Running", 30_000);
            host.Armed = true;
            Assert.Equal(1, await run.Exit.WaitAsync(TimeSpan.FromSeconds(60)));
            var crash = Assert.Single(h.Alerts(), a => a.Code == "ENGINE_CRASHED");
            output.WriteLine($"{crash.Severity} {crash.Code}: {crash.Message}");
            Assert.Equal(AlertSeverity.Critical, crash.Severity);
            Assert.Contains("injected: the host's clock could not be read", crash.Message);

            host.Armed = false;
            var again = h.StartDaemon(new Hashtable { ["BIFROST__DAEMON__CLOCK"] = "system" }, new DaemonRuntimeOptions { HostClock = host });
            await h.WaitFsm("Running", 60_000);
            await h.PauseSettleAndStop(again);
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    /// <summary>The control worker turns the operator's rows into engine events. Before, its death (an exception it did
    /// not handle) went unseen: the engine hedged on while pause, flatten and stop waited in the queue for good. Now it is
    /// a crash, paged; the restart refuses the command the dead worker had taken and answers the next.</summary>
    [Fact]
    public async Task ControlWorkerFails_TheDaemonStopsLoudly_NotTradesOnDeafToTheOperator_LedgerMatchesStore()
    {
        await using var h = await DaemonHarness.StartAsync(output);
        try
        {
            // The worker reads the wall clock once per command it takes (the command's age): armed, that read throws.
            var armed = 0;
            var run = h.StartDaemon(new Hashtable(), new DaemonRuntimeOptions
            {
                ControlWallNanos = () => Volatile.Read(ref armed) == 1 ? throw new IOException("injected: a fault in the control worker") : EngineClock.WallNanos(),
            });
            await h.WaitOrders(1, 60_000);
            await h.WaitFsm("Running", 30_000);
            Volatile.Write(ref armed, 1);
            var pause = h.Enqueue(Bifrost.Store.Records.ControlCommandKind.Pause);
            Assert.Equal(1, await run.Exit.WaitAsync(TimeSpan.FromSeconds(60)));
            var crash = Assert.Single(h.Alerts(), a => a.Code == "ENGINE_CRASHED");
            output.WriteLine($"{crash.Severity} {crash.Code}: {crash.Message}");
            Assert.Equal(AlertSeverity.Critical, crash.Severity);
            Assert.Contains("injected: a fault in the control worker", crash.Message);

            var again = h.StartDaemon();
            await h.WaitFsm("Running", 60_000);
            var abandoned = await h.WaitControl(pause);
            Assert.Equal(Bifrost.Store.Records.ControlStatus.Refused, abandoned.Status); // taken by the dead worker: not re-run
            await h.PauseSettleAndStop(again);
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task EngineLoopThrows_TheCrashReachesTheWebhook_ExitOne_TheRestartReconciles_LedgerMatchesStore()
    {
        await using var hook = new LoopbackWebhook();
        var alerts = $$"""{ "notifiers": [ { "type": "webhook", "name": "hook", "url": {{JsonSerializer.Serialize(hook.Url)}}, "timeout_seconds": 5 } ] }""";
        await using var h = await DaemonHarness.StartAsync(output, config: (port, store) => TestConfig.Json(port, store, conIds: false, alerts: alerts));
        try
        {
            // The engine loop calls its probe on every event it takes: armed, the probe throws there, as a bug would.
            var armed = 0;
            var probe = new EngineProbe
            {
                ThreadCpuNanos = () => Volatile.Read(ref armed) == 1 ? throw new InvalidOperationException("injected: a bug in the engine loop") : -1,
            };
            var run = h.StartDaemon(new Hashtable(), new DaemonRuntimeOptions { Probe = probe });
            await h.WaitOrders(1, 60_000);
            await h.WaitFsm("Running", 30_000);
            Volatile.Write(ref armed, 1);
            Assert.Equal(1, await run.Exit.WaitAsync(TimeSpan.FromSeconds(60)));

            var crash = Assert.Single(h.Alerts(), a => a.Code == "ENGINE_CRASHED");
            output.WriteLine($"{crash.Severity} {crash.Code}: {crash.Message}");
            Assert.Equal(AlertSeverity.Critical, crash.Severity);
            Assert.Contains("injected: a bug in the engine loop", crash.Message);
            Assert.Contains(hook.Bodies, b => b.Contains("\"ENGINE_CRASHED\"", StringComparison.Ordinal));
            Assert.Contains(run.Log.Lines, l => l.Contains("engine loop failed", StringComparison.Ordinal));
            // The start-up line said what the engine takes for a session (the NYSE's rules by default in New York).
            Assert.Contains(run.Log.Lines, l => System.Text.RegularExpressions.Regex.IsMatch(l,
                @"calendar America/New_York 09:30-16:00: next closed weekday \d{4}-\d{2}-\d{2}, next half day \d{4}-\d{2}-\d{2} \(closes 13:00\)"));

            // systemd's restart: the store says stopped (the crash was told), the engine syncs and trades on.
            var orders = h.LedgerOf("order").Count;
            var again = h.StartDaemon();
            await h.WaitFsm("Running", 60_000);
            Assert.DoesNotContain(h.Alerts(), a => a.Code == "UNCLEAN_EXIT");
            await h.WaitOrders(orders + 1, 60_000);
            await h.PauseSettleAndStop(again);
            Assert.Single(h.Alerts(), a => a.Code == "ENGINE_CRASHED");
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
