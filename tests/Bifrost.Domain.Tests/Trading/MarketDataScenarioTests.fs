/// What the legs are valued at, whichever quote comes first, and what the light says when the vol is a guess.
module Bifrost.Domain.Tests.Trading.MarketDataScenarioTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Strategy
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures

let cfg = config 1

/// The start-up events with the underlying's first quote moved before (or after) the option's.
let startWithSpotFirst (spotFirst: bool) =
    let events = startEvents cfg 100.0
    let isSpot (e: Event) = match e.Payload with QuoteReceived q -> q.ContractId = underlyingId | _ -> false
    let isOption (e: Event) = match e.Payload with QuoteReceived q -> q.ContractId <> underlyingId | _ -> false
    let sync = events |> List.filter (fun e -> not (isSpot e) && not (isOption e))
    let spot = events |> List.filter isSpot |> List.map (fun e -> at (sec 0.4) e.Payload)
    let opts = events |> List.filter isOption |> List.map (fun e -> at (sec 0.5) e.Payload)
    sync @ (if spotFirst then spot @ opts else opts @ spot)

[<Tests>]
let tests =
    testList "Trading.MarketDataScenario" [
        testCase "OptionQuotedBeforeTheFirstSpot_IsValuedAtItsImpliedVol_NotAtFallbackVol" <| fun () ->
            let sOptionFirst, cmdsOptionFirst = runAll cfg (startWithSpotFirst false)
            let sSpotFirst, cmdsSpotFirst = runAll cfg (startWithSpotFirst true)
            Expect.equal sOptionFirst.Legs.[0].VolSource ImpliedFromMid "solved at the first spot"
            Expect.floatClose Accuracy.high sOptionFirst.Legs.[0].Vol sSpotFirst.Legs.[0].Vol "the same vol either way"
            let size cmds = placed cmds |> List.map (fun o -> o.Side, o.Quantity)
            Expect.equal (size cmdsOptionFirst) (size cmdsSpotFirst) "the same first hedge, whichever quote came first"
            Expect.isTrue (abs (sOptionFirst.Legs.[0].Vol - cfg.Strategy.FallbackVol) > 1e-6) "not the fallback"
        testCase "LegWhoseVolCannotBeImplied_IsHedgedAtFallbackVol_AndTheLightIsYellow" <| fun () ->
            // A call quoted above the underlying itself: no vol prices it (AboveUpperBound), so fallback_vol stays.
            let events =
                startEvents cfg 100.0
                |> List.map (fun e ->
                    match e.Payload with
                    | QuoteReceived q when q.ContractId = cid 2 -> at e.Received (QuoteReceived(quote (cid 2) 120.0 121.0 e.Received))
                    | _ -> e)
            let s, cmds = runAll cfg events
            Expect.equal s.Legs.[0].VolSource FallbackVol "nothing better"
            Expect.equal (placed cmds |> List.length) 1 "still hedged (an unhedged book is the larger risk)"
            let r = SelfCheck.run cfg s
            Expect.equal r.Health Health.Degraded "YELLOW, not GREEN"
            Expect.exists r.Checks (fun k -> k.Name = "vols_implied" && not k.Passed && k.Detail.Contains "fallback_vol") "named"
        testCase "LegsWithImpliedVols_PassTheVolCheck" <| fun () ->
            let s, _ = runAll cfg (startEvents cfg 100.0)
            Expect.exists (SelfCheck.run cfg s).Checks (fun k -> k.Name = "vols_implied" && k.Passed) "passes"
    ]
