using Bifrost.Daemon.PortfolioRuns;
using Bifrost.Domain;
using Bifrost.Domain.PortfolioRuns;
using Bifrost.Store.Records;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;

namespace Bifrost.Daemon.Tests.PortfolioRuns;

/// <summary>Runs read back at start: a running run takes the fills the store kept that its own row lacks.</summary>
public class PortfolioRestoreTests
{
    private static readonly Timestamp T = Timestamp.NewTimestamp(1_767_000_000_000_000_000L);

    private static RunOrder Order(string orderRef, int quantity, RunOrderStatus status) =>
        new(orderRef, new OrderKey("r0-pf3", "AAA", Side.Buy, "old1"), quantity, 0, status, !status.IsPlanned, FSharpOption<string>.None,
            FSharpOption<int>.None, FSharpOption<long>.None, FSharpList<RunFill>.Empty,
            ListModule.OfSeq([Tuple.Create(status, T, T)]));

    private static Run RunWith(RunStatus status, params RunOrder[] orders) =>
        new("r0-pf3", "old1", "hash", RunPurpose.NewOperatorRequested("test"), status, FSharpList<string>.Empty, FSharpOption<Timestamp>.Some(T),
            ListModule.OfSeq(orders), FSharpOption<FallbackRecord>.None, FSharpOption<string>.None, T, T);

    private static FillRecord Fill(string execId, string orderRef, int qty) =>
        new(execId, orderRef, 50, TradeSide.Buy, qty, 50.0, T.Nanos + 1, 1.0) { VenueNanos = T.Nanos + 1 };

    [Fact]
    public void RunningRun_FillTheStoreKeptButTheRunRowLacked_IsMerged_OrderFilled()
    {
        // The crash fell between the fill's row and the run's: the restart sees the exec id as already recorded and
        // never applies it to the run again, so without the merge the run stayed running for good.
        var run = RunWith(RunStatus.Running, Order("oi_pa", 100, RunOrderStatus.Working));
        var merged = PortfolioRestore.WithStoredFills(run, r => r == "oi_pa" ? [Fill("x1", "oi_pa", 60), Fill("x2", "oi_pa", 40)] : []);
        var o = merged.Orders.Head;
        Assert.Equal((100, RunOrderStatus.Filled, true), (o.Filled, o.Status, o.Sent));
        Assert.Equal(["x1", "x2"], o.Fills.Select(f => f.ExecId));
    }

    // A second engine's fill of the run order's ref, refused by the book live and by the book's restore: the run took it
    // back at the restart and ended done on shares the strategy never got.
    [Fact]
    public void RunningRun_AFillTheBooksRestoreRefused_IsNotMerged()
    {
        var run = RunWith(RunStatus.Running, Order("oi_pa", 100, RunOrderStatus.Working));
        var merged = PortfolioRestore.WithStoredFills(run, r => r == "oi_pa" ? [Fill("x1", "oi_pa", 60), Fill("se1", "oi_pa", 40)] : [],
            new HashSet<string> { "se1" });
        var o = merged.Orders.Head;
        Assert.Equal((60, RunOrderStatus.Working), (o.Filled, o.Status));
        Assert.Equal(["x1"], o.Fills.Select(f => f.ExecId));
    }

    [Fact]
    public void RunningRun_FillsAlreadyInTheRow_NotCountedTwice_AndFinishedRunsUntouched()
    {
        var run = RunWith(RunStatus.Running, Order("oi_pa", 100, RunOrderStatus.Working));
        var once = PortfolioRestore.WithStoredFills(run, _ => [Fill("x1", "oi_pa", 60)]);
        var twice = PortfolioRestore.WithStoredFills(once, _ => [Fill("x1", "oi_pa", 60)]);
        Assert.Equal((60, RunOrderStatus.Working), (twice.Orders.Head.Filled, twice.Orders.Head.Status));
        var done = RunWith(RunStatus.Failed, Order("oi_pa", 100, RunOrderStatus.Cancelled));
        Assert.Same(done, PortfolioRestore.WithStoredFills(done, _ => [Fill("x1", "oi_pa", 60)]));
    }

    private static OrderRecord OrderRow(string orderRef, string purpose, long contractId) =>
        new(orderRef, "r0-pf3", purpose, contractId, TradeSide.Buy, 100, "MKT", null, "DAY", "Submitted", T.Nanos, T.Nanos, 17, 9017);

    [Fact]
    public void QueuedRun_WhoseOrdersTheStoreHolds_IsTakenBackRunning_WithThem_NotCancelledAsNeverSent()
    {
        // The run's row was still "queued" when the daemon died, but its order had been journaled (before the wire) and
        // merged into the store at start: it is at the broker. The restart called the run "cancelled, nothing sent"
        // and never followed the order or its fills.
        var queued = RunWith(RunStatus.Queued);
        string? SymbolOf(long id) => id == 50 ? "AAA" : null;
        var taken = PortfolioRestore.WithJournaledOrders(queued, [OrderRow("oi_pa", "portfolio", 50), OrderRow("oi_r0_1", "hedge", 1)], SymbolOf);
        Assert.True(taken.Status.IsRunning);
        var o = Assert.Single(taken.Orders);
        Assert.Equal(("oi_pa", "AAA", 100, RunOrderStatus.Working, true), (o.Ref, o.Key.Symbol, o.Quantity, o.Status, o.Sent));
        Assert.Equal("old1", o.Key.SnapshotId);
        var filled = PortfolioRestore.WithStoredFills(taken, r => r == "oi_pa" ? [Fill("x1", "oi_pa", 100)] : []);
        Assert.Equal(RunOrderStatus.Filled, filled.Orders.Head.Status);
        Assert.Same(queued, PortfolioRestore.WithJournaledOrders(queued, [], SymbolOf));
    }
}
