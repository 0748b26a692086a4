using System.Globalization;
using System.Text.RegularExpressions;
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
                // Killed with every hedge over and its fills stored: a hedge still in flight at the kill fills unseen
                // over the weekend, and Monday's sync then rightly halts on ORDER_OUTCOME_UNKNOWN (not this scenario).
                // Time moves only while an order is open at the gateway (it fills on the next step); once every order
                // is over the clock stands still, so no new quote starts a new hedge while a slow machine's daemon
                // catches up with storing the fills (moving on regardless could outrun it for good: a CI failure).
                await h.WaitUntilAsync(async () =>
                {
                    var orders = h.LedgerOf("order");
                    var fills = h.LedgerOf("fill");
                    if (!Settle.Settled(h))
                    {
                        await h.Gateway.AdvanceAsync(TimeSpan.FromSeconds(1));
                        await Task.Delay(50);
                        return false;
                    }
                    await Task.Delay(50);
                    return h.Sql("SELECT COUNT(*) FROM fills", r => r.GetInt64(0)).Single() == fills.Count
                           && h.LedgerOf("order").Count == orders.Count; // and no order went out meanwhile
                }, "every Friday hedge over and its fills stored", 60_000);
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
            // A leg in the money is settled as exercised (EXPIRY_SETTLEMENT, critical: paused), one out of it as expired.
            string[] codes = ["LEG_EXPIRED", "EXPIRY_SETTLEMENT"];
            await h.WaitUntilAsync(async () =>
            {
                await h.Gateway.AdvanceAsync(TimeSpan.FromSeconds(1));
                return h.Read(r => r.GetAlerts(limit: 1000)).Count(a => codes.Contains(a.Code)) >= 2;
            }, "both legs settled", 90_000);
            await Pass(h, TimeSpan.FromMinutes(20), TimeSpan.FromSeconds(10)); // Monday morning: twenty minutes of quotes

            var expired = h.Read(r => r.GetAlerts(limit: 1000)).Where(a => codes.Contains(a.Code)).ToList();
            Assert.Contains(expired, a => a.Message.Contains(" P ", StringComparison.Ordinal));
            Assert.Contains(expired, a => a.Message.Contains(" C ", StringComparison.Ordinal));
            Assert.Equal(0, h.StrategyQty(TestConfig.PutId));
            Assert.Equal(0, h.StrategyQty(TestConfig.CallId));
            // The exercise's shares are booked as the strategy's and the engine waits for the operator: no order at all
            // (before, it sized orders against the expired legs; then it traded the hedge back over the delivery).
            var mondayOrders = h.LedgerOf("order").Skip(fridayOrders).ToList();
            Assert.Empty(mondayOrders);
            var status = h.Read(r => r.GetStatus())!;
            Assert.StartsWith("Paused", status.FsmState);
            Assert.DoesNotContain("DATA_LAG", status.BlockReasons); // the expired legs' feed ended with their listing
            var delivered = expired.Select(a => Regex.Match(a.Message, @"([+-]\d+) XYZ delivered by exercise")).Where(m => m.Success).Sum(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
            output.WriteLine($"Monday: {status.FsmState}, light {status.Health} {string.Join(",", status.BlockReasons)}; delivered {delivered}, strategy XYZ {h.StrategyQty(TestConfig.StockId)}");
            Assert.Equal(h.LedgerStockQty() + delivered, h.StrategyQty(TestConfig.StockId));
            h.Enqueue(ControlCommandKind.Stop);
            await mondayRun.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, mondayRun.Process.ExitCode);
            h.AssertMatchesLedger(deliveredStock: delivered);
        }
        catch
        {
            lock (logs) foreach (var l in logs) output.WriteLine(l);
            throw;
        }
    }

    /// <summary>
    /// The straddle held through Friday's 16:00 expiry, the broker settling it (the gateway's --settle-expiries): the
    /// leg in the money is exercised and its 1,000 shares delivered. Before, the engine closed the leg and then bought
    /// or sold its hedge back to flat on Monday, on top of the delivered shares: the account ended 1,000 shares
    /// unhedged. Now the delivery is the strategy's stock and the engine pauses (EXPIRY_SETTLEMENT); a restart keeps
    /// both; the operator resumes and only the residual is traded; the account's stock equals the strategy's. The same
    /// when the operator takes the expired legs out of the configuration before Monday's start (before, the restart
    /// read the store through the configuration: the delivery was forgotten and bought again at the resume).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task InTheMoneyExpiry_SettledByTheBroker_TheHedgeIsNotTradedBack_AndTheAccountEqualsTheStrategy(bool legsTakenOut)
    {
        await using var h = await DaemonHarness.StartAsync(output, speed: ReplaySpeed.Step, dataPath: ExpiryWeekend.Value,
            config: (port, store) => TestConfig.Json(port, store, conIds: false, band: 6), settleExpiries: true);
        var logs = new List<string>();
        int Delivered() => h.LedgerOf("delivery", 0).Sum(d => (d.Side == "BOT" ? 1 : -1) * d.Quantity ?? 0);
        try
        {
            // Friday 15:25 New York before the daemon starts: it hedges the last half hour and is running at the close.
            var start = DateTimeOffset.FromUnixTimeMilliseconds(h.Gateway.NowNanos / 1_000_000);
            await h.Gateway.AdvanceAsync(new DateTimeOffset(2026, 3, 20, 19, 25, 0, TimeSpan.Zero) - start);
            long settledAt;
            using (var friday = h.StartProcess(h.ConfigPath, onLine: line => { lock (logs) logs.Add(line); }))
            {
                await Pass(h, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1));
                await h.WaitFsm("Running", 90_000);
                await Pass(h, TimeSpan.FromMinutes(40), TimeSpan.FromSeconds(10)); // past 16:00
                await h.WaitUntil(() => h.Read(r => r.GetAlerts(limit: 1000)).Any(a => a.Code == "EXPIRY_SETTLEMENT"), "EXPIRY_SETTLEMENT", 60_000);
                await h.WaitFsm("Paused", 30_000);
                settledAt = h.Gateway.NowNanos;
                output.WriteLine($"Friday close: delivered {Delivered()}, strategy XYZ {h.StrategyQty(TestConfig.StockId)}, ledger XYZ {h.LedgerStockQty()}");
                Assert.NotEqual(0, Delivered()); // the generated close is away from the strike: one leg was exercised
                h.AssertMatchesLedger(deliveredStock: Delivered()); // the delivery is the strategy's, not traded back
                Assert.Equal(0, h.StrategyQty(TestConfig.CallId));
                Assert.Equal(0, h.StrategyQty(TestConfig.PutId));
                h.Enqueue(ControlCommandKind.Stop);
                await friday.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
                Assert.Equal(0, friday.Process.ExitCode);
            }

            // Monday 10:00: the restart keeps the delivery and the pause; nothing trades until the operator resumes.
            if (legsTakenOut)
            {
                var json = await File.ReadAllTextAsync(h.ConfigPath);
                var rolled = Regex.Replace(json, @"""legs"": \[[^\]]*\]", @"""legs"": []");
                Assert.NotEqual(json, rolled);
                await File.WriteAllTextAsync(h.ConfigPath, rolled);
            }
            var now = DateTimeOffset.FromUnixTimeMilliseconds(h.Gateway.NowNanos / 1_000_000);
            await h.Gateway.AdvanceAsync(new DateTimeOffset(2026, 3, 23, 14, 0, 0, TimeSpan.Zero) - now);
            using var monday = h.StartProcess(h.ConfigPath, onLine: line => { lock (logs) logs.Add(line); });
            await Pass(h, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1));
            await h.WaitFsm("Paused", 90_000);
            await Pass(h, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(10));
            Assert.DoesNotContain(h.LedgerOf("order"), o => o.TsNanos > settledAt);
            h.AssertMatchesLedger(deliveredStock: Delivered());
            Assert.Equal(ControlStatus.Done, (await h.WaitControl(h.Enqueue(ControlCommandKind.Resume))).Status);
            await Pass(h, TimeSpan.FromMinutes(20), TimeSpan.FromSeconds(10));

            var positions = await h.Gateway.PositionsAsync();
            var account = positions.TryGetValue(TestConfig.StockId, out var p) ? p.Qty : 0;
            output.WriteLine($"Monday: {h.LedgerOf("order").Count(o => o.TsNanos > settledAt)} orders after resume, strategy XYZ {h.StrategyQty(TestConfig.StockId)}, account XYZ {account}");
            Assert.True(Math.Abs(h.StrategyQty(TestConfig.StockId)) <= 6, $"strategy XYZ {h.StrategyQty(TestConfig.StockId)}: not back within the band of flat");
            Assert.Equal(account, h.StrategyQty(TestConfig.StockId)); // nothing left over in the account: no unhedged delivery
            h.Enqueue(ControlCommandKind.Stop);
            await monday.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, monday.Process.ExitCode);
            h.AssertMatchesLedger(deliveredStock: Delivered());
        }
        catch
        {
            lock (logs) foreach (var l in logs) output.WriteLine(l);
            throw;
        }
    }
}
