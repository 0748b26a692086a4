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
