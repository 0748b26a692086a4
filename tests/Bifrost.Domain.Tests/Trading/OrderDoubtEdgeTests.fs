/// Edges of the order-doubt and book-confirmation paths an adversarial review found: each failed before its fix.
module Bifrost.Domain.Tests.Trading.OrderDoubtEdgeTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures
open Bifrost.Domain.Tests.Trading.RestartProperties
open Bifrost.Domain.Tests.Trading.OrderDoubtScenarioTests

[<Tests>]
let tests =
    testList "Trading.OrderDoubtEdge" [
        // A critical alert on the event that settles an operator run (OVERFILL on its last fill) pauses the engine, and
        // the run still completes its control (the operator's client is not left waiting).
        testCase "ManualRun_WhoseLastFillOverfills_StillCompletesItsControl" <| fun () ->
            let s, cmds = runAll cfg (startEvents cfg 100.0)
            let hedge = placed cmds |> List.exactlyOne
            let s, _ = step cfg s (at (sec 0.6) (execFor hedge hedge.Quantity 100.0 "e0"))
            let m = { RunId = "m7"; ContractId = underlyingId; Side = Buy; Quantity = 100; Type = Market; RiskBypass = false; Meta = meta 7L; AdjustsStrategy = false }
            let s, cmds = step cfg s (at (sec 1.0) (ManualOrderRequested m))
            let o = placed cmds |> List.exactlyOne
            Expect.isTrue (match s.Fsm with Running(RunPending _) -> true | _ -> false) $"{s.Fsm}"
            let s, cmds = step cfg s (at (sec 1.5) (execFor o 200 100.0 "e1"))
            Expect.exists (alerts cmds) (fun a -> a.Code = "OVERFILL") "overfill"
            Expect.equal s.Fsm Paused "paused"
            Expect.exists cmds (function CompleteControl(7L, _) -> true | _ -> false) "the manual run's control is completed (the operator's client is not left waiting)"

        // confirm_book books an in-doubt fill; if the execution arrives after all (the re-sync's reqExecutions, a late
        // execDetails), it is already in the book and must not be counted twice (the hedger would trade it back).
        testCase "ConfirmedInDoubtHedge_ThenItsExecutionArrives_IsNotCountedTwice" <| fun () ->
            let s, hedge = hedgeWorking cfg
            let restored = restoredWithHedge s hedge
            let t = sec 86_400.0
            let tt d = Timestamp.add (Duration.ofSeconds d) t
            let positions d = [ at (tt d) (PositionReported(cid 2, 10, 3.0)); at (tt d) (PositionReported(underlyingId, -hedge.Quantity, 100.0)); at (tt d) PositionsEnded ]
            let s2, _ =
                runAll cfg ([ at t (EngineStarted restored); at (tt 0.1) (BrokerConnected [ cfg.Account ]) ] @ positions 0.2
                            @ [ at (tt 0.3) OpenOrdersEnded; at (tt 0.3) ExecutionsEnded ])
            Expect.isTrue (match s2.Fsm with Halted(ReconcileFailed _) -> true | _ -> false) $"{s2.Fsm}"
            let s3, _ = step cfg s2 (at (tt 1.0) (BookConfirmRequested { Legs = [ underlyingId, -hedge.Quantity ]; Meta = meta 8L }))
            // The re-sync's reqExecutions now returns the fill (or execDetails arrives late).
            let s4, cmds =
                Reducer.run cfg s3 (positions 1.1 @ [ at (tt 1.1) OpenOrdersEnded; at (tt 1.2) (execFor hedge hedge.Quantity 100.0 "late1"); at (tt 1.2) ExecutionsEnded ])
            Expect.equal (State.hedgePosition cfg s4) -hedge.Quantity $"the strategy holds the hedge once, not twice (fsm {s4.Fsm}, alerts {alerts cmds |> List.map (fun a -> a.Code)})"

        // An execution unlike its order is not applied live (EXECUTION_MISMATCH), and a restart (the store projection,
        // like the daemon's StoreRestore.Build) must not replay it into the book either.
        testCase "MismatchedExecution_IsNotAppliedByARestartEither" <| fun () ->
            let s, hedge = hedgeWorking cfg
            let mutable store = StoreProjection.empty
            let wrong = match execFor hedge hedge.Quantity 100.0 "x1" with ExecutionReported r -> { r with Side = Buy } | _ -> failtest "exec"
            let e = at (sec 2.0) (ExecutionReported wrong)
            let s, cmds = step cfg s e
            store <- StoreProjection.observe store e cmds
            Expect.exists (alerts cmds) (fun a -> a.Code = "EXECUTION_MISMATCH") "alerted"
            let live = Portfolio.strategyQty underlyingId s.Portfolio
            let r = StoreProjection.restore cfg store s
            let restoredQty = r.Holdings |> List.tryFind (fun (id, _) -> id = underlyingId) |> Option.map (fun (_, h) -> h.Quantity) |> Option.defaultValue 0
            Expect.equal restoredQty live "the restart rebuilds the book the live engine had"

        // A hedge partly filled (its first execution applied), then in doubt at a sync (the order gone, the rest of its
        // executions not reported) and booked by the operator: a restart rebuilds the book from the adopted quantity and
        // skips every fill of a booked order, so the shares applied before the booking must be in the adopted quantity
        // too. Before, only the booked rest was: the restart lost the 300 shares seen (the hedge −268 for −568, the
        // hedger selling them again, their P&L gone from the day's). The order's commissions are the strategy's fees, live
        // and after a restart: before, a booked order's were dropped (taken for another client's, skipped by the replay).
        testCase "HedgePartlyFilled_ThenInDoubt_BookedByTheOperator_ARestartKeepsTheSharesFilledBefore_AndItsFees" <| fun () ->
            let feed (s: State, store: StoreProjection) (events: Event list) =
                events |> List.fold (fun (s, store) e -> let s', cmds = step cfg s e in s', StoreProjection.observe store e cmds) (s, store)
            let s, store = feed (State.initial cfg, StoreProjection.empty) (startEvents cfg 100.0)
            let hedge = s.Orders |> Map.toList |> List.map snd |> List.exactlyOne
            let request = { Ref = hedge.Ref; IbOrderId = hedge.IbOrderId; RunId = hedge.RunId; Purpose = hedge.Purpose; ContractId = hedge.ContractId
                            Side = hedge.Side; Quantity = hedge.Quantity; Type = hedge.Type; Tif = hedge.Tif; Account = cfg.Account; RiskBypass = false }
            let signed = Side.sign hedge.Side * hedge.Quantity
            let first = execFor request 300 100.0 "p1"
            let sync (t: float) =
                [ at (sec t) (PositionReported(cid 2, 10, 3.0)); at (sec t) (PositionReported(underlyingId, signed, 100.0)); at (sec t) PositionsEnded
                  at (sec t) OpenOrdersEnded; at (sec t) first; at (sec t) ExecutionsEnded ]
            let s, store = feed (s, store) [ at (sec 0.6) first; at (sec 0.6) (CommissionReported(ExecId.create "p1" |> Result.get, 1.5)) ]
            let s, store = feed (s, store) (at (sec 2.0) (ConnectivityRestored true) :: sync 2.1)
            Expect.isTrue (match s.Fsm with Halted(ReconcileFailed _) -> true | _ -> false) $"in doubt: {FsmState.name s.Fsm}"
            let s, store = feed (s, store) (at (sec 3.0) (BookConfirmRequested { Legs = [ underlyingId, signed ]; Meta = meta 8L }) :: sync 3.1)
            Expect.equal s.Fsm Paused "booked, reconciled again, paused"
            Expect.equal (State.hedgePosition cfg s) signed "live: the whole hedge"
            // The rest's execution arrives after all, its commission first: in the book already, its fee is the strategy's.
            let rest = execFor request (hedge.Quantity - 300) 100.0 "p2"
            let s, store = feed (s, store) [ at (sec 4.0) (CommissionReported(ExecId.create "p2" |> Result.get, 1.25)); at (sec 4.0) rest ]
            Expect.equal (State.hedgePosition cfg s) signed "not counted twice"
            Props.closeTo 9 (Portfolio.totalFees s.Portfolio) 2.75
            let rebuilt, _ = Reducer.step cfg (State.initial cfg) (at (sec 10.0) (EngineStarted(StoreProjection.restore cfg store s)))
            Expect.equal (State.hedgePosition cfg rebuilt) signed "restarted: the shares filled before the booking kept"
            // The hedge's P&L after fees at one mark: what the live engine shows, not another figure after the restart.
            let pnl (st: State) = let h = Portfolio.holding underlyingId st.Portfolio in h.Realized + Holding.unrealized 1 101.0 h - h.Fees
            Props.closeTo 6 (pnl rebuilt) (pnl s)

        // FIRST_START_POSITION is asked at the first sync ever, not at every sync: with no legs to adopt (legs: [] is a
        // valid config) and no order yet, a later reconnect or restart must not ask again and pause a running engine.
        testCase "FirstStartPosition_IsAskedOnce_NotAgainAtEveryReconnect_WithNoLegs" <| fun () ->
            let c = config 0
            let events =
                startEvents c 100.0
                |> List.collect (function { Payload = PositionsEnded } as e -> [ at e.Received (PositionReported(underlyingId, 300, 100.0)); e ] | e -> [ e ])
            let s, cmds = runAll c events
            Expect.equal (alerts cmds |> List.filter (fun a -> a.Code = "FIRST_START_POSITION") |> List.length) 1 "asked"
            let s, _ = step c s (at (sec 1.0) (ControlRequested(Resume, meta 2L)))
            Expect.isTrue (match s.Fsm with Running _ -> true | _ -> false) $"{s.Fsm}"
            let s, cmds =
                Reducer.run c s [ at (sec 2.0) (ConnectivityRestored true); at (sec 2.1) (PositionReported(underlyingId, 300, 100.0))
                                  at (sec 2.1) PositionsEnded; at (sec 2.1) OpenOrdersEnded; at (sec 2.1) ExecutionsEnded ]
            Expect.isEmpty (alerts cmds |> List.filter (fun a -> a.Code = "FIRST_START_POSITION")) "not asked again"
            Expect.isTrue (match s.Fsm with Running _ -> true | _ -> false) $"still running after the reconnect: {s.Fsm}"

        // An order both vanished (working, not listed) and "lost" (fills reported, never sent as executions) counts
        // once in the confirm hint (it said confirm_book XYZ=-1188 for a SELL 594).
        testCase "OrderInDoubt_VanishedAndLost_IsCountedOnceInTheConfirmHint" <| fun () ->
            let s, hedge = hedgeWorking cfg
            let part = { IbOrderId = hedge.IbOrderId; PermId = 5L; Ref = OrderRef.value hedge.Ref; Status = PartFilled; Filled = 300; AvgFillPrice = 100.0; Reason = "" }
            let s, _ = step cfg s (at (sec 0.7) (OrderStatusReported part))
            let _, cmds =
                Reducer.run cfg s [ at (sec 2.0) (ConnectivityRestored true)
                                    at (sec 2.1) (PositionReported(cid 2, 10, 3.0)); at (sec 2.1) (PositionReported(underlyingId, -hedge.Quantity, 100.0))
                                    at (sec 2.1) PositionsEnded; at (sec 2.1) OpenOrdersEnded; at (sec 2.1) ExecutionsEnded ]
            let alert = alerts cmds |> List.find (fun a -> a.Code = "ORDER_OUTCOME_UNKNOWN")
            Expect.stringContains alert.Message $"confirm_book XYZ=-{hedge.Quantity} " $"the hint: {alert.Message}"

        // A halt on BOOK_MISMATCH is named as such, and a drawdown breached meanwhile still shows as RISK_HALT.
        testCase "DrawdownBreach_WhileHaltedOnABookMismatch_StaysNamedInTheBlockReasons" <| fun () ->
            let s, _ = runAll cfg (startEvents cfg 100.0)
            let s = { s with Fsm = Halted(BookMismatch "x"); HighWater = 1e7 }
            let r = SelfCheck.run cfg s
            Expect.contains r.BlockReasons BlockReason.BookMismatch "the halt"
            Expect.contains r.BlockReasons BlockReason.RiskHalt $"the drawdown breach too: {r.BlockReasons}"
        // The hedge filled at the broker but its execution came back in another direction: not applied. The engine then
        // waited for executions that never matched, for good (delta out of band, ORDER_IN_FLIGHT, YELLOW), and a restart
        // was the only way out. Now the account is reconciled at once: the order's fill is in doubt, the halt names what
        // to confirm, and confirming it sends no second hedge.
        testCase "MismatchedExecution_IsReconciledAtOnce_HaltsWithTheWayOut_AndConfirmingTheHedgeSendsNoSecondOne" <| fun () ->
            let s, hedge = OrderDoubtScenarioTests.hedgeWorking cfg
            let signed = Side.sign hedge.Side * hedge.Quantity
            let wrong = match execFor hedge hedge.Quantity 100.0 "e1" with ExecutionReported r -> { r with Side = Side.ofSignedQuantity -signed } | _ -> failtest "an execution"
            let s, cmds = Reducer.step cfg s (at (sec 2.0) (ExecutionReported wrong))
            Expect.exists (alerts cmds) (fun a -> a.Code = "EXECUTION_MISMATCH") "alerted"
            Expect.exists cmds (function RequestReconcile _ -> true | _ -> false) "the account is reconciled again at once"
            let filled = { IbOrderId = hedge.IbOrderId; PermId = 5L; Ref = OrderRef.value hedge.Ref; Status = FullyFilled; Filled = hedge.Quantity; AvgFillPrice = 100.0; Reason = "" }
            let sync (t: float) =
                [ at (sec t) (PositionReported(cid 2, 10, 3.0)); at (sec t) (PositionReported(underlyingId, signed, 100.0)); at (sec t) PositionsEnded
                  at (sec t) OpenOrdersEnded; at (sec t) (ExecutionReported wrong); at (sec t) ExecutionsEnded ]
            let s, cmds = Reducer.run cfg s (at (sec 2.1) (OrderStatusReported filled) :: sync 2.2)
            Expect.isTrue (match s.Fsm with Halted(ReconcileFailed _) -> true | _ -> false) $"halted, RED (state {FsmState.name s.Fsm})"
            let unknown = alerts cmds |> List.find (fun a -> a.Code = "ORDER_OUTCOME_UNKNOWN")
            Expect.stringContains unknown.Message $"confirm_book XYZ={signed}" "names what to confirm"
            Expect.isEmpty (placed cmds) "nothing sent"
            let s, cmds = Reducer.run cfg s (at (sec 3.0) (BookConfirmRequested { Legs = [ underlyingId, signed ]; Meta = meta 8L }) :: sync 3.1)
            Expect.exists cmds (function CompleteControl(8L, Done _) -> true | _ -> false) "confirmed"
            Expect.equal s.Fsm Paused "reconciled again, paused"
            let s, cmds =
                Reducer.run cfg s
                    [ at (sec 4.0) (ControlRequested(Resume, meta 9L))
                      at (sec 4.5) (QuoteReceived(quote (cid 2) 2.9 3.1 (sec 4.5)))
                      at (sec 5.0) (QuoteReceived(quote underlyingId 99.99 100.01 (sec 5.0))) ]
            Expect.isEmpty (placed cmds) "no second hedge"
            Expect.equal (State.hedgePosition cfg s) signed "the hedge the broker filled is the strategy's"
            Expect.isTrue (match s.Fsm with Running _ -> true | _ -> false) "running"
    ]
