module Bifrost.Domain.Tests.PortfolioRuns.FallbackTests

open Expecto
open FsCheck
open FsCheck.FSharp
open Bifrost.Domain
open Bifrost.Domain.PortfolioRuns
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.PortfolioRuns.PortfolioFixtures

/// A run of the fixture snapshot that ends failed (every order rejected by IB) or with a market data error.
let private failedRun (purpose: RunPurpose) =
    let run = runningRun "r9" snapshot (execInputs "r9")
    let run = { run with Purpose = purpose }
    let run = run.Orders |> List.fold (fun r o -> okStep r (OrderSubmitted o.Ref)) run
    run.Orders |> List.fold (fun r o -> okStep r (OrderRejectedByBroker(o.Ref, "201"))) run

let private history = [ { RunId = "r1"; SnapshotId = "s1"; Status = RunStatus.Done }; { RunId = "r2"; SnapshotId = "s2"; Status = RunStatus.Partial }
                        { RunId = "r3"; SnapshotId = "s3"; Status = RunStatus.Done }; { RunId = "r4"; SnapshotId = "s4"; Status = RunStatus.Blocked } ]

let private genHistory =
    Gen.listOf (Gen.map2 (fun i st -> { RunId = $"h{i}"; SnapshotId = $"s{i % 5}"; Status = st })
                         (Gen.choose (0, 50)) (Gen.elements RunStatus.all))

[<Tests>]
let tests =
    testList "PortfolioRuns.Fallback" [
        testCase "FailedRun_RevertsToTheLastDoneSnapshot_RecordedOnTheRun_WithAnAlert" <| fun () ->
            let run = failedRun (ScheduledSlot "weekly-20261207")
            match Fallback.decide history run monday with
            | FallBackTo(r, alert) ->
                Expect.equal r.TargetSnapshotId "s3" "newest done, not the newer blocked or partial"
                Expect.equal (alert.Code, alert.Critical) ("FALLBACK", false) "alerted"
                let recorded = Fallback.record (FallBackTo(r, alert)) run
                Expect.equal recorded.Fallback (Some r) "recorded"
                Expect.equal (Fallback.decide history recorded monday) NoFallback "decided once per run"
            | other -> failtestf "expected a fallback, got %A" other
        testCase "MarketDataError_InAPartialRun_FallsBack" <| fun () ->
            let exec = { execInputs "r9" with Quotes = execInputs("r9").Quotes |> Map.remove "MSFT" }
            let run = runningRun "r9" snapshot exec
            let aapl = (run.Orders |> List.find (fun o -> o.Key.Symbol = "AAPL")).Ref
            let run = [ OrderSubmitted aapl; FillReceived(aapl, fill "e1" 50 200.0) ] |> List.fold okStep run
            Expect.equal run.Status RunStatus.Partial "partial"
            Expect.isTrue (Fallback.needed run) "market data invalid"
        testCase "DoneBlockedOrOperatorCancelledRuns_DoNotFallBack" <| fun () ->
            let blocked = okStep (okStep (RunMachine.queue "r9" snapshot (OperatorRequested "ops") monday |> Result.get) PreTradeStarted) (PreTradeBlocked [ "X" ])
            Expect.equal (Fallback.decide history blocked monday) NoFallback "blocked: nothing traded"
            let cancelled = okStep (RunMachine.queue "r9" snapshot (OperatorRequested "ops") monday |> Result.get) (CancelRequested "ops")
            Expect.equal cancelled.Status RunStatus.Failed "cancelled before pre-trade"
            Expect.equal (Fallback.decide history cancelled monday) NoFallback "the operator's decision"
        testCase "NoCompletedRun_IsACriticalAlert_NotAGuess" <| fun () ->
            match Fallback.decide [ { RunId = "r2"; SnapshotId = "s2"; Status = RunStatus.Partial } ] (failedRun (OperatorRequested "ops")) monday with
            | NoGoodSnapshot a -> Expect.equal (a.Code, a.Critical) ("FALLBACK_UNAVAILABLE", true) "critical"
            | other -> failtestf "expected no good snapshot, got %A" other
        testCase "AFailedFallbackRun_DoesNotFallBackAgain" <| fun () ->
            match Fallback.decide history (failedRun (FallbackAfter "r8")) monday with
            | FallbackExhausted a -> Expect.equal (a.Code, a.Critical) ("FALLBACK_FAILED", true) "no retry loop"
            | other -> failtestf "expected exhaustion, got %A" other
        Props.property "Fallback always lands on a snapshot whose run completed done (the newest one)" 2000
            (Prop.forAll (Arb.fromGen (Gen.zip genHistory (Gen.elements [ ScheduledSlot "w"; OperatorRequested "ops"; FallbackAfter "r0" ]))) (fun (h, purpose) ->
                let run = failedRun purpose
                match Fallback.decide h run monday with
                | FallBackTo(r, _) ->
                    let done' = h |> List.filter (fun x -> x.Status = RunStatus.Done)
                    done' |> List.exists (fun x -> x.SnapshotId = r.TargetSnapshotId) && (List.last done').SnapshotId = r.TargetSnapshotId
                    && not (purpose.IsFallbackAfter)
                | NoGoodSnapshot _ -> h |> List.forall (fun x -> x.Status <> RunStatus.Done)
                | FallbackExhausted _ -> purpose.IsFallbackAfter
                | NoFallback -> false))
    ]
