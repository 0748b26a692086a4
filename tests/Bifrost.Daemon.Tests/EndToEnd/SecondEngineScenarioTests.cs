using Bifrost.Store.Control;
using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>Two daemons on one account with the same run_id: the configuration copied to a second machine (its own
/// store and lock, another client id). Both mint the same order refs, so the second engine's fill of "our" oi_t1_1 is
/// one the gateway reports under our ref. It must never be booked as ours — live, at a sync, or replayed from the store
/// by a restart — and our engine halts ANOTHER_ENGINE naming the client.</summary>
[Collection(EndToEndCollection.Name)]
public class SecondEngineScenarioTests(ITestOutputHelper output)
{
    /// <summary>A target of +300 shares: a fresh engine's first decision is a hedge buy of about 300 (ref oi_t1_1).</summary>
    private static string WithTarget(string json) =>
        json.Replace("\"min_hedge_shares\": 5", "\"min_hedge_shares\": 5, \"target_delta\": 300", StringComparison.Ordinal);

    [Fact]
    public async Task ACopiedConfigOnAnotherClient_FillsOurRef_NeverBookedAsOurs_HaltsAnotherEngine_AndARestartRefusesItToo()
    {
        await using var h = await DaemonHarness.StartAsync(output, config: (port, store) => WithTarget(TestConfig.Json(port, store, conIds: true)));
        var logs = new List<string>();
        try
        {
            // Ours hedges to its target, then stops for the night.
            var ours = h.StartDaemon();
            await h.WaitUntil(() => h.LedgerOf("fill").Count >= 1, "our first hedge filled", 60_000);
            await h.PauseSettleAndStop(ours);
            var ourHedge = h.LedgerOf("order")[0].OrderRef!;
            var held = h.StrategyQty(TestConfig.StockId);
            output.WriteLine($"ours: {ourHedge}, strategy XYZ {held}");
            Assert.NotEqual(0, held);

            // IB's daily reset, then the copy starts on another machine: a fresh store, the same run_id, client 18.
            await h.Gateway.InjectAsync(OrderDoubtScenarioTests.Fault("forget-executions"));
            var otherDir = Path.Combine(h.Dir, "other");
            Directory.CreateDirectory(otherDir);
            var otherStore = Path.Combine(otherDir, "bifrost.db");
            var otherConfig = Path.Combine(otherDir, "bifrost.json");
            await File.WriteAllTextAsync(otherConfig, WithTarget(TestConfig.Json(h.Gateway.Port, otherStore, conIds: true, clientId: 18, lockDir: otherDir)));
            using (var other = h.StartProcess(otherConfig, onLine: line => { lock (logs) logs.Add(line); }))
            {
                // Its first sync finds our shares (FIRST_START_POSITION, paused); its operator takes them as his.
                await h.WaitUntil(() => FsmOf(otherStore).StartsWith("Paused", StringComparison.Ordinal), "the copy paused on our shares", 60_000);
                using (var q = ControlQueue.Open(otherStore)) q.Enqueue(ControlCommandKind.Resume, "{}", "test");
                await h.WaitUntil(() => h.LedgerOf("fill", 18).Count >= 1, "the copy's hedge filled", 60_000);
                using (var q = ControlQueue.Open(otherStore)) q.Enqueue(ControlCommandKind.Stop, "{}", "test");
                Assert.Equal(0, await other.ExitAsync(40_000));
            }
            var theirs = h.LedgerOf("fill", 18);
            output.WriteLine($"the copy's fills: {string.Join(", ", theirs.Select(f => $"{f.OrderRef} {f.Side} {f.Quantity} {f.ExecId}"))}");
            Assert.Contains(theirs, f => f.OrderRef == ourHedge); // the same ref as our first hedge

            // Ours starts again: the sync's executions carry our ref from client 18.
            var again = h.StartDaemon();
            await h.WaitUntil(() => h.Read(r => r.GetStatus())?.FsmState.Contains("ANOTHER_ENGINE", StringComparison.Ordinal) == true, "halted ANOTHER_ENGINE", 60_000);
            var alert = Assert.Single(h.Alerts(), a => a.Code == "ANOTHER_ENGINE");
            output.WriteLine($"{alert.Severity} {alert.Message}");
            Assert.Equal(AlertSeverity.Critical, alert.Severity);
            Assert.Contains("a second engine with run_id t1 on client 18", alert.Message, StringComparison.Ordinal);
            Assert.Contains("stop the other one, or give it a run_id and a store of its own", alert.Message, StringComparison.Ordinal);
            Assert.Equal(held, h.StrategyQty(TestConfig.StockId));
            await h.WaitUntil(() => h.Sql("SELECT count(*) FROM fills WHERE client_id = 18", r => r.GetInt64(0)).Single() >= 1, "the copy's fill stored as client 18's");
            // With the copy stopped, the operator's resume reconciles again and runs: the copy's shares are not the strategy's.
            var resume = await h.WaitControl(h.Enqueue(ControlCommandKind.Resume), 60_000);
            output.WriteLine($"resume: {resume.Status} {resume.Result}");
            Assert.Equal(ControlStatus.Done, resume.Status);
            await h.WaitFsm("Running", 30_000);
            await StopSettled(h, again);
            held = h.StrategyQty(TestConfig.StockId);
            var sent = h.LedgerOf("order").Count;

            // A restart rebuilds the book from the store, which holds the copy's fill under our ref: refused again (the
            // same day's sync meets it again, so the engine halts again until the operator resumes).
            var third = h.StartDaemon();
            await h.WaitUntil(() => h.Read(r => r.GetStatus())?.FsmState.StartsWith("Halted", StringComparison.Ordinal) == true, "halted after the restart", 60_000);
            Assert.Contains("ANOTHER_ENGINE", h.Read(r => r.GetStatus())!.FsmState, StringComparison.Ordinal);
            Assert.Equal(held, h.StrategyQty(TestConfig.StockId));
            Assert.DoesNotContain(h.Alerts(), a => a.Code is "OVERFILL" or "UNKNOWN_FILL");
            Assert.Equal(sent, h.LedgerOf("order").Count);
            await StopSettled(h, third);
        }
        catch
        {
            h.Dump();
            lock (logs) foreach (var l in logs) output.WriteLine(l);
            throw;
        }
    }

    private static string FsmOf(string store)
    {
        if (!File.Exists(store)) return "";
        using var r = Bifrost.Store.ReadModel.StoreReader.Open(store);
        return r.GetStatus()?.FsmState ?? "";
    }

    /// <summary>Pause (when running), wait until our orders are over at the gateway and their fills stored, stop, and compare the
    /// store with the gateway for our client only: the copy's execution is stored (client 18) but is no fill of our
    /// orders — each order's filled count and the strategy's shares are what client 17 traded.</summary>
    private static async Task StopSettled(DaemonHarness h, DaemonRun run)
    {
        if (h.Read(r => r.GetStatus())!.FsmState.StartsWith("Running", StringComparison.Ordinal)) // a halt trades nothing
            Assert.Equal(ControlStatus.Done, (await h.WaitControl(h.Enqueue(ControlCommandKind.Pause), 30_000)).Status);
        await h.WaitUntil(() => Settle.Settled(h), "our orders over at the gateway", 60_000);
        await h.WaitUntil(() => h.Sql("SELECT count(*) FROM fills WHERE client_id = 17", r => r.GetInt64(0)).Single() >= h.LedgerOf("fill").Count,
            "our fills in the store", 30_000);
        h.Enqueue(ControlCommandKind.Stop);
        Assert.Equal(0, await run.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
        var ourFills = h.LedgerOf("fill").Select(f => f.ExecId!).Order().ToList();
        var stored = h.Sql("SELECT exec_id FROM fills WHERE client_id IS NULL OR client_id = 17", r => r.GetString(0)).Order().ToList();
        Assert.Equal(ourFills, stored);
        foreach (var order in h.LedgerOf("order"))
        {
            var filled = h.Sql($"SELECT filled FROM orders WHERE order_ref = '{order.OrderRef}'", r => r.GetDouble(0)).Single();
            Assert.Equal(h.LedgerOf("fill").Where(f => f.OrderRef == order.OrderRef).Sum(f => f.Quantity ?? 0), filled);
        }
        var strategyStock = h.LedgerOf("fill").Where(f => f.ConId == TestConfig.StockId).Sum(f => (f.Side == "BOT" ? 1 : -1) * f.Quantity ?? 0);
        Assert.Equal(strategyStock, h.StrategyQty(TestConfig.StockId));
    }
}
