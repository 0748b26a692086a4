using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>A holiday end to end: the replayed day listed in `calendar.holidays` is no session. The straddle's delta
/// leaves the band as on any day, the hedger is blocked (OUTSIDE_HOURS) and nothing reaches the broker — not a hedge,
/// not the operator's buy (refused naming the session); a flatten has no hedge to close (none was ever placed). Ends with
/// the gateway's ledger compared to the store.</summary>
[Collection(EndToEndCollection.Name)]
public class HolidayScenarioTests(ITestOutputHelper output)
{
    [Fact]
    public async Task OnAHoliday_NoHedge_NoManualOrder_ReachesTheBroker_LedgerMatchesStore()
    {
        await using var h = await DaemonHarness.StartAsync(output);
        try
        {
            // The replayed session's day (New York) made a holiday.
            var ny = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
            var day = TimeZoneInfo.ConvertTimeFromUtc(DateTimeOffset.FromUnixTimeMilliseconds(h.Gateway.NowNanos / 1_000_000).UtcDateTime, ny);
            var holiday = day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            File.WriteAllText(h.ConfigPath, File.ReadAllText(h.ConfigPath)
                .Replace("\"close\": \"16:00\" }", $"\"close\": \"16:00\", \"holidays\": [\"{holiday}\"] }}", StringComparison.Ordinal));
            output.WriteLine($"holiday {holiday}");

            var run = h.StartDaemon();
            await h.WaitFsm("Running", 60_000);
            // The hedger wants to trade (the delta leaves the band as the replay moves) and is held by the calendar.
            await h.WaitUntil(() => h.Read(r => r.QueryOperations(new OperationQuery { Kinds = [OperationKind.GuardBlock], Limit = 1000 }))
                    .Any(o => o.Detail!.Contains("OUTSIDE_HOURS", StringComparison.Ordinal)),
                "a hedge blocked OUTSIDE_HOURS", 60_000);
            var check = h.Read(r => r.GetStatus())!.Checks.Single(c => c.Name == "in_trading_hours");
            Assert.NotEqual(Health.Ok, check.Health);

            var buy = await h.WaitControl(h.Enqueue(ControlCommandKind.ManualOrder, """{"contract":"XYZ","side":"buy","quantity":10,"risk_bypass":true}"""));
            Assert.Equal(ControlStatus.Refused, buy.Status);
            Assert.Contains("outside the session's hours", buy.Result, StringComparison.Ordinal);
            var flatten = await h.WaitControl(h.Enqueue(ControlCommandKind.Flatten));
            output.WriteLine($"flatten: {flatten.Status} {flatten.Result}");
            Assert.Equal(ControlStatus.Done, flatten.Status);
            Assert.Contains("strategy hedge at 0", flatten.Result, StringComparison.Ordinal);

            Assert.Empty(h.LedgerOf("order"));
            h.Enqueue(ControlCommandKind.Stop);
            Assert.Equal(0, await run.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Empty(h.LedgerOf("order"));
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
