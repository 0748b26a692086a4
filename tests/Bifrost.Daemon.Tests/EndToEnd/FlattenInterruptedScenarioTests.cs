using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>
/// A flatten whose sell is working at the broker when TWS says 1101 (connectivity restored, data lost): the sync that
/// follows interrupts it. Before, the flatten was answered refused there ("1101 reconnect during flatten; paused") while
/// its sell went on to fill: `flatten-all --wait` exited 1, and an operator who then sold the hedge by hand sold it
/// twice. Now the flatten is followed until its order ends and answered with what it did.
/// </summary>
[Collection(EndToEndCollection.Name)]
public class FlattenInterruptedScenarioTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Flatten_InterruptedBy1101_WhileItsSellWorks_IsAnsweredDoneOnceItFills_NotRefused_NothingSoldTwice_LedgerMatchesStore()
    {
        // A band of ±500 shares: the hedger stays quiet, so the held order is the flatten's. A run timeout of an hour
        // (simulated): the held sell is not cancelled while the test waits.
        await using var h = await DaemonHarness.StartAsync(output, config: (port, store) => TestConfig.Json(port, store, conIds: false, band: 500));
        var env = new Dictionary<string, string> { ["BIFROST__CONTROL__RUN_TIMEOUT_SECONDS"] = "3600" };
        var logs = new List<string>();
        try
        {
            using var daemon = h.StartProcess(h.ConfigPath, env, line => { lock (logs) logs.Add(line); });
            await h.WaitFsm("Running", 90_000);
            await h.WaitBookValued();
            var buy = await h.WaitControl(h.Enqueue(ControlCommandKind.ManualOrder,
                """{"contract":"XYZ","side":"buy","quantity":100,"adjusts_strategy":true}"""), 60_000);
            Assert.Equal(ControlStatus.Done, buy.Status);
            await h.WaitUntil(() => h.StrategyQty(TestConfig.StockId) == 100, "the strategy holds the 100 bought");
            await h.Gateway.ExecuteAsync("hold-next-order");
            var flatten = h.Enqueue(ControlCommandKind.Flatten);
            await h.WaitUntil(() => h.LedgerOf("order").Any(o => o.Action == "SELL"), "the flatten's sell at the gateway", 30_000);
            var sell = h.LedgerOf("order").Single(o => o.Action == "SELL").OrderRef!;

            await h.Gateway.ExecuteAsync("send 1101"); // the sync it starts interrupts the flatten
            await h.WaitFsm("Paused", 60_000);
            await Task.Delay(500);
            Assert.Equal(ControlStatus.Taken, h.Control(flatten)!.Status); // its sell still works: not answered, not refused

            await h.Gateway.ExecuteAsync("release-held");
            await h.WaitUntil(() => h.Control(flatten)!.Status is ControlStatus.Done or ControlStatus.Refused, "the flatten answered", 60_000);
            var answer = h.Control(flatten)!;
            output.WriteLine($"#{flatten} {answer.Status}: {answer.Result}");
            Assert.Equal(ControlStatus.Done, answer.Status);
            Assert.Contains($"{sell} SELL 100/100 Filled", answer.Result, StringComparison.Ordinal);
            await h.WaitUntil(() => h.StrategyQty(TestConfig.StockId) == 0, "the strategy's hedge flat", 30_000);
            Assert.Single(h.LedgerOf("order"), o => o.Action == "SELL"); // nothing sold twice
            Assert.StartsWith("Paused", h.Read(r => r.GetStatus())!.FsmState);

            h.Enqueue(ControlCommandKind.Stop);
            await daemon.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, daemon.Process.ExitCode);
            h.AssertMatchesLedger();
        }
        catch
        {
            lock (logs) foreach (var l in logs) output.WriteLine(l);
            h.Dump();
            throw;
        }
    }
}
