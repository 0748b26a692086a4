using Bifrost.Sim.Gateway;
using Bifrost.Sim.Ticks;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Tests.Shared;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>
/// Issue 9 item 12: "after a sync on 03-24 the engine bought 1,000 shares to hedge 10 puts that expired on 03-20".
/// Two generated sessions, Friday 2026-03-20 (the straddle's expiry day) and Monday 03-23, on a gateway in step mode
/// (time moves only when the test says). The daemon hedges on Friday, is killed, and is restarted on Monday morning
/// while the account still shows the expired legs: they must leave the book with LEG_EXPIRED, and no order may be
/// sized against them. Ends with the gateway's ledger compared to the store.
/// </summary>
[Collection(EndToEndCollection.Name)]
public class ExpiryScenarioTests(ITestOutputHelper output)
{
    private static readonly Lazy<string> ExpiryWeekend = new(() =>
    {
        var dir = Path.Combine(Path.GetTempPath(), "bifrost-daemon-tests-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "expiry-friday-monday.parquet");
        // Expiry = first day + ExpiryCalendarDays + (last day − first day) = Friday 03-20: the legs of TestConfig.
        if (!File.Exists(path))
            TickGenerator.WriteFile(path, new GeneratorOptions { FirstDay = new DateOnly(2026, 3, 20), Days = 2, ExpiryCalendarDays = -3 });
        return path;
    });

    private static async Task Pass(DaemonHarness h, TimeSpan span, TimeSpan step)
    {
        for (var t = TimeSpan.Zero; t < span; t += step)
        {
            await h.Gateway.AdvanceAsync(step);
            await Task.Delay(15); // the daemon reads what the step produced (quotes, fills) before time moves on
        }
    }

    [Fact]
    public async Task Restart_AfterTheLegsExpired_NoOrderIsSizedAgainstThem()
    {
        await using var h = await DaemonHarness.StartAsync(output, speed: ReplaySpeed.Step, dataPath: ExpiryWeekend.Value,
            config: (port, store) => TestConfig.Json(port, store, conIds: false, band: 6));
        var logs = new List<string>();
        try
        {
            using (var friday = h.StartProcess(h.ConfigPath, onLine: line => { lock (logs) logs.Add(line); }))
            {
                await Pass(h, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1));
                await h.WaitFsm("Running", 90_000);
                await Pass(h, TimeSpan.FromMinutes(20), TimeSpan.FromSeconds(10)); // Friday morning: the straddle is hedged
                friday.Process.Kill(); // SIGKILL: no shutdown code runs
                await friday.Process.WaitForExitAsync();
            }
            var fridayOrders = h.LedgerOf("order").Count;
            output.WriteLine($"Friday: {fridayOrders} orders, strategy XYZ {h.StrategyQty(TestConfig.StockId)}");
            Assert.True(fridayOrders > 0, "the daemon hedged the straddle on Friday");

            // Over the weekend: past Friday's 16:00 expiry to Monday 10:00 New York. The account still shows the legs.
            var now = DateTimeOffset.FromUnixTimeMilliseconds(h.Gateway.NowNanos / 1_000_000);
            var monday = new DateTimeOffset(2026, 3, 23, 14, 0, 0, TimeSpan.Zero); // 10:00 EDT
            await h.Gateway.AdvanceAsync(monday - now);
            var positions = await h.Gateway.PositionsAsync();
            Assert.Equal(10, positions[TestConfig.PutId].Qty);

            using var mondayRun = h.StartProcess(h.ConfigPath, onLine: line => { lock (logs) logs.Add(line); });
            await h.WaitUntilAsync(async () =>
            {
                await h.Gateway.AdvanceAsync(TimeSpan.FromSeconds(1));
                return h.Read(r => r.GetAlerts(limit: 1000)).Count(a => a.Code == "LEG_EXPIRED") >= 2;
            }, "LEG_EXPIRED for both legs", 90_000);
            await Pass(h, TimeSpan.FromMinutes(20), TimeSpan.FromSeconds(10)); // Monday morning: twenty minutes of quotes

            var expired = h.Read(r => r.GetAlerts(limit: 1000)).Where(a => a.Code == "LEG_EXPIRED").ToList();
            Assert.Contains(expired, a => a.Message.Contains(" P ", StringComparison.Ordinal));
            Assert.Contains(expired, a => a.Message.Contains(" C ", StringComparison.Ordinal));
            Assert.Equal(0, h.StrategyQty(TestConfig.PutId));
            Assert.Equal(0, h.StrategyQty(TestConfig.CallId));
            // With the legs gone the strategy's only delta is its own stock: any order now may only take it towards zero.
            var mondayOrders = h.LedgerOf("order").Skip(fridayOrders).ToList();
            var position = (double)h.LedgerOf("fill").Where(f => f.ConId == TestConfig.StockId && !mondayOrders.Any(o => o.OrderRef == f.OrderRef))
                .Sum(f => (f.Side == "BOT" ? 1 : -1) * f.Quantity ?? 0);
            foreach (var o in mondayOrders)
            {
                var signed = (o.Action == "BUY" ? 1 : -1) * (o.Quantity ?? 0);
                Assert.True(o.ConId == TestConfig.StockId && Math.Abs(position + signed) < Math.Abs(position),
                    $"{o.OrderRef} {o.Action} {o.Quantity} of {o.Contract} against a strategy position of {position}: sized against expired legs");
                position += signed;
            }
            var status = h.Read(r => r.GetStatus())!;
            // The expired legs' feed ended with their listing: that is not lag, and the stock hedge went back to flat.
            Assert.DoesNotContain("DATA_LAG", status.BlockReasons);
            Assert.True(Math.Abs(h.StrategyQty(TestConfig.StockId)) <= 6, $"strategy XYZ {h.StrategyQty(TestConfig.StockId)}: not back within the band of flat");
            output.WriteLine($"Monday: {mondayOrders.Count} orders, each towards flat; {status.FsmState}, light {status.Health} {string.Join(",", status.BlockReasons)}");
            h.Enqueue(ControlCommandKind.Stop);
            await mondayRun.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, mondayRun.Process.ExitCode);
            h.AssertMatchesLedger();
        }
        catch
        {
            lock (logs) foreach (var l in logs) output.WriteLine(l);
            throw;
        }
    }
}
