using System.Collections;
using System.Diagnostics;
using Bifrost.Sim.Gateway;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>
/// Orders whose fate the daemon cannot know for sure, end to end (the reducer-level twins are in
/// Bifrost.Domain.Tests' Trading.OrderDoubtScenario): a hedge the broker holds (404), a hedge stuck past
/// strategy.hedge_timeout_seconds, hedges rejected in a row, and a hedge that filled while the daemon was down and that
/// the broker no longer reports. Each must keep the daemon from sending a second order on a guess and must tell the
/// operator; each ends with the gateway's ledger compared to the store. The daemon's clock is the gateway's simulated
/// clock ("clock": "broker"), which the harness replays at ×200: one wall second is 200 simulated seconds, so the
/// 2 s cooldown is 10 wall ms and the default 30 s hedge timeout 150 wall ms.
/// </summary>
[Collection(EndToEndCollection.Name)]
public class OrderDoubtScenarioTests(ITestOutputHelper output)
{
    /// <summary>A hedge timeout that never fires within a scenario: the largest the config takes, a simulated day
    /// (432 wall s at ×200).</summary>
    private const string NoHedgeTimeout = "86400";

    internal static FaultAction Fault(string line) => FaultScript.ParseRule(line).Action;

    internal static StatusSnapshot Status(DaemonHarness h) => h.Read(r => r.GetStatus())!;

    /// <summary>The FSM, its block reasons and every alert: what a failed wait prints.</summary>
    internal static string Describe(DaemonHarness h) =>
        $"{Status(h).FsmState} [{string.Join(", ", Status(h).BlockReasons)}]; alerts [{string.Join(" | ", h.Alerts().Select(a => $"{a.Severity} {a.Code}: {a.Message}"))}]";

    internal static int Starts(DaemonHarness h) =>
        h.Ops(OperationKind.State).Count(o => o.Detail!.StartsWith("engine started: ", StringComparison.Ordinal));

    private static bool Working(OrderRecord? o) => o is { Status: "PendingSubmit" or "Submitted" or "PreSubmitted" or "PartiallyFilled" };

    private static bool DeltaOutOfBand(StatusSnapshot s) =>
        s.Band is { } b && (s.NetGreeks.Delta < b.Lower || s.NetGreeks.Delta > b.Upper);

    private static double SimSeconds(long nanos) => nanos / 1e9;

    /// <summary>After a resume the hedger is free again: once delta leaves the band (the replay moves on), a hedge goes
    /// out. An order left in flight for good would keep it blocked (ORDER_IN_FLIGHT) with delta out of band.</summary>
    private static async Task HedgesAgainOnceOutOfBand(DaemonHarness h, int ordersBefore)
    {
        await h.WaitUntil(() => h.LedgerOf("order").Count > ordersBefore || DeltaOutOfBand(Status(h)), "delta out of the band after the resume", 90_000);
        await h.WaitUntil(() => h.LedgerOf("order").Count > ordersBefore,
            $"a hedge once delta left the band (status: {Status(h).FsmState} [{string.Join(", ", Status(h).BlockReasons)}])", 30_000);
    }

    /// <summary>Watches for <paramref name="wallMs"/>: the orders the gateway accepted must not change, and the status
    /// samples say whether delta was out of the band meanwhile (so a hedger that took the held order for dead would
    /// have sent another). Returns (samples, samples out of band).</summary>
    internal static async Task<(int Samples, int OutOfBand)> NoNewOrdersFor(DaemonHarness h, int wallMs, int expectedOrders)
    {
        var samples = 0;
        var outOfBand = 0;
        var deadline = Environment.TickCount64 + wallMs;
        while (Environment.TickCount64 < deadline)
        {
            Assert.Equal(expectedOrders, h.LedgerOf("order").Count + h.LedgerOf("reject").Count);
            samples++;
            if (DeltaOutOfBand(Status(h))) outOfBand++;
            await Task.Delay(100);
        }
        Assert.Equal(expectedOrders, h.LedgerOf("order").Count + h.LedgerOf("reject").Count);
        return (samples, outOfBand);
    }

    [Theory]
    [InlineData(404)]
    [InlineData(9999)] // a code the daemon does not know: the same hold, and the ORDER_ERROR alert
    public Task HedgeHeldWith404_NoSecondHedgeWhileHeld_ThenFillsOnRelease_LedgerMatchesStore(int code) => HeldHedge(code, locate: false);

    /// <summary>The 404 followed by what TWS reports for a short sale awaiting its shares: openOrder and orderStatus
    /// "Inactive", whyHeld "locate", the order still working. Taken as ended, the hedger sold again (HEDGE_ENDED) while the
    /// first sale stayed live at the broker, to fill with it once the shares were found.</summary>
    [Fact]
    public Task HedgeHeldForLocate_ReportedInactive_NoSecondHedgeWhileHeld_ThenFillsOnRelease_LedgerMatchesStore() => HeldHedge(404, locate: true);

    private async Task HeldHedge(int code, bool locate)
    {
        await using var h = await DaemonHarness.StartAsync(output, faults: [$"hold-next-order {code}{(locate ? " locate" : "")}"]);
        try
        {
            var run = h.StartDaemon(new Hashtable { ["BIFROST__STRATEGY__HEDGE_TIMEOUT_SECONDS"] = NoHedgeTimeout });
            await h.WaitOrders(1, 30_000);
            var held = h.LedgerOf("order").Single();
            await h.WaitUntil(() => h.Ops(OperationKind.Status).Any(o => o.OrderRef == held.OrderRef && o.Detail!.Contains($"{code} ", StringComparison.Ordinal)),
                $"the daemon recorded error {code} on the held hedge", 20_000);
            var seenAt = h.Gateway.NowNanos;

            // 3 wall s = 600 simulated s = 300 cooldowns, with delta still out of the band: no second hedge.
            var (samples, outOfBand) = await NoNewOrdersFor(h, 3000, expectedOrders: 1);
            output.WriteLine($"held {held.OrderRef} {held.Action} {held.Quantity}: {SimSeconds(h.Gateway.NowNanos - seenAt):F0} simulated s after the {code}, "
                             + $"delta out of band in {outOfBand}/{samples} samples, {h.LedgerOf("order").Count} order(s)");
            Assert.True(outOfBand > 0, "delta never left the band while the hedge was held: the absence of a second hedge proves nothing");
            Assert.True(Working(h.Read(r => r.GetOrder(held.OrderRef!))), "the held hedge is still working in the store");
            Assert.StartsWith("Running/HedgePending", Status(h).FsmState);
            Assert.Contains(Status(h).Checks, c => c.Name == "delta_in_band" && c.Health != Health.Ok);
            Assert.DoesNotContain(h.Alerts(), a => a.Code is "ORDER_REJECTED" or "HEDGE_STUCK" or "HEDGE_ENDED");
            var orderErrors = h.Alerts().Where(a => a.Code == "ORDER_ERROR" && a.Message.Contains(held.OrderRef!, StringComparison.Ordinal)).ToList();
            // 404 and an unknown code alike: the order is kept working and the operator is told once.
            Assert.Single(orderErrors);
            Assert.Equal(AlertSeverity.Warning, orderErrors[0].Severity);

            await h.Gateway.InjectAsync(Fault("release-held"));
            await h.WaitUntil(() => h.Read(r => r.GetOrder(held.OrderRef!))?.Status == "Filled", "the released hedge filled in the store", 20_000);
            Assert.Equal(held.Quantity, h.LedgerOf("fill").Where(f => f.OrderRef == held.OrderRef).Sum(f => f.Quantity));
            await h.WaitOrders(2, 40_000); // the hedger carries on
            await h.PauseSettleAndStop(run);
            h.AssertMatchesLedger();
            output.WriteLine($"orders {h.LedgerOf("order").Count}, fills {h.LedgerOf("fill").Count}, alerts [{string.Join(", ", h.Alerts().Select(a => a.Code).Distinct())}]");
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task HedgeStuckPastTheTimeout_IsCancelled_AndHedgedAgain_LedgerMatchesStore()
    {
        // 600 simulated s (3 wall s at ×200): far beyond the 10 simulated ms an unheld order takes to fill, so only the
        // held one times out, even when a busy machine delays a fill's report by a second. (At 120 s the first hedge, sent
        // while the engine still worked through its start-up backlog, was stamped ~95 simulated s late: 0.5 wall s.)
        await using var h = await DaemonHarness.StartAsync(output, faults: ["hold-next-order"]);
        try
        {
            var run = h.StartDaemon(new Hashtable { ["BIFROST__STRATEGY__HEDGE_TIMEOUT_SECONDS"] = "600" });
            await h.WaitOrders(1, 30_000);
            var held = h.LedgerOf("order").Single();
            await h.WaitUntil(() => h.Alerts().Any(a => a.Code == "HEDGE_STUCK" && a.Message.Contains(held.OrderRef!, StringComparison.Ordinal)),
                "HEDGE_STUCK for the held hedge", 20_000);
            await h.WaitUntil(() => h.LedgerOf("cancel").Any(c => c.OrderRef == held.OrderRef), "the held hedge cancelled at the gateway", 20_000);
            await h.WaitUntil(() => h.Read(r => r.GetOrder(held.OrderRef!))?.Status == "Cancelled", "the held hedge Cancelled in the store", 20_000);
            await h.WaitOrders(2, 30_000);
            var again = h.LedgerOf("order")[1];
            await h.WaitUntil(() => h.LedgerOf("fill").Where(f => f.OrderRef == again.OrderRef).Sum(f => f.Quantity) == again.Quantity,
                "the new hedge filled", 20_000);
            var cancel = h.LedgerOf("cancel").Single(c => c.OrderRef == held.OrderRef);
            output.WriteLine($"held {held.OrderRef} {held.Action} {held.Quantity} at {held.Time}; cancelled {SimSeconds(cancel.TsNanos - held.TsNanos):F1} simulated s later; "
                             + $"hedged again {again.OrderRef} {again.Action} {again.Quantity} {SimSeconds(again.TsNanos - cancel.TsNanos):F1} simulated s after the cancel");
            // Measured on the gateway's clock, so not exactly 600: the daemon stamps an event when it receives it (its broker
            // clock trails the gateway by up to ~11 simulated s between its 50 ms polls), and at ×200 every wall ms the
            // engine spends behind its queue is 0.2 simulated s.
            Assert.True(cancel.TsNanos - held.TsNanos >= 300_000_000_000L, "cancelled long before the timeout");
            Assert.True(again.TsNanos >= cancel.TsNanos, "a second hedge while the first could still fill");
            Assert.DoesNotContain(h.LedgerOf("fill"), f => f.OrderRef == held.OrderRef);
            Assert.Single(h.Alerts(), a => a.Code == "HEDGE_STUCK" && a.Message.Contains(held.OrderRef!, StringComparison.Ordinal));
            await h.PauseSettleAndStop(run);
            h.AssertMatchesLedger();
            output.WriteLine($"orders {h.LedgerOf("order").Count}, fills {h.LedgerOf("fill").Count}, HEDGE_STUCK alerts {h.Alerts().Count(a => a.Code == "HEDGE_STUCK")}");
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    /// <summary>Found in review: a pause decided nothing new but left the working hedge at the broker for as long as it
    /// lasted (the timeout ran only while hedging), to fill hours later against a delta it was never sized for. Held at
    /// the gateway and paused at once, the hedge is cancelled at its timeout, nothing else is sent while paused, and the
    /// hedger decides again only on the resume.</summary>
    [Fact]
    public async Task HedgeHeldWhilePaused_IsCancelledAtItsTimeout_NothingSentUntilTheResume_LedgerMatchesStore()
    {
        await using var h = await DaemonHarness.StartAsync(output, faults: ["hold-next-order"]);
        try
        {
            // 1,200 simulated s (6 wall s at ×200): the pause lands well before it.
            var run = h.StartDaemon(new Hashtable { ["BIFROST__STRATEGY__HEDGE_TIMEOUT_SECONDS"] = "1200" });
            await h.WaitOrders(1, 30_000);
            var held = h.LedgerOf("order").Single();
            var pause = await h.WaitControl(h.Enqueue(ControlCommandKind.Pause), 30_000);
            Assert.Equal(ControlStatus.Done, pause.Status);
            Assert.Empty(h.LedgerOf("cancel")); // paused before the timeout: the hedge still works
            await h.WaitUntil(() => h.LedgerOf("cancel").Any(c => c.OrderRef == held.OrderRef), "the held hedge cancelled at the gateway while paused", 30_000);
            await h.WaitUntil(() => h.Read(r => r.GetOrder(held.OrderRef!))?.Status == "Cancelled", "the held hedge Cancelled in the store", 20_000);
            Assert.Contains(h.Alerts(), a => a.Code == "HEDGE_STUCK" && a.Message.Contains("while paused", StringComparison.Ordinal));
            await Task.Delay(3_000); // 600 simulated s more, paused: no second hedge
            Assert.Single(h.LedgerOf("order"));
            Assert.StartsWith("Paused", h.Read(r => r.GetStatus())!.FsmState, StringComparison.Ordinal);
            await h.WaitControl(h.Enqueue(ControlCommandKind.Resume), 30_000);
            await h.WaitOrders(2, 30_000);
            Assert.DoesNotContain(h.LedgerOf("fill"), f => f.OrderRef == held.OrderRef);
            await h.PauseSettleAndStop(run);
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    /// <summary>Found in review: IB's 202 ("Order Canceled") carries no fill count. When it came before the reports of a
    /// partial fill that beat the cancel, the hedge was taken as ended with nothing filled and the hedger sent the whole
    /// hedge again at once: the shares that had filled were hedged twice. The gateway's <c>race-next-cancel</c> fills half
    /// of the held hedge as the timeout's cancel arrives, sends the 202 at once and the fill's reports and the final
    /// status five wall seconds later (the execution wait set far beyond, so only those reports can settle it).</summary>
    [Fact]
    public async Task HedgeCancel_ThatRacedAPartialFill_202First_NoHedgeUntilTheCountArrives_ThenTheRest_LedgerMatchesStore()
    {
        await using var h = await DaemonHarness.StartAsync(output, faults: ["hold-next-order", "race-next-cancel 5000"]);
        try
        {
            var run = h.StartDaemon(new Hashtable
            {
                ["BIFROST__STRATEGY__HEDGE_TIMEOUT_SECONDS"] = "600",
                ["BIFROST__RECONCILE__EXECUTION_WAIT_SECONDS"] = "3600", // the most it takes: 18 wall s
            });
            await h.WaitOrders(1, 30_000);
            var held = h.LedgerOf("order").Single();
            await h.WaitUntil(() => h.LedgerOf("cancel").Any(c => c.OrderRef == held.OrderRef), "the held hedge's cancel at the gateway", 20_000);
            var part = h.LedgerOf("fill").Where(f => f.OrderRef == held.OrderRef).Sum(f => f.Quantity);
            Assert.Equal(held.Quantity / 2, part); // the fill that beat the cancel
            await h.WaitUntil(() => h.Read(r => r.GetOrder(held.OrderRef!))?.Status == "Cancelled", "the 202 taken", 5_000);
            // Inside the five seconds the fill's reports are held back, the daemon must not hedge again (a second and a
            // half after the 202 reached the store: without the wait the next hedge went out within milliseconds).
            await Task.Delay(1500);
            Assert.Single(h.LedgerOf("order"));
            Assert.Equal(0.0, h.Read(r => r.GetOrder(held.OrderRef!))!.Filled);
            // The reports arrive: the half is the strategy's, and the next hedge is decided on it.
            await h.WaitUntil(() => h.Read(r => r.GetOrder(held.OrderRef!))!.Filled == part, "the racing fill applied", 20_000);
            await h.WaitOrders(2, 30_000);
            var again = h.LedgerOf("order")[1];
            output.WriteLine($"held {held.OrderRef} {held.Action} {held.Quantity}; {part} filled racing the cancel; then {again.OrderRef} {again.Action} {again.Quantity}");
            Assert.True(h.LedgerOf("order")[1].TsNanos >= h.LedgerOf("fill").Where(f => f.OrderRef == held.OrderRef).Max(f => f.TsNanos));
            await h.PauseSettleAndStop(run);
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task ThreeHedgeRejectsInARow_PauseTheEngine_UntilTheOperatorResumes()
    {
        // The first three placeOrders are rejected (201): each rule arms the reject for the order after the one handled.
        await using var h = await DaemonHarness.StartAsync(output, faults: ["reject-next-order", "after-orders 1 reject-next-order", "after-orders 2 reject-next-order"]);
        try
        {
            var run = h.StartDaemon();
            await h.WaitUntil(() => h.Alerts().Any(a => a.Code == "HEDGE_REJECTED"), "HEDGE_REJECTED", 30_000);
            await h.WaitFsm("Paused", 20_000);
            var alert = Assert.Single(h.Alerts(), a => a.Code == "HEDGE_REJECTED");
            Assert.Equal(AlertSeverity.Critical, alert.Severity);
            var rejects = h.LedgerOf("reject");
            Assert.Equal(3, rejects.Count);
            Assert.All(rejects, r => Assert.Equal(201, r.Code));
            Assert.Empty(h.LedgerOf("order"));
            foreach (var r in rejects)
            {
                var row = h.Read(x => x.GetOrder(r.OrderRef!))!;
                Assert.Equal(("hedge", "Rejected"), (row.Purpose, row.Status));
                Assert.StartsWith("201", row.RejectReason);
            }
            Assert.Contains(h.Ops(OperationKind.State), o => o.Detail!.Contains("paused by critical alert HEDGE_REJECTED", StringComparison.Ordinal));

            var (samples, outOfBand) = await NoNewOrdersFor(h, 2500, expectedOrders: 3); // 500 simulated s: no fourth order
            output.WriteLine($"paused after {rejects.Count} rejects ({string.Join(", ", rejects.Select(r => $"{r.OrderRef} {r.Action} {r.Quantity}"))}); "
                             + $"delta out of band in {outOfBand}/{samples} samples while paused");
            Assert.StartsWith("Paused", Status(h).FsmState);

            Assert.Equal(ControlStatus.Done, (await h.WaitControl(h.Enqueue(ControlCommandKind.Resume), 30_000)).Status);
            await h.WaitOrders(1, 30_000);
            var first = h.LedgerOf("order")[0];
            await h.WaitUntil(() => h.LedgerOf("fill").Where(f => f.OrderRef == first.OrderRef).Sum(f => f.Quantity) == first.Quantity, "the hedge after the resume filled", 20_000);
            await h.PauseSettleAndStop(run);
            h.AssertMatchesLedger();
            Assert.Single(h.Alerts(), a => a.Code == "HEDGE_REJECTED");
            output.WriteLine($"after the resume: orders {h.LedgerOf("order").Count}, fills {h.LedgerOf("fill").Count}");
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    /// <summary>The first hedge's fill is lost to the daemon and then forgotten by the broker (IB's daily reset): it
    /// filled while the daemon was down (<paramref name="statusStored"/> false: the store last saw it working), or its
    /// Filled status reached the store but its execution did not before a kill -9 (true: the store keeps the status,
    /// not the broker's fill count). Either way the restart halts RED on ORDER_OUTCOME_UNKNOWN, sends nothing, and
    /// once the operator has booked the hedge and resumed, hedging goes on (the order is ended, not left in flight).</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task HedgeFilledButItsExecutionLostInARestart_AndForgottenByTheBroker_HaltsRed_ThenTheOperatorBooksItWithoutTrading(bool statusStored)
    {
        // A 10-minute wall delay: the execution is still on its way when the daemon is killed (and then lost with it).
        await using var h = await DaemonHarness.StartAsync(output, faults: [statusStored ? "delay-exec 600000 1" : "hold-next-order"]);
        var logs = new List<string>();
        // The execution must still be missing when the daemon is killed: no reconcile for it before (statusStored).
        var env = new Dictionary<string, string> { ["BIFROST__STRATEGY__HEDGE_TIMEOUT_SECONDS"] = NoHedgeTimeout, ["BIFROST__RECONCILE__EXECUTION_WAIT_SECONDS"] = "3600" };
        try
        {
            Assert.True(File.Exists(DaemonProcess.Dll), DaemonProcess.Dll);
            LedgerEntry held;
            using (var first = h.StartProcess(environment: env, onLine: line => { lock (logs) logs.Add(line); }))
            {
                await h.WaitOrders(1, 60_000);
                held = h.LedgerOf("order").Single();
                if (statusStored)
                    await h.WaitUntil(() => h.Read(r => r.GetOrder(held.OrderRef!)) is { Status: "Filled", Filled: 0 } && Status(h).FsmState.StartsWith("Running/HedgePending", StringComparison.Ordinal),
                        "the hedge Filled in the store, its execution not yet", 20_000);
                else
                    await h.WaitUntil(() => Working(h.Read(r => r.GetOrder(held.OrderRef!))) && Status(h).FsmState.StartsWith("Running/HedgePending", StringComparison.Ordinal),
                        "the held hedge working in the store", 20_000);
                first.Process.Kill(); // SIGKILL: no shutdown code, no cancel
                await first.Process.WaitForExitAsync();
            }
            // Overnight: the hedge fills while nobody is connected (or had filled), then IB's daily reset forgets the execution.
            if (!statusStored) await h.Gateway.InjectAsync(Fault("release-held"));
            await h.WaitUntil(() => h.LedgerOf("fill").Where(f => f.OrderRef == held.OrderRef).Sum(f => f.Quantity) == held.Quantity, "the hedge filled at the broker");
            var lost = h.LedgerOf("fill").Where(f => f.OrderRef == held.OrderRef).ToList();
            await h.Gateway.InjectAsync(Fault("forget-executions"));
            var signedLost = lost.Sum(f => (f.Side == "BOT" ? 1 : -1) * f.Quantity ?? 0);

            var second = h.StartDaemon(new Hashtable { ["BIFROST__STRATEGY__HEDGE_TIMEOUT_SECONDS"] = NoHedgeTimeout });
            await h.WaitUntil(() => Starts(h) == 2 && Status(h).FsmState.StartsWith("Halted", StringComparison.Ordinal), "the restarted daemon halted", 60_000);
            var status = Status(h);
            var alerts = h.Alerts();
            output.WriteLine($"held {held.OrderRef} {held.Action} {held.Quantity}, filled while down ({string.Join(",", lost.Select(f => f.ExecId))}); after the restart: {status.FsmState}");
            output.WriteLine($"light {status.Health} [{string.Join(", ", status.BlockReasons)}]; alerts [{string.Join(" | ", alerts.Select(a => $"{a.Severity} {a.Code}: {a.Message}"))}]");
            output.WriteLine($"positions: strategy XYZ {h.StrategyQty(TestConfig.StockId)}, external XYZ {h.ExternalQty(TestConfig.StockId)}");
            var unknown = Assert.Single(alerts, a => a.Code == "ORDER_OUTCOME_UNKNOWN");
            Assert.Equal(AlertSeverity.Critical, unknown.Severity);
            Assert.Contains(held.OrderRef!, unknown.Message);
            Assert.Contains(held.OrderRef!, status.FsmState);
            Assert.Equal(Health.Blocked, status.Health); // RED
            Assert.Contains("RECONCILE_FAILED", status.BlockReasons); // named: the console offers the book confirmation
            Assert.Equal("Inactive", h.Read(r => r.GetOrder(held.OrderRef!))!.Status);

            await NoNewOrdersFor(h, 3000, expectedOrders: 1); // 600 simulated s, halted: no second hedge
            // Store and ledger differ by exactly the forgotten execution.
            var storeFills = h.Sql("SELECT exec_id FROM fills", r => r.GetString(0));
            Assert.Empty(storeFills);
            Assert.Equal(lost.Select(f => f.ExecId), h.LedgerOf("fill").Select(f => f.ExecId));
            Assert.Equal(0, h.Read(r => r.GetOrder(held.OrderRef!))!.Filled);
            Assert.Equal(0, h.StrategyQty(TestConfig.StockId));
            Assert.Equal(signedLost, h.ExternalQty(TestConfig.StockId));

            // The way out: the alert names what the strategy holds if the hedge filled; confirm_book books it without
            // trading, the account is checked again and the engine waits Paused for the operator's resume.
            Assert.Contains($"confirm_book XYZ={signedLost}", unknown.Message);
            var confirm = await h.WaitControl(h.Enqueue(ControlCommandKind.ConfirmBook,
                $$"""{"legs": [{"contract": "XYZ", "quantity": {{signedLost}}}]}"""), 30_000);
            output.WriteLine($"confirm_book while halted: {confirm.Status} {confirm.Result}");
            Assert.Equal(ControlStatus.Done, confirm.Status);
            await h.WaitFsm("Paused", 30_000);
            await h.WaitUntil(() => h.StrategyQty(TestConfig.StockId) == signedLost && h.ExternalQty(TestConfig.StockId) == 0,
                "the forgotten fill booked as the strategy's hedge", 20_000);
            Assert.Single(h.LedgerOf("order")); // nothing traded to book it

            // Resumed, the hedger finds the book hedged: no second hedge of the same delta.
            var resume = await h.WaitControl(h.Enqueue(ControlCommandKind.Resume), 30_000);
            Assert.Equal(ControlStatus.Done, resume.Status);
            await h.WaitFsm("Running", 30_000);
            var ordersAfterResume = h.LedgerOf("order").Skip(1).ToList();
            // Any hedge now follows the market's moves since (the replay runs on), never the booked delta again.
            Assert.True(ordersAfterResume.Sum(o => o.Quantity ?? 0) < Math.Abs(signedLost) / 2 + 20,
                $"after the resume: {string.Join(", ", ordersAfterResume.Select(o => $"{o.Action} {o.Quantity}"))}");
            await HedgesAgainOnceOutOfBand(h, ordersBefore: 1);
            await h.PauseSettleAndStop(second, forgotten: lost.Count);
            var gatewayQty = (await h.Gateway.PositionsAsync())[TestConfig.StockId].Qty;
            Assert.Equal(gatewayQty, h.StrategyQty(TestConfig.StockId)); // the account is the strategy's, hedged once
            // Ledger == store but for the forgotten execution, which the store never gets; its shares are booked.
            h.AssertMatchesLedger(forgotten: lost.Select(f => f.ExecId!).ToHashSet(), confirmedStock: signedLost);
            Assert.Equal(h.LedgerOf("fill").Count - lost.Count, h.Sql("SELECT COUNT(*) FROM fills", r => r.GetInt64(0)).Single());
            output.WriteLine($"end: orders {h.LedgerOf("order").Count}, fills {h.LedgerOf("fill").Count} in the ledger, "
                             + $"{h.Sql("SELECT COUNT(*) FROM fills", r => r.GetInt64(0)).Single()} in the store; account XYZ {gatewayQty} = strategy {h.StrategyQty(TestConfig.StockId)}");
        }
        catch
        {
            h.Dump();
            lock (logs) foreach (var l in logs) output.WriteLine(l);
            throw;
        }
    }

    /// <summary>The broker reports the first hedge's execution in the other direction (misreport-next-execution):
    /// the daemon applies it to neither the order nor the book, reconciles the account at once, and halts RED on
    /// ORDER_OUTCOME_UNKNOWN (the order is filled at the broker, its executions do not show it) instead of waiting for
    /// good with delta out of band. The operator books the hedge with confirm_book; resume sends no second hedge.</summary>
    [Fact]
    public async Task HedgeExecutionReportedInTheOtherDirection_HaltsRed_ThenTheOperatorBooksIt_NoSecondHedge()
    {
        await using var h = await DaemonHarness.StartAsync(output, faults: ["misreport-next-execution side"]);
        try
        {
            var run = h.StartDaemon();
            await h.WaitOrders(1, 60_000);
            var hedge = h.LedgerOf("order").Single();
            await h.WaitUntil(() => Status(h).FsmState.StartsWith("Halted", StringComparison.Ordinal), "halted after the mismatch", 60_000);
            var status = Status(h);
            var alerts = h.Alerts();
            output.WriteLine($"hedge {hedge.OrderRef} {hedge.Action} {hedge.Quantity}; {status.FsmState}; light {status.Health} [{string.Join(", ", status.BlockReasons)}]");
            output.WriteLine($"alerts [{string.Join(" | ", alerts.Select(a => $"{a.Severity} {a.Code}: {a.Message}"))}]");
            Assert.Contains(alerts, a => a.Code == "EXECUTION_MISMATCH" && a.Severity == AlertSeverity.Critical);
            var unknown = Assert.Single(alerts, a => a.Code == "ORDER_OUTCOME_UNKNOWN");
            Assert.Equal(Health.Blocked, status.Health); // RED
            Assert.Contains("RECONCILE_FAILED", status.BlockReasons);
            Assert.Equal(0, h.StrategyQty(TestConfig.StockId)); // the misreported fill is not in the book
            await NoNewOrdersFor(h, 3000, expectedOrders: 1); // 600 simulated s, halted: no second hedge

            var signed = (hedge.Action == "BUY" ? 1 : -1) * hedge.Quantity!.Value;
            Assert.Contains($"confirm_book XYZ={signed}", unknown.Message);
            var confirm = await h.WaitControl(h.Enqueue(ControlCommandKind.ConfirmBook,
                $$"""{"legs": [{"contract": "XYZ", "quantity": {{signed}}}]}"""), 30_000);
            Assert.Equal(ControlStatus.Done, confirm.Status);
            await h.WaitFsm("Paused", 30_000);
            await h.WaitUntil(() => h.StrategyQty(TestConfig.StockId) == signed, "the hedge booked as the strategy's", 20_000);
            Assert.Single(h.LedgerOf("order")); // nothing traded to book it
            Assert.Equal(ControlStatus.Done, (await h.WaitControl(h.Enqueue(ControlCommandKind.Resume), 30_000)).Status);
            await h.WaitFsm("Running", 30_000);
            var after = h.LedgerOf("order").Skip(1).ToList();
            Assert.True(after.Sum(o => o.Quantity ?? 0) < Math.Abs(signed) / 2 + 20, $"after the resume: {string.Join(", ", after.Select(o => $"{o.Action} {o.Quantity}"))}");
            await HedgesAgainOnceOutOfBand(h, ordersBefore: 1);
            await h.PauseSettleAndStop(run);
            var account = (await h.Gateway.PositionsAsync())[TestConfig.StockId].Qty;
            Assert.Equal(account, h.StrategyQty(TestConfig.StockId)); // hedged once
            // Every execution in the store; the misreported one applied to no order; its true fill the strategy's (booked).
            h.AssertMatchesLedger(misreported: h.LedgerOf("fill").Where(f => f.OrderRef == hedge.OrderRef).Select(f => f.ExecId!).ToHashSet());
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
