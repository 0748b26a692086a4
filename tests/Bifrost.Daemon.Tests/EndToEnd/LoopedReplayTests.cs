using Bifrost.Sim.Gateway;
using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary><c>make run</c>'s gateway with <c>--loop</c>: the daemon across a pass boundary, at ×2000 (a 6.5-hour session
/// in ~12 s), sees a new session day, trades on it, and its light comes back GREEN.</summary>
[Collection(EndToEndCollection.Name)]
public class LoopedReplayTests(ITestOutputHelper output)
{
    private static readonly DateOnly Day1 = new(2026, 3, 2), Day2 = new(2026, 3, 3);

    [Fact]
    public async Task LoopedReplay_SecondPassIsTheNextSessionDay_DaemonTradesOnIt_AndTheLightIsGreenAgain()
    {
        await using var h = await DaemonHarness.StartAsync(output, speed: ReplaySpeed.Times(2000), loop: true);
        try
        {
            var run = h.StartDaemon();
            await h.WaitUntil(() => h.LedgerOf("order").Any(o => SessionLoop.DateOf(o.TsNanos) == Day1), "an order on day 1", 30_000);
            await h.WaitUntil(() => h.Gateway.Pass >= 1, "the gateway's second pass", 30_000);
            await h.WaitUntil(() => h.LedgerOf("order").Any(o => SessionLoop.DateOf(o.TsNanos) == Day2), "an order on day 2", 30_000);
            await h.WaitUntil(() => h.Read(r => r.GetStatus()) is { Health: Health.Ok } s && SessionLoop.DateOf(s.TimeNanos) == Day2,
                "a GREEN status on day 2", 20_000);
            // the daily views label both session days
            var days = h.Sql("SELECT day FROM session_days ORDER BY start_ns", r => r.GetString(0));
            Assert.Contains("2026-03-02", days);
            Assert.Contains("2026-03-03", days);
            // venue times never went backwards across the boundary
            var ts = h.LedgerOf("order").Select(o => o.TsNanos).ToList();
            Assert.Equal(ts.Order(), ts);

            h.Enqueue(ControlCommandKind.Stop);
            Assert.Equal(0, await run.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
