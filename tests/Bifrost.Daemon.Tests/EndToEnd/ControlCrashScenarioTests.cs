using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>
/// An operator command whose order went out when the daemon was killed (-9) before it answered, end to end on the
/// replay gateway. Before, the restart refused every command it found taken ("the daemon restarted before completing
/// it"): a manual BUY whose 100 shares filled read refused, `--wait` ended "failed", exit 1 — and the operator (or a
/// script retrying on exit 1) bought again. Now a run whose orders the store holds is handed back to the engine, which
/// follows them and answers the command with what they did; a command that sent nothing is refused as before.
/// </summary>
[Collection(EndToEndCollection.Name)]
public class ControlCrashScenarioTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ManualBuy_SentThenKilled_FilledWhileDown_IsAnsweredDoneWithItsFill_NotRefused_NoSecondOrder_LedgerMatchesStore()
    {
        // A band of ±500 shares: the hedger stays quiet, so the held order is the operator's. A run timeout of an hour (simulated):
        // the held buy is not cancelled before the kill.
        await using var h = await DaemonHarness.StartAsync(output, config: (port, store) => TestConfig.Json(port, store, conIds: false, band: 500));
        var env = new Dictionary<string, string> { ["BIFROST__CONTROL__RUN_TIMEOUT_SECONDS"] = "3600" };
        var logs = new List<string>();
        try
        {
            long buy;
            string sent;
            using (var first = h.StartProcess(h.ConfigPath, env, line => { lock (logs) logs.Add(line); }))
            {
                await h.WaitFsm("Running", 90_000);
                await h.WaitBookValued();
                await h.Gateway.ExecuteAsync("hold-next-order");
                buy = h.Enqueue(ControlCommandKind.ManualOrder, """{"contract":"XYZ","side":"buy","quantity":100}""");
                await h.WaitUntil(() => h.LedgerOf("order").Any(o => o.OrderRef is not null && ManualRefs(h, buy).Contains(o.OrderRef)),
                    "the manual buy at the gateway", 30_000);
                sent = ManualRefs(h, buy).Single();
                Assert.Equal(ControlStatus.Taken, h.Control(buy)!.Status); // sent, not answered: its run waits for the fill
                first.Process.Kill(); // SIGKILL: no shutdown code runs
                await first.Process.WaitForExitAsync();
            }
            await h.Gateway.ExecuteAsync("release-held"); // the buy fills while the daemon is down
            await h.WaitUntil(() => h.LedgerOf("fill").Where(f => f.OrderRef == sent).Sum(f => f.Quantity) == 100, "the held buy filled at the gateway", 30_000);

            using var second = h.StartProcess(h.ConfigPath, env, line => { lock (logs) logs.Add(line); });
            await h.WaitUntil(() => h.Control(buy)!.Status is ControlStatus.Done or ControlStatus.Refused, "the buy answered after the restart", 60_000);
            var answer = h.Control(buy)!;
            output.WriteLine($"#{buy} {answer.Status}: {answer.Result}");
            Assert.Equal(ControlStatus.Done, answer.Status); // the operator bought 100: not "refused"
            Assert.StartsWith("done: ", answer.Result, StringComparison.Ordinal);
            Assert.Contains($"{sent} BUY 100/100 Filled", answer.Result, StringComparison.Ordinal);
            await h.WaitUntil(() => h.ExternalQty(TestConfig.StockId) == 100, "the daemon sees the operator's 100 shares", 30_000);
            Assert.Single(h.LedgerOf("order"), o => o.Action == "BUY" && o.Quantity == 100 && ManualRefs(h, buy).Contains(o.OrderRef!));

            h.Enqueue(ControlCommandKind.Stop);
            await second.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, second.Process.ExitCode);
            h.AssertMatchesLedger();
        }
        catch
        {
            lock (logs) foreach (var l in logs) output.WriteLine(l);
            h.Dump();
            throw;
        }
    }

    /// <summary>The same window for a flatten: its sell of the +100 hedge out, the daemon killed before it answered.
    /// Before, the restart refused it ("the daemon restarted before completing it") while its sell filled: `flatten-all
    /// --wait` ended failed, exit 1, and a flatten again (by hand or a script retrying) met a book already flat.</summary>
    [Fact]
    public async Task Flatten_SentThenKilled_FilledWhileDown_IsAnsweredDoneWithItsFill_NotRefused_NoSecondOrder_LedgerMatchesStore()
    {
        await using var h = await DaemonHarness.StartAsync(output, config: (port, store) => TestConfig.Json(port, store, conIds: false, band: 500));
        var env = new Dictionary<string, string> { ["BIFROST__CONTROL__RUN_TIMEOUT_SECONDS"] = "3600" };
        var logs = new List<string>();
        try
        {
            long flatten;
            string sell;
            using (var first = h.StartProcess(h.ConfigPath, env, line => { lock (logs) logs.Add(line); }))
            {
                await h.WaitFsm("Running", 90_000);
                await h.WaitBookValued();
                var buy = await h.WaitControl(h.Enqueue(ControlCommandKind.ManualOrder,
                    """{"contract":"XYZ","side":"buy","quantity":100,"adjusts_strategy":true}"""), 60_000);
                Assert.Equal(ControlStatus.Done, buy.Status);
                await h.WaitUntil(() => h.StrategyQty(TestConfig.StockId) == 100, "the strategy holds the 100 bought");
                await h.Gateway.ExecuteAsync("hold-next-order");
                flatten = h.Enqueue(ControlCommandKind.Flatten);
                await h.WaitUntil(() => h.LedgerOf("order").Any(o => o.Action == "SELL"), "the flatten's sell at the gateway", 30_000);
                sell = h.LedgerOf("order").Single(o => o.Action == "SELL").OrderRef!;
                Assert.Contains("-flat", sell, StringComparison.Ordinal);
                Assert.Equal(ControlStatus.Taken, h.Control(flatten)!.Status); // sent, not answered: the flatten waits for its fill
                first.Process.Kill(); // SIGKILL: no shutdown code runs
                await first.Process.WaitForExitAsync();
            }
            await h.Gateway.ExecuteAsync("release-held"); // the sell fills while the daemon is down
            await h.WaitUntil(() => h.LedgerOf("fill").Where(f => f.OrderRef == sell).Sum(f => f.Quantity) == 100, "the held sell filled at the gateway", 30_000);

            using var second = h.StartProcess(h.ConfigPath, env, line => { lock (logs) logs.Add(line); });
            await h.WaitUntil(() => h.Control(flatten)!.Status is ControlStatus.Done or ControlStatus.Refused, "the flatten answered after the restart", 60_000);
            var answer = h.Control(flatten)!;
            output.WriteLine($"#{flatten} {answer.Status}: {answer.Result}");
            Assert.Equal(ControlStatus.Done, answer.Status); // the hedge is flat: not "refused"
            Assert.Contains($"{sell} SELL 100/100 Filled", answer.Result, StringComparison.Ordinal);
            await h.WaitUntil(() => h.StrategyQty(TestConfig.StockId) == 0, "the strategy's hedge flat after the restart", 30_000);
            await h.WaitFsm("Paused"); // a flatten pauses (after_flatten: pause), across the kill too
            Assert.Single(h.LedgerOf("order"), o => o.Action == "SELL"); // nothing sold twice
            // The console's `flatten-all --wait` reads the flatten's end from its run's control_done: it says done.
            var end = h.Read(r => r.FindFlattenEnd(flatten));
            Assert.NotNull(end);
            Assert.DoesNotContain("incomplete", end.Value.Detail, StringComparison.Ordinal);

            h.Enqueue(ControlCommandKind.Stop);
            await second.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, second.Process.ExitCode);
            h.AssertMatchesLedger();
        }
        catch
        {
            lock (logs) foreach (var l in logs) output.WriteLine(l);
            h.Dump();
            throw;
        }
    }

    private static List<string> ManualRefs(DaemonHarness h, long control) =>
        h.Sql($"SELECT order_ref FROM orders WHERE run_id = 't1-man{control}'", r => r.GetString(0));
}
