/// Limits on operator runs that no risk bypass passes (fat-finger ceiling, price band), the cancel control, the run
/// time-out, and the halt when an order ref cannot be minted.
module Bifrost.Domain.Tests.Trading.OperatorLimitsTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests.Fixtures

let private limits = { (config 1).Control with MaxManualQuantity = 1_000; MaxManualNotional = 50_000.0; LimitPriceBand = 0.05; RunTimeout = Duration.ofSeconds 60.0 }
let private cfg = { config 1 with Control = limits }
let private step s e = Reducer.step cfg s e

/// Started, the first hedge filled: Running/Idle with the underlying at 100.
let private idle () =
    let s, cmds = runAll cfg (startEvents cfg 100.0)
    let hedge = placed cmds |> List.exactlyOne
    let s, _ = step s (at (sec 1.0) (execFor hedge hedge.Quantity 100.0 "e1"))
    Expect.equal s.Fsm (Running Idle) "idle"
    s

let private manual runId qty orderType bypass id =
    ManualOrderRequested { RunId = runId; ContractId = underlyingId; Side = Buy; Quantity = qty; Type = orderType; RiskBypass = bypass; AdjustsStrategy = false; Meta = meta id }

let private refusedWith (cmds: Command list) (id: int64) (text: string) =
    cmds |> List.exists (function CompleteControl(i, Refused why) when i = id && why.Contains text -> true | _ -> false)

let private completedWith (cmds: Command list) (id: int64) (prefix: string) =
    cmds |> List.exists (function CompleteControl(i, Done text) when i = id && text.StartsWith prefix -> true | _ -> false)

let private cancels (cmds: Command list) = cmds |> List.filter (function CancelOrder _ -> true | _ -> false)

let private withWorkingLimit () =
    let s, cmds = step (idle ()) (at (sec 2.0) (manual "m1" 10 (Limit 99.0) false 4L))
    let o = placed cmds |> List.exactlyOne
    Expect.equal s.Fsm (Running(RunPending("m1", meta 4L))) "run pending"
    s, o

let private cancelled (o: OrderRequest) =
    OrderStatusReported { IbOrderId = o.IbOrderId; PermId = 5L; Ref = OrderRef.value o.Ref; Status = CancelConfirmed; Filled = 0; AvgFillPrice = 0.0; Reason = "" }

/// The run's order (placed at 2 s) still working at 30 s, timed out at 63 s (run_timeout 60 s): cancel sent, RUN_TIMEOUT;
/// the broker's cancel follows. The state and that last step's commands.
let private timedOut (s: State) (o: OrderRequest) =
    let s, early = step s (at (sec 30.0) ClockTicked)
    Expect.isEmpty (cancels early) "not yet"
    let s, cmds = step s (at (sec 63.0) ClockTicked)
    Expect.contains cmds (CancelOrder(o.Ref, o.IbOrderId)) "cancel sent"
    Expect.isTrue (alerts cmds |> List.exists (fun a -> a.Code = "RUN_TIMEOUT")) "RUN_TIMEOUT"
    step s (at (sec 63.5) (cancelled o))

let private filled (o: OrderRequest) price =
    OrderStatusReported { IbOrderId = o.IbOrderId; PermId = 5L; Ref = OrderRef.value o.Ref; Status = FullyFilled; Filled = o.Quantity; AvgFillPrice = price; Reason = "" }

let private controlEnded (cmds: Command list) (id: int64) = cmds |> List.exists (function CompleteControl(i, _) -> i = id | _ -> false)

/// An operator run's limit order resting while something moves the FSM off its RunPending.
let private interruptions =
    [ "a pause", [ ControlRequested(Pause, meta 5L) ]
      "a reconnect", [ BrokerDisconnected "socket closed"; BrokerConnected [ (config 1).Account ] ]
      "a flatten", [ ControlRequested(FlattenExposure, meta 5L) ] ]

[<Tests>]
let tests =
    testList "Operator limits" [
        testCase "ManualOrder_AboveTheFatFingerQuantity_IsRefusedEvenWithRiskBypass" <| fun () ->
            let _, cmds = step (idle ()) (at (sec 2.0) (manual "m1" 2_000_000 Market true 7L))
            Expect.isEmpty (placed cmds) "nothing placed"
            Expect.isTrue (refusedWith cmds 7L "max_manual_quantity") (sprintf "%A" cmds)
        testCase "ManualOrder_AboveTheFatFingerNotional_IsRefusedEvenWithRiskBypass" <| fun () ->
            let _, cmds = step (idle ()) (at (sec 2.0) (manual "m1" 900 Market true 7L)) // 900 × ~100 = 90,000 > 50,000
            Expect.isEmpty (placed cmds) "nothing placed"
            Expect.isTrue (refusedWith cmds 7L "max_manual_notional") "refused"
        testCase "ManualOrder_WithinTheCeiling_WithRiskBypass_IsSent" <| fun () ->
            let _, cmds = step (idle ()) (at (sec 2.0) (manual "m1" 400 Market true 7L))
            Expect.hasLength (placed cmds) 1 "one order"
        testCase "LimitOrder_AtATinyPrice_IsRefusedByThePriceBand" <| fun () ->
            let _, cmds = step (idle ()) (at (sec 2.0) (manual "m1" 10 (Limit 1e-300) true 8L))
            Expect.isEmpty (placed cmds) "nothing placed"
            Expect.isTrue (refusedWith cmds 8L "PRICE_BAND") "refused"
        testCase "Rebalance_AboveTheFatFingerCeiling_IsRefused" <| fun () ->
            let r = { RunId = "r9"; Targets = [ underlyingId, 5_000 ]; RiskBypass = true; Meta = meta 9L }
            let _, cmds = step (idle ()) (at (sec 2.0) (RebalanceRequested r))
            Expect.isEmpty (placed cmds) "nothing placed"
            Expect.isTrue (refusedWith cmds 9L "FAT_FINGER") "refused"
        // Found in review: a manual or rebalance order at 19:00 New York (or in the TWS restart window) went out, to
        // wait at the broker for the next open and fill at whatever the market gapped to.
        testCase "ManualOrderAndRebalance_OutsideTheSession_AreRefused_EvenWithRiskBypass_InTheSessionTheySend" <| fun () ->
            let s = idle ()
            let evening = { cfg with Calendar = SessionCalendar.usEquities } // t0 is 19:00 New York, a Sunday evening
            let restartWindow = { cfg with Calendar = { SessionCalendar.alwaysOpen with NoTradeWindows = [ 0, 1439 ] } }
            let rebalance = RebalanceRequested { RunId = "r9"; Targets = [ underlyingId, State.qtyOf s underlyingId + 10 ]; RiskBypass = true; Meta = meta 9L }
            for closed in [ evening; restartWindow ] do
                Expect.equal (Classifier.hours closed.Calendar (sec 2.0)) OutOfHours "the premise: the session is closed"
                for id, ev in [ 7L, manual "m1" 10 Market true 7L; 8L, manual "m2" 10 (Limit 100.0) false 8L; 9L, rebalance ] do
                    let s', cmds = Reducer.step closed s (at (sec 2.0) ev)
                    Expect.isEmpty (placed cmds) "nothing sent"
                    Expect.isTrue (refusedWith cmds id "outside the session's hours") (sprintf "refused: %A" cmds)
                    Expect.equal s'.Fsm (Running Idle) "the hedger stays free"
            for ev in [ manual "m1" 10 Market true 7L; rebalance ] do
                let _, cmds = step s (at (sec 2.0) ev)
                Expect.hasLength (placed cmds) 1 "in the session it is sent"
        testCase "CancelControl_ForARun_CancelsItsWorkingOrders_AndTheRunEndsFailed" <| fun () ->
            let s, o = withWorkingLimit ()
            let s, cmds = step s (at (sec 3.0) (ControlRequested(CancelRun "m1", meta 11L)))
            Expect.contains cmds (CancelOrder(o.Ref, o.IbOrderId)) "cancel sent"
            Expect.isTrue (completedWith cmds 11L "") "cancel control done"
            let s, cmds = step s (at (sec 3.1) (cancelled o))
            Expect.equal s.Fsm (Running Idle) "idle again"
            Expect.isTrue (completedWith cmds 4L "failed") (sprintf "%A" cmds)
        testCase "CancelControl_ByOrderRef_CancelsThatOrder" <| fun () ->
            let s, o = withWorkingLimit ()
            let _, cmds = step s (at (sec 3.0) (ControlRequested(CancelOrderRef(OrderRef.value o.Ref), meta 12L)))
            Expect.contains cmds (CancelOrder(o.Ref, o.IbOrderId)) "cancel sent"
        testCase "CancelControl_ForAnUnknownRun_IsRefused" <| fun () ->
            let s, _ = withWorkingLimit ()
            let _, cmds = step s (at (sec 3.0) (ControlRequested(CancelRun "nope", meta 13L)))
            Expect.isTrue (refusedWith cmds 13L "no working orders") "refused"
            Expect.isEmpty (cancels cmds) "nothing cancelled"
        testCase "RunTimeout_CancelsTheRunsOrders_AlertsAndTheRunEndsFailed" <| fun () ->
            let s, o = withWorkingLimit ()
            let s, cmds = timedOut s o
            Expect.equal s.Fsm (Running Idle) "idle again"
            Expect.isTrue (completedWith cmds 4L "failed") "run failed"
        // Found in review: a pause, reconnect, critical alert or flatten while an operator run's order rested forgot the
        // run — its control stayed taken for good, run_timeout no longer applied, and its order kept the hedger waiting
        // (ORDER_IN_FLIGHT) until it filled or the operator cancelled it by hand.
        for name, events in interruptions do
            testCase $"ManualRun_InterruptedBy_{name.Replace(' ', '_')}_IsFollowedApart_AndItsFillCompletesTheControl" <| fun () ->
                let s, o = withWorkingLimit ()
                let s, cmds = Reducer.run cfg s [ for e in events -> at (sec 3.0) e ]
                Expect.notEqual s.Fsm (Running(RunPending("m1", meta 4L))) $"the premise: {name} moved the FSM off the run"
                Expect.equal (Map.keys s.DetachedRuns |> List.ofSeq) [ "m1" ] "followed apart"
                Expect.isFalse (controlEnded cmds 4L) "not ended while its order works"
                let s, cmds = Reducer.run cfg s [ at (sec 4.0) (execFor o o.Quantity 99.0 "x1"); at (sec 4.0) (filled o 99.0) ]
                Expect.isTrue (completedWith cmds 4L "done") (sprintf "the fill ends the run: %A" cmds)
                Expect.isTrue s.DetachedRuns.IsEmpty "no longer followed"
        testCase "ManualRun_InterruptedByAPause_ThenResumed_RunTimeoutCancelsItsRestingOrder_AndTheHedgerIsFreeAgain" <| fun () ->
            let s, o = withWorkingLimit ()
            let s, _ = Reducer.run cfg s [ at (sec 3.0) (ControlRequested(Pause, meta 5L)); at (sec 4.0) (ControlRequested(Resume, meta 6L)) ]
            Expect.equal s.Fsm (Running Idle) "resumed"
            Expect.isTrue (Composite.orderInFlight s) "the premise: the resting order holds the hedger"
            let s, cmds = timedOut s o // run_timeout still applies
            Expect.isTrue (completedWith cmds 4L "failed") (sprintf "the run ends failed: %A" cmds)
            Expect.isFalse (Composite.orderInFlight s) "the hedger is free again"
            Expect.isTrue s.DetachedRuns.IsEmpty "no longer followed"
        testCase "Restart_WithAnOperatorRunsOrderStillWorking_FollowsIt_RunTimeoutCancelsIt_AndItsEndIsNoted" <| fun () ->
            let s, o = withWorkingLimit ()
            let acked = { s.Orders.[o.Ref] with Status = Submitted }
            let s = State.putOrder acked s
            let openOrder = OpenOrderReported { IbOrderId = o.IbOrderId; PermId = 5L; ClientId = 1; Ref = OrderRef.value o.Ref; ContractId = underlyingId
                                                Side = Buy; Quantity = o.Quantity; Filled = 0; Status = Acknowledged }
            let events =
                restartEvents cfg s s.Memory 10.0
                |> List.collect (fun e -> match e.Payload with OpenOrdersEnded -> [ at e.Received openOrder; e ] | _ -> [ e ])
            let r, _ = runAll cfg events
            Expect.equal (Map.toList r.DetachedRuns) [ "m1", None ] "followed after the restart (its control was closed by it)"
            Expect.isTrue (Composite.orderInFlight r) "the premise: the resting order holds the hedger"
            let r, cmds = step r (at (sec 63.0) ClockTicked)
            Expect.contains cmds (CancelOrder(o.Ref, o.IbOrderId)) "run_timeout applies after a restart too"
            let r, cmds = step r (at (sec 63.5) (cancelled o))
            Expect.exists (ops cmds) (fun op -> op.RunId = "m1" && op.Detail.StartsWith "failed" && op.Detail.Contains "restart") "its end is noted"
            Expect.isFalse (controlEnded cmds 4L) "no control left to complete"
            Expect.isFalse (Composite.orderInFlight r) "the hedger is free again"
        testCase "AnOrderRefThatCannotBeMinted_HaltsRed_WithACriticalOrderRefExhaustedAlert" <| fun () ->
            let longRun = String.replicate 37 "m" // oi_ + 37 + _N > 40 characters
            let s, cmds = step (idle ()) (at (sec 2.0) (manual longRun 10 Market false 14L))
            Expect.isEmpty (placed cmds) "nothing placed"
            Expect.isTrue (match s.Fsm with Halted(OrderRefExhausted _) -> true | _ -> false) (sprintf "%A" s.Fsm)
            Expect.isTrue (alerts cmds |> List.exists (fun a -> a.Code = "ORDER_REF_EXHAUSTED" && a.Severity = Critical)) "critical alert"
            Expect.equal (SelfCheck.run cfg s).Health Health.Blocked "RED"
            // The engine's own refs (run_id r1) mint and the run that could not sent nothing: the operator's resume lifts
            // it (refused for good before, across a restart too). Refused while they cannot: StandingBlock.
            let r, cmds = step s (at (sec 3.0) (ControlRequested(Resume, meta 15L)))
            Expect.isTrue (cmds |> List.exists (function CompleteControl(15L, Done _) -> true | _ -> false)) (sprintf "resumed: %A" cmds)
            Expect.isTrue (match r.Fsm with Running _ -> true | _ -> false) (sprintf "%A" r.Fsm)
    ]
