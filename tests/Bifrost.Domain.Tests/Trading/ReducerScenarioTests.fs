module Bifrost.Domain.Tests.Trading.ReducerScenarioTests

open Xunit
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests.Fixtures

let cfg = config 1

/// Started, synced, and the first hedge placed (10 ATM calls ≈ +560 deltas → sell ≈ 560 shares).
let started () =
    let s, cmds = runAll cfg (startEvents cfg 100.0)
    let hedge = placed cmds |> List.exactlyOne
    s, cmds, hedge

let step s e = Reducer.step cfg s e

[<Fact>]
let Startup_SyncsAdoptsTheBookAndHedges () =
    let s, cmds, hedge = started ()
    Assert.Contains(RequestReconcile [ Positions; OpenOrders; Executions; AccountValues ], cmds)
    Assert.True(cmds |> List.exists (function SubscribeMarketData ids -> ids.Length = 2 | _ -> false))
    Assert.Equal(10, State.qtyOf s (cid 2))
    Assert.Equal(Running(HedgePending hedge.Ref), s.Fsm)
    Assert.Equal(Sell, hedge.Side)
    Assert.InRange(hedge.Quantity, 500, 620)
    Assert.Equal("oi_r1_1", OrderRef.value hedge.Ref)
    Assert.Equal("DU1234567", hedge.Account)

[<Fact>]
let HedgePending_NextQuote_PlacesNothingAndLogsOrderInFlight () =
    let s, _, _ = started ()
    let _, cmds = step s (at (sec 2.0) (QuoteReceived(quote underlyingId 101.0 101.02 (sec 2.0))))
    Assert.Empty(placed cmds)
    Assert.Contains(ops cmds, fun o -> o.Kind = OperationKind.GuardBlocked && o.Detail.Contains "ORDER_IN_FLIGHT")

[<Fact>]
let Stop_WhileHedgePending_EmitsNoNewOrders () =
    let s, _, hedge = started ()
    let s, cmds = step s (at (sec 1.0) (ControlRequested(Stop, meta 9L)))
    Assert.Contains(CancelOrder(hedge.Ref, hedge.IbOrderId), cmds)
    Assert.True(match s.Fsm with Stopping _ -> true | _ -> false)
    let s, cmds2 = step s (at (sec 3.0) (QuoteReceived(quote underlyingId 110.0 110.02 (sec 3.0))))
    Assert.Empty(placed cmds2)
    let s, cmds3 =
        step s (at (sec 3.1) (OrderStatusReported { IbOrderId = hedge.IbOrderId; PermId = 5L; Ref = ""; Status = CancelConfirmed; Filled = 0; AvgFillPrice = 0.0; Reason = "" }))
    Assert.Equal(Stopped, s.Fsm)
    Assert.Contains(Exit 0, cmds3)
    Assert.Contains(CompleteControl(9L, Done "stopped"), cmds3)
    let _, after = step s (at (sec 4.0) (QuoteReceived(quote underlyingId 90.0 90.02 (sec 4.0))))
    Assert.Empty(after)

[<Fact>]
let Fill_FromExecutions_MovesTheHedgeAndDuplicatesChangeNothing () =
    let s, _, hedge = started ()
    let fill = at (sec 1.0) (execFor hedge hedge.Quantity 99.99 "e1")
    let s1, cmds = step s fill
    Assert.Equal(-hedge.Quantity, State.hedgePosition cfg s1)
    Assert.Equal(Running Idle, s1.Fsm)
    Assert.Contains(ops cmds, fun o -> o.Kind = OperationKind.FillApplied)
    let s2, cmds2 = step s1 fill
    Assert.Empty(cmds2)
    Assert.True(Bifrost.Domain.Tests.Props.same s1 s2)

[<Fact>]
let Commission_BeforeItsExecution_IsAppliedOnceWhenTheExecutionArrives () =
    let s, _, hedge = started ()
    let e1 = ExecId.create "e1" |> Result.get
    let s, _ = step s (at (sec 1.0) (CommissionReported(e1, 1.25)))
    let s, _ = step s (at (sec 1.1) (execFor hedge hedge.Quantity 99.99 "e1"))
    let s, _ = step s (at (sec 1.2) (CommissionReported(e1, 1.25)))
    Assert.Equal(1.25, Portfolio.totalFees s.Portfolio)

[<Fact>]
let OrderStatusFilled_WithoutExecution_KeepsTheHedgeInFlight () =
    let s, _, hedge = started ()
    let s, _ =
        step s (at (sec 1.0) (OrderStatusReported { IbOrderId = hedge.IbOrderId; PermId = 5L; Ref = ""; Status = FullyFilled; Filled = hedge.Quantity; AvgFillPrice = 99.99; Reason = "" }))
    Assert.Equal(0, State.hedgePosition cfg s)
    Assert.Equal(Running(HedgePending hedge.Ref), s.Fsm)

[<Fact>]
let UnknownFill_IsReportedNotAbsorbed () =
    let s, _, _ = started ()
    let bogus =
        ExecutionReported
            { ExecId = ExecId.create "x9" |> Result.get; IbOrderId = 77; PermId = 1L; ClientId = 7; Ref = "oi_r0_99"
              ContractId = underlyingId; Side = Buy; Quantity = 100; Price = 100.0 }
    let s2, cmds = step s (at (sec 1.0) bogus)
    Assert.Equal(State.hedgePosition cfg s, State.hedgePosition cfg s2)
    Assert.Contains(alerts cmds, fun a -> a.Code = "UNKNOWN_FILL")
    Assert.Equal(1, s2.Anomalies)

[<Fact>]
let ExternalFill_FromAnotherClient_IsNotStrategyOwned () =
    let s, _, _ = started ()
    let manual =
        ExecutionReported
            { ExecId = ExecId.create "m1" |> Result.get; IbOrderId = 1; PermId = 2L; ClientId = 99; Ref = ""
              ContractId = underlyingId; Side = Buy; Quantity = 300; Price = 100.0 }
    let s2, _ = step s (at (sec 1.0) manual)
    Assert.Equal(0, State.hedgePosition cfg s2)
    Assert.Equal(0, s2.Anomalies)

[<Fact>]
let PaperMode_WithALiveAccount_Exits2 () =
    let c = { cfg with Account = "U7654321" }
    let s, cmds = runAll c [ at (sec 0.0) (EngineStarted Restored.empty); at (sec 0.1) (BrokerConnected [ "U7654321" ]) ]
    Assert.Equal(Stopped, s.Fsm)
    Assert.Contains(Exit 2, cmds)
    Assert.Contains(alerts cmds, fun a -> a.Code = "ACCOUNT_MISMATCH")

[<Fact>]
let LiveMode_WithAPaperAccount_Exits2 () =
    let c = { cfg with Mode = Live }
    let _, cmds = runAll c [ at (sec 0.0) (EngineStarted Restored.empty); at (sec 0.1) (BrokerConnected [ cfg.Account ]) ]
    Assert.Contains(Exit 2, cmds)

[<Fact>]
let Reconcile_WhenTheAccountLacksTheBook_HaltsAndPlacesNothing () =
    let events = startEvents cfg 100.0 |> List.filter (function { Payload = PositionReported _ } -> false | _ -> true)
    let s, cmds = runAll cfg events
    Assert.True(match s.Fsm with Halted(ReconcileFailed _) -> true | _ -> false)
    Assert.Empty(placed cmds)

[<Fact>]
let Reconcile_WithAnUnknownBifrostOpenOrder_FailsClosed () =
    let foreign = { IbOrderId = 40; PermId = 9L; ClientId = 7; Ref = "oi_old_3"; ContractId = underlyingId; Side = Buy; Quantity = 10; Filled = 0; Status = Acknowledged }
    let events = startEvents cfg 100.0 |> List.collect (function { Payload = OpenOrdersEnded } as e -> [ at e.Received (OpenOrderReported foreign); e ] | e -> [ e ])
    let s, cmds = runAll cfg events
    Assert.True(match s.Fsm with Halted(ReconcileFailed d) -> d.Contains "oi_old_3" | _ -> false)
    Assert.Empty(placed cmds)

[<Fact>]
let Pause_BlocksHedges_Resume_HedgesAgain () =
    let s, _, hedge = started ()
    let s, _ = step s (at (sec 1.0) (execFor hedge hedge.Quantity 100.0 "e1"))
    let s, _ = step s (at (sec 1.5) (ControlRequested(Pause, meta 1L)))
    Assert.Equal(Paused, s.Fsm)
    let s, cmds = step s (at (sec 3.0) (QuoteReceived(quote underlyingId 104.0 104.02 (sec 3.0))))
    Assert.Empty(placed cmds)
    Assert.Contains(ops cmds, fun o -> o.Kind = OperationKind.GuardBlocked && o.Detail.Contains "PAUSED")
    let _, cmds = step s (at (sec 3.5) (ControlRequested(Resume, meta 2L)))
    Assert.Single(placed cmds) |> ignore

[<Fact>]
let Flatten_ClosesOnlyTheStrategyHedge_AndLeavesTheManualPositionAlone () =
    // The operator holds 300 shares of XYZ through another client id.
    let events = startEvents cfg 100.0 |> List.collect (function { Payload = PositionsEnded } as e -> [ at e.Received (PositionReported(underlyingId, 300, 100.0)); e ] | e -> [ e ])
    let s, cmds = runAll cfg events
    let hedge = placed cmds |> List.exactlyOne
    let s, _ = step s (at (sec 1.0) (execFor hedge hedge.Quantity 100.0 "e1"))
    let s, _ = step s (at (sec 1.1) (PositionReported(underlyingId, 300 - hedge.Quantity, 100.0)))
    let s, cmds = step s (at (sec 2.0) (ControlRequested(FlattenExposure, meta 3L)))
    let flat = placed cmds |> List.exactlyOne
    Assert.Equal(Buy, flat.Side)
    Assert.Equal(hedge.Quantity, flat.Quantity)
    Assert.Equal(Flatten, flat.Purpose)
    let s, cmds = step s (at (sec 2.5) (execFor flat flat.Quantity 100.0 "e2"))
    let s, _ = step s (at (sec 2.6) (PositionReported(underlyingId, 300, 100.0)))
    Assert.Equal(0, State.hedgePosition cfg s)
    Assert.Equal(300, (Portfolio.view underlyingId s.Portfolio).External)
    Assert.Equal(Paused, s.Fsm)
    Assert.True(cmds |> List.exists (function CompleteControl(3L, Done _) -> true | _ -> false))

[<Fact>]
let ConnectivityLost_BlocksOrders_AndDataLostResubscribesAndReconciles () =
    let s, _, hedge = started ()
    let s, _ = step s (at (sec 1.0) (execFor hedge hedge.Quantity 100.0 "e1"))
    let s, cmds = step s (at (sec 2.0) ConnectivityLost)
    Assert.Contains(alerts cmds, fun a -> a.Code = "IB_CONNECTIVITY_LOST")
    let s, cmds = step s (at (sec 5.0) (QuoteReceived(quote underlyingId 104.0 104.02 (sec 5.0))))
    Assert.Empty(placed cmds)
    Assert.Contains(ops cmds, fun o -> o.Kind = OperationKind.GuardBlocked && o.Detail.Contains "BROKER_DOWN")
    let s, cmds = step s (at (sec 6.0) (ConnectivityRestored false))
    Assert.True(match s.Fsm with Syncing _ -> true | _ -> false)
    Assert.Contains(RequestReconcile Sync.scopes, cmds)
    Assert.True(cmds |> List.exists (function SubscribeMarketData _ -> true | _ -> false))

[<Fact>]
let NextValidId_RolledBackAfterARestart_NeverReusesIds () =
    let s, _, hedge = started ()
    let s, cmds = step s (at (sec 1.0) (NextValidIdReceived 1))
    Assert.Equal(hedge.IbOrderId + 1, s.NextOrderId)
    Assert.Contains(ops cmds, fun o -> o.Kind = OperationKind.Anomaly)

[<Fact>]
let RejectedHedge_ClearsThePendingHedgeAndAlerts () =
    let s, _, hedge = started ()
    let s, cmds = step s (at (sec 1.0) (OrderErrorReported(hedge.IbOrderId, 201, "Order rejected - reason: test")))
    Assert.Equal(Rejected, s.Orders.[hedge.Ref].Status)
    Assert.Contains(alerts cmds, fun a -> a.Code = "ORDER_REJECTED")
    Assert.True(match s.Fsm with Running _ -> true | _ -> false)

[<Fact>]
let ManualOrder_WhenIdle_IsARunWithItsOrders_AndRefusedWhenPaused () =
    let s, _, hedge = started ()
    let s, _ = step s (at (sec 1.0) (execFor hedge hedge.Quantity 100.0 "e1"))
    let m = { RunId = "m1"; ContractId = underlyingId; Side = Buy; Quantity = 10; Type = Limit 99.0; RiskBypass = false; Meta = meta 4L }
    let s1, cmds = step s (at (sec 1.2) (ManualOrderRequested m))
    let o = placed cmds |> List.exactlyOne
    Assert.Equal("m1", o.RunId)
    Assert.Equal(Manual, o.Purpose)
    Assert.Equal(Running(RunPending("m1", meta 4L)), s1.Fsm)
    let s2, cmds = step s1 (at (sec 1.3) (execFor o 10 99.0 "e2"))
    Assert.Equal(Running Idle, s2.Fsm)
    Assert.True(cmds |> List.exists (function CompleteControl(4L, Done _) -> true | _ -> false))
    let paused, _ = step s (at (sec 1.2) (ControlRequested(Pause, meta 5L)))
    let _, cmds = step paused (at (sec 1.3) (ManualOrderRequested m))
    Assert.Empty(placed cmds)
    Assert.True(cmds |> List.exists (function CompleteControl(4L, Refused _) -> true | _ -> false))

[<Fact>]
let ManualOrder_BeyondLimits_IsRefusedUnlessBypassed_AndTheBypassIsRecorded () =
    let s, _, hedge = started ()
    let s, _ = step s (at (sec 1.0) (execFor hedge hedge.Quantity 100.0 "e1"))
    let big = { RunId = "m2"; ContractId = underlyingId; Side = Buy; Quantity = 5_000; Type = Market; RiskBypass = false; Meta = meta 6L }
    let _, cmds = step s (at (sec 1.2) (ManualOrderRequested big))
    Assert.Empty(placed cmds)
    let _, cmds = step s (at (sec 1.2) (ManualOrderRequested { big with RiskBypass = true }))
    let o = placed cmds |> List.exactlyOne
    Assert.True(o.RiskBypass)
    Assert.Contains(ops cmds, fun op -> op.Detail.Contains "RISK_BYPASS")

[<Fact>]
let StopLoss_OnTheClock_HaltsAndCancels () =
    let c = { cfg with Risk = { cfg.Risk with StopLoss = Some 100.0 } }
    let s, cmds = runAll c (startEvents c 100.0)
    let hedge = placed cmds |> List.exactlyOne
    // Options marked far below their adoption cost.
    let s, _ = Reducer.step c s (at (sec 1.0) (QuoteReceived(quote (cid 2) 0.5 0.6 (sec 1.0))))
    let s, cmds = Reducer.step c s (at (sec 1.5) ClockTicked)
    Assert.True(match s.Fsm with Halted(StopLossHit _) -> true | _ -> false)
    Assert.Contains(CancelOrder(hedge.Ref, hedge.IbOrderId), cmds)
    Assert.Contains(alerts cmds, fun a -> a.Code = "RISK_HALT")

[<Fact>]
let Reconnect_WithTheHedgeMissingAtTheBroker_MarksItInactive () =
    let s, _, hedge = started ()
    let s, _ = step s (at (sec 1.0) (BrokerDisconnected "socket closed"))
    let s, _ = step s (at (sec 2.0) (BrokerConnected [ cfg.Account ]))
    let s, _ = step s (at (sec 2.1) (PositionReported(cid 2, 10, 3.0)))
    let s, _ = step s (at (sec 2.2) PositionsEnded)
    let s, _ = step s (at (sec 2.2) OpenOrdersEnded)
    let s, _ = step s (at (sec 2.2) ExecutionsEnded)
    Assert.Equal(Inactive, s.Orders.[hedge.Ref].Status)
    Assert.True(match s.Fsm with Running _ -> true | _ -> false)

[<Fact>]
let SelfCheck_IsBlockedBeforeSync_AndHealthyWhenRunningFlat () =
    let r = SelfCheck.run cfg (State.initial cfg)
    Assert.Equal(Health.Blocked, r.Health)
    Assert.Contains(r.Checks, fun c -> c.Name = "broker_connected" && not c.Passed)
    let s, _, hedge = started ()
    let s, _ = step s (at (sec 0.6) (execFor hedge hedge.Quantity 100.0 "e1"))
    let r = SelfCheck.run cfg s
    Assert.Equal(Health.Healthy, r.Health)
    Assert.Empty(r.BlockReasons |> List.filter (fun b -> b <> BlockReason.Cooldown))

[<Fact>]
let Reconnect_WithTheOperatorShortTheSameStock_DoesNotHalt () =
    let s, _, hedge = started ()
    let s, _ = step s (at (sec 1.0) (execFor hedge hedge.Quantity 100.0 "e1"))
    // The strategy is short the hedge; the operator, through another client id, is long more than that.
    let s, _ = step s (at (sec 2.0) (BrokerDisconnected "socket closed"))
    let s, _ = step s (at (sec 3.0) (BrokerConnected [ cfg.Account ]))
    let s, _ = step s (at (sec 3.1) (PositionReported(cid 2, 10, 3.0)))
    let s, _ = step s (at (sec 3.1) (PositionReported(underlyingId, 1_000 - hedge.Quantity, 100.0)))
    let s, _ = step s (at (sec 3.2) PositionsEnded)
    let s, _ = step s (at (sec 3.2) OpenOrdersEnded)
    let s, _ = step s (at (sec 3.2) ExecutionsEnded)
    Assert.Equal(Running Idle, s.Fsm)
    Assert.Equal(1_000, (Portfolio.view underlyingId s.Portfolio).External)

[<Fact>]
let ClockTicks_PublishStatusEverySelfCheckInterval_NotOnEveryTick () =
    let c = { cfg with Control = { cfg.Control with SelfCheckEvery = Duration.ofSeconds 10.0 } }
    let s, _ = runAll c (startEvents c 100.0)
    let publishes =
        [ for i in 1 .. 30 -> at (sec (float i)) ClockTicked ]
        |> List.fold (fun (s, n) e ->
            let s', cmds = Reducer.step c s e
            s', n + (cmds |> List.filter (function PublishStatus _ -> true | _ -> false) |> List.length)) (s, 0)
        |> snd
    // ticks at 1..30 s: the first publishes, then one every 10 s (a tick up to 10% early still counts).
    Assert.InRange(publishes, 3, 4)
