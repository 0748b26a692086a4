using System.Diagnostics;
using Bifrost.Daemon.Engine;
using Bifrost.Sim.Gateway;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Tests.Shared;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>
/// What survives a restart: the option book, the operator's state, the day's counters, and every fill — including one
/// that lands while the daemon is down or starting. Kill -9 runs the daemon as a child process (no shutdown code runs);
/// each scenario ends with the gateway's ledger compared to the store.
/// </summary>
[Collection(EndToEndCollection.Name)]
public class RestartScenarioTests(ITestOutputHelper output)
{
    private static Func<int, string, string> Config(params (string From, string To)[] edits) => (port, store) =>
    {
        var json = TestConfig.Json(port, store, conIds: false);
        foreach (var (from, to) in edits)
        {
            Assert.Contains(from, json);
            json = json.Replace(from, to, StringComparison.Ordinal);
        }
        return json;
    };

    /// <summary>FSM transitions recorded so far that end in <paramref name="to"/> (e.g. "Syncing -> Paused").</summary>
    private static int Transitions(DaemonHarness h, string transition) =>
        h.Ops(OperationKind.State).Count(o => o.Detail == transition || o.Detail!.StartsWith(transition + "(", StringComparison.Ordinal));

    private static int Starts(DaemonHarness h) =>
        h.Ops(OperationKind.State).Count(o => o.Detail!.StartsWith("engine started: ", StringComparison.Ordinal));

    private static async Task StopAndCheck(DaemonHarness h, DaemonRun run)
    {
        h.Enqueue(ControlCommandKind.Stop);
        Assert.Equal(0, await run.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
        h.AssertMatchesLedger();
    }

    [Fact]
    public async Task Restart_AfterRebalanceBoughtAPut_KeepsTheBookOrHalts()
    {
        await using var h = await DaemonHarness.StartAsync(output);
        try
        {
            var first = h.StartDaemon();
            await h.WaitFsm("Running", 90_000);
            // Refused while a hedge is in flight: asked again until it runs.
            ControlCommand done;
            var tries = 0;
            do
            {
                var rebalance = h.Enqueue(ControlCommandKind.Rebalance, $$"""{"targets": [{"con_id": {{TestConfig.PutId}}, "quantity": 11}]}""");
                done = await h.WaitControl(rebalance, 90_000);
            }
            while (done.Status == ControlStatus.Refused && done.Result!.Contains("in flight", StringComparison.Ordinal) && ++tries < 50);
            Assert.Equal(ControlStatus.Done, done.Status);
            await h.WaitUntil(() => h.StrategyQty(TestConfig.PutId) == 11, "the strategy owns 11 puts");
            await StopAndCheck(h, first);
            var ordersBefore = h.LedgerOf("order").Select(o => o.OrderRef).ToHashSet();

            var second = h.StartDaemon();
            await h.WaitUntil(() => Starts(h) == 2 && Transitions(h, "Syncing -> Running/Idle") + Transitions(h, "Syncing -> Running/HedgePending")
                + Transitions(h, "Syncing -> Halted") >= 2, "the restarted engine synced", 90_000);
            await Task.Delay(3000); // the replay goes on: let the hedger act on whatever book it restored
            var status = h.Read(r => r.GetStatus())!;
            if (status.FsmState.StartsWith("Halted", StringComparison.Ordinal))
            {
                Assert.Contains("BOOK_MISMATCH", status.FsmState);
            }
            else
            {
                Assert.Equal(11, h.StrategyQty(TestConfig.PutId));
                Assert.Equal(10, h.StrategyQty(TestConfig.CallId));
                Assert.Equal(0, h.ExternalQty(TestConfig.PutId));
            }
            // The reported failure sold 474 shares at once against a book that had lost its puts.
            var newOrders = h.LedgerOf("order").Where(o => !ordersBefore.Contains(o.OrderRef)).ToList();
            Assert.All(newOrders, o => Assert.True(o.Quantity < 100, $"{o.OrderRef} {o.Action} {o.Quantity}: a hedge against a changed book"));
            await StopAndCheck(h, second);
            Assert.Equal(11, h.StrategyQty(TestConfig.PutId));
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task Restart_WhilePaused_StaysPaused()
    {
        await using var h = await DaemonHarness.StartAsync(output);
        var logs = new List<string>();
        try
        {
            using (var first = Child(h, h.ConfigPath, logs))
            {
                await h.WaitOrders(1, 90_000);
                var pause = h.Enqueue(ControlCommandKind.Pause);
                Assert.Equal(ControlStatus.Done, (await h.WaitControl(pause, 30_000)).Status);
                first.Process.Kill(); // SIGKILL: no shutdown code runs
                await first.Process.WaitForExitAsync();
            }
            var ordersAtKill = h.LedgerOf("order").Count;
            using var second = Child(h, h.ConfigPath, logs);
            await h.WaitUntil(() => Transitions(h, "Syncing -> Paused") >= 1, "the restarted engine came back Paused", 90_000);
            await Task.Delay(3000); // ×200 replay: ten simulated minutes in which a running engine would hedge
            Assert.Equal(ordersAtKill, h.LedgerOf("order").Count);
            Assert.StartsWith("Paused", h.Read(r => r.GetStatus())!.FsmState);
            // Only the operator resumes.
            var resume = h.Enqueue(ControlCommandKind.Resume);
            Assert.Equal(ControlStatus.Done, (await h.WaitControl(resume, 30_000)).Status);
            h.Enqueue(ControlCommandKind.Stop);
            await second.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, second.Process.ExitCode);
            h.AssertMatchesLedger();
        }
        catch
        {
            lock (logs) foreach (var l in logs) output.WriteLine(l);
            throw;
        }
    }

    /// <summary>A daemon killed (kill -9, the watchdog, a crash) is restarted by systemd in seconds and nobody knew the
    /// book went unwatched: the next start raises UNCLEAN_EXIT naming the last heartbeat. A clean stop raises nothing.</summary>
    [Fact]
    public async Task Restart_AfterAKill_AlertsUncleanExit_AfterACleanStopDoesNot()
    {
        await using var h = await DaemonHarness.StartAsync(output);
        var logs = new List<string>();
        try
        {
            using (var first = Child(h, h.ConfigPath, logs))
            {
                await h.WaitOrders(1, 90_000);
                first.Process.Kill(); // SIGKILL: no exit path runs
                await first.Process.WaitForExitAsync();
            }
            Assert.DoesNotContain(h.Alerts(), a => a.Code == "UNCLEAN_EXIT");
            using (var second = Child(h, h.ConfigPath, logs))
            {
                await h.WaitUntil(() => h.Alerts().Any(a => a.Code == "UNCLEAN_EXIT"), "UNCLEAN_EXIT at the start after the kill", 60_000);
                var alert = h.Alerts().Single(a => a.Code == "UNCLEAN_EXIT");
                Assert.Equal(AlertSeverity.Warning, alert.Severity);
                Assert.Matches(@"last heartbeat \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC", alert.Message);
                await h.WaitUntil(() => Starts(h) >= 2, "the second engine started", 60_000);
                await h.WaitFsm("Running", 60_000);
                await h.PauseSettleAndStop(second);
            }
            using var third = Child(h, h.ConfigPath, logs);
            await h.WaitUntil(() => Starts(h) >= 3, "the third engine started", 60_000);
            await h.WaitUntil(() => Transitions(h, "Syncing -> Paused") >= 1, "the third engine synced (Paused, as stopped)", 60_000);
            Assert.Single(h.Alerts(), a => a.Code == "UNCLEAN_EXIT"); // the clean stop before it raised nothing
            await h.PauseSettleAndStop(third);
            h.AssertMatchesLedger();
        }
        catch
        {
            lock (logs) foreach (var l in logs) output.WriteLine(l);
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task Restart_WhileHaltedOnDailyLoss_StaysHalted()
    {
        // Loss limits of $1 (daily loss, and drawdown from the high-water mark): the first dip halts the engine.
        await using var h = await DaemonHarness.StartAsync(output, config: Config(("\"daily_loss_limit\": 100000", "\"daily_loss_limit\": 1"),
            ("\"max_drawdown\": 100000", "\"max_drawdown\": 1")));
        try
        {
            var first = h.StartDaemon();
            await h.WaitUntil(() => Transitions(h, "Running/Idle -> Halted") + Transitions(h, "Running/HedgePending -> Halted") >= 1
                                    || h.Read(r => r.GetStatus())?.FsmState.StartsWith("Halted(", StringComparison.Ordinal) == true,
                "halted on a loss limit", 60_000);
            var halted = h.Read(r => r.GetStatus())!.FsmState;
            Assert.True(halted.StartsWith("Halted(DAILY_LOSS_LIMIT", StringComparison.Ordinal) || halted.StartsWith("Halted(MAX_DRAWDOWN", StringComparison.Ordinal), halted);
            await StopAndCheck(h, first);
            var ordersAtStop = h.LedgerOf("order").Count;
            var halts = Transitions(h, "Syncing -> Halted");

            var second = h.StartDaemon();
            await h.WaitUntil(() => Transitions(h, "Syncing -> Halted") > halts, "the restarted engine came back Halted", 90_000);
            Assert.Equal(halted.Split(':')[0], h.Read(r => r.GetStatus())!.FsmState.Split(':')[0]);
            await Task.Delay(3000);
            Assert.Equal(ordersAtStop, h.LedgerOf("order").Count);
            await StopAndCheck(h, second);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    /// <summary>The store keeps the run's orders but its engine_memory row is gone (deleted by hand, lost): the restart
    /// cannot know a pause, a halt or the day's loss. Before, it started as a first start and hedged on.</summary>
    [Fact]
    public async Task Restart_WithTheEngineMemoryRowDeleted_ComesBackHaltedMemoryMissing_NothingSentUntilResumed()
    {
        await using var h = await DaemonHarness.StartAsync(output);
        try
        {
            var first = h.StartDaemon();
            await h.WaitOrders(2, 60_000);
            await h.PauseSettleAndStop(first);
            h.AssertMatchesLedger();
            using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={h.StorePath};Pooling=False"))
            {
                c.Open();
                using var cmd = c.CreateCommand();
                cmd.CommandText = "DELETE FROM engine_state WHERE key = 'engine_memory'";
                Assert.Equal(1, cmd.ExecuteNonQuery());
            }
            var ordersAtStop = h.LedgerOf("order").Count;

            var second = h.StartDaemon();
            await h.WaitFsm("Halted(MEMORY_MISSING", 90_000);
            Assert.Contains(h.Alerts(), a => a.Code == "MEMORY_MISSING" && a.Severity == AlertSeverity.Critical);
            await Task.Delay(3000); // ×200 replay: ten simulated minutes in which a running engine would hedge
            Assert.Equal(ordersAtStop, h.LedgerOf("order").Count);
            var status = h.Read(r => r.GetStatus())!;
            Assert.Equal(Health.Blocked, status.Health);
            Assert.Contains("MEMORY_MISSING", status.BlockReasons);
            // Only the operator's resume runs again.
            Assert.Equal(ControlStatus.Done, (await h.WaitControl(h.Enqueue(ControlCommandKind.Resume), 30_000)).Status);
            await h.WaitFsm("Running", 30_000);
            await h.PauseSettleAndStop(second);
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    /// <summary>The last run's halt never reached the store (locked, full) and was kept beside it: the next start puts it
    /// into the store before reading it, and comes back halted, not as the store's older memory (Paused) said.</summary>
    [Fact]
    public async Task Restart_WithAPendingMemoryTheStoreNeverTook_ComesBackAsItSays()
    {
        await using var h = await DaemonHarness.StartAsync(output);
        try
        {
            var first = h.StartDaemon();
            await h.WaitOrders(1, 60_000);
            await h.PauseSettleAndStop(first);
            var (json, writtenAt) = h.Sql("SELECT value, updated_ns FROM engine_state WHERE key = 'engine_memory'", r => (r.GetString(0), r.GetInt64(1))).Single();
            var m = MemoryJson.Read(json);
            Assert.Equal(Bifrost.Domain.Trading.OperatorState.OperatorPaused, m.Operator);
            var halted = Engine.EngineInputs.WithOperator(m,
                Bifrost.Domain.Trading.OperatorState.NewOperatorHalted(Bifrost.Domain.HaltReason.NewDailyLossBreached(-1_234.0)));
            PendingMemory.Write(PendingMemory.PathFor(h.StorePath), MemoryJson.Write(halted), writtenAt + 1);
            var ordersAtStop = h.LedgerOf("order").Count;

            var second = h.StartDaemon();
            await h.WaitFsm("Halted(DAILY_LOSS_LIMIT", 90_000);
            Assert.False(File.Exists(PendingMemory.PathFor(h.StorePath)), "merged into the store and removed");
            Assert.True(MemoryJson.Read(h.Sql("SELECT value FROM engine_state WHERE key = 'engine_memory'", r => r.GetString(0)).Single()).Operator.IsOperatorHalted);
            await Task.Delay(2000);
            Assert.Equal(ordersAtStop, h.LedgerOf("order").Count);
            await h.StopCleanly(second);
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task Restarts_WithinOneSessionDay_NeverExceedMaxDailyTrades()
    {
        // max_daily_trades caps risk-adding trades; a hedge that shrinks both the position and |delta − target| is exempt
        // (issue 9 item 2) and says so on its intent ("RISK_EXEMPT … DAILY_TRADE_LIMIT"). So across restarts in one session
        // day: at most `limit` hedges without that exemption, and every hedge past the limit names it — which it can only do
        // if the day's count came back from the store (a re-armed counter would send them as ordinary hedges).
        const int limit = 5;
        await using var h = await DaemonHarness.StartAsync(output, config: Config(("\"max_daily_trades\": 1000", $"\"max_daily_trades\": {limit}")));
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var run = h.StartDaemon();
                await h.WaitUntil(() => Starts(h) == i + 1, $"run {i + 1} started", 90_000);
                await h.WaitUntil(() => h.LedgerOf("order").Count >= limit, $"{limit} orders", 60_000);
                await Task.Delay(2500);
                var hedges = h.Ops(OperationKind.Intent).Reverse() // oldest first
                    .Where(o => o.Detail!.StartsWith("hedge ", StringComparison.Ordinal)).ToList();
                var ordinary = hedges.Where(o => !o.Detail!.Contains("RISK_EXEMPT", StringComparison.Ordinal)).ToList();
                Assert.True(ordinary.Count <= limit, $"{ordinary.Count} risk-adding hedges with max_daily_trades {limit} after {i + 1} runs");
                foreach (var past in hedges.Skip(limit))
                    Assert.Contains("DAILY_TRADE_LIMIT", past.Detail!, StringComparison.Ordinal);
                Assert.Equal(hedges.Count, h.LedgerOf("order").Count); // one order per hedge: nothing unaccounted for
                await StopAndCheck(h, run);
            }
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task Restart_AfterManualBuy_TheHedgerNeverTradesItBack()
    {
        // The reported loss: the operator's manual BUY was "undone by the hedger". Without a restart that is covered in
        // SafetyLightAndLimitsTests; here the daemon is killed (-9) after the manual fill and the restarted engine rebuilds
        // its book from the store only. The 100 shares must come back external, and no hedge may sell them.
        await using var h = await DaemonHarness.StartAsync(output, config: (port, store) => TestConfig.Json(port, store, conIds: false, band: 60));
        var logs = new List<string>();
        try
        {
            using (var first = Child(h, h.ConfigPath, logs))
            {
                await h.WaitFsm("Running", 90_000);
                await h.WaitBookValued();
                ControlCommand buy;
                do // the hedger may have an order in flight: the operator tries again
                {
                    buy = await h.WaitControl(h.Enqueue(ControlCommandKind.ManualOrder, """{"contract":"XYZ","side":"buy","quantity":100}"""), 30_000);
                } while (buy.Status == ControlStatus.Refused && buy.Result!.Contains("in flight", StringComparison.Ordinal));
                Assert.Equal(ControlStatus.Done, buy.Status);
                await h.WaitUntil(() => h.ExternalQty(TestConfig.StockId) == 100, "the daemon sees the operator's 100 shares", 30_000);
                first.Process.Kill(); // SIGKILL: no shutdown code runs
                await first.Process.WaitForExitAsync();
            }
            var ordersAtKill = h.LedgerOf("order").Count;
            using var second = Child(h, h.ConfigPath, logs);
            await h.WaitUntil(() => Starts(h) == 2 && Transitions(h, "Syncing -> Running/Idle") + Transitions(h, "Syncing -> Running/HedgePending") >= 2,
                "the restarted engine synced and runs", 90_000);
            await h.WaitUntil(() => h.Read(r => r.GetStatus())!.Positions.Any(p => p.ContractId == TestConfig.StockId), "a status after the restart", 30_000);
            Assert.Equal(100, h.ExternalQty(TestConfig.StockId));
            await Task.Delay(3000); // ×200 replay: ten simulated minutes of hedging on the restored book
            Assert.Equal(100, h.ExternalQty(TestConfig.StockId));
            var firstHedgeAfter = h.LedgerOf("order").Skip(ordersAtKill).FirstOrDefault();
            Assert.False(firstHedgeAfter is { Action: "SELL", Quantity: >= 90 and <= 110 }, $"hedge {firstHedgeAfter?.OrderRef} sold {firstHedgeAfter?.Quantity} right after the restart");
            await h.WaitUntilAsync(async () => (await h.Gateway.PositionsAsync())[TestConfig.StockId].Qty == h.StrategyQty(TestConfig.StockId) + 100,
                "the gateway's XYZ position = the strategy's + the operator's 100", 30_000);
            h.Enqueue(ControlCommandKind.Stop);
            await second.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, second.Process.ExitCode);
            h.AssertMatchesLedger(); // includes: the strategy's XYZ = the ledger's fills less the operator's manual ones
        }
        catch
        {
            lock (logs) foreach (var l in logs) output.WriteLine(l);
            throw;
        }
    }

    [Fact]
    public async Task FillDuringStartUp_IsAppliedExactlyOnce()
    {
        // Step mode: the gateway's clock moves only when told, so an order placed before the kill fills exactly when the
        // test chooses — while the daemon is down, or just after the restarted daemon's socket is up (start-up).
        // A fill latency of a simulated minute: an order stays working until the test moves the clock past it.
        // A narrow band (6 shares): the straddle's gamma moves delta by ~12 shares per dollar, so a hedge is never far away
        // and every iteration has a working order to kill (with the default 20 the replay's path can sit inside the band).
        await using var h = await DaemonHarness.StartAsync(output, speed: ReplaySpeed.Step, fillLatencyNanos: 60_000_000_000,
            config: (port, store) => TestConfig.Json(port, store, conIds: false, band: 6));
        var logs = new List<string>();
        try
        {
            var deadline = Stopwatch.StartNew();
            var runs = 0;
            var iterations = 0;
            for (var i = 0; i < 4 && deadline.Elapsed < TimeSpan.FromMinutes(3); i++)
            {
                var duringStartUp = i % 2 == 0;
                using (var daemon = Child(h, h.ConfigPath, logs))
                {
                    runs++;
                    await h.WaitUntil(() => Starts(h) == runs && h.Ops(OperationKind.Reconcile).Count(o => o.Detail!.StartsWith("reconciled", StringComparison.Ordinal)) >= runs,
                        $"run {runs} reconciled", 90_000);
                    var pending = await PendingOrderAsync(h);
                    output.WriteLine($"iteration {i + 1}: {pending} working at the kill");
                    daemon.Process.Kill(); // the order is working, its fill not yet due
                    await daemon.Process.WaitForExitAsync();
                }
                if (!duringStartUp) await h.Gateway.AdvanceAsync(TimeSpan.FromSeconds(90)); // fills while nobody is connected
                using (var next = Child(h, h.ConfigPath, logs))
                {
                    runs++;
                    if (duringStartUp)
                    {
                        await h.WaitUntil(() => h.Gateway.ConnectedClientIds.Contains(17), "the restarted daemon's socket is up", 90_000);
                        await h.Gateway.AdvanceAsync(TimeSpan.FromSeconds(90)); // the fill lands while the daemon starts
                    }
                    await h.WaitUntil(() => Starts(h) == runs && h.Ops(OperationKind.Reconcile).Count(o => o.Detail!.StartsWith("reconciled", StringComparison.Ordinal)) >= runs,
                        $"run {runs} reconciled", 90_000);
                    await h.WaitUntil(() => h.Sql("SELECT count(*) FROM orders WHERE filled < qty AND status = 'Filled'", r => r.GetInt64(0)).Single() == 0,
                        "every filled order has its fills", 20_000);
                    h.Enqueue(ControlCommandKind.Stop);
                    await next.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
                    Assert.Equal(0, next.Process.ExitCode);
                    h.AssertMatchesLedger();
                }
                Assert.DoesNotContain(h.Read(r => r.GetAlerts(limit: 1000)), a => a.Code == "UNKNOWN_FILL");
                output.WriteLine($"iteration {i + 1}: fill {(duringStartUp ? "during start-up" : "during downtime")}, ledger == store");
                iterations++;
            }
            Assert.True(iterations >= 2, $"{iterations} kill/restart iterations (at least one of each kind expected)");
        }
        catch
        {
            lock (logs) foreach (var l in logs) output.WriteLine(l);
            throw;
        }
    }

    [Fact]
    public async Task AnotherEnginesOrder_AtSync_BlocksStartUp()
    {
        await using var h = await DaemonHarness.StartAsync(output);
        var otherDir = Path.Combine(h.Dir, "other");
        Directory.CreateDirectory(otherDir);
        var otherConfig = Path.Combine(otherDir, "bifrost.json");
        await File.WriteAllTextAsync(otherConfig, TestConfig.Json(h.Gateway.Port, Path.Combine(otherDir, "bifrost.db"), conIds: false, clientId: 18)
            .Replace("\"run_id\": \"t1\"", "\"run_id\": \"other\"", StringComparison.Ordinal));
        var logs = new List<string>();
        try
        {
            using (var other = Child(h, otherConfig, logs))
            {
                await h.WaitUntil(() => h.LedgerOf("fill", 18).Count >= 1, "the other engine traded", 60_000);
                other.Process.Kill();
                await other.Process.WaitForExitAsync();
            }
            var otherRef = h.LedgerOf("fill", 18)[0].OrderRef!;
            Assert.StartsWith("oi_other_", otherRef);

            var ours = h.StartDaemon();
            await h.WaitUntil(() => Transitions(h, "Syncing -> Halted") >= 1, "start-up blocked", 90_000);
            Assert.Contains("ANOTHER_ENGINE", h.Read(r => r.GetStatus())!.FsmState);
            var alert = Assert.Single(h.Read(r => r.GetAlerts(limit: 1000)), a => a.Code == "ANOTHER_ENGINE");
            Assert.Equal(AlertSeverity.Critical, alert.Severity);
            Assert.Contains("oi_other_", alert.Message);
            await Task.Delay(2000);
            Assert.Empty(h.LedgerOf("order", 17));
            await StopAndCheck(h, ours);
        }
        catch
        {
            h.Dump();
            lock (logs) foreach (var l in logs) output.WriteLine(l);
            throw;
        }
    }

    /// <summary>Moves the gateway on until the daemon has an order at the gateway with no fill yet
    /// (its fill is due 10 ms of gateway time later, which passes only when the test moves the clock).</summary>
    private static async Task<string> PendingOrderAsync(DaemonHarness h)
    {
        var deadline = Environment.TickCount64 + 60_000;
        while (Environment.TickCount64 < deadline)
        {
            var ledger = h.Ledger();
            var done = ledger.Where(e => e.Type is "fill" or "cancel" or "reject").Select(e => e.OrderRef).ToHashSet();
            var working = ledger.Where(e => e.Type == "order" && e.ClientId == 17 && !done.Contains(e.OrderRef)).Select(e => e.OrderRef!).ToList();
            if (working.Count > 0) return working[^1];
            // A few seconds of gateway time per step: prices move, and a working order (a minute from its fill) stays working.
            await h.Gateway.StepAsync(25);
            await Task.Delay(100); // time for the daemon to see the quotes and decide
        }
        var status = h.Read(r => r.GetStatus());
        var blocks = h.Ops(OperationKind.GuardBlock).Take(3).Select(o => o.Detail);
        throw new TimeoutException($"no order from the daemon: gateway {new DateTime(h.Gateway.NowNanos / 100 + DateTime.UnixEpoch.Ticks):HH:mm:ss} status {new DateTime((status?.TimeNanos ?? 0) / 100 + DateTime.UnixEpoch.Ticks):HH:mm:ss} {status?.FsmState} blocks [{string.Join(",", status?.BlockReasons ?? [])}] "
            + $"checks [{string.Join("; ", status?.Checks.Where(c => c.Health != Health.Ok).Select(c => $"{c.Name}: {c.Detail}") ?? [])}] last guard blocks [{string.Join(" | ", blocks)}]");
    }

    /// <summary>The daemon as a child process of the harness (killed with it, whatever the test does); stdout into
    /// <paramref name="logs"/>, stderr in the harness's dump.</summary>
    private static TestChild Child(DaemonHarness h, string config, List<string> logs)
    {
        Assert.True(File.Exists(DaemonProcess.Dll), DaemonProcess.Dll);
        return h.StartProcess(config, onLine: line => { lock (logs) logs.Add(line); });
    }
}
