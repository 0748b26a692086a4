using BenchmarkDotNet.Attributes;
using Bifrost.Store.Records;
using Bifrost.Store.Writer;
using Bifrost.Tui.App;
using Bifrost.Tui.Input;
using Bifrost.Tui.Model;
using Bifrost.Tui.Views;

namespace Bifrost.Benchmarks.Tui;

/// <summary>
/// One monitor frame as the Terminal.Gui console computes it (<c>MonitorApp.Build</c> + <c>CellCanvas</c>): read the store
/// only when <c>PRAGMA data_version</c> moved, build the view model, lay out 80×24 (Spectre, off screen) and split the lines
/// into the styled cells the canvas hands Terminal.Gui — against a store holding 100,000 operations (MonitorBenchStore).
/// What this process cannot time is Terminal.Gui writing the cells to a terminal: <c>benchmarks/tui-budget.sh</c> runs
/// the real console in tmux on the same store for that (CPU per redrawn frame, idle CPU at 2 Hz, first frame).
/// Budgets (issue 11): ≤ 20 ms per frame; ≤ 3% of a core idle at 2 Hz; first frame ≤ 1.5 s.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class MonitorFrameBenchmarks
{
    private const long Second = 1_000_000_000;
    private static readonly Viewport Screen80x24 = Viewport.Standard;

    private string _dir = "";
    private StoreSource _source = null!;
    private FrameRenderer _renderer = null!;
    private MonitorSettings _settings = null!;
    private long _now;

    public enum Frame { Dashboard, DashboardUnchanged, Operations, OperationsFills, OperationsLastHourPaged, History, Controls, Runs, Alerts, Stats }

    [Params(Frame.Dashboard, Frame.DashboardUnchanged, Frame.Operations, Frame.OperationsFills, Frame.OperationsLastHourPaged, Frame.History, Frame.Controls, Frame.Runs, Frame.Alerts, Frame.Stats)]
    public Frame Screen { get; set; }

    private UiState _state = new();

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "bifrost-tui-bench", Guid.NewGuid().ToString("N"));
        var path = Path.Combine(_dir, "bench.db");
        _now = UnixNanos.Now();
        MonitorBenchStore.Create(path, _now);
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
            Frame.Runs => new UiState { Screen = Bifrost.Tui.Input.Screen.Runs },
            Frame.Alerts => new UiState { Screen = Bifrost.Tui.Input.Screen.Alerts },
            Frame.Stats => new UiState { Screen = Bifrost.Tui.Input.Screen.Stats },
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

    private StoreData? _last;
    private long? _version;

    /// <summary>
    /// The console's frame: the store is read only when PRAGMA data_version moved (DashboardUnchanged: it did not, the
    /// common case at 2 Hz), then view model, layout, and the split into styled cells that Terminal.Gui draws.
    /// </summary>
    [Benchmark]
    public string[] Render()
    {
        var v = _source.DataVersion();
        var data = Screen == Frame.DashboardUnchanged && _last is not null && v is not null && v == _version ? _last : _source.Load(_state, Screen80x24, _now);
        _last = data;
        _version = v ?? _source.DataVersion();
        if (data.Error is { } error) throw new InvalidOperationException(error);
        var vm = MonitorBuilder.Build(data, _state, _settings, _now, Screen80x24);
        var lines = _renderer.Render(vm, _state, Screen80x24);
        var cells = 0;
        foreach (var line in lines) cells += AnsiCells.Parse(line).Count;
        return cells > 0 ? lines : throw new InvalidOperationException("empty frame");
    }
}
