using System.Collections;
using Bifrost.Daemon.Broker;
using Bifrost.Daemon.Configuration;
using Bifrost.Daemon.Control;
using Bifrost.Daemon.Engine;
using Bifrost.Daemon.Tests.EndToEnd;
using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Writer;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bifrost.Daemon.Tests.Engine;

/// <summary>The engine loop with a hand-written broker stub and a real store: what the dispatcher guarantees.</summary>
public sealed class EngineLoopTests : IAsyncDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "bifrost-engine-" + Guid.NewGuid().ToString("N"));
    private readonly Config _cfg;
    private readonly StoreWriter _store;
    private readonly StubBroker _broker;
    private readonly EngineLoop _loop;
    private readonly EngineChannel _channel;
    private readonly StubControl _control = new();
    private readonly CommandDispatcher _dispatcher;
    private long _now = new DateTimeOffset(2026, 3, 2, 15, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000L;

    public EngineLoopTests()
    {
        Directory.CreateDirectory(_dir);
        var path = Path.Combine(_dir, "bifrost.db");
        _cfg = ConfigLoader.Parse(TestConfig.Json(1, path, conIds: true), new Hashtable()).Preview;
        _store = StoreWriter.Open(path);
        _broker = new StubBroker(path);
        _channel = new EngineChannel(new SystemEngineClock(), 1024);
        var contracts = ContractTable.From(_cfg);
        _dispatcher = new CommandDispatcher(_cfg, _store, _broker, _control, new StatusMapper(_cfg, contracts, "{}"), new SystemEngineClock(), NullLogger.Instance);
        _loop = new EngineLoop(_cfg, StateModule.initial(_cfg), _channel, _dispatcher, NullLogger.Instance);
    }

    private static ContractId Id(int id) => EngineInputs.Id(id);

    private ValueTask Step(EventPayload p)
    {
        _now += 100_000_000; // 100 ms
        var t = Timestamp.NewTimestamp(_now);
        return _loop.StepAsync(new Event(t, t, p));
    }

    /// <summary>Started, connected, the straddle adopted, reconciled, quoted: the first hedge is due.</summary>
    private async Task RunningWithDeltaOutsideTheBand()
    {
        foreach (var p in EngineInputs.StartedAndReconciled()) await Step(p);
        Assert.True(_loop.State.Fsm.IsRunning);
        foreach (var p in EngineInputs.QuotedOutsideTheBand()) await Step(p);
    }

    [Fact]
    public async Task PlaceOrder_TheOrderRowAndTheRaisedIdHighWaterAreOnDisk_BeforeTheBytesAreSent()
    {
        await RunningWithDeltaOutsideTheBand();
        var sent = Assert.Single(_broker.Placed);
        Assert.True(sent.RowWasRecorded, "order row not in the store when placeOrder was sent");
        Assert.True(sent.HighWater > sent.Order.IbOrderId, $"high-water {sent.HighWater} not above id {sent.Order.IbOrderId}");
        Assert.Equal("oi_t1_1", OrderRefModule.value(sent.Order.Ref));
        Assert.Equal(0, _channel.Depth);
    }

    [Fact]
    public async Task OnceAStopIsReceived_NoNewOrderLeaves_EvenOneDecidedBeforeTheReducerSawIt()
    {
        // The signal closes the gate at once; the hedge the reducer decides next (before it reduces the Stop) stays home.
        Assert.True(_dispatcher.CloseOrders());
        await RunningWithDeltaOutsideTheBand();
        Assert.Empty(_broker.Placed);
        var order = _loop.State.Orders.Values.Single();
        Assert.True(order.Status.IsRejected, "the reducer is told the order was not sent");
        Assert.Contains("stopping", order.RejectReason);
    }

    [Fact]
    public async Task ACommissionMissingAtStop_IsFilledIn_WhenTheNextStartReReadsTodaysExecutions()
    {
        // The last daemon stopped before commissionReport arrived: the fill is stored with no commission.
        _store.AddFill(new Bifrost.Store.Records.FillRecord("0001.01", "oi_t1_1", TestConfig.StockId, Bifrost.Store.Records.TradeSide.Sell, 66, 100.5, 1_000));
        await _store.FlushAsync();
        // This start's reconciliation (reqExecutions) re-sends today's execution and its commission.
        var t = Timestamp.NewTimestamp(_now);
        var exec = new ExecutionReport(ExecIdModule.create("0001.01").ResultValue, 1, 7, 17, "oi_t1_1", Id(TestConfig.StockId), Side.Sell, 66, 100.5);
        _dispatcher.Observe(new Event(t, t, EventPayload.NewExecutionReported(exec)));
        _dispatcher.Observe(new Event(t, t, EventPayload.NewCommissionReported(exec.ExecId, 1.25)));
        await _store.FlushAsync();
        using var reader = StoreReader.Open(Path.Combine(_dir, "bifrost.db"));
        Assert.Equal(1.25, reader.GetFillsForOrder("oi_t1_1").Single().Commission);
    }

    [Fact]
    public async Task BrokerUnavailable_TheOrderIsRejectedNotLeftInFlight()
    {
        _broker.Down = true;
        await RunningWithDeltaOutsideTheBand();
        var order = _loop.State.Orders.Values.Single();
        Assert.True(order.Status.IsRejected);
        Assert.StartsWith("504", order.RejectReason);
        Assert.True(_loop.State.Fsm.IsRunning);
        await _store.FlushAsync();
        using var reader = StoreReader.Open(Path.Combine(_dir, "bifrost.db"));
        Assert.Equal("Rejected", reader.GetOrder("oi_t1_1")!.Status);
    }

    [Fact]
    public async Task ExitFromTheReducer_EndsTheLoopWithItsCode_AndControlOutcomesAreWrittenBack()
    {
        await RunningWithDeltaOutsideTheBand();
        _channel.TryPost(EventPayload.NewControlRequested(Bifrost.Domain.Trading.Control.Pause, new ControlMeta(5, "t")));
        _channel.TryPost(EventPayload.NewControlRequested(Bifrost.Domain.Trading.Control.Stop, new ControlMeta(6, "t")));
        _channel.TryPost(EventPayload.NewOrderStatusReported(new OrderStatusReport(1, 9, "", OrderUpdate.CancelConfirmed, 0, 0, "")));
        var code = await _loop.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, code);
        Assert.True(_loop.State.Fsm.IsStopped);
        Assert.Equal([(5L, true, "paused"), (6L, true, "stopped")], _control.Completed);
        Assert.Single(_broker.Cancelled);
    }

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private sealed class StubControl : IControlCompleter
    {
        public List<(long, bool, string)> Completed { get; } = [];
        public void Complete(long controlId, bool done, string result) => Completed.Add((controlId, done, result));
    }

    private sealed record Sent(OrderRequest Order, bool RowWasRecorded, long HighWater);

    private sealed class StubBroker(string storePath) : IBrokerPort
    {
        public bool Down { get; set; }
        public List<Sent> Placed { get; } = [];
        public List<int> Cancelled { get; } = [];

        public ValueTask PlaceOrderAsync(OrderRequest order, CancellationToken ct = default)
        {
            if (Down) throw new BrokerUnavailableException("not connected (504)");
            using var reader = StoreReader.Open(storePath);
            var row = reader.GetOrder(OrderRefModule.value(order.Ref));
            Placed.Add(new Sent(order, row is not null, long.Parse(reader.GetEngineState(EngineKeys.NextOrderId) ?? "0")));
            return ValueTask.CompletedTask;
        }

        public ValueTask CancelOrderAsync(int ibOrderId, CancellationToken ct = default)
        {
            Cancelled.Add(ibOrderId);
            return ValueTask.CompletedTask;
        }

        public ValueTask ReconcileAsync(IReadOnlyList<ReconcileScope> scopes, CancellationToken ct = default) => ValueTask.CompletedTask;
        public ValueTask SubscribeAsync(IReadOnlyList<ContractId> contracts, CancellationToken ct = default) => ValueTask.CompletedTask;
    }
}
