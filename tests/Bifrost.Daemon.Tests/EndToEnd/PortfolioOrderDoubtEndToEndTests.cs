using Bifrost.Sim.Gateway;
using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>A portfolio run's order that filled while the daemon was down, its execution then forgotten by the broker
/// (IB's daily reset), end to end: the restart halts RED on ORDER_OUTCOME_UNKNOWN naming the stock and the quantity to
/// confirm; the operator books it with confirm_book (nothing traded), and the next run of the same signals, before and
/// after another restart, finds the stock at target. Before, confirm_book refused a portfolio stock: the halt said to
/// check it by hand, and after the resume the next run bought the same shares a second time.</summary>
[Collection(EndToEndCollection.Name)]
public class PortfolioOrderDoubtEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task PortfolioBuyFilledWhileTheDaemonWasDown_AndForgottenByTheBroker_TheOperatorBooksIt_TheNextRunDoesNotBuyItAgain()
    {
        await using var h = await DaemonHarness.StartAsync(output, config: PortfolioRunEndToEndTests.Config, dataPath: PortfolioRunEndToEndTests.Data.Value);
        var logs = new List<string>();
        try
        {
            Assert.True(File.Exists(DaemonProcess.Dll), DaemonProcess.Dll);
            string file;
            LedgerEntry held;
            using (var first = h.StartProcess(onLine: line => { lock (logs) logs.Add(line); }))
            {
                await PortfolioRunEndToEndTests.WaitQuotes(h);
                await h.Gateway.ExecuteAsync("hold-next-order");
                file = PortfolioRunEndToEndTests.Signals(h, "signals.csv", 1.0, 0.5);
                PortfolioRunEndToEndTests.RunPortfolio(h, file);
                await h.WaitUntil(() => RunOrders(h).Count == 2, "both orders at the gateway", 30_000);
                await h.WaitUntil(() => h.LedgerOf("fill").Any(f => IsRun(f.OrderRef)), "the order not held filled", 30_000);
                held = RunOrders(h).Single(o => h.LedgerOf("fill").All(f => f.OrderRef != o.OrderRef));
                var other = RunOrders(h).Single(o => o.OrderRef != held.OrderRef);
                await h.WaitUntil(() => h.Read(r => r.GetOrder(other.OrderRef!)) is { Status: "Filled" } o && o.Filled == other.Quantity
                                        && h.Read(r => r.GetOrder(held.OrderRef!))?.Status is "Submitted" or "PreSubmitted",
                    "the other order filled in the store, the held one working", 30_000);
                first.Process.Kill(); // SIGKILL: no shutdown code, no cancel
                await first.Process.WaitForExitAsync();
            }
            // Overnight: the held order fills while nobody is connected, then IB's daily reset forgets its execution.
            await h.Gateway.InjectAsync(OrderDoubtScenarioTests.Fault("release-held"));
            await h.WaitUntil(() => h.LedgerOf("fill").Where(f => f.OrderRef == held.OrderRef).Sum(f => f.Quantity) == held.Quantity, "the held order filled at the broker");
            var lost = h.LedgerOf("fill").Where(f => f.OrderRef == held.OrderRef).ToList();
            await h.Gateway.InjectAsync(OrderDoubtScenarioTests.Fault("forget-executions"));
            var heldId = held.ConId!.Value;
            var symbol = heldId == PortfolioRunEndToEndTests.AaaId ? "AAA" : "BBB";
            var qty = held.Quantity!.Value;

            var second = h.StartDaemon();
            await h.WaitUntil(() => OrderDoubtScenarioTests.Starts(h) == 2 && OrderDoubtScenarioTests.Status(h).FsmState.StartsWith("Halted", StringComparison.Ordinal),
                "the restarted daemon halted", 60_000);
            output.WriteLine($"held {symbol} {held.Action} {qty} ({held.OrderRef}), filled while down; after the restart: {OrderDoubtScenarioTests.Describe(h)}");
            var unknown = Assert.Single(h.Alerts(), a => a.Code == "ORDER_OUTCOME_UNKNOWN");
            Assert.Equal(AlertSeverity.Critical, unknown.Severity);
            Assert.Contains(held.OrderRef!, unknown.Message);
            Assert.Contains($"confirm_book {symbol}={qty}", unknown.Message); // what the strategy then holds, by its symbol
            Assert.DoesNotContain("check by hand", unknown.Message);
            Assert.Equal(Health.Blocked, OrderDoubtScenarioTests.Status(h).Health); // RED
            Assert.Equal(0, h.StrategyQty(heldId)); // never adopted silently
            await OrderDoubtScenarioTests.NoNewOrdersFor(h, 2000, expectedOrders: 2); // halted: nothing sent

            var confirm = await h.WaitControl(h.Enqueue(ControlCommandKind.ConfirmBook, $$"""{"legs": [{"contract": "{{symbol}}", "quantity": {{qty}}}]}"""), 30_000);
            output.WriteLine($"confirm_book {symbol}={qty}: {confirm.Status} {confirm.Result}");
            Assert.Equal(ControlStatus.Done, confirm.Status);
            await h.WaitFsm("Paused", 30_000);
            await h.WaitUntil(() => h.StrategyQty(heldId) == qty, $"the unseen fill booked as the strategy's {symbol}", 20_000);
            Assert.Equal(2, RunOrders(h).Count); // nothing traded to book it
            Assert.Equal(ControlStatus.Done, (await h.WaitControl(h.Enqueue(ControlCommandKind.Resume), 30_000)).Status);
            await PortfolioRunEndToEndTests.WaitQuotes(h);
            await NextRunLeavesItAlone(h, file, symbol, heldId, "after the resume");

            // The booking survives a restart: the store gives the strategy the shares again, and the next run leaves them.
            h.Enqueue(ControlCommandKind.Stop);
            Assert.Equal(0, await second.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
            var third = h.StartDaemon();
            await PortfolioRunEndToEndTests.WaitQuotes(h);
            await h.WaitUntil(() => h.StrategyQty(heldId) == qty, $"the booked {symbol} restored", 20_000);
            await NextRunLeavesItAlone(h, file, symbol, heldId, "after another restart");

            h.Enqueue(ControlCommandKind.Stop);
            Assert.Equal(0, await third.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
            var account = (await h.Gateway.PositionsAsync())[heldId].Qty;
            Assert.Equal(qty, account); // bought once
            Assert.Equal(account, h.StrategyQty(heldId));
            // Ledger == store but for the forgotten execution, which the store never gets; its shares are booked.
            h.AssertMatchesLedger(forgotten: lost.Select(f => f.ExecId!).ToHashSet());
            Assert.Equal(h.LedgerOf("fill").Count - lost.Count, h.Sql("SELECT COUNT(*) FROM fills", r => r.GetInt64(0)).Single());
        }
        catch
        {
            h.Dump();
            lock (logs) foreach (var l in logs) output.WriteLine(l);
            throw;
        }
    }

    /// <summary>The same signals again: done, and no order for the booked symbol (its one order the held one).</summary>
    private async Task NextRunLeavesItAlone(DaemonHarness h, string signals, string symbol, int conId, string when)
    {
        var again = PortfolioRunEndToEndTests.RunPortfolio(h, signals);
        var control = await h.WaitControl(again, 30_000);
        var run = h.Read(r => r.FindPortfolioRunForControl(again))!;
        output.WriteLine($"the same signals {when}: {control.Status} {control.Result}");
        Assert.StartsWith("done:", control.Result);
        Assert.DoesNotContain(run.Orders, o => o.Symbol == symbol);
        Assert.Single(h.LedgerOf("order"), o => o.ConId == conId);
    }

    private static bool IsRun(string? orderRef) => orderRef?.StartsWith("oi_p", StringComparison.Ordinal) == true;

    private static List<LedgerEntry> RunOrders(DaemonHarness h) => h.LedgerOf("order").Where(o => IsRun(o.OrderRef)).ToList();
}
