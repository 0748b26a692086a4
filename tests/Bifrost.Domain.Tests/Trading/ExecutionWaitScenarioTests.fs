/// An order the broker reports done whose executions do not follow: the hedger waits for them (the fill is neither in
/// the book nor ruled out) at most `reconcile.execution_wait_seconds`, then the account is reconciled. Without it the
/// hedger stood blocked (ORDER_IN_FLIGHT, YELLOW, delta drifting) until a reconnect or a restart.
module Bifrost.Domain.Tests.Trading.ExecutionWaitScenarioTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests.Fixtures

let cfg = config 1

let step s e = Reducer.step cfg s e

/// Started, the first hedge sent; at 1 s the broker reports it Filled, its execution does not arrive.
let filledWithoutExecution () =
    let s, cmds = runAll cfg (startEvents cfg 100.0)
    let hedge = placed cmds |> List.exactlyOne
    let filled = { IbOrderId = hedge.IbOrderId; PermId = 1000L + int64 hedge.IbOrderId; Ref = OrderRef.value hedge.Ref; Status = FullyFilled; Filled = hedge.Quantity; AvgFillPrice = 99.99; Reason = "" }
    let s, _ = step s (at (sec 1.0) (OrderStatusReported filled))
    s, hedge

/// The broker's answers to a reconciliation at `t`: the legs, the hedge's position, no open order, and `executions`.
let syncAnswers (t: float) (hedgeQty: int) (executions: EventPayload list) =
    [ for l in cfg.Strategy.Legs do at (sec t) (PositionReported(l.Option.ContractId, l.Quantity, 3.0))
      at (sec t) (PositionReported(underlyingId, hedgeQty, 100.0))
      at (sec t) PositionsEnded
      at (sec t) OpenOrdersEnded
      for x in executions do at (sec t) x
      at (sec t) ExecutionsEnded ]

let overdue (cmds: Command list) = alerts cmds |> List.filter (fun a -> a.Code = "EXECUTIONS_OVERDUE")

[<Tests>]
let tests =
    testList "Trading.ExecutionWaitScenario" [
        testCase "HedgeFilledAtTheBroker_ItsExecutionLate_IsWaitedFor_ThenTheAccountIsReconciled_AndTheExecutionSettlesIt" <| fun () ->
            let s, hedge = filledWithoutExecution ()
            // Within the wait (10 s): in flight, nothing asked.
            let s, cmds = Reducer.run cfg s [ at (sec 5.0) (QuoteReceived(quote underlyingId 99.99 100.01 (sec 5.0))); at (sec 10.9) ClockTicked ]
            Expect.isEmpty (placed cmds) "no second hedge while the first's fill is unknown"
            Expect.isEmpty (overdue cmds) "not overdue yet"
            Expect.equal s.Fsm (Running(HedgePending hedge.Ref)) "waiting"
            // Past it: the operator is told, the account reconciled.
            let s, cmds = step s (at (sec 11.0) ClockTicked)
            let alert = Expect.wantSome (overdue cmds |> List.tryHead) "EXECUTIONS_OVERDUE"
            Expect.equal alert.Severity Warning "a warning: the reconciliation decides"
            Expect.stringContains alert.Message (OrderRef.value hedge.Ref) "names the order"
            Expect.stringContains alert.Message $"Filled {hedge.Quantity}/{hedge.Quantity}, executions show 0" "and what is missing"
            Expect.contains cmds (RequestReconcile Sync.scopes) "the account is reconciled"
            Expect.isTrue (match s.Fsm with Syncing { ResumeTo = ResumeRunning } -> true | _ -> false) $"{s.Fsm}"
            // The broker's executions have it: the hedge is settled from them, no halt, and hedging goes on.
            let s, cmds = Reducer.run cfg s (syncAnswers 11.1 -hedge.Quantity [ execFor hedge hedge.Quantity 99.99 "e1" ])
            Expect.equal (State.hedgePosition cfg s) -hedge.Quantity "the fill is in the book"
            Expect.isTrue (State.isSettled s.Orders.[hedge.Ref]) "settled"
            Expect.isEmpty (alerts cmds |> List.filter (fun a -> a.Severity = Critical)) "nothing critical"
            Expect.equal s.Fsm (Running Idle) "running, the hedger free"
            // The feed's late copy of the execution changes nothing.
            let s2, cmds = step s (at (sec 12.0) (execFor hedge hedge.Quantity 99.99 "e1"))
            Expect.isEmpty cmds "a duplicate"
            Expect.equal (State.hedgePosition cfg s2) -hedge.Quantity "counted once"

        testCase "HedgeFilledAtTheBroker_ItsExecutionNeverShown_HaltsRedOnOrderOutcomeUnknown_WithoutARestart" <| fun () ->
            let s, hedge = filledWithoutExecution ()
            let s, _ = step s (at (sec 11.0) ClockTicked)
            // The broker's executions do not show it either (its position does: the operator's to judge).
            let s, cmds = Reducer.run cfg s (syncAnswers 11.1 -hedge.Quantity [])
            Expect.isTrue (match s.Fsm with Halted(ReconcileFailed d) -> d.Contains(OrderRef.value hedge.Ref) | _ -> false) $"halted naming the order: {s.Fsm}"
            let unknown = Expect.wantSome (alerts cmds |> List.tryFind (fun a -> a.Code = "ORDER_OUTCOME_UNKNOWN")) "ORDER_OUTCOME_UNKNOWN"
            Expect.equal unknown.Severity Critical "critical"
            Expect.stringContains unknown.Message "confirm_book" "with its way out"
            Expect.equal s.Orders.[hedge.Ref].Status Inactive "ended, its fill in doubt"
            Expect.equal (SelfCheck.run cfg s).Health Health.Blocked "RED"
            let _, cmds = Reducer.run cfg s [ at (sec 20.0) (QuoteReceived(quote underlyingId 98.0 98.02 (sec 20.0))); at (sec 21.0) ClockTicked; at (sec 60.0) ClockTicked ]
            Expect.isEmpty (placed cmds) "nothing traded on a guess"
            Expect.isEmpty (overdue cmds) "not asked again: the sync ended it"

        testCase "ExecutionLate_WhilePaused_TheReconcileEndsPaused" <| fun () ->
            let s, hedge = filledWithoutExecution ()
            let s, _ = step s (at (sec 2.0) (ControlRequested(Pause, meta 1L)))
            let s, cmds = step s (at (sec 11.0) ClockTicked)
            Expect.contains cmds (RequestReconcile Sync.scopes) "reconciled while paused too"
            let s, _ = Reducer.run cfg s (syncAnswers 11.1 -hedge.Quantity [ execFor hedge hedge.Quantity 99.99 "e1" ])
            Expect.equal s.Fsm Paused "still paused"
            Expect.equal (State.hedgePosition cfg s) -hedge.Quantity "settled"

        testCase "ExecutionLate_WithTheBrokerDisconnected_WaitsForTheReconnectsOwnSync" <| fun () ->
            let s, hedge = filledWithoutExecution ()
            let s, _ = step s (at (sec 2.0) (BrokerDisconnected "drop"))
            let s, cmds = Reducer.run cfg s [ at (sec 11.0) ClockTicked; at (sec 30.0) ClockTicked ]
            Expect.isEmpty (overdue cmds) "nobody to ask"
            Expect.isFalse (cmds |> List.exists (function RequestReconcile _ -> true | _ -> false)) "no request on a dead socket"
            let s, cmds = step s (at (sec 31.0) (BrokerConnected [ cfg.Account ]))
            Expect.contains cmds (RequestReconcile Sync.scopes) "the reconnect reconciles"
            let s, _ = Reducer.run cfg s (syncAnswers 31.1 -hedge.Quantity [ execFor hedge hedge.Quantity 99.99 "e1" ])
            Expect.equal s.Fsm (Running Idle) "settled by it"

        testCase "SyncWhoseExecutionsEndNeverComes_AsksAgainFor_WhatIsMissing_AlertsOnce_AndEndsOnTheAnswer" <| fun () ->
            // A sync whose last answer was lost waited silently for good (RED, no alert, no orders).
            let start = startEvents cfg 100.0 |> List.filter (fun e -> not e.Payload.IsExecutionsEnded)
            let s, _ = runAll cfg start
            Expect.isTrue (match s.Fsm with Syncing { Positions = true; OpenOrders = true; Executions = false } -> true | _ -> false) $"waiting: {s.Fsm}"
            let s, cmds = Reducer.run cfg s [ at (sec 10.0) ClockTicked; at (sec 30.0) ClockTicked ]
            Expect.isEmpty (alerts cmds) "within 30 s of the ask"
            let s, cmds = Reducer.step cfg s (at (sec 30.2) ClockTicked)
            Expect.contains cmds (RequestReconcile [ Executions ]) "only the executions asked for again"
            let alert = Expect.wantSome (alerts cmds |> List.tryFind (fun a -> a.Code = "RECONCILE_STALLED")) "RECONCILE_STALLED"
            Expect.stringContains alert.Message "executions" "names what is missing"
            let s, cmds = Reducer.step cfg s (at (sec 60.5) ClockTicked)
            Expect.contains cmds (RequestReconcile [ Executions ]) "asked again"
            Expect.isEmpty (alerts cmds) "alerted once per sync"
            let s, _ = Reducer.step cfg s (at (sec 61.0) ExecutionsEnded)
            Expect.isTrue (match s.Fsm with Running _ -> true | _ -> false) $"the sync ends on the answer: {s.Fsm}"
        testCase "SyncUnanswered_WithTheSocketDown_IsNotAskedAgain" <| fun () ->
            let s, _ = runAll cfg [ at (sec 0.0) (EngineStarted Restored.empty); at (sec 0.1) (BrokerConnected [ cfg.Account ]) ]
            let s, _ = Reducer.step cfg s (at (sec 1.0) (BrokerDisconnected "drop"))
            let _, cmds = Reducer.run cfg s [ at (sec 40.0) ClockTicked; at (sec 80.0) ClockTicked ]
            Expect.isFalse (cmds |> List.exists (function RequestReconcile _ -> true | _ -> false)) "nobody to ask: the reconnect's sync asks"
        testCase "ExecutionWait_IsTheConfiguredOne" <| fun () ->
            let c = { cfg with Control = { cfg.Control with ExecutionWait = Duration.ofSeconds 30.0 } }
            let s, cmds = runAll c (startEvents c 100.0)
            let hedge = placed cmds |> List.exactlyOne
            let filled = { IbOrderId = hedge.IbOrderId; PermId = 1000L + int64 hedge.IbOrderId; Ref = OrderRef.value hedge.Ref; Status = FullyFilled; Filled = hedge.Quantity; AvgFillPrice = 99.99; Reason = "" }
            let s, _ = Reducer.step c s (at (sec 1.0) (OrderStatusReported filled))
            let s, cmds = Reducer.run c s [ at (sec 11.0) ClockTicked; at (sec 30.9) ClockTicked ]
            Expect.isEmpty (overdue cmds) "within 30 s"
            let _, cmds = Reducer.step c s (at (sec 31.0) ClockTicked)
            Expect.isNonEmpty (overdue cmds) "at 30 s"
    ]
