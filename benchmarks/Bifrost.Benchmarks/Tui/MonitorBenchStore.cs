using Bifrost.Store.Records;
using Bifrost.Store.Writer;

namespace Bifrost.Benchmarks.Tui;

/// <summary>The monitor budgets' store: 100,000 operations (10 a second, the last ~2.8 hours before <c>now</c>), 51 runs,
/// a status row and its history. Used by <see cref="MonitorFrameBenchmarks"/> and, through
/// <c>Bifrost.Benchmarks monitor-store PATH</c>, by <c>benchmarks/tui-budget.sh</c> (the console in tmux).</summary>
public static class MonitorBenchStore
{
    public const int Operations = 100_000;
    private const long Second = 1_000_000_000;

    public static void Create(string path, long now)
    {
        using (var writer = StoreWriter.Open(path))
        {
            OperationKind[] kinds = [OperationKind.Intent, OperationKind.Order, OperationKind.Status, OperationKind.Fill, OperationKind.GuardBlock];
            for (var i = 0; i < Operations; i++)
            {
                var t = now - (Operations - i) * Second / 10; // 10 per second: the last ~2.8 hours
                var op = new OperationRecord(t, kinds[i % kinds.Length], "live1", $"oi_live1_{i / 5}", 1001, i % 2 == 0 ? TradeSide.Sell : TradeSide.Buy,
                    100, 101.05, $"delta {i % 200} > band 100");
                while (!writer.Record(op)) writer.FlushAsync().GetAwaiter().GetResult();
            }
            writer.StartRun(new RunRecord("live1", RunKind.Live, now - 3 * 3600 * Second));
            for (var r = 0; r < 50; r++)
            {
                writer.StartRun(new RunRecord($"bt_{r}", RunKind.Backtest, now - r * 60 * Second));
                writer.RecordRunMetrics(new RunMetrics($"bt_{r}", 100 + r, 90, 10, 20, 1.1, 40, 40, 40));
                writer.EndRun($"bt_{r}", now - r * 60 * Second + 30 * Second, "{}", new Dictionary<string, long> { ["STALE_QUOTE"] = r, ["WIDE_SPREAD"] = 2 });
            }
            var status = new StatusSnapshot
            {
                TimeNanos = now,
                FsmState = "Hedging",
                Health = Health.Degraded,
                BlockReasons = ["FARM_DEGRADED"],
                Checks = [new CheckResult("market_data", Health.Degraded, "2103 usfarm")],
                Positions =
                [
                    new PositionEntry(2001, "XYZ 20260320 100 C", "OPT", 10, 3.2, PositionOwner.Strategy, 3.45),
                    new PositionEntry(2002, "XYZ 20260320 100 P", "OPT", 10, 2.9, PositionOwner.Strategy, 2.7),
                    new PositionEntry(1001, "XYZ", "STK", -120, 101.02, PositionOwner.Strategy, 101.4),
                    new PositionEntry(1001, "XYZ", "STK", 50, 99.8, PositionOwner.External, 101.4),
                ],
                NetGreeks = new Greeks(62, 4.1, 120.5, -35.2),
                Band = new HedgeBand(-100, 100, 0),
                Limits = [new LimitUsage("max_position", 1200, 3000), new LimitUsage("daily_loss", 4200, 5000)],
                Connection = "connected",
                MarketData = "degraded (2103 usfarm)",
                HeartbeatNanos = now,
                RunId = "live1",
            };
            writer.SetStatus(status);
            writer.AppendHistory(status);
            writer.FlushAsync().GetAwaiter().GetResult();
        }
    }
}
