using System.Collections;
using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Bifrost.Daemon.Broker;
using Bifrost.Daemon.Configuration;
using Bifrost.Daemon.Control;
using Bifrost.Daemon.Engine;
using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Bifrost.Ib.Client;
using Bifrost.Ib.Messages.Requests;
using Bifrost.Sim.Gateway;
using Bifrost.Sim.Ticks;
using Bifrost.Store.Writer;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.FSharp.Collections;

namespace Bifrost.Benchmarks.Daemon;

/// <summary>
/// Tick-to-order inside the daemon: one underlying tick that moves delta out of the band, from the moment the engine
/// has dequeued it to the moment the placeOrder bytes are written to the TWS socket — reducer step, the order journaled
/// (one write(2) of a JSON line; the rows follow through the store's queue), encode and write. The broker is the replay gateway on
/// loopback (step mode: no market data competes); each invocation also applies the order's execution so the next tick
/// may hedge again (that part is in the mean, not in the percentiles). IB pacing is disabled on the client here: the
/// 45 msgs/s limit would otherwise be what is measured. Percentiles from the engine's own probe are printed at the end:
/// "placeOrder written" is stamped by the IB client's Sent hook after the socket write returned (on the sending thread
/// when <see cref="DedicatedSender"/>), "handed off" when the broker call returned to the engine. Orders during which a
/// gen-0 collection ran are counted, and the percentiles of the others printed, to tell GC pauses from the rest; and
/// the order's stages (wall time against the engine thread's own CPU time) for all orders and for the slowest 1 %.
/// <para>
/// <see cref="GapMs"/> 0 sends orders back to back: the next tick meets the last order's aftermath (the store
/// committing its rows, the gateway answering, the acks decoded) on the same two cores. A hedger places orders seconds
/// apart (its cooldown), so <see cref="GapMs"/> 2 lets the store flush and the replies settle between orders, outside
/// the measured window: that is the latency a live tick sees.
/// </para>
/// </summary>
[SimpleJob(RunStrategy.Monitoring, warmupCount: 1, iterationCount: 10, invocationCount: 1000)]
public class TickToOrderBenchmarks
{
    private string _dir = "";
    private ReplayGateway _gateway = null!;
    private IbBroker _broker = null!;
    private StoreWriter _store = null!;
    private OrderJournal _journal = null!;
    private EngineLoop _loop = null!;
    private EngineProbe _probe = null!;
    private CancellationTokenSource _stop = null!;
    private Task _brokerTask = null!;
    private Task _drain = null!;
    private long _now;
    private bool _up;
    private long _exec;
    private int _stockId;
    private int _gen0AtStart;
    private long _allocatedAtStart;
    private TimeSpan _pausedAtStart;
    private int _gen1AtStart;

    /// <summary>The IB client's optional sending thread, or the caller's path (the default).</summary>
    [Params(false, true)]
    public bool DedicatedSender { get; set; }

    /// <summary>Milliseconds between one order's fill and the next tick (store flushed first); 0 = back to back.</summary>
    [Params(0, 2)]
    public int GapMs { get; set; }

    private CommandDispatcher _dispatcher = null!;

    /// <summary>How often the order path is rehearsed (null: the daemon's default).</summary>
    public TimeSpan? WarmEvery { get; set; }

    /// <summary>The engine keeps its order path warm between orders (the daemon's default); false for the cold comparison.</summary>
    public bool Warm { get; set; } = true;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "bifrost-bench-daemon-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        var data = Path.Combine(_dir, "session.parquet");
        TickGenerator.WriteFile(data, new GeneratorOptions { QuotesPerSecond = 0.05 });
        _gateway = ReplayGateway.StartAsync(new GatewayOptions { DataPath = data, Port = 0, Speed = ReplaySpeed.Step }).GetAwaiter().GetResult();
        _stockId = ContractKey.Stock("XYZ").ConId;
        var json = Config(_gateway.Port, Path.Combine(_dir, "bifrost.db"), _stockId, ContractKey.Option("XYZ", 'C', 100, 20260320).ConId,
            ContractKey.Option("XYZ", 'P', 100, 20260320).ConId);
        var settings = ConfigLoader.Parse(json, new Hashtable());
        var cfg = settings.Preview;
        var clock = new SystemEngineClock();
        var channel = new EngineChannel(clock, 1 << 20);
        _store = StoreWriter.Open(settings.Store.Path);
        _stop = new CancellationTokenSource();
        var connected = new TaskCompletionSource();
        _probe = new EngineProbe { ThreadCpuNanos = OrderStages.ThreadCpuClock };
        var probe = _probe;
        _broker = new IbBroker(settings.Connection, settings.Daemon, cfg.Account, channel, NullLogger.Instance, null,
            new IbClientOptions
            {
                PacingBurst = 1_000_000, PacingRatePerSecond = 1_000_000, DedicatedSender = DedicatedSender,
                Sent = r => { if (r is IbPlaceOrder p) probe.Written(p.OrderId); },
            });
        _broker.Contracts = ContractTable.From(cfg);
        _brokerTask = _broker.RunAsync((_, _) => { connected.TrySetResult(); return Task.CompletedTask; }, _stop.Token);
        connected.Task.Wait(TimeSpan.FromSeconds(10));
        // The gateway's replies (acks, pacing errors) are not the subject here: drained and dropped.
        _drain = Task.Run(async () =>
        {
            try
            {
                await foreach (var _ in channel.Reader.ReadAllAsync(_stop.Token)) { }
            }
            catch (OperationCanceledException) { }
        });
        _journal = new OrderJournal(OrderJournal.PathFor(settings.Store.Path), Bifrost.Store.Durability.ProcessCrash);
        var dispatcher = _dispatcher = new CommandDispatcher(cfg, _store, _broker, new NoControl(), new StatusMapper(cfg, _broker.Contracts, "{}"), clock, NullLogger.Instance,
            journal: _journal)
        {
            Probe = _probe,
            WarmEvery = Warm ? WarmEvery ?? CommandDispatcher.DefaultWarmEvery : null,
        };
        _loop = new EngineLoop(cfg, StateModule.initial(cfg), channel, dispatcher, NullLogger.Instance);
        _now = new DateTimeOffset(2026, 3, 2, 15, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000L;
        Step(EventPayload.NewEngineStarted(RestoredModule.empty));
        Step(EventPayload.NewBrokerConnected(ListModule.OfSeq([cfg.Account])));
        Step(EventPayload.NewPositionReported(Id(ContractKey.Option("XYZ", 'C', 100, 20260320).ConId), 10, 2.5));
        Step(EventPayload.NewPositionReported(Id(ContractKey.Option("XYZ", 'P', 100, 20260320).ConId), 10, 2.4));
        Step(EventPayload.PositionsEnded);
        Step(EventPayload.OpenOrdersEnded);
        Step(EventPayload.ExecutionsEnded);
        Quote(ContractKey.Option("XYZ", 'C', 100, 20260320).ConId, 2.60, 2.62);
        Quote(ContractKey.Option("XYZ", 'P', 100, 20260320).ConId, 2.10, 2.12);
        Quote(_stockId, 99.99, 100.01);
        Settle();
        if (!_loop.State.Fsm.IsRunning) throw new InvalidOperationException("engine not running: " + FsmStateModule.name(_loop.State.Fsm));
        _probe.Clear();
        _gen0AtStart = GC.CollectionCount(0);
        _allocatedAtStart = GC.GetTotalAllocatedBytes();
        _pausedAtStart = GC.GetTotalPauseDuration();
        _gen1AtStart = GC.CollectionCount(1);
    }

    private static ContractId Id(int id) => ContractIdModule.create(id).ResultValue;

    private void Step(EventPayload p)
    {
        _now += 1_000_000; // 1 ms of session time per event
        var t = Timestamp.NewTimestamp(_now);
        _probe.DequeuedAt = Stopwatch.GetTimestamp();
        _loop.StepAsync(new Event(t, t, p)).AsTask().GetAwaiter().GetResult();
        // As the engine's loop does whenever its queue is empty (outside the measured window); in the live-cadence mode
        // the engine thread's CPU spent rehearsing is added up.
        if (_idleCpuClock is not { } clock)
        {
            _loop.OnIdle();
            return;
        }
        var cpu = clock();
        _loop.OnIdle();
        _idleCpuNanos += clock() - cpu;
    }

    private Func<long>? _idleCpuClock; // set by the live-cadence mode, where available
    private long _idleCpuNanos;

    private void Quote(int conId, double bid, double ask)
    {
        Step(EventPayload.NewTickReceived(Id(conId), TickField.BidPrice, bid));
        Step(EventPayload.NewTickReceived(Id(conId), TickField.AskPrice, ask));
    }

    /// <summary>Fills the working hedge (if any) so the next tick may hedge again.</summary>
    private void Settle()
    {
        // The open set, not every order of the run: enumerating the whole map grew with each order (0.5 MB a step at the
        // end) and its collections landed in the measured window.
        foreach (var o in StateModule.workingOrders(_loop.State))
        {
            var x = new ExecutionReport(ExecIdModule.create($"b{++_exec}").ResultValue, o.IbOrderId, 0, 17, OrderRefModule.value(o.Ref), o.ContractId,
                o.Side, o.Quantity, 100.0);
            Step(EventPayload.NewExecutionReported(x));
        }
    }

    /// <summary>One underlying move of ±$1 (delta leaves the 20-share band): tick → hedge order on the wire, then its fill.</summary>
    [Benchmark]
    public void TickToPlaceOrder()
    {
        _up = !_up;
        // ask first, then bid: the bid tick is the one that completes the moved quote and triggers the hedge
        var mid = _up ? 101.0 : 100.0;
        Step(EventPayload.NewTickReceived(Id(_stockId), _up ? TickField.AskPrice : TickField.BidPrice, _up ? mid + 0.01 : mid - 0.01));
        Step(EventPayload.NewTickReceived(Id(_stockId), _up ? TickField.BidPrice : TickField.AskPrice, _up ? mid - 0.01 : mid + 0.01));
        Settle();
        if (GapMs > 0)
        {
            _store.FlushAsync().GetAwaiter().GetResult();
            Thread.Sleep(GapMs);
        }
    }

    /// <summary>
    /// A live hedger's cadence from a fresh process (<c>Bifrost.Benchmarks live-cadence ORDERS QUIET GAP_MS</c>): the tick
    /// path runs on every quote, the order path only when the band is crossed. Before each order, <paramref name="quiet"/>
    /// ticks inside the band (the stock's bid moving a cent and back), then the crossing tick, its fill, the store flushed
    /// and <paramref name="gapMs"/> of quiet. Prints each of the first orders and the median of each block that follows:
    /// how long the order path runs code the JIT has not optimised yet, which a benchmark of thousands of orders hides.
    /// </summary>
    public void LiveCadence(int orders, int quiet, int gapMs, bool spread = false)
    {
        _idleCpuClock = OrderStages.ThreadCpuClock;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var warmedBefore = _dispatcher.Warmed;
        for (var i = 0; i < orders; i++)
        {
            var mid = _up ? 101.0 : 100.0;
            for (var k = 0; k < quiet; k++)
            {
                Step(EventPayload.NewTickReceived(Id(_stockId), TickField.BidPrice, mid - (k % 2 == 0 ? 0.02 : 0.01)));
                if (spread) Thread.Sleep(gapMs / quiet);
            }
            TickToPlaceOrder();
            _store.FlushAsync().GetAwaiter().GetResult();
            if (!spread) Thread.Sleep(gapMs);
        }
        var us = _probe.TickToOrderTicks.Select(t => t * 1e6 / System.Diagnostics.Stopwatch.Frequency).ToArray();
        Console.WriteLine($"// live cadence: {us.Length} orders, {quiet} quiet ticks and {gapMs} ms before each" +
            $"{(spread ? " (the ticks spread through the gap)" : "")}; order path kept warm: " +
            $"{(Warm ? $"every {(WarmEvery ?? CommandDispatcher.DefaultWarmEvery).TotalMilliseconds} ms" : "no")}; runtime: " +
            $"TieredCompilation={Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") ?? "default"}, " +
            $"TieredPGO={Environment.GetEnvironmentVariable("DOTNET_TieredPGO") ?? "default"}");
        Console.WriteLine("// first orders, µs: " + string.Join(" ", us.Take(10).Select(u => u.ToString("F0"))));
        var rehearsals = _dispatcher.Warmed - warmedBefore;
        if (_idleCpuClock is not null)
            Console.WriteLine($"// order path rehearsed {rehearsals} times in {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s, " +
                $"the engine thread's CPU in the idle hook {_idleCpuNanos / 1e6:F1} ms in all ({_idleCpuNanos / 1e3 / Math.Max(1, rehearsals):F1} µs a rehearsal, " +
                "the hook's own clock reads included)");
        const int block = 25;
        for (var b = 10; b < us.Length; b += block)
        {
            var part = us.Skip(b).Take(block).Order().ToArray();
            Console.WriteLine($"// orders {b + 1}-{b + part.Length}: median {part[part.Length / 2]:F0} µs, max {part[^1]:F0} µs");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        var gen0 = GC.CollectionCount(0) - _gen0AtStart;
        var allocated = GC.GetTotalAllocatedBytes() - _allocatedAtStart;
        var paused = GC.GetTotalPauseDuration() - _pausedAtStart;
        var gen1 = GC.CollectionCount(1) - _gen1AtStart;
        var ticks = _probe.TickToOrderTicks;
        var gc = _probe.GcDuringOrder;
        Console.WriteLine($"// DedicatedSender={DedicatedSender}, GapMs={GapMs}");
        OrderStages.Print("tick-to-order (dequeued → placeOrder written)", ticks);
        OrderStages.Print("of which dequeued → order journaled (one write(2); rows follow through the store queue)", _probe.TickToRecordedTicks);
        OrderStages.Print("dequeued → broker call returned to the engine", _probe.TickToHandedOffTicks);
        OrderStages.Print($"tick-to-order of the orders without a gen-0 collection in between ({gc.Count(g => g)} had one)",
            ticks.Where((_, i) => i < gc.Count && !gc[i]).ToArray());
        OrderStages.PrintPhases("all orders", _probe.Phases, gc);
        var cut = ticks.Order().ElementAtOrDefault((int)(0.99 * ticks.Count));
        var tail = ticks.Where(t => t > cut).ToArray();
        OrderStages.PrintPhases($"the slowest 1 % (tick-to-order mean {(tail.Length == 0 ? double.NaN : tail.Average() * 1e6 / System.Diagnostics.Stopwatch.Frequency):F0} µs)",
            _probe.Phases.Where((_, i) => i < ticks.Count && ticks[i] > cut).ToList(), gc.Where((_, i) => i < ticks.Count && ticks[i] > cut).ToList(), means: true);
        Console.WriteLine($"// gen-0 collections {gen0} (of them gen-1 {gen1}), paused {paused.TotalMilliseconds:F1} ms in all " +
            $"(BenchmarkDotNet's full collections between iterations included), {allocated / Math.Max(1, ticks.Count):N0} B allocated per order (whole process, " +
            "gateway included; an order is 2 ticks + its execution)");
        _stop.Cancel();
        try
        {
            _brokerTask.Wait(TimeSpan.FromSeconds(5));
            _drain.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException) { }
        _store.Dispose();
        _journal.Dispose();
        _gateway.DisposeAsync().AsTask().GetAwaiter().GetResult();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException) { }
    }

    private sealed class NoControl : IControlCompleter
    {
        public void Complete(long controlId, bool done, string result) { }
    }

    private static string Config(int port, string store, int stock, int call, int put) => $$"""
        {
          "run_id": "bench", "account": "DU1234567", "mode": "paper",
          "connection": { "host": "127.0.0.1", "port": {{port}}, "client_id": 17 },
          "store": { "path": "{{store}}" },
          "strategy": {
            "underlying": { "symbol": "XYZ", "con_id": {{stock}} },
            "legs": [
              { "right": "C", "strike": 100, "expiry": "2026-03-20", "quantity": 10, "con_id": {{call}} },
              { "right": "P", "strike": 100, "expiry": "2026-03-20", "quantity": 10, "con_id": {{put}} }
            ],
            "rules": [ { "type": "band", "half_width": 20, "unit": "shares" } ],
            "min_hedge_shares": 1, "cooldown_seconds": 0.000001, "hard_delta_limit": 100000
          },
          "guards": { "lag_after_seconds": 3600, "stale_after_seconds": 7200, "max_spread_bps": 100 },
          "risk": { "max_position": 1000000, "max_order_notional": 100000000, "max_daily_trades": 1000000, "daily_loss_limit": 1e12, "max_drawdown": 1e12,
                    "check_buying_power": false },
          "calendar": { "zone": "UTC", "open": "00:00", "close": "23:59" }
        }
        """;
}
