/// The hedge's size against the market it trades in: whole lots, the band's edge, the limits.
module Bifrost.Domain.Tests.Trading.HedgeSizingScenarioTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests.Fixtures

/// One leg (10 calls at 100, ~560 shares of delta at 100), hedged to the band's edge in round lots of 100, the band
/// (500) wider than the hard limit (300) and so clamped to it.
let private roundLotsToTheEdge () =
    let c0 = config 1
    { c0 with
        Strategy =
            { c0.Strategy with
                Rules = [ FixedBand(500.0, Shares) ]; HedgeTo = ToBandEdge; LotSize = 100; HardDeltaLimit = 300.0 } }

[<Tests>]
let tests =
    testList "Trading.HedgeSizingScenario" [
        // Found in review: to the band's edge a hedge rounded toward zero, so the first hedge (260 shares past the edge:
        // 200) left delta beyond the hard limit, and every later one (60 past: no lot) was BELOW_MIN_SIZE: RED for good,
        // the hedger idle, until the stock moved a lot's worth of delta further.
        testCase "ToTheBandEdge_InRoundLots_TheHedgeBringsDeltaWithinTheHardLimit_NotALotShort" <| fun () ->
            let c = roundLotsToTheEdge ()
            Expect.isOk (Config.validate c) "a valid configuration"
            let s, cmds = runAll c (startEvents c 100.0)
            let first = placed cmds |> List.exactlyOne
            Expect.isGreaterThan (State.deviation c s) 300.0 "before the hedge, beyond the hard limit"
            let s, _ = Reducer.step c s (at (sec 0.6) (execFor first first.Quantity 100.0 "e0"))
            // Past the cooldown, quotes still fresh: whatever the hedger still has to do, it does now.
            let s, cmds = Reducer.step c s (at (sec 3.0) ClockTicked)
            let s =
                match placed cmds with
                | [ more ] -> fst (Reducer.step c s (at (sec 3.1) (execFor more more.Quantity 100.0 "e1")))
                | _ -> s
            let dev = State.deviation c s
            Expect.isLessThanOrEqual (abs dev) 300.0 $"delta within the hard limit (deviation {dev:F1})"
            Expect.notEqual (SelfCheck.run c s).Health Health.Blocked "not RED"
            Expect.equal (State.hedgePosition c s % 100) 0 "round lots only"
    ]
