using BenchmarkDotNet.Attributes;
using Bifrost.Ib.Messages;
using Bifrost.Ib.Messages.Events;
using Bifrost.Ib.Messages.Model;

namespace Bifrost.Benchmarks.Ib;

/// <summary>
/// Frame cutting + decoding of server → client messages from an in-memory buffer (no socket). Reported per frame via
/// OperationsPerInvoke. Target: ≥ 2 M tickPrice frames/s on one core (≤ 500 ns/frame) and 0 B allocated per tickPrice.
/// </summary>
[MemoryDiagnoser]
public class IbDecodeBenchmarks
{
    private const int Frames = 1000;
    private byte[] _tickPrices = [];
    private byte[] _execDetails = [];
    private byte[] _openOrders = [];
    private readonly SumHandler _handler = new();

    [GlobalSetup]
    public void Setup()
    {
        _tickPrices = IbFrames.Repeat(new IbTickPrice(1001, 1, 1.20, 10, 1), Frames);
        var contract = IbContract.Option("SPY", "20250620", 450, "C", tradingClass: "SPY") with
        {
            ConId = 495512563, Exchange = "CBOE", LocalSymbol = "SPY   250620C00450000",
        };
        var execution = new IbExecution
        {
            OrderId = 42, ExecId = "0000e0d5.67a1b2c3.01.01", Time = "20250117 10:31:05 US/Eastern", AcctNumber = "DU1234567",
            Exchange = "CBOE", Side = "BOT", Shares = 2, Price = 1.25, PermId = 1811111111, ClientId = 7, CumQty = 2,
            AvgPrice = 1.25, OrderRef = "strat1-abc", LastLiquidity = 2,
        };
        _execDetails = IbFrames.Repeat(new IbExecDetails(-1, contract, execution), Frames);
        // The hedge as the daemon places it (a plain LMT), as TWS reports it back after each status change.
        var stock = IbContract.Stock("XYZ") with { ConId = 1001, Exchange = "SMART", PrimaryExchange = "NASDAQ" };
        var order = IbOrder.Limit("BUY", 200, 100.01, "oi_live-20250117_42", "DU1234567") with { ClientId = 7, PermId = 1811111111 };
        _openOrders = IbFrames.Repeat(new IbOpenOrder(42, stock, order, new IbOrderState { Status = "Submitted", CommissionCurrency = "USD" }), Frames);
    }

    [Benchmark(OperationsPerInvoke = Frames)]
    public int DecodeTickPrice() => IbFrames.DecodeAll(_tickPrices, _handler);

    [Benchmark(OperationsPerInvoke = Frames)]
    public int DecodeExecDetails() => IbFrames.DecodeAll(_execDetails, _handler);

    /// <summary>openOrder: ~140 fields into the order record (TWS sends one per status change and per open order at
    /// reconciliation, every client's included).</summary>
    [Benchmark(OperationsPerInvoke = Frames)]
    public int DecodeOpenOrder() => IbFrames.DecodeAll(_openOrders, _handler);

    /// <summary>A consumer that copies what it needs out of the struct, as a daemon's tick queue would.</summary>
    private sealed class SumHandler : IbEventHandler
    {
        public double Sum;

        public override void OnTickPrice(in IbTickPrice m) => Sum += m.Price;

        public override void OnExecDetails(IbExecDetails m) => Sum += m.Execution.Price;

        public override void OnOpenOrder(IbOpenOrder m) => Sum += m.Order.LmtPrice ?? 0;
    }
}
