using System.Collections;
using Bifrost.Daemon.Configuration;
using Bifrost.Daemon.Engine;
using Bifrost.Daemon.Tests.EndToEnd;
using Bifrost.Domain;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Store.Writer;
using Bifrost.Domain.Trading;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;

namespace Bifrost.Daemon.Tests.Engine;

public class StoreRestoreTests
{
    private static readonly Config Cfg = ConfigLoader.Parse(TestConfig.Json(1, "x.db", conIds: true), new Hashtable()).Preview;

    private static OrderRecord Order(string orderRef, long ibId, TradeSide side, double qty, string status) =>
        new(orderRef, "t1", "hedge", TestConfig.StockId, side, qty, "MKT", null, "DAY", status, 1, 1, ibId);

    [Fact]
    public void Holdings_AreReplayedFromOurFillsOnly_IdsAndRefsContinueAboveEverythingStored()
    {
        var orders = new[] { Order("oi_t1_1", 4, TradeSide.Sell, 80, "Filled"), Order("oi_t1-flat2_2", 5, TradeSide.Buy, 30, "Submitted") };
        var fills = new[]
        {
            new FillRecord("e1", "oi_t1_1", TestConfig.StockId, TradeSide.Sell, 50, 100.0, 1, 1.0),
            new FillRecord("e2", "oi_t1_1", TestConfig.StockId, TradeSide.Sell, 30, 101.0, 2, 0.5),
            new FillRecord("e3", "oi_t1-flat2_2", TestConfig.StockId, TradeSide.Buy, 10, 100.5, 3),
            new FillRecord("x9", "by-hand", TestConfig.StockId, TradeSide.Buy, 300, 99.0, 4), // another client's: not ours
        };
        var r = StoreRestore.Build(Cfg, orders, fills, storedNextOrderId: 3);
        Assert.Equal(5, r.OrderIdHighWater); // max(stored next − 1, highest id in the orders table)
        Assert.Equal(3, r.NextOrderSeq);
        var (_, h) = Assert.Single(r.Holdings);
        Assert.Equal(-70, h.Quantity);
        Assert.Equal(1.5, h.Fees, 10);
        Assert.Equal(4, r.SeenExecIds.Length);
        var sell = r.Orders.Single(o => OrderRefModule.value(o.Ref) == "oi_t1_1");
        Assert.Equal((80, 80), (sell.Filled, sell.ReportedFilled));
        Assert.Equal(100.375, sell.AvgFillPrice, 10);
        Assert.True(r.Orders.Single(o => o.IbOrderId == 5).Status.IsSubmitted);
        Assert.Equal(12, StoreRestore.Build(Cfg, [], [], storedNextOrderId: 13).OrderIdHighWater);
    }

    [Fact]
    public void StrategyFillsWithoutTheirCommission_AreListedAsOwed_TheOperatorsAndOtherClientsAreNot()
    {
        // The stop came before IB's commissionReport of e2 and of the manual run's m1: the sync's reqExecutions brings
        // them; the engine counts e2's fee (the manual run's is the operator's, another client's is not ours).
        var orders = new[] { Order("oi_t1_1", 4, TradeSide.Sell, 80, "Filled"), Order("oi_t1-man2_2", 5, TradeSide.Buy, 10, "Filled") with { Purpose = "manual" } };
        var fills = new[]
        {
            new FillRecord("e1", "oi_t1_1", TestConfig.StockId, TradeSide.Sell, 50, 100.0, 1, 1.0),
            new FillRecord("e2", "oi_t1_1", TestConfig.StockId, TradeSide.Sell, 30, 101.0, 2),
            new FillRecord("m1", "oi_t1-man2_2", TestConfig.StockId, TradeSide.Buy, 10, 100.5, 3),
            new FillRecord("x9", "by-hand", TestConfig.StockId, TradeSide.Buy, 300, 99.0, 4),
        };
        var r = StoreRestore.Build(Cfg, orders, fills, storedNextOrderId: 3);
        var (exec, contract) = Assert.Single(r.FeesOwed);
        Assert.Equal(("e2", TestConfig.StockId), (ExecIdModule.value(exec), ContractIdModule.value(contract)));
        Assert.Equal(1.0, Assert.Single(r.Holdings).Item2.Fees, 10);
    }

    [Fact]
    public void CorrectedExecution_IsReplayedOnce_ItsRevisionSeenButNotCounted()
    {
        // IB corrected the hedge's fill (".02" re-priced the ".01"): the engine applied the first revision only.
        var orders = new[] { Order("oi_t1_1", 4, TradeSide.Sell, 80, "Filled") };
        var fills = new[]
        {
            new FillRecord("0000e011.65f0a1b2.01.01", "oi_t1_1", TestConfig.StockId, TradeSide.Sell, 80, 100.0, 1, 1.0),
            new FillRecord("0000e011.65f0a1b2.01.02", "oi_t1_1", TestConfig.StockId, TradeSide.Sell, 80, 100.05, 2, 1.0),
        };
        var r = StoreRestore.Build(Cfg, orders, fills, storedNextOrderId: 5);
        var (_, h) = Assert.Single(r.Holdings);
        Assert.Equal(-80, h.Quantity);
        Assert.Equal(1.0, h.Fees, 10);
        var sell = Assert.Single(r.Orders);
        Assert.Equal((80, 80), (sell.Filled, sell.ReportedFilled));
        Assert.Equal(100.0, sell.AvgFillPrice, 10);
        Assert.Equal(2, r.SeenExecIds.Length); // the sync's re-delivery of either changes nothing
        // In the order received: an original arriving after its correction is the revision.
        var reversed = new[] { fills[1] with { TimeNanos = 1 }, fills[0] with { TimeNanos = 2 } };
        Assert.Equal(["0000e011.65f0a1b2.01.01"], StoreRestore.Revisions(reversed));
        Assert.Empty(StoreRestore.Revisions([new FillRecord("0007.00000001", "oi_t1_1", TestConfig.StockId, TradeSide.Sell, 40, 100.0, 1),
            new FillRecord("0007.00000002", "oi_t1_1", TestConfig.StockId, TradeSide.Sell, 40, 100.0, 2)]));
    }

    [Fact]
    public void ManualRunFills_StayExternal_TheHedgeIsRestoredFromStrategyFillsOnly()
    {
        // The operator's manual BUY 100 (purpose manual) and a manual run that adjusts the strategy (manual_strategy).
        var orders = new[]
        {
            Order("oi_t1_1", 4, TradeSide.Sell, 40, "Filled"),
            Order("oi_t1-man2_2", 5, TradeSide.Buy, 100, "Filled") with { Purpose = "manual" },
            Order("oi_t1-man3_3", 6, TradeSide.Buy, 15, "Filled") with { Purpose = "manual_strategy" },
        };
        var fills = new[]
        {
            new FillRecord("e1", "oi_t1_1", TestConfig.StockId, TradeSide.Sell, 40, 100.0, 1),
            new FillRecord("e2", "oi_t1-man2_2", TestConfig.StockId, TradeSide.Buy, 100, 100.2, 2),
            new FillRecord("e3", "oi_t1-man3_3", TestConfig.StockId, TradeSide.Buy, 15, 100.1, 3),
        };
        var r = StoreRestore.Build(Cfg, orders, fills, storedNextOrderId: 7);
        var (_, h) = Assert.Single(r.Holdings);
        Assert.Equal(-25, h.Quantity); // −40 hedge + 15 manual_strategy; the operator's 100 are not the strategy's
        Assert.Equal(3, r.SeenExecIds.Length); // every execution is seen: none is replayed as new at sync
        Assert.Equal(100, r.Orders.Single(o => o.IbOrderId == 5).Filled); // the manual order itself is still followed
    }

    [Fact]
    public void OperatorsManualOptionFills_SinceTheLastReconciliation_AreHandedOverAsExternal()
    {
        // The operator bought 2 of a leg's calls through Bifrost (purpose manual) after the book last reconciled: the
        // next sync must see them as external, like another client's, or it calls the account's 12 a BOOK_MISMATCH.
        var orders = new[]
        {
            Order("oi_t1_1", 4, TradeSide.Sell, 40, "Filled"),
            new OrderRecord("oi_t1-man2_2", "t1-man2", "manual", TestConfig.CallId, TradeSide.Buy, 2, "MKT", null, "DAY", "Filled", 1, 1, 5),
        };
        var fills = new[]
        {
            new FillRecord("e1", "oi_t1_1", TestConfig.StockId, TradeSide.Sell, 40, 100.0, 1),
            new FillRecord("m1", "oi_t1-man2_2", TestConfig.CallId, TradeSide.Buy, 2, 3.0, 20),
        };
        var m = EngineMemoryModule.empty;
        var memory = new EngineMemory(m.Operator, m.StopPending, m.Day, m.TradesToday, m.DayStartPnl, m.HighWater,
            new OptionBookMemory(ListModule.Empty<AdoptedLeg>(), ListModule.Empty<BookLeg>(), TimestampModule.zero, ListModule.Empty<string>(), MapModule.Empty<int, int>()), m.PausedBy, m.ExpiredLegs, m.DayLastPnl, m.LastSpot, m.LegVols, m.PortfolioPrices, m.TiltClearedThrough, m.LegTerms, m.HedgeRejects, m.LastHedgeAt, m.LastHedgeSpot, m.TakenPnl);
        var r = StoreRestore.Build(Cfg, orders, fills, 7, memory, [fills[1]]);
        var (id, qty) = Assert.Single(r.ExternalLegFills);
        Assert.Equal((TestConfig.CallId, 2), (ContractIdModule.value(id), qty));
        // The strategy's holdings stay the hedge's alone.
        Assert.DoesNotContain(r.Holdings, h => ContractIdModule.value(h.Item1) == TestConfig.CallId);
    }

    [Fact]
    public void ExecutionUnlikeItsOrder_IsNeitherReplayedNorSeen_AndABookedOrdersLateFill_IsNotCountedTwice()
    {
        // oi_t1_1: SELL 80 with a BUY execution (EXECUTION_MISMATCH live: not applied). oi_t1_2: a hedge in doubt whose
        // 50 shares the operator booked with confirm_book (adopted −50); its execution arrived after.
        var orders = new[] { Order("oi_t1_1", 4, TradeSide.Sell, 80, "Submitted"), Order("oi_t1_2", 5, TradeSide.Sell, 50, "Inactive") };
        var fills = new[]
        {
            new FillRecord("w1", "oi_t1_1", TestConfig.StockId, TradeSide.Buy, 80, 100.0, 1),
            new FillRecord("b1", "oi_t1_2", TestConfig.StockId, TradeSide.Sell, 50, 100.0, 2),
        };
        var m = EngineMemoryModule.empty;
        var book = new OptionBookMemory(ListModule.OfSeq([new AdoptedLeg(ContractIdModule.create(TestConfig.StockId).ResultValue, -50, 100.0, 0.0)]),
            ListModule.Empty<BookLeg>(), TimestampModule.zero, ListModule.OfSeq(["oi_t1_2"]), MapModule.Empty<int, int>());
        var memory = new EngineMemory(m.Operator, m.StopPending, m.Day, m.TradesToday, m.DayStartPnl, m.HighWater, book, m.PausedBy, m.ExpiredLegs, m.DayLastPnl, m.LastSpot, m.LegVols, m.PortfolioPrices, m.TiltClearedThrough, m.LegTerms, m.HedgeRejects, m.LastHedgeAt, m.LastHedgeSpot, m.TakenPnl);
        var r = StoreRestore.Build(Cfg, orders, fills, 6, memory, []);
        var (_, h) = Assert.Single(r.Holdings);
        Assert.Equal(-50, h.Quantity); // the booked 50 once; the mismatched BUY 80 not at all
        Assert.Equal(0, r.Orders.Single(o => o.IbOrderId == 4).Filled);
        Assert.DoesNotContain(r.SeenExecIds, e => ExecIdModule.value(e) == "w1"); // re-delivered, it is raised again
        Assert.Contains(r.SeenExecIds, e => ExecIdModule.value(e) == "b1");
    }

    /// <summary>A hedge the operator booked with confirm_book (its shares adopted, −300 seen before the doubt and −50
    /// unseen): its fills are not replayed, but their commissions are the strategy's fees. Before, the replay skipped
    /// the booked order's fills whole, fees included, so a restart's P&amp;L lacked them.</summary>
    [Fact]
    public void ABookedOrdersFills_AreNotReplayed_ButTheirCommissionsAreTheStrategysFees()
    {
        var orders = new[] { Order("oi_t1_2", 5, TradeSide.Sell, 350, "Inactive") };
        var fills = new[]
        {
            new FillRecord("b1", "oi_t1_2", TestConfig.StockId, TradeSide.Sell, 300, 100.0, 1, 1.5),
            new FillRecord("b2", "oi_t1_2", TestConfig.StockId, TradeSide.Sell, 30, 100.0, 2, 0.25),
            new FillRecord("b3", "oi_t1_2", TestConfig.StockId, TradeSide.Sell, 20, 100.0, 3), // its report still to come
        };
        var m = EngineMemoryModule.empty;
        var book = new OptionBookMemory(ListModule.OfSeq([new AdoptedLeg(ContractIdModule.create(TestConfig.StockId).ResultValue, -350, 100.0, 0.0)]),
            ListModule.Empty<BookLeg>(), TimestampModule.zero, ListModule.OfSeq(["oi_t1_2"]), MapModule.Empty<int, int>());
        var memory = new EngineMemory(m.Operator, m.StopPending, m.Day, m.TradesToday, m.DayStartPnl, m.HighWater, book, m.PausedBy, m.ExpiredLegs, m.DayLastPnl, m.LastSpot, m.LegVols, m.PortfolioPrices, m.TiltClearedThrough, m.LegTerms, m.HedgeRejects, m.LastHedgeAt, m.LastHedgeSpot, m.TakenPnl);
        var r = StoreRestore.Build(Cfg, orders, fills, 6, memory, []);
        var (_, h) = Assert.Single(r.Holdings);
        Assert.Equal(-350, h.Quantity); // the adopted quantity once
        Assert.Equal(1.75, h.Fees, 10);
        var (exec, contract) = Assert.Single(r.FeesOwed);
        Assert.Equal(("b3", TestConfig.StockId), (ExecIdModule.value(exec), ContractIdModule.value(contract)));
    }

    /// <summary>10 calls bought at 2.00, sold by hand in TWS and confirmed at 0 (confirm_book): the engine booked their sale
    /// at the mark, 3.00, and the adopted record keeps what it realised (+1,000). A restart rebuilds it: the calls at 0
    /// with their gain. Before, a leg adopted at 0 was skipped, and the P&amp;L after the restart jumped by the gain.</summary>
    [Fact]
    public void ALegConfirmedAtZero_KeepsWhatItsConfirmRealised_AcrossARestart()
    {
        var m = EngineMemoryModule.empty;
        var calls = ContractIdModule.create(TestConfig.CallId).ResultValue;
        var book = new OptionBookMemory(ListModule.OfSeq([new AdoptedLeg(calls, 0, 0.0, 1_000.0)]),
            ListModule.Empty<BookLeg>(), TimestampModule.zero, ListModule.Empty<string>(), MapModule.Empty<int, int>());
        var memory = new EngineMemory(m.Operator, m.StopPending, m.Day, m.TradesToday, m.DayStartPnl, m.HighWater, book, m.PausedBy, m.ExpiredLegs, m.DayLastPnl, m.LastSpot, m.LegVols, m.PortfolioPrices, m.TiltClearedThrough, m.LegTerms, m.HedgeRejects, m.LastHedgeAt, m.LastHedgeSpot, m.TakenPnl);
        var (id, h) = Assert.Single(StoreRestore.Build(Cfg, [], [], 1, memory, []).Holdings);
        Assert.Equal(TestConfig.CallId, ContractIdModule.value(id));
        Assert.Equal((0, 1_000.0), (h.Quantity, h.Realized));
    }

    /// <summary>A leg rolled out of the configuration after the strategy closed it: its fills' P&L is replayed at its
    /// multiplier as the memory kept it. Before, an unconfigured contract counted ×1 and the restart's P&L moved by 99 %
    /// of the leg's realised P&L — a loss the day's limit never saw, or one it saw that never happened.</summary>
    [Fact]
    public void FillsOnALegThatLeftTheConfiguration_AreReplayedAtItsRememberedMultiplier()
    {
        const int oldPut = 9_001;
        var orders = new[]
        {
            new OrderRecord("oi_t1-reb1_1", "t1-reb1", "rebalance", oldPut, TradeSide.Buy, 10, "LMT", 3.0, "DAY", "Filled", 1, 1, 4),
            new OrderRecord("oi_t1-reb2_2", "t1-reb2", "rebalance", oldPut, TradeSide.Sell, 10, "LMT", 3.5, "DAY", "Filled", 2, 2, 5),
        };
        var fills = new[]
        {
            new FillRecord("r1", "oi_t1-reb1_1", oldPut, TradeSide.Buy, 10, 3.0, 1, 6.5),
            new FillRecord("r2", "oi_t1-reb2_2", oldPut, TradeSide.Sell, 10, 3.5, 2, 6.5),
        };
        var m = EngineMemoryModule.empty;
        var put = OptionContractModule.create(ContractIdModule.create(oldPut).ResultValue, "XYZ", OptionRight.Put, 95.0, Timestamp.NewTimestamp(1), 100).ResultValue;
        var memory = new EngineMemory(m.Operator, m.StopPending, m.Day, m.TradesToday, m.DayStartPnl, m.HighWater, m.OptionBook, m.PausedBy, m.ExpiredLegs,
            m.DayLastPnl, m.LastSpot, m.LegVols, m.PortfolioPrices, m.TiltClearedThrough, ListModule.OfSeq([put]), m.HedgeRejects, m.LastHedgeAt, m.LastHedgeSpot, m.TakenPnl);
        var (_, h) = Assert.Single(StoreRestore.Build(Cfg, orders, fills, 6, memory, []).Holdings);
        Assert.Equal((0, 500.0, 13.0), (h.Quantity, h.Realized, h.Fees)); // 10 × (3.50 − 3.00) × 100
        var (_, unknown) = Assert.Single(StoreRestore.Build(Cfg, orders, fills, 6, m, []).Holdings);
        Assert.Equal(5.0, unknown.Realized); // no terms on record: a stock's ×1 (the memory from before terms were kept)
    }

    /// <summary>IB's orderStatus "Cancelled filled=200" came before the execution, and the daemon died in between: the
    /// row written from the engine's view of the order keeps the broker's count, so a next-day restart (whose
    /// reqExecutions no longer lists the fill) still sees a fill it never applied and halts ORDER_OUTCOME_UNKNOWN.
    /// Before, the count was rebuilt from the stored executions (0) and the 200 shares were hedged again.</summary>
    [Fact]
    public async Task HedgeCancelledWithAReportedFillButNoExecution_IsRestoredFromTheStoreWithTheBrokersCount()
    {
        var o = await RestoredHedge(299, OrderType.Market, request => new Order(request.Ref, 7, 9, "t1", OrderPurpose.Hedge, request.ContractId,
            Side.Sell, 299, OrderType.Market, TimeInForce.Day, OrderStatus.Cancelled, 0, 200, 0.0, false, FSharpOption<OrderUpdate>.None, "",
            double.NaN, Timestamp.NewTimestamp(1), Timestamp.NewTimestamp(2)));
        Assert.Equal((OrderStatus.Cancelled, 0, 200), (o.Status, o.Filled, o.ReportedFilled));
    }

    /// <summary>A risk halt asked for the working hedge's cancel, which never reached TWS (the daemon died first, or TWS
    /// refused it while the order stayed open): the row keeps the request, so the restart's sync sends it again. Before,
    /// the restored order said no cancel was asked, and a restart into the remembered halt left the hedge working.</summary>
    [Fact]
    public async Task HedgeWhoseCancelWasAskedFor_IsRestoredFromTheStoreWithTheRequest()
    {
        var o = await RestoredHedge(115, OrderType.NewLimit(102.8), request => new Order(request.Ref, 7, 9, "t1", OrderPurpose.Hedge, request.ContractId,
            Side.Sell, 115, request.Type, TimeInForce.Day, OrderStatus.Submitted, 0, 0, 0.0, true, FSharpOption<OrderUpdate>.None, "",
            double.NaN, Timestamp.NewTimestamp(1), TimestampModule.zero));
        Assert.Equal((OrderStatus.Submitted, true), (o.Status, o.CancelRequested));
    }

    /// <summary>A second engine run with a copied configuration and store (same run_id, same refs) once ran under our
    /// client id: its SELL 100 of our hedge's ref came with another permId, and the live engine refused it
    /// (EXECUTION_MISMATCH). Before, the restart put it back: the hedge filled 200 of 100 and the stock hedge 100 shares
    /// short of the truth for good, under a GREEN light (the stock is never compared with the account).</summary>
    [Fact]
    public void Restart_AfterAFillRefusedForItsPermId_KeepsItOutOfTheBook()
    {
        var cfg = ConfigModule.WithClientId(17, Cfg);
        var r = RestoreFrom(cfg, w =>
        {
            var hedge = PlaceHedge(w, "oi_t1_1", 100, permId: 9, filled: 100, OrderStatus.Filled);
            w.AddFill(StoreMapping.Fill(Execution("e1", hedge, 100, 100.0, permId: 9, clientId: 17), 10, 10, 1.0, engineClientId: 17));
            w.AddFill(StoreMapping.Fill(Execution("x2", hedge, 100, 101.0, permId: 77, clientId: 17), 20, 20, 1.0, engineClientId: 17));
        });
        var (_, h) = Assert.Single(r.Holdings);
        Assert.Equal(-100, h.Quantity);
        var o = Assert.Single(r.Orders);
        Assert.Equal((100, 100.0, 9L), (o.Filled, o.AvgFillPrice, o.PermId));
        Assert.Equal(["e1"], r.SeenExecIds.Select(ExecIdModule.value)); // x2 re-delivered at the sync: EXECUTION_MISMATCH again
        var (id, orderRef, why) = Assert.Single(r.RefusedFills);
        Assert.Equal(("x2", "oi_t1_1", FillRefusal.AnotherOrder), (ExecIdModule.value(id), OrderRefModule.value(orderRef), why));
        // Named when the engine starts, as the live engine alerted it.
        var (_, started) = Restart.restore(cfg, StateModule.initial(cfg), r);
        Assert.Contains(started.OfType<Command.RecordOperation>(), c => c.Item.Detail.Contains("x2 of oi_t1_1 (another order's permId)"));
    }

    /// <summary>Yesterday's backup restored over today's store: the store lost today's orders, and the restart's sync
    /// stored today's executions of them (UNKNOWN_FILL) under their refs. The next ref goes above those refs: before, the
    /// restored sequence minted oi_t1_2 again, and the next restart replayed the old SELL 100 of oi_t1_2 as the new
    /// hedge's fill (a hedge killed before its acknowledgement has no permId to refuse it by): the stock hedge 100 shares
    /// off, under a GREEN light. Another run's refs (oi_t10_…) and refs of orders the store holds change nothing.</summary>
    [Fact]
    public void Restart_OntoAStoreThatLostTheOrdersOfStoredExecutions_MintsNoneOfTheirRefs()
    {
        var cfg = ConfigModule.WithClientId(17, Cfg);
        void Today(StoreWriter w)
        {
            var hedge = PlaceHedge(w, "oi_t1_1", 100, permId: 9, filled: 100, OrderStatus.Filled);
            w.AddFill(StoreMapping.Fill(Execution("e1", hedge, 100, 100.0, permId: 9, clientId: 17), 10, 10, 1.0, engineClientId: 17));
            var lost = new OrderRequest(OrderRefModule.create("oi_t1_2").ResultValue, 12, "t1", OrderPurpose.Hedge, hedge.ContractId, Side.Sell, 100,
                OrderType.Market, TimeInForce.Day, "DU1234567", false);
            w.AddFill(StoreMapping.Fill(Execution("x2", lost, 100, 99.0, permId: 55, clientId: 17), 20, 20, 1.0, engineClientId: 17));
            var otherRun = new OrderRequest(OrderRefModule.create("oi_t10_50").ResultValue, 13, "t10", OrderPurpose.Hedge, hedge.ContractId, Side.Sell, 10,
                OrderType.Market, TimeInForce.Day, "DU1234567", false);
            w.AddFill(StoreMapping.Fill(Execution("o50", otherRun, 10, 99.0, permId: 56, clientId: 3), 21, 21, 1.0, engineClientId: 17));
        }
        var r = RestoreFrom(cfg, Today);
        // The restarted engine's first hedge, journaled and killed before IB acknowledged it, then restarted again.
        var again = RestoreFrom(cfg, w =>
        {
            Today(w);
            PlaceHedge(w, $"oi_t1_{r.NextOrderSeq}", 100, permId: 0, filled: 0, OrderStatus.PendingSubmit);
        });
        var (_, h) = Assert.Single(again.Holdings);
        Assert.Equal(-100, h.Quantity);
        Assert.All(again.Orders, o => Assert.Equal(0, OrderRefModule.value(o.Ref) == "oi_t1_1" ? 0 : o.Filled));
        Assert.Equal(3, r.NextOrderSeq);
    }

    /// <summary>The second engine ran at the same time under client id 18: its SELL 60 of our ref came before any status
    /// of ours gave our order a permId (the daemon was killed before one came), so only the client id tells it apart; the
    /// live engine counted it external and halted ANOTHER_ENGINE. Before, the restart replayed it as our order's fill
    /// (filled 60, the hedge 60 shares off). Fills this engine recorded under an earlier client id (the operator changed
    /// connection.client_id between runs), and rows from before the client ids were stored, are still ours.</summary>
    [Fact]
    public void Restart_AfterAnotherClientsFillOfOurRef_KeepsItOutOfTheBook()
    {
        var cfg = ConfigModule.WithClientId(17, Cfg);
        var r = RestoreFrom(cfg, w =>
        {
            var hedge = PlaceHedge(w, "oi_t1_1", 100, permId: 0, filled: 0, OrderStatus.PendingSubmit);
            w.AddFill(StoreMapping.Fill(Execution("x1", hedge, 60, 99.0, permId: 77, clientId: 18), 10, 10, null, engineClientId: 17));
            var earlier = PlaceHedge(w, "oi_t1_2", 50, permId: 0, filled: 50, OrderStatus.Filled);
            w.AddFill(StoreMapping.Fill(Execution("e2", earlier, 30, 100.0, permId: 11, clientId: 12), 30, 30, null, engineClientId: 12));
            w.AddFill(StoreMapping.Fill(Execution("e3", earlier, 20, 100.0, permId: 11, clientId: 12), 40, 40, null)); // before schema 11
        });
        var (_, h) = Assert.Single(r.Holdings);
        Assert.Equal(-50, h.Quantity); // the earlier client's 30 and the 20 from before schema 11; not the second engine's 60
        var hedgeBack = r.Orders.Single(o => OrderRefModule.value(o.Ref) == "oi_t1_1");
        Assert.Equal((0, 0L), (hedgeBack.Filled, hedgeBack.PermId));
        var earlierBack = r.Orders.Single(o => OrderRefModule.value(o.Ref) == "oi_t1_2");
        Assert.Equal((50, 11L), (earlierBack.Filled, earlierBack.PermId));
        Assert.DoesNotContain(r.SeenExecIds, e => ExecIdModule.value(e) == "x1"); // re-delivered at the sync: ANOTHER_ENGINE again
        var (id, _, why) = Assert.Single(r.RefusedFills);
        Assert.Equal(("x1", FillRefusal.AnotherClient), (ExecIdModule.value(id), why));
    }

    private static OrderRequest PlaceHedge(StoreWriter w, string orderRef, int quantity, long permId, int filled, OrderStatus status)
    {
        var request = new OrderRequest(OrderRefModule.create(orderRef).ResultValue, 7 + (int)StoreRestore.Sequence(orderRef), "t1", OrderPurpose.Hedge,
            ContractIdModule.create(TestConfig.StockId).ResultValue, Side.Sell, quantity, OrderType.Market, TimeInForce.Day, "DU1234567", false);
        w.UpsertOrder(StoreMapping.OrderRow(request, 1));
        w.UpdateOrder(StoreMapping.Progress(new Order(request.Ref, request.IbOrderId, permId, "t1", OrderPurpose.Hedge, request.ContractId, Side.Sell,
            quantity, OrderType.Market, TimeInForce.Day, status, filled, filled, 100.0, false, FSharpOption<OrderUpdate>.None, "", double.NaN,
            Timestamp.NewTimestamp(1), Timestamp.NewTimestamp(2)), 2));
        return request;
    }

    private static ExecutionReport Execution(string execId, OrderRequest o, int quantity, double price, long permId, int clientId) =>
        new(ExecIdModule.create(execId).ResultValue, o.IbOrderId, permId, clientId, OrderRefModule.value(o.Ref), o.ContractId, o.Side, quantity, price);

    /// <summary>What a restart reads back of a real store the daemon's writer filled.</summary>
    private static Restored RestoreFrom(Config cfg, Action<StoreWriter> write)
    {
        var dir = Directory.CreateTempSubdirectory("bifrost-restore-");
        try
        {
            var path = Path.Combine(dir.FullName, "bifrost.db");
            using (var w = StoreWriter.Open(path))
            {
                write(w);
                w.FlushAsync().GetAwaiter().GetResult();
            }
            using var reader = StoreReader.Open(path);
            return StoreRestore.Read(reader, cfg);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>A hedge sell placed and then updated to <paramref name="progress"/> in a real store, as the restart reads it back.</summary>
    private static async Task<Order> RestoredHedge(int quantity, OrderType type, Func<OrderRequest, Order> progress)
    {
        var dir = Directory.CreateTempSubdirectory("bifrost-restore-");
        try
        {
            var path = Path.Combine(dir.FullName, "bifrost.db");
            await using (var w = StoreWriter.Open(path))
            {
                var request = new OrderRequest(OrderRefModule.create("oi_t1_2").ResultValue, 7, "t1", OrderPurpose.Hedge,
                    ContractIdModule.create(TestConfig.StockId).ResultValue, Side.Sell, quantity, type, TimeInForce.Day, "DU1234567", false);
                w.UpsertOrder(StoreMapping.OrderRow(request, 1));
                w.UpdateOrder(StoreMapping.Progress(progress(request), 2));
                await w.FlushAsync();
            }
            using var reader = StoreReader.Open(path);
            return Assert.Single(StoreRestore.Read(reader, Cfg).Orders);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
