using System.Collections;
using Bifrost.Sim.Gateway;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>The gateway's fault injector against the daemon; each scenario is asserted against the ledger.</summary>
[Collection(EndToEndCollection.Name)]
public class FaultScenarioTests(ITestOutputHelper output)
{
    private static FaultAction Fault(string line) => FaultScript.ParseRule(line).Action;

    /// <summary>Pause, wait until the gateway's orders are over and their fills stored, stop, then compare. A bare stop
    /// raced the hedger: at 200× replay its 10 s stop timeout is 50 ms of wall time, so a hedge sent just before it
    /// could fill at the gateway after the exit (the next start's reconcile books it; this comparison would not).</summary>
    private static async Task StopAndCheck(DaemonHarness h, DaemonRun run)
    {
        await h.PauseSettleAndStop(run);
        h.AssertMatchesLedger();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // connection.dedicated_sender: the requests queued behind the drop die with the session
    public async Task DisconnectDuringAnOrder_ReconnectsReconciles_FillNotLostNorDoubled(bool dedicatedSender)
    {
        // The socket drops right after the 2nd placeOrder: its fill happens while the daemon is away.
        await using var h = await DaemonHarness.StartAsync(output, faults: ["after-orders 2 drop-connection 17"]);
        try
        {
            var run = h.StartDaemon(new Hashtable { ["BIFROST__CONNECTION__DEDICATED_SENDER"] = dedicatedSender ? "true" : "false" });
            await h.WaitOrders(4, 60_000);
            await h.WaitUntil(() => h.Ops(OperationKind.Alert).Any(o => o.Detail!.StartsWith("BROKER_DISCONNECTED", StringComparison.Ordinal)),
                "the BROKER_DISCONNECTED alert recorded", 30_000);
            Assert.True(h.Ops(OperationKind.Reconcile).Count(o => o.Detail!.StartsWith("reconciled", StringComparison.Ordinal)) >= 2);
            var second = h.LedgerOf("order")[1].OrderRef!;
            await h.WaitUntil(() => h.Read(r => r.GetOrder(second))!.Status == "Filled", "the order sent before the drop is Filled");
            var connects = run.Log.Lines.Where(l => l.Contains("[2001]", StringComparison.Ordinal)).ToList();
            Assert.True(connects.Count >= 2, $"expected a connect and a reconnect, got {connects.Count}");
            Assert.All(connects, l => Assert.EndsWith(dedicatedSender ? "the sending thread" : "the engine", l));
            await StopAndCheck(h, run);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Theory]
    [InlineData(1101, "1101: restored, data lost")]
    [InlineData(1102, "1102: restored, data maintained")]
    public async Task UpstreamLostThenRestored_PausesOnTheCriticalAlert_ReconcilesAndHedgesAgainOnceTheOperatorResumes(int restore, string note)
    {
        await using var h = await DaemonHarness.StartAsync(output);
        try
        {
            var run = h.StartDaemon();
            await h.WaitOrders(1, 30_000);
            await h.Gateway.InjectAsync(Fault($"upstream-lost {restore} 400"));
            await h.WaitUntil(() => h.Ops(OperationKind.State).Any(o => o.Detail == note), note);
            Assert.Contains(h.Ops(OperationKind.Alert), o => o.Detail!.StartsWith("IB_CONNECTIVITY_LOST", StringComparison.Ordinal));
            // A critical alert pauses new strategy orders; the restore reconciles back to Paused: resume is the operator's.
            Assert.Contains(h.Ops(OperationKind.State), o => o.Detail!.Contains("paused by critical alert IB_CONNECTIVITY_LOST", StringComparison.Ordinal));
            await h.WaitFsm("Paused");
            var whilePaused = h.LedgerOf("order").Count;
            await Task.Delay(2000);
            Assert.Equal(whilePaused, h.LedgerOf("order").Count);
            Assert.Equal(ControlStatus.Done, (await h.WaitControl(h.Enqueue(ControlCommandKind.Resume))).Status);
            var afterRestore = h.LedgerOf("order").Count;
            // Market data flows again (1101: because the daemon resubscribed), so the hedger keeps working.
            await h.WaitOrders(afterRestore + 2, 40_000);
            await StopAndCheck(h, run);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task ServerBroken2110_ThenOnlyAFarmOk_UnblocksAsA1101_ResubscribesAndHedgesAgainOnceTheOperatorResumes()
    {
        // TWS says 2110 ("broken, restored automatically") and, when it is back, only its farms' OK — no 1101/1102.
        // The gateway pauses market data at the 2110 and resumes it at the 2104 with every subscription dropped.
        // Before, only 1101/1102 ended a 2110: orders stayed blocked and the light RED for as long as the session lived.
        await using var h = await DaemonHarness.StartAsync(output);
        try
        {
            var run = h.StartDaemon();
            await h.WaitOrders(1, 30_000);
            await h.Gateway.InjectAsync(Fault("send 2110"));
            await h.WaitUntil(() => h.Ops(OperationKind.Alert).Any(o => o.Detail!.StartsWith("IB_CONNECTIVITY_LOST: 2110", StringComparison.Ordinal)), "the 2110 told");
            await h.WaitUntil(() => BrokerCheck(h) is { Health: not Health.Ok } c && c.Detail?.Contains("2110", StringComparison.Ordinal) == true, "the light names the 2110");
            await h.WaitFsm("Paused");
            await h.Gateway.InjectAsync(Fault("send 2104"));
            await h.WaitUntil(() => BrokerCheck(h)?.Health == Health.Ok, "IB reachable once TWS's farm is OK", 30_000);
            Assert.Contains(h.Ops(OperationKind.State), o => o.Detail!.StartsWith("2110 ended", StringComparison.Ordinal));
            await h.WaitFsm("Paused", 30_000); // the sync ends where the critical alert left it
            Assert.Equal(ControlStatus.Done, (await h.WaitControl(h.Enqueue(ControlCommandKind.Resume))).Status);
            var afterRestore = h.LedgerOf("order").Count;
            // Market data flows again because the daemon asked for it again, so the hedger keeps working.
            await h.WaitOrders(afterRestore + 2, 40_000);
            await StopAndCheck(h, run);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    private static CheckResult? BrokerCheck(DaemonHarness h) =>
        h.Read(r => r.GetStatus())?.Checks.FirstOrDefault(c => c.Name == "broker_connected");

    [Fact]
    public async Task DuplicatedAndReorderedExecutions_AreAppliedExactlyOnce()
    {
        await using var h = await DaemonHarness.StartAsync(output, faults: ["duplicate-exec 3", "after-fills 3 reorder-status 3", "after-fills 6 delay-exec 300 2"]);
        try
        {
            var run = h.StartDaemon();
            // Fills 1–3 duplicated, 4–6 reordered, 7–8 delayed: eight hedges meet every fault. The hedges are
            // market-driven (the 8th ~30 s into the replay here), so the bound leaves room for a loaded machine.
            await h.WaitOrders(8, 120_000);
            await h.WaitUntil(() => h.LedgerOf("fill").Count >= 8, "8 fills");
            await StopAndCheck(h, run);
            Assert.Equal(h.LedgerOf("fill").Count, h.Sql("SELECT COUNT(*) FROM fills", r => r.GetInt64(0)).Single());
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task RejectedOrder_IsRecordedAsRejected_AndTheHedgerCarriesOn()
    {
        await using var h = await DaemonHarness.StartAsync(output, faults: ["reject-next-order"]);
        try
        {
            var run = h.StartDaemon();
            await h.WaitUntil(() => h.LedgerOf("reject").Count == 1, "the first order rejected");
            var rejected = h.LedgerOf("reject").Single();
            await h.WaitUntil(() => h.Read(r => r.GetOrder(rejected.OrderRef!))?.Status == "Rejected", "order row Rejected");
            Assert.StartsWith("201", h.Read(r => r.GetOrder(rejected.OrderRef!))!.RejectReason);
            Assert.Contains(h.Ops(OperationKind.Reject), o => o.OrderRef == rejected.OrderRef);
            await h.WaitOrders(2, 30_000); // later hedges go through
            await StopAndCheck(h, run);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task GatewayRestart_WithNextValidIdRolledBack_NeverReusesAnOrderId()
    {
        await using var h = await DaemonHarness.StartAsync(output, faults: ["after-orders 3 restart"]);
        try
        {
            var run = h.StartDaemon();
            await h.WaitOrders(6, 90_000);
            Assert.Contains(h.Ops(OperationKind.Anomaly), o => o.Detail!.Contains("below our high-water mark", StringComparison.Ordinal));
            Assert.Empty(h.LedgerOf("reject")); // no 103 duplicate id
            var ids = h.LedgerOf("order").Select(o => o.OrderId).ToList();
            Assert.Equal(ids.Order(), ids);
            Assert.Equal(ids.Count, ids.Distinct().Count());
            await StopAndCheck(h, run);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // connection.dedicated_sender: orders may be queued for the sending thread when the kill lands
    public async Task Kill9MidRun_ThenRestart_ReconcilesWithNothingLostOrDuplicated(bool dedicatedSender)
    {
        await using var h = await DaemonHarness.StartAsync(output);
        Assert.True(File.Exists(DaemonProcess.Dll), DaemonProcess.Dll);
        var environment = new Dictionary<string, string> { ["BIFROST__CONNECTION__DEDICATED_SENDER"] = dedicatedSender ? "true" : "false" };
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        try
        {
            var first = h.StartProcess(environment: environment, onLine: lines.Enqueue);
            await h.WaitOrders(3, 60_000);
            Assert.Contains(lines, l => l.Contains("[2001]", StringComparison.Ordinal)
                && l.EndsWith(dedicatedSender ? "requests written by the sending thread" : "requests written by the engine", StringComparison.Ordinal));
            first.Process.Kill(); // SIGKILL: no shutdown code runs
            Assert.Equal(137, await first.ExitAsync());
            var before = h.LedgerOf("order").Count;
            var second = h.StartProcess(environment: environment);
            await h.WaitOrders(before + 3, 60_000);
            // The restarted engine restored the killed one's orders from the store (then reconciled with the broker).
            Assert.Contains(h.Ops(OperationKind.State), o => o.Detail!.StartsWith("engine started: ", StringComparison.Ordinal)
                                                               && !o.Detail.StartsWith("engine started: 0 orders", StringComparison.Ordinal));
            await h.PauseSettleAndStop(second);
            h.AssertMatchesLedger();
            var refs = h.Sql("SELECT order_ref FROM orders", r => r.GetString(0));
            Assert.Equal(refs.Count, refs.Distinct().Count());
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
