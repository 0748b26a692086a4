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

/// 20 long puts K=120, three months, spot 100, quoted 19.95/20.05 (the mid implies 0.336; the broker's model, American,
/// says 0.25), started and hedged at the mid's vol; the state and its hedge.
let private deepPutsHedged () =
    let put = OptionContract.create (cid 2) "XYZ" Put 120.0 (Timestamp.add (Duration.ofSeconds (0.25 * 365.0 * 86400.0)) t0) 100 |> Result.get
    let c = { cfg with Strategy = { cfg.Strategy with Legs = [ { Option = put; Quantity = 20 } ]; Rules = [ FixedBand(100.0, Shares) ]; MinHedgeShares = 10 } }
    let s, cmds =
        runAll c
            [ at (sec 0.0) (EngineStarted Restored.empty)
              at (sec 0.1) (BrokerConnected [ c.Account ])
              at (sec 0.2) (PositionReported(put.ContractId, 20, 20.0))
              at (sec 0.3) PositionsEnded
              at (sec 0.3) OpenOrdersEnded
              at (sec 0.3) ExecutionsEnded
              at (sec 0.4) (QuoteReceived(quote put.ContractId 19.95 20.05 (sec 0.4)))
              at (sec 0.5) (QuoteReceived(quote underlyingId 99.99 100.01 (sec 0.5))) ]
    let hedge = placed cmds |> List.exactlyOne
    let s, _ = Reducer.step c s (at (sec 0.6) (execFor hedge hedge.Quantity 100.0 "e0"))
    c, s, put.ContractId

/// Steps `events` from `s`, filling each hedge at once; the state and the orders placed.
let private runFilled (c: Config) (s: State) (events: Event list) =
    events |> List.fold (fun (s, orders) e ->
        let s, cmds = Reducer.step c s e
        placed cmds |> List.fold (fun (s, orders) o ->
            let s, _ = Reducer.step c s (at e.Received (execFor o o.Quantity 100.0 ("e" + string o.IbOrderId)))
            s, orders @ [ o ]) (s, orders)) (s, [])

/// The broker's model tick, the leg's quote unchanged and the underlying's, every three seconds from `from`, `rounds` times.
let private modelTickAndQuotes (put: ContractId) (from: float) (rounds: int) =
    [ for k in 0 .. rounds - 1 do
        let t = from + 3.0 * float k
        yield at (sec t) (OptionComputationReceived(put, 0.25))
        yield at (sec (t + 1.5)) (QuoteReceived(quote put 19.95 20.05 (sec (t + 1.5))))
        yield at (sec (t + 1.7)) (QuoteReceived(quote underlyingId 99.99 100.01 (sec (t + 1.7)))) ]

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
        testCase "ModelTickAndUnchangedQuoteAlternating_NothingMoving_HedgesOnceForTheBrokerVol_ThenNoChurn" <| fun () ->
            let c, s, put = deepPutsHedged ()
            Expect.equal s.Legs.[0].VolSource ImpliedFromMid "no broker vol yet: the mid's"
            // The first model tick moves the leg to the broker's vol (one re-hedge); then nothing moves.
            let s, first = runFilled c s (modelTickAndQuotes put 2.0 1)
            Expect.equal (first |> List.length) 1 "one re-hedge to the broker's vol"
            let delta = s.Legs.[0].Greeks.Delta
            let s, later = runFilled c s (modelTickAndQuotes put 5.0 9)
            Expect.isEmpty later "no hedge while nothing moves: the quote does not replace the broker's vol by the mid's"
            Expect.equal s.Legs.[0].VolSource FromBroker "the broker's vol stands"
            Expect.floatClose { absolute = 1e-4; relative = 0.0 } s.Legs.[0].Greeks.Delta delta "the delta stays put (but for 27 s of time)"
        testCase "BrokerVolStale_QuoteMoving_LegTakesTheMidsVol" <| fun () ->
            let c, s, put = deepPutsHedged ()
            let s, _ = runFilled c s (modelTickAndQuotes put 2.0 1)
            // No model tick since 2 s; the underlying kept fresh, the put quoted again past stale_after (30 s).
            let t = 2.0 + Duration.toSeconds c.Guards.StaleAfter + 1.0
            let s, _ =
                runFilled c s
                    ([ for k in 0 .. 10 -> let u = sec (4.0 + 3.0 * float k) in at u (QuoteReceived(quote underlyingId 99.99 100.01 u)) ]
                     @ [ at (sec t) (QuoteReceived(quote put 19.95 20.05 (sec t))) ])
            Expect.equal s.Legs.[0].VolSource ImpliedFromMid "a stale broker vol gives way to the mid's"
            Expect.floatClose { absolute = 1e-3; relative = 0.0 } s.Legs.[0].Vol 0.336 "the vol the mid implies"
        testCase "BrokerVolWithinStaleAfter_StandsOverTheMid" <| fun () ->
            let c, s, put = deepPutsHedged ()
            let s, _ = runFilled c s (modelTickAndQuotes put 2.0 1)
            let t = 2.0 + Duration.toSeconds c.Guards.StaleAfter - 1.0
            let s, _ = runFilled c s [ at (sec t) (QuoteReceived(quote put 19.95 20.05 (sec t))) ]
            Expect.equal s.Legs.[0].VolSource FromBroker "fresh: kept"
            Expect.equal s.Legs.[0].Vol 0.25 "the broker's"
        testCase "NoBrokerVol_QuoteIsValuedAtTheVolItsMidImplies" <| fun () ->
            let _, s, _ = deepPutsHedged ()
            Expect.equal s.Legs.[0].VolSource ImpliedFromMid "the mid's"
            Expect.floatClose { absolute = 1e-3; relative = 0.0 } s.Legs.[0].Vol 0.336 "solved from 20.00"
        testCase "DataIvInPercent_IsNoVol_TheLegIsValuedAtItsMidsVol_AndHedgedAsWithoutIt" <| fun () ->
            // 10 ATM calls, three months: the data's iv 25 (percent) would value them at 2,500 % (delta 1: Sell 999).
            let withIv iv =
                startEvents cfg 100.0
                |> List.map (fun e ->
                    match e.Payload with
                    | QuoteReceived q when q.ContractId = cid 2 -> at e.Received (QuoteReceived { q with ImpliedVol = iv })
                    | _ -> e)
            let sPercent, cmdsPercent = runAll cfg (withIv 25.0)
            let sNone, cmdsNone = runAll cfg (withIv nan)
            Expect.equal sPercent.Legs.[0].VolSource ImpliedFromMid "not taken from the data"
            Expect.floatClose Accuracy.high sPercent.Legs.[0].Vol sNone.Legs.[0].Vol "the mid's vol, as with no iv"
            let size cmds = placed cmds |> List.map (fun o -> o.Side, o.Quantity)
            Expect.equal (size cmdsPercent) (size cmdsNone) "the same hedge as with no iv"
            let sFraction, _ = runAll cfg (withIv 0.25)
            Expect.equal (sFraction.Legs.[0].VolSource, sFraction.Legs.[0].Vol) (FromData, 0.25) "a fraction is taken"
        testCase "BrokerVolOutsideThePlausibleRange_IsIgnored_TheLegKeepsItsVol" <| fun () ->
            let c, s, put = deepPutsHedged ()
            for iv in [ 25.0; 0.005; infinity ] do
                let s2, cmds = Reducer.step c s (at (sec 2.0) (OptionComputationReceived(put, iv)))
                Expect.equal (s2.Legs.[0].VolSource, s2.Legs.[0].Vol) (s.Legs.[0].VolSource, s.Legs.[0].Vol) $"{iv} ignored"
                Expect.isEmpty (placed cmds) $"no hedge on {iv}"
        testCase "LegsWithImpliedVols_PassTheVolCheck" <| fun () ->
            let s, _ = runAll cfg (startEvents cfg 100.0)
            Expect.exists (SelfCheck.run cfg s).Checks (fun k -> k.Name = "vols_implied" && k.Passed) "passes"
    ]
