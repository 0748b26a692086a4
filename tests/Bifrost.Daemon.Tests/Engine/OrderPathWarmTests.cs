using System.Collections;
using Bifrost.Daemon.Broker;
using Bifrost.Daemon.Configuration;
using Bifrost.Daemon.Control;
using Bifrost.Daemon.Engine;
using Bifrost.Daemon.Tests.EndToEnd;
using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Bifrost.Store;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Writer;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.FSharp.Collections;

namespace Bifrost.Daemon.Tests.Engine;

/// <summary>
/// Keeping the order path warm between orders: the engine rehearses its last order's way out when idle, and the
/// rehearsal sends nothing, journals nothing, stores nothing, changes no state, and stops when orders are closed.
/// </summary>
public sealed class OrderPathWarmTests : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bifrost-warm").FullName;
    private readonly List<Rig> _rigs = [];
    private readonly Rig _rig;

    public OrderPathWarmTests() => _rig = NewRig("a");

    private Rig NewRig(string name)
    {
        var path = Path.Combine(_dir, name, "bifrost.db");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var rig = new Rig(path);
        _rigs.Add(rig);
        return rig;
    }

    /// <summary>A loop with a real store and journal and a broker that records what it is asked to place and rehearse.</summary>
    private sealed class Rig
    {
        private long _now = new DateTimeOffset(2026, 3, 2, 15, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000L;

        public Rig(string path)
        {
            var cfg = ConfigLoader.Parse(TestConfig.Json(1, path, conIds: true), new Hashtable()).Preview;
            Path = path;
            Store = StoreWriter.Open(path);
            Journal = new OrderJournal(OrderJournal.PathFor(path), Durability.ProcessCrash);
            Dispatcher = new CommandDispatcher(cfg, Store, Broker, new NoControl(), new StatusMapper(cfg, ContractTable.From(cfg), "{}"),
                new SystemEngineClock(), NullLogger.Instance, journal: Journal)
            {
                WarmEvery = TimeSpan.FromMilliseconds(200), // long enough that a loaded machine does not stall through it
            };
            Loop = new EngineLoop(cfg, StateModule.initial(cfg), new EngineChannel(new SystemEngineClock(), 1024), Dispatcher, NullLogger.Instance);
        }

        public string Path { get; }
        public StoreWriter Store { get; }
        public OrderJournal Journal { get; }
        public WarmCountingBroker Broker { get; } = new();
        public CommandDispatcher Dispatcher { get; }
        public EngineLoop Loop { get; }

        public async Task Step(EventPayload p, bool idle = true)
        {
            _now += 100_000_000;
            var t = Timestamp.NewTimestamp(_now);
            await Loop.StepAsync(new Event(t, t, p));
            if (idle) Loop.OnIdle();
        }

        /// <summary>Started, reconciled with a straddle, quoted so that the first hedge goes out.</summary>
        public async Task FirstHedgeSent(bool idle = true)
        {
            foreach (var p in EngineInputs.StartedAndReconciled().Concat(EngineInputs.QuotedOutsideTheBand())) await Step(p, idle);
            Assert.Single(Broker.Placed);
        }

        /// <summary>The hedge filled, then the stock moves $2 after the cooldown: the next hedge is due.</summary>
        public async Task FilledThenMoved(bool idle = true, Func<Task>? afterTheFill = null)
        {
            var hedge = Broker.Placed[0];
            await Step(EventPayload.NewExecutionReported(new ExecutionReport(ExecIdModule.create("e1").ResultValue, hedge.IbOrderId, 0, 17,
                OrderRefModule.value(hedge.Ref), hedge.ContractId, hedge.Side, hedge.Quantity, 100.5)), idle);
            if (afterTheFill is not null) await afterTheFill();
            _now += 60_000_000_000; // past the hedge cooldown
            foreach (var p in EngineInputs.Quote(TestConfig.StockId, 98.49, 98.51)) await Step(p, idle);
        }
    }

    private async Task IdleAfterTheInterval()
    {
        await Task.Delay(TimeSpan.FromMilliseconds(250));
        _rig.Loop.OnIdle();
    }

    [Fact]
    public async Task BeforeTheFirstOrder_NothingIsRehearsed()
    {
        await _rig.Step(EventPayload.NewEngineStarted(RestoredModule.empty));
        await IdleAfterTheInterval();
        Assert.Equal(0, _rig.Dispatcher.Warmed);
        Assert.Empty(_rig.Broker.Warmed);
    }

    [Fact]
    public async Task Idle_RehearsesTheLastOrder_SendingJournalingAndStoringNothing_AndChangingNoState()
    {
        await _rig.FirstHedgeSent();
        await _rig.Store.FlushAsync();
        var journal = new FileInfo(_rig.Journal.Path).Length;
        var state = _rig.Loop.State;
        var warmed = _rig.Dispatcher.Warmed;

        await IdleAfterTheInterval();
        await IdleAfterTheInterval();

        Assert.Equal(warmed + 2, _rig.Dispatcher.Warmed);
        Assert.All(_rig.Broker.Warmed, o => Assert.Equal(_rig.Broker.Placed[0], o));
        Assert.Single(_rig.Broker.Placed);
        Assert.Equal(journal, new FileInfo(_rig.Journal.Path).Length);
        Assert.Single(OrderJournal.Read(_rig.Journal.Path));
        Assert.Same(state, _rig.Loop.State);
        await _rig.Store.FlushAsync();
        using var reader = StoreReader.Open(_rig.Path);
        Assert.Equal(["oi_t1_1"], reader.GetOrdersForRun("t1").Select(o => o.OrderRef));
    }

    [Fact]
    public async Task Idle_WithinTheInterval_DoesNotRehearseAgain()
    {
        await _rig.FirstHedgeSent();
        await IdleAfterTheInterval();
        var warmed = _rig.Dispatcher.Warmed;
        for (var i = 0; i < 100; i++) _rig.Loop.OnIdle();
        Assert.Equal(warmed, _rig.Dispatcher.Warmed);
    }

    [Fact]
    public async Task OnceOrdersAreClosed_NothingIsRehearsed()
    {
        await _rig.FirstHedgeSent();
        _rig.Dispatcher.CloseOrders();
        var warmed = _rig.Dispatcher.Warmed;
        await IdleAfterTheInterval();
        Assert.Equal(warmed, _rig.Dispatcher.Warmed);
    }

    [Fact]
    public async Task ARehearsalThatThrows_StopsTheRehearsals_AndTheNextOrderStillGoesOut()
    {
        await _rig.FirstHedgeSent();
        _rig.Broker.WarmThrows = true;
        await IdleAfterTheInterval();
        _rig.Broker.WarmThrows = false;
        var warmed = _rig.Broker.Warmed.Count;
        await IdleAfterTheInterval();
        Assert.Equal(warmed, _rig.Broker.Warmed.Count);

        await _rig.FilledThenMoved(); // the next hedge is placed as usual
        Assert.Equal(2, _rig.Broker.Placed.Count);
    }

    [Fact]
    public async Task Rehearsals_ChangeNothing_TheNextDecisionsAreTheSameAsWithout()
    {
        // The rehearsal repeats the reducer's step from a state the engine has moved on from: the reducer is pure, so the
        // engine that rehearsed between every input decides exactly as one that never did.
        var quiet = NewRig("quiet");
        await quiet.FirstHedgeSent(idle: false);
        await quiet.FilledThenMoved(idle: false);

        await _rig.FirstHedgeSent();
        await IdleAfterTheInterval();
        await _rig.FilledThenMoved(afterTheFill: () => IdleAfterTheInterval()); // the first decision rehearsed after its fill
        await IdleAfterTheInterval();

        Assert.Equal(0, quiet.Dispatcher.Warmed);
        Assert.True(_rig.Dispatcher.Warmed >= 3, $"rehearsed {_rig.Dispatcher.Warmed} times");
        Assert.Equal(2, quiet.Broker.Placed.Count);
        Assert.Equal(quiet.Broker.Placed, _rig.Broker.Placed);
        Assert.Equal(quiet.Loop.State.Orders, _rig.Loop.State.Orders);
        Assert.Equal(quiet.Loop.State.Portfolio.Strategy, _rig.Loop.State.Portfolio.Strategy);
        Assert.Equal(quiet.Loop.State.Book, _rig.Loop.State.Book);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var rig in _rigs)
        {
            rig.Journal.Dispose();
            await rig.Store.DisposeAsync();
        }
        Directory.Delete(_dir, recursive: true);
    }

    private sealed class NoControl : IControlCompleter
    {
        public void Complete(long controlId, bool done, string result) { }
    }

    /// <summary>Records what is placed and what is rehearsed (and can fail a rehearsal).</summary>
    private sealed class WarmCountingBroker : IBrokerPort
    {
        public List<OrderRequest> Placed { get; } = [];
        public List<OrderRequest> Warmed { get; } = [];
        public bool WarmThrows { get; set; }

        public ValueTask PlaceOrderAsync(OrderRequest order, CancellationToken ct = default)
        {
            Placed.Add(order);
            return ValueTask.CompletedTask;
        }

        public void WarmOrderPath(OrderRequest order)
        {
            if (WarmThrows) throw new InvalidOperationException("rehearsal failed");
            Warmed.Add(order);
        }

        public ValueTask CancelOrderAsync(int ibOrderId, CancellationToken ct = default) => ValueTask.CompletedTask;
        public ValueTask ReconcileAsync(IReadOnlyList<ReconcileScope> scopes, CancellationToken ct = default) => ValueTask.CompletedTask;
        public ValueTask SubscribeAsync(IReadOnlyList<ContractId> contracts, CancellationToken ct = default) => ValueTask.CompletedTask;
    }
}
