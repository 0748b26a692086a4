using System.Diagnostics;
using Bifrost.Store.Records;
using Bifrost.Store.Writer;
using Bifrost.Tui.Tests.Support;

namespace Bifrost.Tui.Tests.Terminal;

/// <summary>
/// Two years of a busy hedger's orders (60,000, each with its fill) in the store, a daemon beating every 200 ms: the Runs
/// screen reads them again at each beat, seconds a read. Every key waited for a read on the gate, behind the timer's
/// queued ticks (`1` back to the dashboard took over 4 s, and so would `x` or `s`), and `5` read the Runs screen's rows
/// on the UI thread before it drew anything.
/// </summary>
[Collection(RealDaemonCollection.Name)]
public sealed class TmuxLargeStoreTests
{
    private const long Second = 1_000_000_000L;

    [Fact]
    public async Task RunsScreen_OfTwoYearsOfOrders_KeysAreAnsweredAtOnce_NotAfterTheReads()
    {
        var now = UnixNanos.Now();
        using var store = TempStore.WithSample(now, more: (_, w) =>
        {
            const int orders = 60_000;
            var start = now - orders * 30 * Second;
            for (var i = 0; i < orders; i++)
            {
                var t = start + i * 30 * Second;
                var orderRef = $"oi_paper1_{1000 + i}";
                w.Record(new OperationRecord(t, OperationKind.Intent, Sample.RunId, orderRef, Sample.StockId, TradeSide.Sell, 10, 101.05, "delta 112 > band 100"));
                w.RecordNow(new StoreWrite.Order(new OrderRecord(orderRef, Sample.RunId, "hedge", Sample.StockId, TradeSide.Sell, 10, "MKT", null, "DAY",
                    "Submitted", t, t, IbOrderId: 1000 + i)));
                w.Record(new OperationRecord(t + Second / 10, OperationKind.Order, Sample.RunId, orderRef, Sample.StockId, TradeSide.Sell, 10, 101.05, "placeOrder"));
                w.Record(new OperationRecord(t + Second / 5, OperationKind.Fill, Sample.RunId, orderRef, Sample.StockId, TradeSide.Sell, 10, 101.04, "exec"));
                w.AddFill(new FillRecord($"{i:D5}.01", orderRef, Sample.StockId, TradeSide.Sell, 10, 101.04, t + Second / 5, 1.0, 9000 + i));
                w.UpdateOrder(new OrderProgress(orderRef, "Filled", t + Second / 5, Filled: 10, AvgPrice: 101.04));
                if (i % 2_000 == 0) w.FlushAsync().GetAwaiter().GetResult(); // the writer's queue is bounded
            }
        });
        using var cancel = new CancellationTokenSource();
        var daemon = Task.Run(async () =>
        {
            await using var writer = StoreWriter.Open(store.Path);
            while (!cancel.IsCancellationRequested)
            {
                writer.Heartbeat(UnixNanos.Now());
                await writer.FlushAsync();
                await Task.Delay(200);
            }
        });
        try
        {
            var tui = MonitorUnderTest.Built(store.Path, "--utc");
            using var tmux = Tmux.Start($"exec {tui.Command}", 80, 24);
            tmux.WaitFor(s => s.Contains("STRATEGY-OWNED"), TimeSpan.FromSeconds(30), "the dashboard");
            tmux.Type("5");
            tmux.WaitFor(s => s.Contains("RUNS (newest first)") && s.Contains("paper1"), TimeSpan.FromSeconds(60), "the Runs screen");
            await Task.Delay(TimeSpan.FromSeconds(10)); // the reads of the next beats under way, the timer's ticks queued behind them

            var clock = Stopwatch.StartNew();
            tmux.Type("1");
            tmux.WaitFor(s => s.Contains("STRATEGY-OWNED"), TimeSpan.FromSeconds(60), "the dashboard again");
            tmux.Type("5");
            tmux.WaitFor(s => s.Contains("[5 Runs]"), TimeSpan.FromSeconds(60), "the Runs tab");
            tmux.Type("1");
            tmux.WaitFor(s => s.Contains("STRATEGY-OWNED"), TimeSpan.FromSeconds(60), "the dashboard again");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5), $"`1`, `5`, `1` answered after {clock.ElapsedMilliseconds} ms");
        }
        finally
        {
            await cancel.CancelAsync();
            await daemon;
        }
    }
}
