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
            let s, early = step s (at (sec 30.0) ClockTicked)
            Expect.isEmpty (cancels early) "not yet"
            let s, cmds = step s (at (sec 63.0) ClockTicked)
            Expect.contains cmds (CancelOrder(o.Ref, o.IbOrderId)) "cancel sent"
            Expect.isTrue (alerts cmds |> List.exists (fun a -> a.Code = "RUN_TIMEOUT")) "RUN_TIMEOUT"
            let s, cmds = step s (at (sec 63.5) (cancelled o))
            Expect.equal s.Fsm (Running Idle) "idle again"
            Expect.isTrue (completedWith cmds 4L "failed") "run failed"
        testCase "AnOrderRefThatCannotBeMinted_HaltsRed_WithACriticalOrderRefExhaustedAlert" <| fun () ->
            let longRun = String.replicate 37 "m" // oi_ + 37 + _N > 40 characters
            let s, cmds = step (idle ()) (at (sec 2.0) (manual longRun 10 Market false 14L))
            Expect.isEmpty (placed cmds) "nothing placed"
            Expect.isTrue (match s.Fsm with Halted(OrderRefExhausted _) -> true | _ -> false) (sprintf "%A" s.Fsm)
            Expect.isTrue (alerts cmds |> List.exists (fun a -> a.Code = "ORDER_REF_EXHAUSTED" && a.Severity = Critical)) "critical alert"
            Expect.equal (SelfCheck.run cfg s).Health Health.Blocked "RED"
            let _, cmds = step s (at (sec 3.0) (ControlRequested(Resume, meta 15L)))
            Expect.isTrue (refusedWith cmds 15L "order refs exhausted") "resume refused"
    ]
