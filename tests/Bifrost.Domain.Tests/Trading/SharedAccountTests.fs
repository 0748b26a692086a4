module Bifrost.Domain.Tests.Trading.SharedAccountTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures

/// Our engine connects as client 7 (the fixtures' reports carry client 7).
let cfg = Config.WithClientId(7, config 1)

let run c s events = events |> List.fold (fun (s, acc) e -> let s', cmds = Reducer.step c s e in s', acc @ cmds) (s, [])

/// Red team r2: our first hedge oi_r1_1 ended Inactive unfilled (permId 11); a second engine with the same run_id
/// (a copied configuration) on client 18 also minted oi_r1_1, and its fill (permId 777) is listed at our next sync.
let r2 (c: Config) =
    let s, cmds = runAll c (startEvents c 100.0)
    let h1 = placed cmds |> List.exactlyOne
    let s, _ = Reducer.step c s (at (sec 0.7) (OrderStatusReported { IbOrderId = h1.IbOrderId; PermId = 11L; Ref = ""; Status = MadeInactive; Filled = 0; AvgFillPrice = 0.0; Reason = "" }))
    let theirs = ExecutionReported { ExecId = ExecId.create "0000e012.B.01.01" |> Result.get; IbOrderId = 1; PermId = 777L; ClientId = 18; Ref = OrderRef.value h1.Ref
                                     ContractId = underlyingId; Side = Sell; Quantity = 594; Price = 100.0 }
    let s, cmds =
        run c s
            [ at (sec 30.0) (BrokerDisconnected "reconnect"); at (sec 31.0) (BrokerConnected [ c.Account ])
              at (sec 31.1) (PositionReported(cid 2, 10, 3.0)); at (sec 31.1) (PositionReported(underlyingId, -594, 100.0))
              at (sec 31.2) theirs
              at (sec 31.4) PositionsEnded; at (sec 31.4) OpenOrdersEnded; at (sec 31.4) ExecutionsEnded ]
    s, cmds, h1

[<Tests>]
let tests =
    testList "SharedAccount" [
        testCase "SecondEngineWithOurRunId_ItsFillAtSync_HaltsAnotherEngineNamingItsClient_NotAppliedToOurOrder" <| fun () ->
            let s, cmds, h1 = r2 cfg
            Expect.isTrue (match s.Fsm with Halted(AnotherEngine d) -> d.Contains "a second engine with run_id r1 on client 18" | _ -> false) $"{s.Fsm}"
            Expect.equal s.Orders.[h1.Ref].Filled 0 "their fill is not ours"
            Expect.exists (alerts cmds) (fun a -> a.Code = "ANOTHER_ENGINE") "ANOTHER_ENGINE raised"
            Expect.isEmpty (placed cmds) "nothing traded back"

        testCase "SecondEngineWithOurRunId_TheAlertSaysToStopItOrGiveItItsOwnRunId_NotToListOurRunIdAsExpected" <| fun () ->
            // expected_other_runs naming the run itself is refused by the configuration: that way out does not exist.
            let _, cmds, _ = r2 cfg
            let alert = alerts cmds |> List.find (fun a -> a.Code = "ANOTHER_ENGINE")
            Expect.stringContains alert.Message "two engines cannot share run_id r1: stop the other one, or give it a run_id and a store of its own" "the way out"
            Expect.isFalse (alert.Message.Contains "expected_other_runs") $"no impossible advice: {alert.Message}"

        testCase "AnotherRunsOrder_TheAlertSaysItMayBeListedAsExpected" <| fun () ->
            let theirs = { IbOrderId = 3; PermId = 778L; ClientId = 18; Ref = "oi_other_1"; ContractId = underlyingId; Side = Sell; Quantity = 594; Filled = 0; Status = Acknowledged }
            let events = startEvents cfg 100.0 |> List.collect (function { Payload = OpenOrdersEnded } as e -> [ at e.Received (OpenOrderReported theirs); e ] | e -> [ e ])
            let _, cmds = runAll cfg events
            let alert = alerts cmds |> List.find (fun a -> a.Code = "ANOTHER_ENGINE")
            Expect.stringContains alert.Message "oi_other_1 (list its run id in reconcile.expected_other_runs if it is expected)" "the way out"

        testCase "SecondEngineWithOurRunId_ItsOpenOrderAtStart_HaltsAnotherEngine" <| fun () ->
            let theirs = { IbOrderId = 3; PermId = 778L; ClientId = 18; Ref = "oi_r1_1"; ContractId = underlyingId; Side = Sell; Quantity = 594; Filled = 0; Status = Acknowledged }
            let events = startEvents cfg 100.0 |> List.collect (function { Payload = OpenOrdersEnded } as e -> [ at e.Received (OpenOrderReported theirs); e ] | e -> [ e ])
            let s, cmds = runAll cfg events
            Expect.isTrue (match s.Fsm with Halted(AnotherEngine d) -> d.Contains "on client 18" | _ -> false) $"{s.Fsm}"
            Expect.isEmpty (placed cmds) "nothing placed"

        testCase "OurOwnOrdersFromOurClient_AreNotAnotherEngine" <| fun () ->
            let s, cmds = runAll cfg (startEvents cfg 100.0)
            let h = placed cmds |> List.exactlyOne
            let mine = { IbOrderId = h.IbOrderId; PermId = 1000L + int64 h.IbOrderId; ClientId = 7; Ref = OrderRef.value h.Ref; ContractId = h.ContractId; Side = h.Side; Quantity = h.Quantity; Filled = 0; Status = Acknowledged }
            let s, _ = run cfg s [ at (sec 1.0) (OpenOrderReported mine); at (sec 1.1) (execFor h h.Quantity 100.0 "e1") ]
            Expect.equal s.Orders.[h.Ref].Filled h.Quantity "our fill applied"
            Expect.isFalse (match s.Fsm with Halted _ -> true | _ -> false) $"{s.Fsm}"

        testCase "FillOfAnotherPermIdUnderOurRef_IsNotApplied_EvenWithoutTheClientId" <| fun () ->
            // A backtest or an older configuration does not know its client id: the permId still tells the orders apart.
            let s, cmds, h1 = r2 (config 1)
            Expect.equal s.Orders.[h1.Ref].Filled 0 "their fill is not ours"
            Expect.exists (alerts cmds) (fun a -> a.Code = "EXECUTION_MISMATCH" && a.Message.Contains "permId 777") "critical anomaly"
    ]

/// Our hedge, acknowledged with its permId (1000 + its IB order id, as the fixtures' fills carry).
let acked (c: Config) =
    let s, cmds = runAll c (startEvents c 100.0)
    let h = placed cmds |> List.exactlyOne
    let s, _ = Reducer.step c s (at (sec 1.0) (OrderStatusReported { IbOrderId = h.IbOrderId; PermId = 1000L + int64 h.IbOrderId; Ref = ""; Status = Acknowledged; Filled = 0; AvgFillPrice = 0.0; Reason = "" }))
    s, h

[<Tests>]
let otherClientStatusTests =
    testList "SharedAccount.OtherClientStatus" [
        testCase "OperatorsClient0OrderCancelled_WithOurHedgesOrderId_LeavesOurHedgeWorking_NoSecondHedge" <| fun () ->
            // Red team r1: the operator's TWS order id 1 (client 0) cancelled; our hedge is IB order id 1 too.
            let s, h = acked cfg
            let s, cmds = Reducer.step cfg s (at (sec 2.0) (OrderStatusReported { IbOrderId = h.IbOrderId; PermId = 9_000_000_001L; Ref = ""; Status = CancelConfirmed; Filled = 0; AvgFillPrice = 0.0; Reason = "" }))
            Expect.equal s.Orders.[h.Ref].Status Submitted "our hedge still working"
            Expect.exists (ops cmds) (fun o -> o.Detail.Contains "of another client's order id") "anomaly recorded"
            let _, later = run cfg s [ for t in [ 5.0; 10.0; 20.0 ] -> at (sec t) (QuoteReceived(quote underlyingId 99.99 100.01 (sec t))) ]
            Expect.isEmpty (placed later) "no second hedge"

        testCase "OperatorsClient0OrderPartFilledAtSync_IsNotBlamedOnOurHedge" <| fun () ->
            // Red team r1b: at a reconnect sync the operator's client-0 order id 1 (300 of 1000 filled) was read as our
            // hedge id 1's fill count: ORDER_OUTCOME_UNKNOWN, asking the operator to confirm_book shares never ours.
            let s, h = acked cfg
            let mine = 1000L + int64 h.IbOrderId
            let s, cmds =
                run cfg s
                    [ at (sec 2.0) (BrokerDisconnected "socket"); at (sec 3.0) (BrokerConnected [ cfg.Account ])
                      at (sec 3.1) (PositionReported(cid 2, 10, 3.0)); at (sec 3.1) PositionsEnded
                      at (sec 3.2) (OpenOrderReported { IbOrderId = h.IbOrderId; PermId = 99L; ClientId = 0; Ref = ""; ContractId = underlyingId; Side = Buy; Quantity = 1000; Filled = 0; Status = Acknowledged })
                      at (sec 3.2) (OrderStatusReported { IbOrderId = h.IbOrderId; PermId = 99L; Ref = ""; Status = PartFilled; Filled = 300; AvgFillPrice = 100.0; Reason = "" })
                      at (sec 3.3) (OpenOrderReported { IbOrderId = h.IbOrderId; PermId = mine; ClientId = 7; Ref = OrderRef.value h.Ref; ContractId = h.ContractId; Side = h.Side; Quantity = h.Quantity; Filled = 0; Status = Acknowledged })
                      at (sec 3.3) (OrderStatusReported { IbOrderId = h.IbOrderId; PermId = mine; Ref = ""; Status = Acknowledged; Filled = 0; AvgFillPrice = 0.0; Reason = "" })
                      at (sec 3.4) OpenOrdersEnded
                      at (sec 3.5) (ExecutionReported { ExecId = ExecId.create "0000e000.op.01.01" |> Result.get; IbOrderId = h.IbOrderId; PermId = 99L; ClientId = 0; Ref = ""; ContractId = underlyingId; Side = Buy; Quantity = 300; Price = 100.0 })
                      at (sec 3.6) ExecutionsEnded ]
            let o = s.Orders.[h.Ref]
            Expect.equal (o.Status, o.ReportedFilled) (Submitted, 0) "our hedge: working, nothing reported filled"
            Expect.isFalse (alerts cmds |> List.exists (fun a -> a.Code = "ORDER_OUTCOME_UNKNOWN")) "not blamed"
            Expect.isFalse (match s.Fsm with Halted _ -> true | _ -> false) $"{s.Fsm}"
    ]

/// What the rule reads of a fill of our hedge `o`: its permId, the client that executed it, our client id then.
let facts (o: Order) permId client engine =
    { FillContract = o.ContractId; FillSide = o.Side; FillPermId = permId; FillClient = client; EngineClient = engine }

/// The one rule the live engine and a restart's replay of the store judge a fill of our ref by (FillRule).
[<Tests>]
let fillRuleTests =
    testList "SharedAccount.FillRule" [
        testCase "FillRule_RefusesAnotherPermId_OnlyOnceBothAreKnown" <| fun () ->
            let s, h = acked cfg
            let o = s.Orders.[h.Ref]
            Expect.equal (FillRule.refusal o (facts o 777L 7 (Some 7))) (Some AnotherOrder) "another order's fill"
            Expect.equal (FillRule.refusal o (facts o o.PermId 7 (Some 7))) None "ours"
            Expect.equal (FillRule.refusal o (facts o 0L 7 (Some 7))) None "its permId unknown"
            Expect.equal (FillRule.refusal { o with PermId = 0L } (facts o 777L 7 (Some 7))) None "ours unknown: the first known is taken"
            Expect.equal (FillRule.refusal o { facts o o.PermId 7 (Some 7) with FillSide = Buy }) (Some UnlikeItsOrder) "the other side"

        testCase "FillRule_RefusesAnotherClient_OnlyWhenTheEnginesOwnIsKnown" <| fun () ->
            let s, h = acked cfg
            let o = { s.Orders.[h.Ref] with PermId = 0L }
            Expect.equal (FillRule.refusal o (facts o 777L 18 (Some 7))) (Some AnotherClient) "a second engine's, our permId unknown"
            Expect.equal (FillRule.refusal o (facts o 777L 18 None)) None "a fill stored before client ids were: not judged by client"
            Expect.equal (FillRule.refusal o (facts o 777L 12 (Some 12))) None "recorded under an earlier client id of ours"

        testCase "FillRule_Replay_JudgesEachFillAgainstThePermIdTheOrderHeldThen" <| fun () ->
            let s, h = acked cfg
            let o = { s.Orders.[h.Ref] with PermId = 0L }
            // Live: the first fill applied gives the order its permId; a later one of another permId is refused.
            Expect.equal (FillRule.replay o [ facts o 77L 7 (Some 7); facts o 9L 7 (Some 7) ]) ([ None; Some AnotherOrder ], 77L) "the first known permId holds"
            // Another client's fill refused gives the order nothing: ours after it is applied.
            Expect.equal (FillRule.replay o [ facts o 77L 18 (Some 7); facts o 9L 7 (Some 7) ]) ([ Some AnotherClient; None ], 9L) "a refused fill's permId is not taken"
    ]
