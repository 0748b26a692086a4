using Bifrost.Daemon.Engine;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>On the replay gateway the daemon lives in the session's time (2026-03) while the host's clock is today: every
/// row says both, "the last 10 minutes" (wall) finds what just happened, and no row carries an unset clock.</summary>
[Collection(EndToEndCollection.Name)]
public class OperationTimesTests(ITestOutputHelper output)
{
    private static readonly long SessionStart = UnixNanos.FromDateTimeOffset(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
    private static readonly long SessionEnd = UnixNanos.FromDateTimeOffset(new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task ReplayDaemon_EveryRowCarriesReceiveWallTimeAndVenueTime_TheLastTenMinutesFindThem_NoneAtAnUnsetClock()
    {
        await using var h = await DaemonHarness.StartAsync(output, faults: ["reject-next-order"]);
        try
        {
            var t0 = EngineClock.WallNanos();
            var run = h.StartDaemon();
            await h.WaitOrders(3, 40_000);
            await h.PauseSettleAndStop(run);
            var t1 = EngineClock.WallNanos();

            foreach (var table in new[] { "operations", "fills", "alerts" })
            {
                var rows = h.Sql($"SELECT time_ns, venue_ns FROM {table}", r => (Wall: r.GetInt64(0), Venue: r.IsDBNull(1) ? (long?)null : r.GetInt64(1)));
                Assert.NotEmpty(rows);
                Assert.All(rows, r => Assert.InRange(r.Wall, t0, t1));                               // receive time: the host's clock
                Assert.All(rows, r => { if (r.Venue is { } v) Assert.InRange(v, SessionStart, SessionEnd); }); // venue time: the replay session
            }
            // Orders, fills and the reject alert happened after the broker's clock was known: they have both times.
            Assert.Empty(h.Sql("SELECT id FROM operations WHERE venue_ns IS NULL AND kind IN ('order','fill','reject')", r => r.GetInt64(0)));
            Assert.Empty(h.Sql("SELECT exec_id FROM fills WHERE venue_ns IS NULL", r => r.GetString(0)));
            Assert.Contains(h.Sql("SELECT code FROM alerts WHERE venue_ns IS NOT NULL", r => r.GetString(0)), c => c == "ORDER_REJECTED");

            var all = h.Read(r => r.CountOperations(new OperationQuery()));
            Assert.Equal(all, h.Read(r => r.CountOperations(new OperationQuery { FromNanos = t1 - 600_000_000_000 })));
            Assert.Equal(0, h.Read(r => r.CountOperations(new OperationQuery { FromNanos = t1 - 600_000_000_000, TimeBase = OperationTimeBase.Venue })));
            var venuePage = h.Read(r => r.QueryOperations(new OperationQuery { FromNanos = SessionStart, TimeBase = OperationTimeBase.Venue, Limit = 10_000 }));
            Assert.NotEmpty(venuePage);
            Assert.Equal(venuePage.Select(o => o.VenueNanos), venuePage.Select(o => o.VenueNanos).OrderDescending());
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
