using BenchmarkDotNet.Attributes;
using Bifrost.Store.Records;
using Bifrost.Store.Writer;
using Bifrost.Tui.Input;
using Bifrost.Tui.Model;
using Bifrost.Tui.Views;

namespace Bifrost.Benchmarks.Tui;

/// <summary>
/// One monitor frame — read the store (status + the screen's rows), build the view model, render 80×24 to text with
/// colour — against a store holding 100,000 operations. CPU at the default 2 Hz = Mean × 2 per second.
/// Target (issue 6): ≤ 20 ms per frame, ≤ 3% of a core (≤ 15 ms per frame at 2 Hz).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class MonitorFrameBenchmarks
{
    private const int Operations = 100_000;
    private const long Second = 1_000_000_000;
    private static readonly Viewport Screen80x24 = Viewport.Standard;

    private string _dir = "";
    private StoreSource _source = null!;
    private FrameRenderer _renderer = null!;
    private MonitorSettings _settings = null!;
    private long _now;

    public enum Frame { Dashboard, Operations, OperationsFills, OperationsLastHourPaged, History, Controls }

    [Params(Frame.Dashboard, Frame.Operations, Frame.OperationsFills, Frame.OperationsLastHourPaged, Frame.History, Frame.Controls)]
    public Frame Screen { get; set; }

    private UiState _state = new();

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "bifrost-tui-bench", Guid.NewGuid().ToString("N"));
        var path = Path.Combine(_dir, "bench.db");
        _now = UnixNanos.Now();
        using (var writer = StoreWriter.Open(path))
        {
            OperationKind[] kinds = [OperationKind.Intent, OperationKind.Order, OperationKind.Status, OperationKind.Fill, OperationKind.GuardBlock];
            for (var i = 0; i < Operations; i++)
            {
                var t = _now - (Operations - i) * Second / 10; // 10 per second: the last ~2.8 hours
                var op = new OperationRecord(t, kinds[i % kinds.Length], "live1", $"oi_live1_{i / 5}", 1001, i % 2 == 0 ? TradeSide.Sell : TradeSide.Buy,
                    100, 101.05, $"delta {i % 200} > band 100");
                while (!writer.Record(op)) writer.FlushAsync().GetAwaiter().GetResult();
            }
            writer.StartRun(new RunRecord("live1", RunKind.Live, _now - 3 * 3600 * Second));
            for (var r = 0; r < 50; r++)
            {
                writer.StartRun(new RunRecord($"bt_{r}", RunKind.Backtest, _now - r * 60 * Second));
                writer.RecordRunMetrics(new RunMetrics($"bt_{r}", 100 + r, 90, 10, 20, 1.1, 40, 40, 40));
                writer.EndRun($"bt_{r}", _now - r * 60 * Second + 30 * Second, "{}", new Dictionary<string, long> { ["STALE_QUOTE"] = r, ["WIDE_SPREAD"] = 2 });
            }
            var status = new StatusSnapshot
            {
                TimeNanos = _now,
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
                HeartbeatNanos = _now,
                RunId = "live1",
            };
            writer.SetStatus(status);
            writer.AppendHistory(status);
            writer.FlushAsync().GetAwaiter().GetResult();
        }
        _source = new StoreSource(path);
        _renderer = new FrameRenderer(color: true);
        _settings = new MonitorSettings(path, TimeSpan.FromSeconds(10), TimeZoneInfo.Utc);
        _state = Screen switch
        {
            Frame.Operations => new UiState { Screen = Bifrost.Tui.Input.Screen.Operations },
            Frame.OperationsFills => new UiState { Screen = Bifrost.Tui.Input.Screen.Operations, KindFilter = 3 },
            // Last hour, paged 1,000 rows down from the newest.
            Frame.OperationsLastHourPaged => new UiState
            {
                Screen = Bifrost.Tui.Input.Screen.Operations, TimeRange = 2, Top = new Bifrost.Store.ReadModel.OperationCursor(_now - 100 * Second, long.MaxValue),
            },
            Frame.History => new UiState { Screen = Bifrost.Tui.Input.Screen.History },
            Frame.Controls => new UiState { Screen = Bifrost.Tui.Input.Screen.Controls },
            _ => new UiState(),
        };
        if (Render().Length != Screen80x24.Height) throw new InvalidOperationException("frame has the wrong height");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _source.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark]
    public string[] Render()
    {
        var data = _source.Load(_state, Screen80x24, _now);
        if (data.Error is { } error) throw new InvalidOperationException(error);
        var vm = MonitorBuilder.Build(data, _state, _settings, _now, Screen80x24);
        return _renderer.Render(vm, _state, Screen80x24);
    }
}
