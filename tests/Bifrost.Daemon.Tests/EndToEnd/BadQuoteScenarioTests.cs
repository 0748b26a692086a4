using Bifrost.Sim.Gateway;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>A bad quote on the underlying (the gateway's <c>bad-quote</c> fault: one quote far off, the next tick brings
/// the price back) against the daemon: held as PRICE_JUMP, never hedged on, dropped when the price comes back.</summary>
[Collection(EndToEndCollection.Name)]
public class BadQuoteScenarioTests(ITestOutputHelper output)
{
    /// <summary>The test configuration (contracts resolved by symbol); `opened`: the leg guard's band opened to 100 vol
    /// points (the premise runs: it still caps at half the leg's value).</summary>
    private static string LegGuard(int port, string store, bool opened)
    {
        var json = TestConfig.Json(port, store, conIds: false);
        return opened ? json.Replace("\"max_spread_bps\": 100", "\"max_spread_bps\": 100, \"max_option_jump_vol_points\": 100") : json;
    }

    /// <summary>A leg's mark in the status ("C" the call, "P" the put; NaN before it is marked).</summary>
    private static double Mark(StatusSnapshot s, string right) => s.Positions.SingleOrDefault(p => p.Symbol.Contains($" {right} "))?.MarketPrice ?? double.NaN;

    private static double CallMark(StatusSnapshot s) => Mark(s, "C");

    /// <summary>The call's stuck quote was held once (a PRICE_JUMP warning naming it); resuming its feed drops it; the
    /// daemon pauses, settles and stops, and the gateway's ledger matches the store.</summary>
    private static async Task CallHeld_DroppedWhenTheFeedResumes_LedgerMatches(DaemonHarness h, DaemonRun run)
    {
        var held = Assert.Single(h.Alerts(), a => a.Code == "PRICE_JUMP");
        Assert.Equal(AlertSeverity.Warning, held.Severity);
        Assert.Contains("XYZ 20260320 C 100 mid", held.Message);
        await h.Gateway.InjectAsync(FaultScript.ParseRule($"resume-market-data {TestConfig.CallId}").Action);
        await h.WaitUntil(() => h.Alerts().Any(a => a.Code == "BAD_QUOTE_DROPPED"), "the bad quote dropped once the feed resumes", 60_000);
        await h.PauseSettleAndStop(run);
        h.AssertMatchesLedger();
    }

    /// <summary>Hedged and running, the underlying is quoted once 20 % under its price. Without the guard the daemon
    /// valued the book there and sent a hedge sized on that delta (hundreds of shares, traded at the real price);
    /// now every hedge is sized at a price the market traded, the bad quote is alerted and dropped, and the ledger
    /// matches the store.</summary>
    [Theory]
    [InlineData(-20)]
    [InlineData(25)]
    public async Task UnderlyingQuotedOnceFarOff_IsHeldAndDropped_NoHedgeSizedOnIt_LedgerMatchesTheStore(int percent)
    {
        await using var h = await DaemonHarness.StartAsync(output);
        try
        {
            var run = h.StartDaemon();
            await h.WaitOrders(1, 60_000);
            await h.WaitFsm("Running/Idle", 60_000);
            var firstIntent = h.Ops(OperationKind.Intent).First(o => o.Price is > 0);
            var injectedAt = h.Gateway.NowNanos;
            await h.Gateway.InjectAsync(FaultScript.ParseRule($"bad-quote XYZ {percent}").Action);
            // A minute of the market after it: the hedger works on, and every hedge it sizes must be at a traded price.
            await h.WaitUntil(() => h.Gateway.NowNanos >= injectedAt + 60_000_000_000L, "a simulated minute after the bad quote", 60_000);
            var intents = h.Ops(OperationKind.Intent).Where(o => o.Price is > 0).ToList();
            output.WriteLine($"{intents.Count} intents at {string.Join(", ", intents.Select(i => $"{i.Price:F2}"))}");
            Assert.All(intents, i => Assert.InRange(i.Price!.Value / firstIntent.Price!.Value, 0.95, 1.05));
            var alerts = h.Alerts();
            output.WriteLine($"alerts [{string.Join(" | ", alerts.Select(a => $"{a.Severity} {a.Code}: {a.Message}"))}]");
            var held = Assert.Single(alerts, a => a.Code == "PRICE_JUMP");
            Assert.Equal(AlertSeverity.Warning, held.Severity);
            Assert.Contains("XYZ mid jumped", held.Message);
            Assert.Contains(alerts, a => a.Code == "BAD_QUOTE_DROPPED");
            Assert.DoesNotContain(alerts, a => a.Code == "PRICE_JUMP_STOOD");
            Assert.DoesNotContain("Halted", h.Read(r => r.GetStatus())!.FsmState);
            await h.PauseSettleAndStop(run);
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    /// <summary>Hedged and running, the straddle's call is quoted once 40 % above its price and its feed then stops (a
    /// stuck bad quote). Taken as it came (the premise: the guard's band opened to 100 vol points, which leaves it half
    /// the call's value), the call is marked 40 % up and the book shows hundreds of P&amp;L that never traded — what the
    /// limits, the high-water mark and a take-profit would judge. With the guard the quote is held (PRICE_JUMP naming the leg): the call keeps its mark,
    /// the P&amp;L stays where it was, nothing halts; when the feed resumes the quote is dropped, and the ledger
    /// matches the store.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task LegQuotedOnce40PercentHigh_IsHeld_TheBookKeepsItsMark_LedgerMatchesTheStore(bool guardOpened)
    {
        await using var h = await DaemonHarness.StartAsync(output, config: (port, store) => LegGuard(port, store, guardOpened));
        try
        {
            var run = h.StartDaemon();
            await h.WaitOrders(1, 60_000);
            await h.WaitFsm("Running/Idle", 60_000);
            // Both legs marked (the P&L valued) before the bad quote.
            await h.WaitUntil(() => h.Read(r => r.GetStatus()) is { } s && Mark(s, "C") > 0 && Mark(s, "P") > 0, "both legs marked", 60_000);
            var before = h.Read(r => r.GetStatus())!;
            var injectedAt = h.Gateway.NowNanos;
            await h.Gateway.InjectAsync(FaultScript.ParseRule($"bad-quote {TestConfig.CallId} 40 stay").Action);
            await h.WaitUntil(() => h.Read(r => r.GetStatus())!.TimeNanos >= injectedAt + 20_000_000_000L, "the status 20 simulated seconds on", 60_000);
            var during = h.Read(r => r.GetStatus())!;
            var (m0, m1) = (CallMark(before), CallMark(during));
            var moved = during.Pnl.Unrealized - before.Pnl.Unrealized;
            output.WriteLine($"call marked {m0:F2} before, {m1:F2} during; unrealised moved {moved:F0}; alerts [{string.Join(" | ", h.Alerts().Select(a => $"{a.Code}: {a.Message}"))}]");
            if (guardOpened)
            {
                Assert.InRange(m1 / m0, 1.3, 1.5);
                Assert.True(moved > 0.3 * m0 * 1_000, $"the premise: the book marked on the bad quote ({moved:F0})");
                await h.PauseSettleAndStop(run);
                return;
            }
            Assert.InRange(m1 / m0, 0.85, 1.15);
            Assert.True(Math.Abs(moved) < 0.15 * m0 * 1_000, $"the P&L moved {moved:F0} on a quote that never traded");
            Assert.DoesNotContain("Halted", during.FsmState);
            await CallHeld_DroppedWhenTheFeedResumes_LedgerMatches(h, run);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    /// <summary>The daemon stops while running; while it is down the underlying's feed is left on a print 20 % low (a
    /// stuck bad quote: the restarted daemon's first XYZ tick). The first price after a restart had nothing to be
    /// judged against: it was the book's price and the hedge was sized on it. Now it is judged against the price the
    /// engine remembered (held, PRICE_JUMP from ~100), no hedge is sized on it, and it is dropped when the feed
    /// resumes; the ledger matches the store.</summary>
    [Fact]
    public async Task Restart_OntoAStuckBadPrint_IsHeldAgainstTheRememberedPrice_NoHedgeSizedOnIt()
    {
        await using var h = await DaemonHarness.StartAsync(output);
        try
        {
            var first = h.StartDaemon();
            await h.WaitOrders(1, 60_000);
            await h.WaitFsm("Running/Idle", 60_000);
            var firstIntent = h.Ops(OperationKind.Intent).First(o => o.Price is > 0);
            h.Enqueue(ControlCommandKind.Stop);
            Assert.Equal(0, await first.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
            await h.Gateway.InjectAsync(FaultScript.ParseRule("bad-quote XYZ -20 stay").Action);
            var second = h.StartDaemon();
            await h.WaitUntil(() => h.Alerts().Any(a => a.Code == "PRICE_JUMP"), "the restart's first price held", 60_000);
            var restartedAt = h.Gateway.NowNanos;
            await h.WaitUntil(() => h.Gateway.NowNanos >= restartedAt + 10_000_000_000L, "ten simulated seconds on the stuck print", 60_000);
            var held = Assert.Single(h.Alerts(), a => a.Code == "PRICE_JUMP");
            output.WriteLine($"{held.Severity} {held.Code}: {held.Message}");
            Assert.Contains("XYZ mid jumped", held.Message);
            Assert.Contains("-20.0 %", held.Message);
            // The status is published on the engine's clock ticks (wall time), so the held price shows at the next one.
            await h.WaitUntil(() => h.Read(r => r.GetStatus())!.Checks.Any(c => c.Name == "price_confirmed" && c.Health != Health.Ok),
                "the light names the held price", 10_000);
            await h.Gateway.InjectAsync(FaultScript.ParseRule("resume-market-data XYZ").Action);
            await h.WaitUntil(() => h.Alerts().Any(a => a.Code == "BAD_QUOTE_DROPPED"), "the print dropped once the feed resumes", 60_000);
            var intents = h.Ops(OperationKind.Intent).Where(o => o.Price is > 0).ToList();
            output.WriteLine($"{intents.Count} intents at {string.Join(", ", intents.Select(i => $"{i.Price:F2}"))}");
            Assert.All(intents, i => Assert.InRange(i.Price!.Value / firstIntent.Price!.Value, 0.95, 1.05));
            await h.PauseSettleAndStop(second);
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    /// <summary>The daemon stops while running; while it is down the straddle's call is left on a quote 40 % high (a
    /// stuck bad quote: the restarted daemon's first tick of the call). A leg's first quote after a restart had no vol
    /// of this run to be judged against: taken as it came (the premise, with the guard's band opened: it still caps
    /// at half the call's value, which 40 % stays under), the call was marked 40 % up, hundreds of P&amp;L that never
    /// traded. Now it is judged against the model at the vol the call was last marked at (engine_memory's leg_vols):
    /// held (PRICE_JUMP naming the call), the call carried at the model there; dropped when the feed resumes; the
    /// ledger matches the store.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Restart_OntoAStuckBadLegQuote_IsHeldAgainstTheRememberedVol_TheCallKeepsItsMark(bool guardOpened)
    {
        await using var h = await DaemonHarness.StartAsync(output, config: (port, store) => LegGuard(port, store, guardOpened));
        try
        {
            var first = h.StartDaemon();
            await h.WaitOrders(1, 60_000);
            await h.WaitFsm("Running/Idle", 60_000);
            await h.WaitUntil(() => h.Read(r => r.GetStatus()) is { } s && CallMark(s) > 0, "the call marked", 60_000);
            var before = CallMark(h.Read(r => r.GetStatus())!);
            h.Enqueue(ControlCommandKind.Stop);
            Assert.Equal(0, await first.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
            await h.Gateway.InjectAsync(FaultScript.ParseRule($"bad-quote {TestConfig.CallId} 40 stay").Action);
            var second = h.StartDaemon();
            var restartedAt = h.Gateway.NowNanos;
            await h.WaitUntil(() => h.Read(r => r.GetStatus()) is { } s && s.TimeNanos >= restartedAt + 10_000_000_000L && CallMark(s) > 0,
                "the restarted daemon ten simulated seconds on the stuck quote, the call marked", 60_000);
            var during = CallMark(h.Read(r => r.GetStatus())!);
            output.WriteLine($"call marked {before:F2} before the stop, {during:F2} after the restart; alerts [{string.Join(" | ", h.Alerts().Select(a => $"{a.Code}: {a.Message}"))}]");
            if (guardOpened)
            {
                Assert.InRange(during / before, 1.3, 1.5);
                await h.PauseSettleAndStop(second);
                return;
            }
            Assert.InRange(during / before, 0.85, 1.15);
            await CallHeld_DroppedWhenTheFeedResumes_LedgerMatches(h, second);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
