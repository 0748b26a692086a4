/// Orders whose fate the engine cannot know for sure: an error code that does not end the order, an order that
/// vanished while the engine was down, a hedge that stays unfilled. Each must keep the engine from sending a second
/// order on a guess, and must tell the operator.
module Bifrost.Domain.Tests.Trading.OrderDoubtScenarioTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures

let cfg = config 1

let step c s e = Reducer.step c s e

/// Started with the first hedge (SELL 568 against 10 long calls) sent and acknowledged, not filled.
let hedgeWorking (c: Config) =
    let s, cmds = runAll c (startEvents c 100.0)
    let hedge = placed cmds |> List.exactlyOne
    let ack = { IbOrderId = hedge.IbOrderId; PermId = 1000L + int64 hedge.IbOrderId; Ref = OrderRef.value hedge.Ref; Status = Acknowledged; Filled = 0; AvgFillPrice = 0.0; Reason = "" }
    let s, _ = step c s (at (sec 0.6) (OrderStatusReported ack))
    s, hedge

/// What a restart the next day rebuilds from the store when the engine died with the hedge working.
let restoredWithHedge (s: State) (hedge: OrderRequest) =
    { Restored.empty with
        OrderIdHighWater = hedge.IbOrderId; NextOrderSeq = 2L; Orders = [ s.Orders.[hedge.Ref] ]
        Holdings = [ (cid 2, s.Portfolio.Held.[0]) ]; Memory = Some { s.Memory with OptionBook = s.OptionBook } }

/// Second `i` of a market running away from a limit hedge (0.4 cents a second), quotes fresh, a clock step each second.
let private runsAway (c: Config) (s: State, acc) (i: int) =
    let t = sec (1.0 + float i)
    let px = 100.0 + 0.004 * float i
    let s, cmds = Reducer.run c s [ at t (QuoteReceived(quote (cid 2) 2.9 3.1 t)); at t (QuoteReceived(quote underlyingId (px - 0.01) (px + 0.01) t)); at t ClockTicked ]
    s, acc @ cmds

[<Tests>]
let tests =
    testList "Trading.OrderDoubtScenario" [
        testCase "OrderHeldForLocate_404_StaysWorking_AndNoSecondHedgeGoesOut" <| fun () ->
            let s, hedge = hedgeWorking cfg
            let s, cmds = step cfg s (at (sec 0.7) (OrderErrorReported(hedge.IbOrderId, 404, "Order held while securities are located")))
            Expect.equal s.Orders.[hedge.Ref].Status Submitted "the held order is still working"
            Expect.isEmpty (alerts cmds |> List.filter (fun a -> a.Code = "ORDER_REJECTED")) "not a reject"
            Expect.exists (alerts cmds) (fun a -> a.Code = "ORDER_ERROR" && a.Severity = Warning && a.Message.Contains "404") "the operator is told it is held"
            let s, cmds = Reducer.run cfg s [ at (sec 2.0) (QuoteReceived(quote underlyingId 99.99 100.01 (sec 2.0))); at (sec 2.0) ClockTicked ]
            Expect.isEmpty (placed cmds) "no second hedge while the first may still fill"
            Expect.isTrue (match s.Fsm with Running(HedgePending r) -> r = hedge.Ref | _ -> false) $"{s.Fsm}"
        // IB reports a short sale held for a locate as "Inactive" with whyHeld "locate" (404 alongside): still working. Taken
        // as ended, the hedger sold again and again, each sale held live at IB to fill once shares were found.
        testCase "OrderHeldForLocate_ReportedInactiveWhyHeldLocate_StaysWorking_NoSecondHedge_ItsFillCounts" <| fun () ->
            for openOrderFirst in [ false; true ] do
                let s, hedge = hedgeWorking cfg
                let id, perm, ref = hedge.IbOrderId, 1000L + int64 hedge.IbOrderId, OrderRef.value hedge.Ref
                let inactive t = at (sec t) (OrderStatusReported { IbOrderId = id; PermId = perm; Ref = ref; Status = MadeInactive; Filled = 0; AvgFillPrice = 0.0; Reason = "locate" })
                let listed t = at (sec t) (OpenOrderReported { IbOrderId = id; PermId = perm; ClientId = 7; Ref = ref; ContractId = hedge.ContractId; Side = hedge.Side; Quantity = hedge.Quantity; Filled = 0; Status = MadeInactive })
                // As TWS pairs them (openOrder, then orderStatus), or the status alone after the 404.
                let reports = if openOrderFirst then [ listed 0.7; inactive 0.7 ] else [ at (sec 0.7) (OrderErrorReported(id, 404, "Order held while securities are located")); inactive 0.7; listed 0.8 ]
                let s, cmds = Reducer.run cfg s reports
                let what = if openOrderFirst then "openOrder first" else "404 first"
                Expect.equal s.Orders.[hedge.Ref].Status Submitted $"{what}: the held order is still working"
                Expect.isTrue (s.Open.Contains hedge.Ref) $"{what}: in flight"
                Expect.equal s.HedgeRejects 0 $"{what}: not a refused hedge"
                if not openOrderFirst then Expect.isEmpty (alerts cmds |> List.filter (fun a -> a.Code = "HEDGE_ENDED")) $"{what}: not told as ended"
                let s, cmds = Reducer.run cfg s [ at (sec 2.0) (QuoteReceived(quote underlyingId 99.99 100.01 (sec 2.0))); at (sec 2.0) ClockTicked ]
                Expect.isEmpty (placed cmds) $"{what}: no second hedge while the first may still fill"
                Expect.isTrue (match s.Fsm with Running(HedgePending r) -> r = hedge.Ref | _ -> false) $"{what}: {s.Fsm}"
                // The shares are found: it fills, once, as the hedge it always was.
                let s, cmds = step cfg s (at (sec 3.0) (execFor hedge hedge.Quantity 100.0 "e1"))
                Expect.equal s.Orders.[hedge.Ref].Status Filled $"{what}: filled"
                Expect.isEmpty (ops cmds |> List.filter (fun o -> o.Kind = OperationKind.Anomaly)) $"{what}: no invalid transition"
        testCase "InactiveWithoutWhyHeldLocate_AfterALocateHold_EndsTheOrder" <| fun () ->
            let s, hedge = hedgeWorking cfg
            let id, perm, ref = hedge.IbOrderId, 1000L + int64 hedge.IbOrderId, OrderRef.value hedge.Ref
            let status why = OrderStatusReported { IbOrderId = id; PermId = perm; Ref = ref; Status = MadeInactive; Filled = 0; AvgFillPrice = 0.0; Reason = why }
            let s, _ = Reducer.run cfg s [ at (sec 0.7) (status "locate"); at (sec 0.8) (status "") ]
            Expect.equal s.Orders.[hedge.Ref].Status Inactive "IB ended it: no shares found"
            Expect.isFalse (s.Open.Contains hedge.Ref) "settled"
        testCase "UnknownErrorCode_OnAWorkingHedge_KeepsItInFlight_AndAlerts" <| fun () ->
            let s, hedge = hedgeWorking cfg
            let s, cmds = step cfg s (at (sec 0.7) (OrderErrorReported(hedge.IbOrderId, 9999, "something new")))
            Expect.equal s.Orders.[hedge.Ref].Status Submitted "kept as it was"
            Expect.exists (alerts cmds) (fun a -> a.Code = "ORDER_ERROR" && a.Message.Contains "9999") "the operator is told"
            let _, cmds = Reducer.run cfg s [ at (sec 2.0) (QuoteReceived(quote underlyingId 99.99 100.01 (sec 2.0))); at (sec 2.0) ClockTicked ]
            Expect.isEmpty (placed cmds) "no second hedge on a guess"
            // The status IB sends after a real reject settles it, and only then does the hedger go again.
            let _, cmds = step cfg s (at (sec 2.5) (OrderStatusReported { IbOrderId = hedge.IbOrderId; PermId = 1000L + int64 hedge.IbOrderId; Ref = OrderRef.value hedge.Ref; Status = MadeInactive; Filled = 0; AvgFillPrice = 0.0; Reason = "" }))
            Expect.equal (placed cmds |> List.length) 1 "the hedge goes again once the first is known dead"
        testCase "CancelOfAnOrderIbNoLongerKnows_10147_DoesNotMarkItRejected" <| fun () ->
            let s, hedge = hedgeWorking cfg
            let s, _ = step cfg s (at (sec 0.7) (OrderErrorReported(hedge.IbOrderId, 10147, "OrderId that needs to be cancelled is not found.")))
            Expect.equal s.Orders.[hedge.Ref].Status Submitted "its executions and status will tell"
            // A fill that follows is the hedge's, in flight all along.
            let s, cmds = step cfg s (at (sec 0.8) (execFor hedge hedge.Quantity 100.0 "e1"))
            Expect.equal s.Orders.[hedge.Ref].Status Filled "filled"
            Expect.isEmpty (ops cmds |> List.filter (fun o -> o.Kind = OperationKind.Anomaly)) "no invalid transition"
        testCase "Reject201_And504NotSent_StillEndTheOrder" <| fun () ->
            for code in [ 201; 504; 110; 0 ] do
                let s, hedge = hedgeWorking cfg
                let s, cmds = step cfg s (at (sec 0.7) (OrderErrorReported(hedge.IbOrderId, code, "refused")))
                Expect.equal s.Orders.[hedge.Ref].Status Rejected $"{code} rejects"
                Expect.exists (alerts cmds) (fun a -> a.Code = "ORDER_REJECTED") $"{code} alerted"
        testCase "HedgeInFlight_WithDeltaOutsideTheBand_IsYellow_NotGreen" <| fun () ->
            let s, _ = hedgeWorking cfg
            let r = SelfCheck.run cfg s
            Expect.equal r.Health Health.Degraded "not hedged yet"
            Expect.exists r.Checks (fun k -> k.Name = "delta_in_band" && not k.Passed && k.Detail.Contains "hedge in flight") "named"
        testCase "HedgeStuckPastItsTimeout_IsCancelledOnce_Alerted_AndDecidedAgainAtTheNewPrice" <| fun () ->
            let c = { cfg with Strategy = { cfg.Strategy with HedgeLimitOffsetBps = Some 1.0; HedgeTimeout = Duration.ofSeconds 30.0 } }
            let s, hedge = hedgeWorking c
            let tick = runsAway c
            let s, early = List.fold tick (s, []) [ 0 .. 27 ]
            Expect.isEmpty (early |> List.filter (function CancelOrder _ -> true | _ -> false)) "nothing before the timeout"
            let s, cmds = List.fold tick (s, []) [ 28 .. 40 ]
            let cancels = cmds |> List.choose (function CancelOrder(r, _) -> Some r | _ -> None)
            Expect.equal cancels [ hedge.Ref ] "the stuck hedge is cancelled once"
            Expect.equal (alerts cmds |> List.filter (fun a -> a.Code = "HEDGE_STUCK") |> List.length) 1 "alerted once"
            Expect.isEmpty (placed cmds) "no second hedge while the first may still fill"
            // The cancel is confirmed (IB's 202, then the final status with its fill count: none): the hedge is decided
            // again, at the current price — on the count, not on the 202 alone (a partial fill may have beaten the cancel).
            let s, cmds = step c s (at (sec 42.0) (OrderErrorReported(hedge.IbOrderId, 202, "Order Canceled - reason:")))
            Expect.isEmpty (placed cmds) "held until the broker says how much filled"
            let final = { IbOrderId = hedge.IbOrderId; PermId = 1000L + int64 hedge.IbOrderId; Ref = OrderRef.value hedge.Ref; Status = CancelConfirmed; Filled = 0; AvgFillPrice = 0.0; Reason = "" }
            let s, cmds = step c s (at (sec 42.0) (OrderStatusReported final))
            let again = match placed cmds with [ o ] -> o | _ -> failtest $"{s.Fsm} {ops cmds |> List.map (fun o -> o.Detail)}"
            Expect.equal again.Side Sell "same direction"
            match again.Type with
            | Limit px -> Expect.isGreaterThan px 100.1 "priced off the current bid, not the stale one"
            | Market -> failtest "a limit hedge was configured"
            Expect.isTrue (match s.Fsm with Running(HedgePending r) -> r = again.Ref | _ -> false) $"{s.Fsm}"
        // A pause decided nothing new but left the hedge working for as long as it lasted: it could fill hours later
        // against a delta it was never sized for.
        testCase "HedgeStuck_WhilePaused_IsCancelledAtItsTimeout_AndDecidedAgainOnlyOnTheResume" <| fun () ->
            let c = { cfg with Strategy = { cfg.Strategy with HedgeLimitOffsetBps = Some 1.0; HedgeTimeout = Duration.ofSeconds 30.0 } }
            let s, hedge = hedgeWorking c
            let s, _ = step c s (at (sec 0.7) (ControlRequested(Pause, meta 1L)))
            let tick = runsAway c
            let s, early = List.fold tick (s, []) [ 0 .. 27 ]
            Expect.isEmpty (early |> List.filter (function CancelOrder _ -> true | _ -> false)) "nothing before the timeout"
            let s, cmds = List.fold tick (s, []) [ 28 .. 40 ]
            Expect.equal (cmds |> List.choose (function CancelOrder(r, _) -> Some r | _ -> None)) [ hedge.Ref ] "cancelled once, while paused"
            let stuck = alerts cmds |> List.filter (fun a -> a.Code = "HEDGE_STUCK")
            Expect.equal stuck.Length 1 "alerted once"
            Expect.stringContains stuck.Head.Message "once resumed" "says when it is decided again"
            let final = { IbOrderId = hedge.IbOrderId; PermId = 1000L + int64 hedge.IbOrderId; Ref = OrderRef.value hedge.Ref; Status = CancelConfirmed; Filled = 0; AvgFillPrice = 0.0; Reason = "" }
            let s, cmds = List.fold tick (fst (step c s (at (sec 42.0) (OrderStatusReported final))), []) [ 42 .. 50 ]
            Expect.isEmpty (placed cmds) "paused: nothing decided"
            Expect.equal s.Fsm Paused "still paused"
            let _, cmds = Reducer.run c s [ at (sec 52.0) (ControlRequested(Resume, meta 2L)); at (sec 52.5) ClockTicked ]
            Expect.isNonEmpty (placed cmds) "decided again on the resume"
        testCase "HedgeStuck_ButFilledBeforeTheCancelLands_CountsTheFill_AndSendsNothingMore" <| fun () ->
            let c = { cfg with Strategy = { cfg.Strategy with HedgeTimeout = Duration.ofSeconds 30.0 } }
            let s, hedge = hedgeWorking c
            let s, cmds = Reducer.run c s [ at (sec 31.0) (QuoteReceived(quote underlyingId 99.99 100.01 (sec 31.0))); at (sec 31.0) ClockTicked ]
            Expect.exists cmds (function CancelOrder(r, _) -> r = hedge.Ref | _ -> false) "cancel sent"
            let s, _ = step c s (at (sec 31.5) (OrderErrorReported(hedge.IbOrderId, 10148, "cannot be cancelled, state: Filled")))
            let s, cmds = step c s (at (sec 31.6) (execFor hedge hedge.Quantity 100.0 "e1"))
            Expect.equal s.Orders.[hedge.Ref].Status Filled "the fill counts"
            Expect.isEmpty (placed cmds) "hedged: nothing more"
            Expect.equal s.Fsm (Running Idle) "idle"
        testCase "Restart_NextDay_AfterTheHedgeFilledWhileDown_HaltsInsteadOfHedgingAgain" <| fun () ->
            // The hedge is working when the engine dies; it fills overnight; the restart is the next day, when the
            // broker no longer lists the order and sends only today's executions.
            let s, hedge = hedgeWorking cfg
            let restored = restoredWithHedge s hedge
            let t = sec 86_400.0
            let tt d = Timestamp.add (Duration.ofSeconds d) t
            let s2, cmds =
                runAll cfg [ at t (EngineStarted restored); at (tt 0.1) (BrokerConnected [ cfg.Account ])
                             at (tt 0.2) (PositionReported(cid 2, 10, 3.0)); at (tt 0.2) (PositionReported(underlyingId, -568, 100.0))
                             at (tt 0.3) PositionsEnded; at (tt 0.3) OpenOrdersEnded; at (tt 0.3) ExecutionsEnded
                             at (tt 0.4) (QuoteReceived(quote (cid 2) 2.9 3.1 (tt 0.4))); at (tt 0.5) (QuoteReceived(quote underlyingId 99.99 100.01 (tt 0.5)))
                             at (tt 1.0) ClockTicked ]
            Expect.isEmpty (placed cmds) "no second SELL 568 on a guess"
            Expect.isTrue (match s2.Fsm with Halted(ReconcileFailed d) -> d.Contains(OrderRef.value hedge.Ref) | _ -> false) $"{s2.Fsm}"
            Expect.exists (alerts cmds) (fun a -> a.Code = "ORDER_OUTCOME_UNKNOWN") "the operator is told"
            Expect.equal (SelfCheck.run cfg s2).Health Health.Blocked "RED"
            Expect.contains (SelfCheck.run cfg s2).BlockReasons BlockReason.ReconcileFailed "named, not RISK_HALT"
            Expect.isFalse ((SelfCheck.run cfg s2).BlockReasons |> List.contains BlockReason.RiskHalt) "no risk limit was hit"
        testCase "HedgeRejectedThreeTimesInARow_Pauses_InsteadOfAnOrderEveryCooldownAllDay" <| fun () ->
            let s, cmds = runAll cfg (startEvents cfg 100.0)
            let mutable s = s
            let mutable order = placed cmds |> List.exactlyOne
            let mutable sent = 1
            let mutable all = []
            for i in 1 .. 20 do
                let t = sec (float i * 2.0)
                let s1, c1 = step cfg s (at t (OrderErrorReported(order.IbOrderId, 201, "Order rejected - reason: short sale not allowed")))
                let s2, c2 = Reducer.run cfg s1 [ at (Timestamp.add (Duration.ofSeconds 1.5) t) (QuoteReceived(quote (cid 2) 2.9 3.1 (Timestamp.add (Duration.ofSeconds 1.5) t)))
                                                  at (Timestamp.add (Duration.ofSeconds 1.5) t) (QuoteReceived(quote underlyingId 99.99 100.01 (Timestamp.add (Duration.ofSeconds 1.5) t)))
                                                  at (Timestamp.add (Duration.ofSeconds 1.5) t) ClockTicked ]
                s <- s2
                all <- all @ c1 @ c2
                match placed (c1 @ c2) with
                | [ o ] -> order <- o; sent <- sent + 1
                | _ -> ()
            Expect.equal sent 3 "three hedges, then no more"
            Expect.equal s.Fsm Paused "paused"
            Expect.equal (alerts all |> List.filter (fun a -> a.Code = "HEDGE_REJECTED" && a.Severity = Critical) |> List.length) 1 "one critical alert"
            // The operator fixes the cause and resumes: hedging starts again.
            let s, _ = Reducer.run cfg s [ at (sec 49.9) (QuoteReceived(quote (cid 2) 2.9 3.1 (sec 49.9))); at (sec 49.9) (QuoteReceived(quote underlyingId 99.99 100.01 (sec 49.9))) ]
            let _, cmds = step cfg s (at (sec 50.0) (ControlRequested(Resume, meta 3L)))
            Expect.equal (placed cmds |> List.length) 1 "the hedge goes again"
        testCase "CriticalAlertOnAnOrderEvent_PausesBeforeTheSameStepDecidesTheNextHedge" <| fun () ->
            // An execution twice the hedge's size (OVERFILL, critical) ends the hedge; the step that ends it would
            // decide the next hedge at once (now 568 shares over) unless the critical alert's pause comes first.
            let c = { cfg with Strategy = { cfg.Strategy with Cooldown = Duration.ofSeconds 0.0 } }
            let s, hedge = hedgeWorking c
            let s, cmds = step c s (at (sec 2.0) (execFor hedge (2 * hedge.Quantity) 100.0 "e1"))
            Expect.exists (alerts cmds) (fun a -> a.Code = "OVERFILL" && a.Severity = Critical) "overfill alerted"
            Expect.isEmpty (placed cmds) "no order out of a step that raised a critical alert"
            Expect.equal s.Fsm Paused "paused"
            Expect.equal ((ops cmds) |> List.filter (fun o -> o.Kind = OperationKind.FsmChanged && o.Detail.Contains "paused by critical alert OVERFILL") |> List.length) 1 "one pause note"
        testCase "ExecutionInAnotherDirectionThanItsOrder_IsNotApplied_AndReconcilesTheAccountEndingPaused" <| fun () ->
            let s, hedge = hedgeWorking cfg
            let held = s.Portfolio
            let report id = match execFor hedge hedge.Quantity 100.0 id with ExecutionReported r -> r | _ -> failtest "an execution"
            for wrong in [ { report "e1" with Side = Buy }; { report "e2" with ContractId = cid 2 } ] do
                let s', cmds = step cfg s (at (sec 2.0) (ExecutionReported wrong))
                Expect.exists (alerts cmds) (fun a -> a.Code = "EXECUTION_MISMATCH" && a.Severity = Critical) "alerted"
                Expect.equal s'.Portfolio held "the book is not moved by a fill it cannot place"
                Expect.equal s'.Orders.[hedge.Ref].Filled 0 "nor the order"
                Expect.isEmpty (placed cmds) "nothing sent"
                Expect.equal s'.Fsm (Syncing { Positions = false; OpenOrders = false; Executions = false; ListedOpen = Set.empty; ResumeTo = ResumePaused; AskedAt = s'.Now; AskedAgain = 0 }) "reconciling, to end paused"
                Expect.equal s'.PausedBy "critical alert EXECUTION_MISMATCH" "until the operator looks"
        testCase "ExecutionInAnotherDirection_ThenStatusFilled_TheOperatorBooksIt_AndTheHedgerHedgesTheNextMove" <| fun () ->
            // IB's order: the (misreported) execution, then orderStatus Filled. The sync halts on the fill it cannot
            // see; once the operator has booked it and resumed, the order is settled and hedging goes on.
            let s, hedge = hedgeWorking cfg
            let wrong = match execFor hedge hedge.Quantity 100.0 "e1" with ExecutionReported r -> { r with Side = Buy } | _ -> failtest "an execution"
            let filled = { IbOrderId = hedge.IbOrderId; PermId = 1000L + int64 hedge.IbOrderId; Ref = OrderRef.value hedge.Ref; Status = FullyFilled; Filled = hedge.Quantity; AvgFillPrice = 100.0; Reason = "" }
            let account d = [ at (sec d) (PositionReported(cid 2, 10, 3.0)); at (sec d) (PositionReported(underlyingId, -hedge.Quantity, 100.0))
                              at (sec d) PositionsEnded; at (sec d) OpenOrdersEnded; at (sec d) (ExecutionReported wrong); at (sec d) ExecutionsEnded ]
            let s, cmds = Reducer.run cfg s ([ at (sec 2.0) (ExecutionReported wrong); at (sec 2.0) (OrderStatusReported filled) ] @ account 2.1)
            Expect.isTrue (match s.Fsm with Halted(ReconcileFailed _) -> true | _ -> false) $"{s.Fsm}"
            Expect.exists (alerts cmds) (fun a -> a.Code = "ORDER_OUTCOME_UNKNOWN") "the fill it cannot see"
            let s, _ = Reducer.step cfg s (at (sec 3.0) (BookConfirmRequested { Legs = [ underlyingId, -hedge.Quantity ]; Meta = meta 8L }))
            let s, _ = Reducer.run cfg s (account 3.1)
            Expect.equal s.Fsm Paused "checked again, paused"
            let s, _ = Reducer.run cfg s [ at (sec 4.0) (QuoteReceived(quote underlyingId 99.99 100.01 (sec 4.0))); at (sec 4.1) (ControlRequested(Resume, meta 9L)) ]
            Expect.equal s.Fsm (Running Idle) "running, nothing in flight"
            Expect.isEmpty (State.workingOrders s) "no working order"
            Expect.isTrue s.Open.IsEmpty $"the booked order is settled: {s.Open}"
            let _, cmds = Reducer.run cfg s [ at (sec 60.0) (QuoteReceived(quote (cid 2) 4.9 5.1 (sec 60.0))); at (sec 60.0) (QuoteReceived(quote underlyingId 101.99 102.01 (sec 60.0))); at (sec 60.0) ClockTicked ]
            Expect.equal (placed cmds |> List.length) 1 "the next move is hedged"
        testCase "Restart_OntoAHedgeStoredFilledWithoutItsExecution_HaltsOnItsOutcome_ThenHedgesAfterTheBooking" <| fun () ->
            // The store kept the hedge's Filled status but not its execution (killed between the two, or IB sent the
            // status first), and the next day the broker no longer reports it. The restored order has no fill count
            // of the broker's (the store keeps the status, not the count): the status alone must say it is in doubt.
            // Else the strategy is short of the hedge it holds and the order stays in flight for good (no hedging).
            let s, hedge = hedgeWorking cfg
            let restored = restoredWithHedge s hedge
            let restored = { restored with Orders = restored.Orders |> List.map (fun o -> { o with Status = Filled; Filled = 0; ReportedFilled = 0 }) }
            let t = sec 86_400.0
            let tt d = Timestamp.add (Duration.ofSeconds d) t
            let account d = [ at (tt d) (PositionReported(cid 2, 10, 3.0)); at (tt d) (PositionReported(underlyingId, -hedge.Quantity, 100.0))
                              at (tt d) PositionsEnded; at (tt d) OpenOrdersEnded; at (tt d) ExecutionsEnded ]
            let s, cmds = runAll cfg ([ at t (EngineStarted restored); at (tt 0.1) (BrokerConnected [ cfg.Account ]) ] @ account 0.2)
            Expect.isTrue (match s.Fsm with Halted(ReconcileFailed _) -> true | _ -> false) $"{s.Fsm}"
            let alert = alerts cmds |> List.find (fun a -> a.Code = "ORDER_OUTCOME_UNKNOWN")
            Expect.stringContains alert.Message $"the broker reported {hedge.Quantity} filled but executions show 0" "says why"
            Expect.stringContains alert.Message $"confirm_book XYZ=-{hedge.Quantity}" "says what to confirm if it filled"
            Expect.equal s.Orders.[hedge.Ref].Status Inactive "ended, its fill in doubt"
            Expect.isEmpty (placed cmds) "nothing sent"
            let s, _ = Reducer.step cfg s (at (tt 1.0) (BookConfirmRequested { Legs = [ underlyingId, -hedge.Quantity ]; Meta = meta 8L }))
            let s, _ = Reducer.run cfg s (account 1.1)
            Expect.equal s.Fsm Paused "checked again, paused"
            Expect.equal (State.hedgePosition cfg s) -hedge.Quantity "the strategy holds the hedge"
            let legQuote d = at (tt d) (QuoteReceived(quote (cid 2) 2.9 3.1 (tt d)))
            let s, cmds = Reducer.run cfg s [ legQuote 2.0; at (tt 2.0) (QuoteReceived(quote underlyingId 99.99 100.01 (tt 2.0))); at (tt 2.1) (ControlRequested(Resume, meta 9L)) ]
            Expect.isEmpty (placed cmds) "hedged: no second SELL"
            Expect.equal s.Fsm (Running Idle) "running, nothing in flight"
            let _, cmds = Reducer.run cfg s [ at (tt 60.0) (QuoteReceived(quote (cid 2) 4.9 5.1 (tt 60.0))); at (tt 60.0) (QuoteReceived(quote underlyingId 101.99 102.01 (tt 60.0))); at (tt 60.0) ClockTicked ]
            Expect.equal (placed cmds |> List.length) 1 "the next move is hedged"
        testCase "Restart_NextDay_OntoAHedgeCancelledWithAReportedFillButNoExecution_HaltsOnItsOutcome_AndHedgesNothing" <| fun () ->
            // IB's "Cancelled filled=200" came before the execution, then the engine died; the next day reqExecutions no
            // longer lists it. The store keeps the broker's count (orders.reported_filled): the order is done, but its
            // fill is in doubt, so the sync halts rather than hedge the 200 shares a second time.
            let s, hedge = hedgeWorking cfg
            let restored = restoredWithHedge s hedge
            let restored = { restored with Orders = restored.Orders |> List.map (fun o -> { o with Status = Cancelled; Filled = 0; ReportedFilled = 200 }) }
            let t = sec 86_400.0
            let tt d = Timestamp.add (Duration.ofSeconds d) t
            let s, cmds =
                runAll cfg [ at t (EngineStarted restored); at (tt 0.1) (BrokerConnected [ cfg.Account ])
                             at (tt 0.2) (PositionReported(cid 2, 10, 3.0)); at (tt 0.2) (PositionReported(underlyingId, -200, 100.0))
                             at (tt 0.2) PositionsEnded; at (tt 0.2) OpenOrdersEnded; at (tt 0.2) ExecutionsEnded
                             at (tt 0.4) (QuoteReceived(quote (cid 2) 2.9 3.1 (tt 0.4))); at (tt 0.5) (QuoteReceived(quote underlyingId 99.99 100.01 (tt 0.5)))
                             at (tt 1.0) ClockTicked ]
            Expect.isTrue (match s.Fsm with Halted(ReconcileFailed _) -> true | _ -> false) $"{s.Fsm}"
            let alert = alerts cmds |> List.find (fun a -> a.Code = "ORDER_OUTCOME_UNKNOWN")
            Expect.stringContains alert.Message $"{OrderRef.value hedge.Ref}: the broker reported 200 filled but executions show 0" "names the order"
            Expect.isEmpty (placed cmds) "nothing hedged again"
        testCase "Restart_OntoAHedgeStoredFilledWithoutItsExecution_AlreadyBookedByTheOperator_EndsItQuietly" <| fun () ->
            // A store from before such orders were ended at the sync: the operator booked the hedge (confirm_book), and
            // it was left Filled short of its executions. It is not in doubt again; it is ended, and nothing blocks.
            let s, hedge = hedgeWorking cfg
            let restored = restoredWithHedge s hedge
            let memory = restored.Memory |> Option.map (fun m -> { m with OptionBook = { m.OptionBook with Booked = [ OrderRef.value hedge.Ref ]; Adopted = m.OptionBook.Adopted @ [ { ContractId = underlyingId; Quantity = -hedge.Quantity; AvgCost = 100.0; Realized = 0.0 } ] } })
            let booked = Holding.applyFill 1 Sell hedge.Quantity 100.0 Holding.empty
            let restored =
                { restored with
                    Orders = restored.Orders |> List.map (fun o -> { o with Status = Filled; Filled = 0; ReportedFilled = 0 })
                    Holdings = restored.Holdings @ [ underlyingId, booked ]; Memory = memory }
            let t = sec 86_400.0
            let tt d = Timestamp.add (Duration.ofSeconds d) t
            let s, cmds =
                runAll cfg [ at t (EngineStarted restored); at (tt 0.1) (BrokerConnected [ cfg.Account ])
                             at (tt 0.2) (PositionReported(cid 2, 10, 3.0)); at (tt 0.2) (PositionReported(underlyingId, -hedge.Quantity, 100.0))
                             at (tt 0.2) PositionsEnded; at (tt 0.2) OpenOrdersEnded; at (tt 0.2) ExecutionsEnded ]
            Expect.isTrue (match s.Fsm with Running _ -> true | _ -> false) $"{s.Fsm} {alerts cmds}"
            Expect.isEmpty (alerts cmds |> List.filter (fun a -> a.Code = "ORDER_OUTCOME_UNKNOWN")) "not in doubt again"
            Expect.equal s.Orders.[hedge.Ref].Status Inactive "ended"
            Expect.isTrue s.Open.IsEmpty "nothing in flight"
            Expect.equal (State.hedgePosition cfg s) -hedge.Quantity "the booked hedge"
        testCase "HedgeFilledWhileDown_TheOperatorConfirmsTheShares_NothingIsTraded_AndTheHedgerDoesNotSellAgain" <| fun () ->
            // As above: the halt names what to confirm if the hedge filled; confirm_book books it without trading, the
            // account is checked again, the engine ends Paused, and resume finds the book hedged.
            let s, hedge = hedgeWorking cfg
            let restored = restoredWithHedge s hedge
            let t = sec 86_400.0
            let tt d = Timestamp.add (Duration.ofSeconds d) t
            // The account's average cost (90) is not what the unseen fill paid.
            let account = [ at (tt 0.2) (PositionReported(cid 2, 10, 3.0)); at (tt 0.2) (PositionReported(underlyingId, -hedge.Quantity, 90.0))
                            at (tt 0.3) PositionsEnded; at (tt 0.3) OpenOrdersEnded; at (tt 0.3) ExecutionsEnded ]
            let s2, cmds =
                runAll cfg ([ at t (EngineStarted restored); at (tt 0.1) (BrokerConnected [ cfg.Account ]) ] @ account
                            @ [ at (tt 0.4) (QuoteReceived(quote (cid 2) 2.9 3.1 (tt 0.4))); at (tt 0.5) (QuoteReceived(quote underlyingId 99.99 100.01 (tt 0.5))) ])
            let alert = alerts cmds |> List.find (fun a -> a.Code = "ORDER_OUTCOME_UNKNOWN")
            Expect.stringContains alert.Message $"confirm_book XYZ=-{hedge.Quantity}" "says what to confirm if it filled"
            // A quantity the account does not hold is refused.
            let _, cmds = Reducer.step cfg s2 (at (tt 1.0) (BookConfirmRequested { Legs = [ underlyingId, -(hedge.Quantity + 1) ]; Meta = meta 7L }))
            Expect.exists cmds (function CompleteControl(7L, Refused _) -> true | _ -> false) "not covered by the account: refused"
            let s3, cmds = Reducer.step cfg s2 (at (tt 1.0) (BookConfirmRequested { Legs = [ underlyingId, -hedge.Quantity ]; Meta = meta 8L }))
            Expect.exists cmds (function CompleteControl(8L, Done _) -> true | _ -> false) "confirmed"
            Expect.isEmpty (placed cmds) "nothing traded"
            Expect.contains cmds (RequestReconcile Sync.scopes) "the account is checked again"
            let s4, cmds = Reducer.run cfg s3 (account |> List.map (fun e -> at (tt 1.1) e.Payload))
            Expect.equal s4.Fsm Paused $"paused after the check: {alerts cmds}"
            Expect.equal (State.hedgePosition cfg s4) -hedge.Quantity "the strategy holds the hedge"
            Expect.equal (Portfolio.view underlyingId s4.Portfolio).External 0 "none of it is the operator's"
            // A market hedge: booked at the mark when confirmed, so the day's P&L does not jump by 10 a share.
            Expect.floatClose Accuracy.high (Portfolio.holding underlyingId s4.Portfolio).AvgCost 100.0 "costed at the mark, not the account's average"
            let s5, cmds = Reducer.run cfg s4 [ at (tt 2.0) (QuoteReceived(quote underlyingId 99.99 100.01 (tt 2.0))); at (tt 2.1) (ControlRequested(Resume, meta 9L)) ]
            Expect.isEmpty (placed cmds) "hedged: no second SELL"
            Expect.isTrue (match s5.Fsm with Running _ -> true | _ -> false) $"{s5.Fsm}"
            // A restart remembers the booked shares (memory: adopted), with no fill for them in the store.
            let adopted = s5.Memory.OptionBook.Adopted |> List.filter (fun a -> a.Quantity <> 0)
            let holdings = adopted |> List.map (fun a -> a.ContractId, Holding.applyFill (if a.ContractId = underlyingId then 1 else 100) (Side.ofSignedQuantity a.Quantity) (abs a.Quantity) a.AvgCost Holding.empty)
            let r = { Restored.empty with OrderIdHighWater = hedge.IbOrderId; NextOrderSeq = 2L; Orders = [ s5.Orders.[hedge.Ref] ]; Holdings = holdings; Memory = Some s5.Memory }
            let s6, cmds = runAll cfg ([ at (tt 10.0) (EngineStarted r); at (tt 10.1) (BrokerConnected [ cfg.Account ]) ] @ (account |> List.map (fun e -> at (tt 10.2) e.Payload))
                                       @ [ at (tt 10.4) (QuoteReceived(quote (cid 2) 2.9 3.1 (tt 10.4))); at (tt 10.5) (QuoteReceived(quote underlyingId 99.99 100.01 (tt 10.5))) ])
            Expect.equal (State.hedgePosition cfg s6) -hedge.Quantity "restored"
            Expect.floatClose Accuracy.high (Portfolio.holding underlyingId s6.Portfolio).AvgCost 100.0 "at the same cost"
            Expect.isEmpty (placed cmds) "nothing sent after the restart either"
            Expect.isTrue (match s6.Fsm with Running _ -> true | _ -> false) $"{s6.Fsm} {alerts cmds}"
        testCase "ConfirmedLimitHedge_IsCostedAtItsLimit_AndRememberedAsBooked" <| fun () ->
            let c = { cfg with Strategy = { cfg.Strategy with HedgeLimitOffsetBps = Some 5.0 } }
            let s, hedge = hedgeWorking c
            let limit = match hedge.Type with Limit px -> px | Market -> failtest "a limit hedge"
            let t = sec 86_400.0
            let tt d = Timestamp.add (Duration.ofSeconds d) t
            let account d = [ at (tt d) (PositionReported(cid 2, 10, 3.0)); at (tt d) (PositionReported(underlyingId, -hedge.Quantity, 90.0))
                              at (tt d) PositionsEnded; at (tt d) OpenOrdersEnded; at (tt d) ExecutionsEnded ]
            let s2, _ = runAll c ([ at t (EngineStarted(restoredWithHedge s hedge)); at (tt 0.1) (BrokerConnected [ c.Account ]) ] @ account 0.2)
            let s3, _ = Reducer.step c s2 (at (tt 1.0) (BookConfirmRequested { Legs = [ underlyingId, -hedge.Quantity ]; Meta = meta 8L }))
            let s4, _ = Reducer.run c s3 (account 1.1)
            Expect.equal s4.Fsm Paused "checked again, paused"
            Expect.floatClose Accuracy.high (Portfolio.holding underlyingId s4.Portfolio).AvgCost limit "what the limit order paid at worst"
            Expect.equal s4.OptionBook.Booked [ OrderRef.value hedge.Ref ] "the order is remembered as booked"
    ]
