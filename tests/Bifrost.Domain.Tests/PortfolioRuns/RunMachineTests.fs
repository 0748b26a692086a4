module Bifrost.Domain.Tests.PortfolioRuns.RunMachineTests

open Expecto
open FsCheck
open FsCheck.FSharp
open Bifrost.Domain
open Bifrost.Domain.PortfolioRuns
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.PortfolioRuns.PortfolioFixtures

let private running () = runningRun "r1" snapshot (execInputs "r1")
let private refOf (run: Run) symbol = (run.Orders |> List.find (fun o -> o.Key.Symbol = symbol)).Ref
let private submitAll (run: Run) = run.Orders |> List.fold (fun r o -> okStep r (OrderSubmitted o.Ref)) run

let private queued () = RunMachine.queue "r1" snapshot (ScheduledSlot "weekly-20261207") monday |> Result.get

/// Events of every shape, aimed at the run's real refs or at a stranger.
let private genEvent (refs: string list) =
    let anyRef = Gen.elements ("oi_pnotours" :: refs)
    Gen.oneof [
        Gen.constant PreTradeStarted
        Gen.constant PreTradeCleared
        Gen.elements [ PreTradeBlocked []; PreTradeBlocked [ "DAILY_LOSS_LIMIT: x" ] ]
        Gen.constant (ExecutionStarted(Execution.plan (execInputs "r1") snapshot |> Result.get))
        Gen.constant BrokerUnavailable
        anyRef |> Gen.map OrderSubmitted
        anyRef |> Gen.map (fun r -> OrderAcknowledged(r, 7, 1_811_111_111L))
        Gen.map3 (fun r e q -> FillReceived(r, fill $"e{e}" q 200.0)) anyRef (Gen.choose (1, 4)) (Gen.choose (-1, 60))
        Gen.map2 (fun r e -> FillCommissionReported(r, $"e{e}", 1.0)) anyRef (Gen.choose (1, 4))
        anyRef |> Gen.map (fun r -> OrderRejectedByBroker(r, "201 Order rejected"))
        anyRef |> Gen.map OrderCancelConfirmed
        Gen.constant (CancelRequested "ops")
    ]

let private rank = function RunStatus.Queued -> 0 | RunStatus.PreTrade -> 1 | RunStatus.Running -> 2 | RunStatus.Done | RunStatus.Partial | RunStatus.Failed | RunStatus.Blocked -> 3

[<Tests>]
let tests =
    testList "PortfolioRuns.RunMachine" [
        testCase "Queue_NeedsASnapshot_AndRecordsItsHash" <| fun () ->
            let run = queued ()
            Expect.equal (run.Status, run.SnapshotId, run.SnapshotHash) (RunStatus.Queued, "s1", snapshot.ContentHash) "queued on s1"
            Expect.isError (RunMachine.queue "" snapshot (OperatorRequested "ops") monday) "a run id is required"
        testCase "AllOrdersFilled_RunIsDone" <| fun () ->
            let run = submitAll (running ())
            let run = okStep run (FillReceived(refOf run "AAPL", fill "e1" 50 200.0))
            Expect.equal run.Status RunStatus.Running "MSFT still working"
            let run = okStep run (FillReceived(refOf run "MSFT", fill "e2" 25 400.0))
            Expect.equal (run.Status, run.Reasons) (RunStatus.Done, []) "done"
        testCase "OneOrderRejectedByIb_OtherFilled_RunIsPartial_WithIbsReason" <| fun () ->
            let run = submitAll (running ())
            let run = okStep run (FillReceived(refOf run "AAPL", fill "e1" 50 200.0))
            let run = okStep run (OrderRejectedByBroker(refOf run "MSFT", "201 Order rejected - reason: no trading permissions"))
            Expect.equal run.Status RunStatus.Partial "partial"
            Expect.equal run.Reasons [ "MSFT: 201 Order rejected - reason: no trading permissions" ] "IB's reason"
            let msft = run.Orders |> List.find (fun o -> o.Key.Symbol = "MSFT")
            Expect.equal (msft.Status, msft.Reason) (RunOrderStatus.Rejected, Some "201 Order rejected - reason: no trading permissions") "on the order"
        testCase "EveryOrderRejected_RunIsFailed" <| fun () ->
            let run = submitAll (running ())
            let run = run.Orders |> List.fold (fun r o -> okStep r (OrderRejectedByBroker(o.Ref, "201"))) run
            Expect.equal run.Status RunStatus.Failed "failed"
        testCase "BrokerUnreachable_BeforeAnythingWasSent_RunIsBlocked_ConnectionUnavailable" <| fun () ->
            for prefix in [ []; [ PreTradeStarted ] ] do
                let run = prefix |> List.fold okStep (queued ())
                let run = okStep run BrokerUnavailable
                Expect.equal (run.Status, run.Reasons) (RunStatus.Blocked, [ "connection_unavailable" ]) "blocked"
            let run = okStep (running ()) BrokerUnavailable
            Expect.equal (run.Status, run.Reasons) (RunStatus.Blocked, [ "connection_unavailable" ]) "planned but not sent"
        testCase "BrokerLost_WithOrdersWorking_KeepsThemAndEndsTheUnsent" <| fun () ->
            let run = running ()
            let run = okStep run (OrderSubmitted(refOf run "AAPL"))
            let run = okStep run BrokerUnavailable
            Expect.equal run.Status RunStatus.Running "AAPL may still fill"
            let run = okStep run (FillReceived(refOf run "AAPL", fill "e1" 50 200.0))
            Expect.equal (run.Status, run.Reasons) (RunStatus.Partial, [ "MSFT: connection_unavailable" ]) "MSFT never went out"
        testCase "NoFreshQuote_ThatOrderIsRejected_MarketDataError_AndTheBatchIsPartial" <| fun () ->
            let exec = { execInputs "r1" with Quotes = execInputs("r1").Quotes |> Map.remove "MSFT" }
            let run = runningRun "r1" snapshot exec
            let msft = run.Orders |> List.find (fun o -> o.Key.Symbol = "MSFT")
            Expect.equal (msft.Status, msft.Reason, msft.Sent) (RunOrderStatus.Rejected, Some "market_data_error", false) "never sent"
            let run = okStep run (OrderSubmitted(refOf run "AAPL"))
            let run = okStep run (FillReceived(refOf run "AAPL", fill "e1" 50 200.0))
            Expect.equal (run.Status, run.Reasons) (RunStatus.Partial, [ "MSFT: market_data_error" ]) "partial"
        testCase "NoFreshQuoteForAnyOrder_RunFailsAtOnce" <| fun () ->
            let run = runningRun "r1" snapshot { execInputs "r1" with Quotes = Map.empty }
            Expect.equal run.Status RunStatus.Failed "failed"
        testCase "NothingToDo_RunIsDone" <| fun () ->
            let run = runningRun "r1" snapshot { execInputs "r1" with Positions = Map [ "AAPL", 50; "MSFT", 25 ] }
            Expect.equal (run.Status, run.Orders) (RunStatus.Done, []) "already at target"
        testCase "PreTradeBlock_EndsBlocked_WithTheReasons_AndExecutionNeedsClearance" <| fun () ->
            let run = okStep (queued ()) PreTradeStarted
            Expect.isError (RunMachine.step run (input (ExecutionStarted []))) "not cleared"
            Expect.isError (RunMachine.step run (input (PreTradeBlocked []))) "a block without reason"
            let run = okStep run (PreTradeBlocked [ "SECTOR_CONCENTRATION: sector tech at 30.0 % > 25.0 %" ])
            Expect.equal run.Status RunStatus.Blocked "blocked"
            Expect.isError (RunMachine.step run (input PreTradeStarted)) "blocked is final"
        testCase "IdsCommissionsAndStatusTimes_AreKeptOnEveryOrderAndFill" <| fun () ->
            let run = running ()
            let r = refOf run "AAPL"
            let run = [ OrderSubmitted r; OrderAcknowledged(r, 42, 1_811_111_111L); FillReceived(r, fill "e1" 20 200.0)
                        FillReceived(r, fill "e1" 20 200.0); FillCommissionReported(r, "e1", 1.25) ] |> List.fold okStep run
            let o = run.Orders |> List.find (fun o -> o.Ref = r)
            Expect.equal (o.IbOrderId, o.PermId, o.Filled) (Some 42, Some 1_811_111_111L, 20) "ids; a repeated exec id counts once"
            Expect.equal (o.Fills |> List.map (fun f -> f.ExecId, f.Commission)) [ "e1", Some 1.25 ] "fill and commission"
            Expect.equal (o.StatusTimes |> List.map (fun (s, _, _) -> s)) [ RunOrderStatus.Planned; RunOrderStatus.Working ] "status history"
        testCase "LateFill_AfterTheRunFailed_MakesItPartial" <| fun () ->
            let run = submitAll (running ())
            let run = run.Orders |> List.fold (fun r o -> okStep r (OrderCancelConfirmed o.Ref)) run
            Expect.equal run.Status RunStatus.Failed "nothing filled"
            let run = okStep run (FillReceived(refOf run "AAPL", fill "e9" 10 200.0))
            Expect.equal run.Status RunStatus.Partial "the fill is never lost"
        testCase "ImpossibleEdges_AreReported_NotThrown" <| fun () ->
            let run = submitAll (running ())
            let err e = match RunMachine.step run (input e) with Error x -> x | Ok _ -> failtest "accepted"
            Expect.equal (err (OrderSubmitted "oi_pnotours")).Event "OrderSubmitted" "an unknown ref"
            Expect.stringContains (err (FillReceived(refOf run "AAPL", fill "e1" 51 200.0))).Detail "overfill" "overfill"
            Expect.equal (err PreTradeStarted).From RunStatus.Running "names the state"
        Props.property "Run machine totality: any event sequence is applied or reported, status never goes back, blocked never trades" 2000
            (Prop.forAll (Arb.fromGen (Gen.listOf (genEvent ((running ()).Orders |> List.map _.Ref)))) (fun events ->
                let folder (run: Run, ok) e =
                    match RunMachine.step run (input e) with
                    | Ok next ->
                        let forward = rank next.Status >= rank run.Status
                        let blockedStays = run.Status <> RunStatus.Blocked || next = { run with UpdatedAt = next.UpdatedAt }
                        let filledNeverShrinks = (next.Orders |> List.sumBy _.Filled) >= (run.Orders |> List.sumBy _.Filled)
                        let overfill = next.Orders |> List.exists (fun o -> o.Filled > o.Quantity)
                        next, ok && forward && blockedStays && filledNeverShrinks && not overfill
                    | Error err -> run, ok && err.From = run.Status
                let run, ok = events |> List.fold folder (queued (), true)
                let settled =
                    not (RunStatus.isTerminal run.Status) || run.Status = RunStatus.Blocked || (run.CancelRequestedBy.IsSome && run.Orders.IsEmpty)
                    || run.Status = RunMachine.outcome run.Orders
                ok && settled))
    ]
