using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>Issue 9 against the replay gateway: what the light promises, the reducing hedge under the limits, who owns
/// a manual run, and no order on stale data. Each scenario ends with the store compared to the gateway's ledger.</summary>
[Collection(EndToEndCollection.Name)]
public class SafetyLightAndLimitsTests(ITestOutputHelper output)
{
    /// <summary>A band wide enough that the straddle alone never triggers a hedge: the daemon stays idle for operator runs.</summary>
    private static Func<int, string, string> QuietConfig(int maxPosition = 5000, double maxNotional = 1_000_000, double lagSeconds = 600) =>
        (port, store) => TestConfig.Json(port, store, conIds: true, band: 1000)
            .Replace("\"max_position\": 5000", $"\"max_position\": {maxPosition}", StringComparison.Ordinal)
            .Replace("\"max_order_notional\": 1000000", $"\"max_order_notional\": {maxNotional}", StringComparison.Ordinal)
            .Replace("\"lag_after_seconds\": 600, \"stale_after_seconds\": 1200", $"\"lag_after_seconds\": {lagSeconds}, \"stale_after_seconds\": {2 * lagSeconds}", StringComparison.Ordinal);

    private static List<OperationRecord> Ops(DaemonHarness h, params OperationKind[] kinds) =>
        h.Read(r => r.QueryOperations(new OperationQuery { Kinds = kinds, Limit = 100_000 })).ToList();

    /// <summary>A daemon running with a strategy hedge of +100 shares (a manual buy that adjusts the strategy).</summary>
    private static async Task<DaemonRun> StartHoldingAHundred(DaemonHarness h)
    {
        var run = h.StartDaemon();
        await h.WaitFsm("Running");
        await h.WaitBookValued();
        var buy = await h.WaitControl(h.Enqueue(ControlCommandKind.ManualOrder, """{"contract":"XYZ","side":"buy","quantity":100,"adjusts_strategy":true}"""), 60_000);
        Assert.Equal(ControlStatus.Done, buy.Status);
        await h.WaitUntil(() => h.StrategyQty(TestConfig.StockId) == 100, "the strategy holds the 100 bought");
        return run;
    }

    /// <summary>The operator's own buy of 10 XYZ, resting at the broker (hold-next-order: acknowledged, never traded);
    /// sent again while the hedger has an order in flight. Its control id.</summary>
    private static async Task<long> OperatorsBuyRests(DaemonHarness h)
    {
        await h.Gateway.ExecuteAsync("hold-next-order");
        long buyId;
        ControlCommand? refused;
        do
        {
            buyId = h.Enqueue(ControlCommandKind.ManualOrder, """{"contract":"XYZ","side":"buy","quantity":10}""");
            await h.WaitUntil(() => h.Control(buyId) is { Status: not ControlStatus.Pending }, "the manual order taken");
            await Task.Delay(200);
            refused = h.Control(buyId) is { Status: ControlStatus.Refused } c ? c : null;
        } while (refused is not null && refused.Result!.Contains("in flight", StringComparison.Ordinal));
        Assert.Null(refused);
        await h.WaitUntil(() => h.LedgerOf("order").Any(o => o.OrderRef!.Contains("-man", StringComparison.Ordinal)), "the buy at the gateway");
        return buyId;
    }

    private static async Task StopAndCheck(DaemonHarness h, DaemonRun run)
    {
        h.Enqueue(ControlCommandKind.Stop);
        Assert.Equal(0, await run.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
        h.AssertMatchesLedger();
    }

    /// <summary>The operator's flatten of the +100 hedge is refused, saying <paramref name="says"/>: nothing reaches the
    /// gateway, FLATTEN_INCOMPLETE pages (critical), the engine pauses, the strategy still holds the 100.</summary>
    private async Task FlattenRefused(DaemonHarness h, params string[] says)
    {
        var orders = h.LedgerOf("order").Count;
        var flatten = await h.WaitControl(h.Enqueue(ControlCommandKind.Flatten), 60_000);
        output.WriteLine($"flatten: {flatten.Status} {flatten.Result}");
        Assert.Equal(ControlStatus.Refused, flatten.Status);
        foreach (var text in says) Assert.Contains(text, flatten.Result, StringComparison.Ordinal);
        await h.WaitUntil(() => h.Alerts().Any(a => a.Code == "FLATTEN_INCOMPLETE"), "FLATTEN_INCOMPLETE in the store");
        Assert.Equal(AlertSeverity.Critical, Assert.Single(h.Alerts(), a => a.Code == "FLATTEN_INCOMPLETE").Severity);
        await h.WaitFsm("Paused");
        Assert.Equal(orders, h.LedgerOf("order").Count);
        Assert.Equal(100, h.StrategyQty(TestConfig.StockId));
    }

    /// <summary>The flatten's order rests at the broker (hold-next-order: a locate, a halted stock). Before, the daemon
    /// stayed Flattening for good (pause and resume refused, no alert); now run_timeout_seconds (300 simulated s, 1.5
    /// wall s) ends it incomplete: the order is cancelled at the gateway, FLATTEN_INCOMPLETE names the shares left, the
    /// flatten's control ends refused, and the engine pauses, ready for the operator's resume.</summary>
    [Fact]
    public async Task Flatten_WhoseOrderRestsAtTheBroker_EndsIncompleteAtTheRunTimeout_CancelledAtTheGateway_AndPauses()
    {
        await using var h = await DaemonHarness.StartAsync(output, config: QuietConfig());
        try
        {
            var run = await StartHoldingAHundred(h);

            await h.Gateway.ExecuteAsync("hold-next-order"); // the flatten's sell rests at the broker, never traded
            var flattenId = h.Enqueue(ControlCommandKind.Flatten);
            await h.WaitUntil(() => h.LedgerOf("order").Any(o => o.Action == "SELL"), "the flatten's sell at the gateway");
            var sell = h.LedgerOf("order").Single(o => o.Action == "SELL");
            Assert.Equal(ControlStatus.Refused, (await h.WaitControl(h.Enqueue(ControlCommandKind.Pause))).Status); // "flattening"

            var flatten = await h.WaitControl(flattenId, 60_000);
            output.WriteLine($"flatten: {flatten.Status} {flatten.Result}");
            Assert.Equal(ControlStatus.Refused, flatten.Status);
            Assert.Contains("timed out after 300 s: 100 shares still to sell", flatten.Result, StringComparison.Ordinal);
            await h.WaitUntil(() => h.Read(r => r.GetAlerts(limit: 1000)).Any(a => a.Code == "FLATTEN_INCOMPLETE"), "FLATTEN_INCOMPLETE in the store");
            var alert = Assert.Single(h.Read(r => r.GetAlerts(limit: 1000)), a => a.Code == "FLATTEN_INCOMPLETE");
            Assert.Equal(AlertSeverity.Critical, alert.Severity);
            await h.WaitFsm("Paused");
            await h.WaitUntil(() => h.LedgerOf("cancel").Any(c => c.OrderRef == sell.OrderRef), "the flatten's order cancelled at the gateway");
            Assert.Equal(100, h.StrategyQty(TestConfig.StockId)); // nothing traded meanwhile
            await StopAndCheck(h, run);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    /// <summary>Found by the model property "Every operator command is answered exactly once": a stop during a flatten left
    /// the flatten's control taken for good (`flatten-all --wait` waited on it until the next start refused it as
    /// abandoned). Now the flatten ends refused in the stop's step, naming the stop; the stop cancels its order.</summary>
    [Fact]
    public async Task Stop_DuringAFlatten_AnswersTheFlattenRefused_TheOrderCancelledAtTheGateway()
    {
        await using var h = await DaemonHarness.StartAsync(output, config: QuietConfig());
        try
        {
            var run = await StartHoldingAHundred(h);
            await h.Gateway.ExecuteAsync("hold-next-order"); // the flatten's sell rests at the broker
            var flattenId = h.Enqueue(ControlCommandKind.Flatten);
            await h.WaitUntil(() => h.LedgerOf("order").Any(o => o.Action == "SELL"), "the flatten's sell at the gateway");
            var sell = h.LedgerOf("order").Single(o => o.Action == "SELL");

            h.Enqueue(ControlCommandKind.Stop);
            Assert.Equal(0, await run.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
            var flatten = h.Read(r => r.GetControlCommand(flattenId))!;
            output.WriteLine($"flatten: {flatten.Status} {flatten.Result}");
            Assert.Equal(ControlStatus.Refused, flatten.Status);
            Assert.Contains("a stop came during the flatten", flatten.Result, StringComparison.Ordinal);
            Assert.Contains(h.LedgerOf("cancel"), c => c.OrderRef == sell.OrderRef);
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task ManualBuyWithBypass_OverLimits_LightTurnsRed_AndTheReducingHedgeIsSplitAndSent()
    {
        // Every execution reaches the daemon 3 s (wall) after its fill: the daemon holds the 4,000 shares, over its limit,
        // for at least that long while the reducing hedge works. Without it, under load, the whole breach could fall
        // between two published statuses (the light is sampled on the engine's clock ticks).
        await using var h = await DaemonHarness.StartAsync(output, faults: ["delay-exec 3000 100000"], config: QuietConfig(maxPosition: 3000, maxNotional: 100_000));
        try
        {
            // The delayed executions are waited for (not reconciled after 10 simulated s = 50 wall ms): the breach stands.
            var run = h.StartDaemon(new System.Collections.Hashtable { ["BIFROST__RECONCILE__EXECUTION_WAIT_SECONDS"] = "3600" });
            await h.WaitFsm("Running");
            var buy = await h.WaitControl(h.Enqueue(ControlCommandKind.ManualOrder,
                """{"contract":"XYZ","side":"buy","quantity":4000,"risk_bypass":true,"adjusts_strategy":true}"""), 60_000);
            Assert.Equal(ControlStatus.Done, buy.Status);
            Assert.Contains("4000/4000 Filled", buy.Result, StringComparison.Ordinal);

            // The hedger sells the 4,000 back, split into children within the 100,000 notional cap, in the live run.
            await h.WaitUntil(() => Ops(h, OperationKind.Intent).Any(o => o.Detail!.Contains("split into", StringComparison.Ordinal)), "a split hedge");
            // At the gateway first: the status row may still predate the buy (strategy 0), which is "< 1000" too.
            await h.WaitUntil(() => h.LedgerOf("fill").Where(f => f.OrderRef!.StartsWith("oi_t1_", StringComparison.Ordinal) && f.Side == "SLD")
                .Sum(f => f.Quantity ?? 0) > 3000, "over 3000 shares sold back at the gateway", 60_000);
            await h.WaitUntil(() => Math.Abs(h.StrategyQty(TestConfig.StockId)) < 1000, "the breach hedged back", 30_000);
            var intent = Ops(h, OperationKind.Intent).First(o => o.Detail!.Contains("split into", StringComparison.Ordinal));
            Assert.Contains("RISK_EXEMPT reduces risk: NOTIONAL_LIMIT", intent.Detail, StringComparison.Ordinal);
            var children = h.LedgerOf("order").Where(o => o.OrderRef!.StartsWith("oi_t1_", StringComparison.Ordinal) && o.Action == "SELL").ToList();
            Assert.True(children.Count >= 4, $"{children.Count} hedge children");
            var spot = h.Read(r => r.GetStatus())!.Positions.FirstOrDefault(p => p.ContractId == TestConfig.StockId)?.MarketPrice ?? 100.0;
            Assert.All(children, c => Assert.True((c.Quantity ?? 0) * spot <= 100_000 * 1.02, $"child {c.OrderRef} of {c.Quantity} over the cap"));
            Assert.Equal(children.Count, children.Select(c => c.OrderRef).Distinct().Count());

            // While the position was over its limit the light was RED, with the breach named.
            var history = h.Read(r => r.GetStatusHistory(0, long.MaxValue, 100_000));
            Assert.Contains(history, s => s.Health == Health.Blocked && s.BlockReasons.Contains("POSITION_LIMIT")
                && s.Checks.Any(c => c.Name == "risk_limits" && c.Health == Health.Blocked));
            await StopAndCheck(h, run);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task ManualBuy_IsNotUndoneByTheHedger()
    {
        await using var h = await DaemonHarness.StartAsync(output, config: (port, store) => TestConfig.Json(port, store, conIds: true, band: 60));
        try
        {
            var run = h.StartDaemon();
            await h.WaitFsm("Running");
            await h.WaitBookValued();
            ControlCommand buy;
            do // the hedger may have an order in flight: the operator tries again
            {
                buy = await h.WaitControl(h.Enqueue(ControlCommandKind.ManualOrder, """{"contract":"XYZ","side":"buy","quantity":100}"""));
            } while (buy.Status == ControlStatus.Refused && buy.Result!.Contains("in flight", StringComparison.Ordinal));
            Assert.Equal(ControlStatus.Done, buy.Status);
            await h.WaitUntil(() => h.ExternalQty(TestConfig.StockId) == 100, "the daemon sees the operator's 100 shares");
            var ordersAfter = h.LedgerOf("order").Count;
            await Task.Delay(3000); // ~10 minutes of session: the hedger keeps hedging the options, never the 100 shares
            Assert.Equal(100, h.ExternalQty(TestConfig.StockId));
            // The gateway's position and the daemon's status agree once no hedge is between them (a fill can land between
            // the two reads).
            await h.WaitUntilAsync(async () => (await h.Gateway.PositionsAsync())[TestConfig.StockId].Qty == h.StrategyQty(TestConfig.StockId) + 100,
                "the gateway's XYZ position = the strategy's + the operator's 100", 30_000);
            // No hedge right after the manual fill traded ~100 shares back.
            var firstHedgeAfter = h.LedgerOf("order").Skip(ordersAfter).FirstOrDefault();
            Assert.False(firstHedgeAfter is { Action: "SELL", Quantity: >= 90 and <= 110 }, $"hedge {firstHedgeAfter?.OrderRef} sold {firstHedgeAfter?.Quantity} right after the manual buy");
            Assert.Contains(Ops(h, OperationKind.Fill), o => o.Detail!.Contains("operator-owned", StringComparison.Ordinal));
            await StopAndCheck(h, run);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    /// <summary>Found in review: a pause while an operator run's order rested forgot the run — its control stayed taken
    /// for good, run_timeout no longer applied, and after the resume the order held the hedger (ORDER_IN_FLIGHT) until it
    /// filled or the operator cancelled it by hand.</summary>
    [Fact]
    public async Task ManualBuy_RestingThroughAPauseAndResume_IsFollowedOn_RunTimeoutCancelsIt_AndTheControlEnds()
    {
        // run_timeout 1,800 s of session: about 9 s of wall time, room for the pause and the resume first.
        await using var h = await DaemonHarness.StartAsync(output, config: (port, store) => QuietConfig()(port, store)
            .Replace("\"stop_timeout_seconds\": 60", "\"stop_timeout_seconds\": 60, \"run_timeout_seconds\": 1800", StringComparison.Ordinal));
        try
        {
            var run = h.StartDaemon();
            await h.WaitFsm("Running");
            await h.WaitBookValued();
            var buyId = await OperatorsBuyRests(h);

            Assert.Equal(ControlStatus.Done, (await h.WaitControl(h.Enqueue(ControlCommandKind.Pause))).Status);
            await h.WaitFsm("Paused");
            Assert.Equal(ControlStatus.Done, (await h.WaitControl(h.Enqueue(ControlCommandKind.Resume))).Status);
            await h.WaitFsm("Running");
            Assert.Contains(Ops(h, OperationKind.Intent), o => o.Detail!.Contains("followed on after Paused", StringComparison.Ordinal));

            // run_timeout cancels the resting order; its cancel ends the run and completes the manual order's control.
            var buy = await h.WaitControl(buyId, 60_000);
            Assert.Equal(ControlStatus.Done, buy.Status);
            Assert.StartsWith("failed:", buy.Result, StringComparison.Ordinal);
            var order = h.LedgerOf("order").Single(o => o.OrderRef!.Contains("-man", StringComparison.Ordinal));
            Assert.Contains(h.LedgerOf("cancel"), c => c.OrderRef == order.OrderRef);
            Assert.Contains(h.Read(r => r.GetAlerts(limit: 1000)), a => a.Code == "RUN_TIMEOUT");
            await h.WaitUntil(() => !h.Read(r => r.GetStatus())!.BlockReasons.Contains("ORDER_IN_FLIGHT"), "the hedger free again");
            await StopAndCheck(h, run);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    /// <summary>Found in review: a risk halt cancelled every working order of the engine, the operator's own manual ones
    /// included — his discretionary trade undone by a limit on the strategy's P&amp;L, which its fills are not part of.
    /// The operator's buy rests at the broker across a stop (cancel_on_stop false) and a restart whose $1 loss limits
    /// halt at the first dip: the halt leaves it working at the gateway; released, it fills and is the operator's.</summary>
    [Fact]
    public async Task RiskHalt_AfterARestart_LeavesTheOperatorsOwnRestingOrderWorking_ItFillsAsHis()
    {
        // run_timeout of ten simulated hours (far past the test): only the halt could cancel the resting buy.
        await using var h = await DaemonHarness.StartAsync(output, config: (port, store) => QuietConfig()(port, store)
            .Replace("\"cancel_on_stop\": true", "\"cancel_on_stop\": false", StringComparison.Ordinal)
            .Replace("\"stop_timeout_seconds\": 60", "\"stop_timeout_seconds\": 60, \"run_timeout_seconds\": 36000", StringComparison.Ordinal));
        try
        {
            var first = h.StartDaemon();
            await h.WaitFsm("Running");
            await h.WaitBookValued();
            await OperatorsBuyRests(h);
            var manual = h.LedgerOf("order").Single(o => o.OrderRef!.Contains("-man", StringComparison.Ordinal)).OrderRef!;
            h.Enqueue(ControlCommandKind.Stop);
            Assert.Equal(0, await first.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.DoesNotContain(h.LedgerOf("cancel"), c => c.OrderRef == manual); // cancel_on_stop false: still working

            // Loss limits of $1: the restarted engine halts at the first dip, the operator's buy still resting.
            var config = await File.ReadAllTextAsync(h.ConfigPath);
            await File.WriteAllTextAsync(h.ConfigPath, config
                .Replace("\"daily_loss_limit\": 100000", "\"daily_loss_limit\": 1", StringComparison.Ordinal)
                .Replace("\"max_drawdown\": 100000", "\"max_drawdown\": 1", StringComparison.Ordinal));
            var second = h.StartDaemon();
            await h.WaitUntil(() => h.Alerts().Any(a => a.Code == "RISK_HALT"), "the restarted engine halts on a loss limit", 90_000);
            await h.WaitFsm("Halted(", 60_000);
            await Task.Delay(2000); // ×200 replay: minutes in which a cancel would have gone out
            Assert.DoesNotContain(h.LedgerOf("cancel"), c => c.OrderRef == manual);
            var row = h.Read(r => r.GetOrder(manual))!;
            Assert.False(row.CancelRequested, "the store holds no cancel decided for it");

            await h.Gateway.ExecuteAsync("release-held"); // it trades, as the broker would
            await h.WaitUntil(() => h.ExternalQty(TestConfig.StockId) == 10, "the operator's 10 shares, outside the strategy", 30_000);
            Assert.StartsWith("Halted(", h.Read(r => r.GetStatus())!.FsmState, StringComparison.Ordinal);
            await StopAndCheck(h, second);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    /// <summary>Found in review: a manual or rebalance order in a no-trade window (the TWS restart) or after the close
    /// went out, to wait at the broker for the next open and fill at the gap, risk bypass or not.</summary>
    [Fact]
    public async Task ManualBuyAndRebalance_InANoTradeWindow_AreRefused_NothingReachesTheBroker()
    {
        // The whole replayed session inside a no-trade window.
        await using var h = await DaemonHarness.StartAsync(output, config: (port, store) => QuietConfig()(port, store)
            .Replace("\"close\": \"16:00\" }", "\"close\": \"16:00\", \"no_trade_windows\": [[\"00:00\", \"23:59\"]] }", StringComparison.Ordinal));
        try
        {
            var run = h.StartDaemon();
            await h.WaitFsm("Running");
            var ordersBefore = h.LedgerOf("order").Count;
            var buy = await h.WaitControl(h.Enqueue(ControlCommandKind.ManualOrder, """{"contract":"XYZ","side":"buy","quantity":10,"risk_bypass":true}"""));
            Assert.Equal(ControlStatus.Refused, buy.Status);
            Assert.Contains("outside the session's hours", buy.Result, StringComparison.Ordinal);
            var rebalance = await h.WaitControl(h.Enqueue(ControlCommandKind.Rebalance, """{"targets":[{"contract":"XYZ","quantity":50}]}"""));
            Assert.Equal(ControlStatus.Refused, rebalance.Status);
            Assert.Contains("outside the session's hours", rebalance.Result, StringComparison.Ordinal);
            Assert.Equal(ordersBefore, h.LedgerOf("order").Count);
            Assert.DoesNotContain(h.LedgerOf("order"), o => o.OrderRef!.Contains("-man", StringComparison.Ordinal) || o.OrderRef!.Contains("-reb", StringComparison.Ordinal));
            await StopAndCheck(h, run);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    /// <summary>Found in review: a flatten outside the session sent its market order anyway, for IB to hold until the next
    /// open and fill at the gap — unwatched if the daemon was down by then (the run's timeout cancelled it after five
    /// minutes otherwise). Now it is refused at once: nothing reaches the broker, FLATTEN_INCOMPLETE pages the operator
    /// with the shares left, and the engine pauses.</summary>
    [Fact]
    public async Task Flatten_OutsideTheSession_IsRefusedAtOnce_NothingReachesTheBroker_AndPauses()
    {
        await using var h = await DaemonHarness.StartAsync(output, config: QuietConfig());
        try
        {
            var run = await StartHoldingAHundred(h);
            await StopAndCheck(h, run);

            // The session is over: the rest of the replayed day a no-trade window.
            File.WriteAllText(h.ConfigPath, File.ReadAllText(h.ConfigPath)
                .Replace("\"close\": \"16:00\" }", "\"close\": \"16:00\", \"no_trade_windows\": [[\"00:00\", \"23:59\"]] }", StringComparison.Ordinal));
            var again = h.StartDaemon();
            await h.WaitFsm("Running", 60_000);
            await FlattenRefused(h, "outside the session's hours", "100 shares of the hedge still to sell");
            await StopAndCheck(h, again);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    /// <summary>flatten_target: book_delta sizes the flatten on the option book's delta, which after a restart is not
    /// known until the stock's first quote. Sized as 0 it sold the whole +100 hedge at market, leaving the straddle's
    /// delta naked; now the flatten is refused naming why, nothing reaches the gateway, FLATTEN_INCOMPLETE pages and the
    /// engine pauses.</summary>
    [Fact]
    public async Task BookDeltaFlatten_AfterARestart_BeforeTheStocksFirstQuote_IsRefused_NothingReachesTheBroker_AndPauses()
    {
        Func<int, string, string> bookDelta = (port, store) => QuietConfig()(port, store)
            .Replace("\"flatten_target\": \"zero\"", "\"flatten_target\": \"book_delta\"", StringComparison.Ordinal);
        await using var h = await DaemonHarness.StartAsync(output, config: bookDelta);
        try
        {
            var run = await StartHoldingAHundred(h);
            await StopAndCheck(h, run);

            await h.Gateway.ExecuteAsync("stop-market-data XYZ"); // the restarted daemon's subscription brings nothing
            var again = h.StartDaemon();
            await h.WaitFsm("Running", 60_000);
            await FlattenRefused(h, "no XYZ price yet", "nothing sent");

            await h.Gateway.ExecuteAsync("resume-market-data XYZ");
            await StopAndCheck(h, again);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    /// <summary>A held leg whose quotes never come after a restart leaves the day's P&L limits unjudged: the operator is
    /// told (LIMITS_UNCHECKED, a warning naming the leg as a trader reads it) after twice stale_after in session, once,
    /// and the note LIMITS_CHECKED follows when the leg is quoted again. Nothing is traded meanwhile.</summary>
    [Fact]
    public async Task LimitsUnchecked_ALegUnquotedAfterARestart_IsToldOnce_AndCheckedAgainWhenItsQuotesReturn()
    {
        await using var h = await DaemonHarness.StartAsync(output, config: QuietConfig(lagSeconds: 60));
        try
        {
            var run = h.StartDaemon();
            await h.WaitFsm("Running");
            await h.WaitBookValued();
            await StopAndCheck(h, run);

            const string call = "XYZ 20260320 C 100";
            await h.Gateway.ExecuteAsync($"stop-market-data {call}"); // the restarted daemon's subscription brings nothing
            var again = h.StartDaemon();
            await h.WaitFsm("Running", 60_000);
            var orders = h.LedgerOf("order").Count;
            // 2 × stale_after (120 s) of replay time, 1.2 wall s at ×200: generous for a loaded machine.
            await h.WaitUntil(() => h.Read(r => r.GetAlerts(limit: 1000)).Any(a => a.Code == "LIMITS_UNCHECKED"), "LIMITS_UNCHECKED in the store", 60_000);
            var told = Assert.Single(h.Read(r => r.GetAlerts(limit: 1000)), a => a.Code == "LIMITS_UNCHECKED");
            output.WriteLine($"{told.Severity} {told.Message}");
            Assert.Equal(AlertSeverity.Warning, told.Severity);
            Assert.Contains(call, told.Message, StringComparison.Ordinal);
            Assert.Contains("not being checked", told.Message, StringComparison.Ordinal);

            await h.Gateway.ExecuteAsync($"resume-market-data {call}");
            await h.WaitUntil(() => Ops(h, OperationKind.State).Any(o => o.Detail!.StartsWith("LIMITS_CHECKED", StringComparison.Ordinal)),
                "LIMITS_CHECKED noted once the call is quoted again", 60_000);
            Assert.Single(h.Read(r => r.GetAlerts(limit: 1000)), a => a.Code == "LIMITS_UNCHECKED");
            Assert.Equal(orders, h.LedgerOf("order").Count);
            await StopAndCheck(h, again);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task ManualBuy_OnStaleData_IsRejectedWithMarketDataError_AndTheLightSaysStale()
    {
        await using var h = await DaemonHarness.StartAsync(output, config: QuietConfig(lagSeconds: 60));
        try
        {
            var run = h.StartDaemon();
            await h.WaitFsm("Running");
            // Fresh first: before the first quotes the check already says "no quote", and a buy racing the first tick would pass.
            await h.WaitUntil(() => h.Read(r => r.GetStatus())!.Checks.Any(c => c.Name == "data_fresh" && c.Health == Health.Ok),
                "every quote fresh before the feed stops", 30_000);
            await h.Gateway.ExecuteAsync("stop-market-data XYZ");
            const string stock = "XYZ: "; // the light names the stock by its symbol
            await h.WaitUntil(() => h.Read(r => r.GetStatus())!.Checks.Any(c => c.Name == "data_fresh" && c.Health != Health.Ok && c.Detail!.Contains(stock, StringComparison.Ordinal)),
                "the XYZ quote no longer fresh", 30_000);
            var status = h.Read(r => r.GetStatus())!;
            Assert.NotEqual("ok", status.MarketData); // "md ok" means fresh quotes, not only the farms up
            Assert.NotEqual(Health.Ok, status.Health);

            var buy = await h.WaitControl(h.Enqueue(ControlCommandKind.ManualOrder, """{"contract":"XYZ","side":"buy","quantity":10,"risk_bypass":true}"""));
            Assert.Equal(ControlStatus.Refused, buy.Status);
            Assert.StartsWith("failed: market_data_error", buy.Result, StringComparison.Ordinal);
            Assert.DoesNotContain(h.LedgerOf("order"), o => o.OrderRef!.Contains("-man", StringComparison.Ordinal));
            // The control's outcome and the operation are written by different writers: wait for the row, do not race it.
            await h.WaitUntil(() => Ops(h, OperationKind.Reject).Any(o => o.Detail!.StartsWith("market_data_error", StringComparison.Ordinal)),
                "the market_data_error reject recorded", 30_000);
            await h.WaitUntil(() => h.Read(r => r.ListRuns(new RunQuery { Kinds = [RunKind.Manual] })).Any(r => r.Run.EndedNanos is not null), "the failed run recorded");
            var manualRun = h.Read(r => r.ListRuns(new RunQuery { Kinds = [RunKind.Manual] })).Single();
            Assert.Contains("\"status\":\"failed\"", manualRun.Run.SummaryJson, StringComparison.Ordinal);

            await h.Gateway.ExecuteAsync("resume-market-data XYZ");
            await StopAndCheck(h, run);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
