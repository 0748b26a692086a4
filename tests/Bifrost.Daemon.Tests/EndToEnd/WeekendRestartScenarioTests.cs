using System.Text.Json.Nodes;
using Bifrost.Sim.Gateway;
using Bifrost.Sim.Ticks;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>A stop on a Friday in session and a restart on Monday, end to end (the reducer-level twins are in
/// Bifrost.Domain.Tests' Trading.Session, StopOnSaturday_RestartOnMonday_… and the property "The next session day's P&amp;L
/// baseline is the last session's close, across weekends, holidays and restarts"): the gateway loops a Friday's file
/// onto Monday (the weekend skipped). Monday's day starts from the P&amp;L the stop recorded as Friday's close, with a
/// fresh trade count, so the weekend's gap counts toward Monday's loss limit. Ends with ledger == store.</summary>
[Collection(EndToEndCollection.Name)]
public class WeekendRestartScenarioTests(ITestOutputHelper output)
{
    private static readonly DateOnly Friday = new(2026, 3, 6), Monday = new(2026, 3, 9);

    private static readonly Lazy<string> FridayFile = new(() =>
    {
        var dir = Path.Combine(Path.GetTempPath(), "bifrost-daemon-tests-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "friday.parquet");
        // Expiry = first day + ExpiryCalendarDays = Friday 03-20: the legs of TestConfig.
        if (!File.Exists(path)) TickGenerator.WriteFile(path, new GeneratorOptions { FirstDay = Friday, ExpiryCalendarDays = 14 });
        return path;
    });

    private static JsonObject? Memory(DaemonHarness h) =>
        h.Read(r => r.GetEngineState("engine_memory")) is { } json ? JsonNode.Parse(json)!.AsObject() : null;

    [Fact]
    public async Task StopOnFridayInSession_RestartOnMonday_DayStartsFromFridaysClose_TradeCountFresh_LedgerMatchesStore()
    {
        // ×500: Friday's 6.5-hour session in ~47 wall s (room for a slow start and the stop), the weekend jumped.
        await using var h = await DaemonHarness.StartAsync(output, speed: ReplaySpeed.Times(500), loop: true, dataPath: FridayFile.Value);
        try
        {
            var first = h.StartDaemon();
            await h.WaitUntil(() => h.LedgerOf("order").Any(o => SessionLoop.DateOf(o.TsNanos) == Friday), "a hedge on Friday", 40_000);
            await h.WaitBookValued();
            Assert.Equal(Friday, h.Gateway.SessionDate);
            await h.StopCleanly(first);
            var friday = Memory(h)!;
            output.WriteLine($"at the stop: {friday.ToJsonString()}");
            Assert.Equal("2026-03-06", (string?)friday["session_date"]);
            var close = (double?)friday["day_last_pnl"] ?? throw new InvalidOperationException("the stop recorded no P&L for Friday");
            Assert.True((int?)friday["trades_today"] > 0);

            await h.WaitUntil(() => h.Gateway.SessionDate == Monday, "the gateway on Monday", 60_000);
            var run = h.StartDaemon();
            await h.WaitUntil(() => (string?)Memory(h)?["session_date"] == "2026-03-09", "the engine's day rolled to Monday", 60_000);
            await h.WaitBookValued();
            Assert.Equal(close, (double?)Memory(h)!["day_start_pnl"]);
            // Paused and settled, the day's count is Monday's orders alone (Friday's not carried).
            await h.PauseAndSettle();
            var mondayOrders = h.LedgerOf("order").Count(o => SessionLoop.DateOf(o.TsNanos) == Monday);
            await h.WaitUntil(() => (int?)Memory(h)!["trades_today"] == mondayOrders, $"Monday's trade count {mondayOrders} ({Memory(h)!.ToJsonString()})", 20_000);
            output.WriteLine($"on Monday: {Memory(h)!.ToJsonString()}");
            Assert.Equal(close, (double?)Memory(h)!["day_start_pnl"]);
            await h.StopCleanly(run);
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
