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

/// The one leg's book (~594 shares of delta at 100) under a max_position of 500 shares.
let private positionCapped () =
    let c0 = config 1
    { c0 with Risk = { c0.Risk with MaxPosition = 500 } }

let private blockCodes (cmds: Command list) =
    ops cmds |> List.filter (fun o -> o.Kind = OperationKind.GuardBlocked) |> List.map (fun o -> o.Detail.Split(" | ").[0])

/// Started with the underlying quoted `bid`/`ask` and hedges limited `bps` beyond the touch: the first hedge.
let private firstHedgeQuoted (legCount: int) (bps: float) (bid: float) (ask: float) =
    let c0 = config legCount
    let c = { c0 with Strategy = { c0.Strategy with HedgeLimitOffsetBps = Some bps } }
    let events = startEvents c (0.5 * (bid + ask))
    let quoted = List.take (events.Length - 1) events @ [ at (sec 0.5) (QuoteReceived(quote underlyingId bid ask (sec 0.5))) ]
    runAll c quoted |> snd |> placed |> List.exactlyOne

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
            // Found in review: a hedge that would carry the stock past risk.max_position was refused whole, so the book's
        // delta stood open, all of it, where a hedge up to the limit took off all but the excess (RED either way: what
        // the limit refuses stays named).
        testCase "AHedgeLargerThanThePositionLimit_SellsUpToTheLimit_TheRestRefusedAndNamed" <| fun () ->
            let c = positionCapped ()
            let s, cmds = runAll c (startEvents c 100.0)
            let due = State.deviation c s
            Expect.isGreaterThan due 550.0 "the book needs more stock than the limit allows"
            let hedge = placed cmds |> List.exactlyOne
            Expect.equal (hedge.Side, hedge.Quantity) (Sell, 500) "sold up to the limit"
            let intent = ops cmds |> List.find (fun o -> o.Kind = OperationKind.Intent)
            Expect.stringContains intent.Detail "risk.max_position 500" "the intent says it was held to the limit"
            let s, _ = Reducer.step c s (at (sec 0.6) (execFor hedge 500 100.0 "e0"))
            Expect.equal (State.hedgePosition c s) -500 "at the limit, not past it"
            let s, cmds = Reducer.step c s (at (sec 3.0) ClockTicked)
            Expect.isEmpty (placed cmds) "nothing past the limit"
            Expect.equal (blockCodes cmds) [ "POSITION_LIMIT" ] "the rest refused by the limit, named"
            let r = SelfCheck.run c s
            Expect.equal r.Health Health.Blocked "RED: delta still outside the band"
            Expect.contains r.BlockReasons BlockReason.PositionLimit "named"
        // Found in review: a strategy long past the limit whose book then wants it short past the limit on the other side
        // (a straddle's calls taking over) was refused whole, though selling down to the limit strictly reduces both the
        // position and delta (risk limits never block the trade that reduces risk): +550 shares over a 500 limit stood,
        // with 1,144 shares of delta open.
        testCase "APositionOverTheLimit_WhoseHedgeWouldCrossTheOtherLimit_IsSoldDownToThatLimit" <| fun () ->
            let c0 = config 1
            let s = hedged c0
            let own = State.hedgePosition c0 s
            let buyQty = 550 - own
            let buy =
                { RunId = "m7"; ContractId = underlyingId; Side = Buy; Quantity = buyQty; Type = Market; RiskBypass = true
                  Meta = meta 7L; AdjustsStrategy = true }
            // Past the first hedge's cooldown, the quotes still fresh.
            let s, cmds = Reducer.step c0 s (at (sec 2.0) (ManualOrderRequested buy))
            let order = placed cmds |> List.exactlyOne
            // The limit lowered to 500 (a restart with a tighter configuration): +550 is over it.
            let c = positionCapped ()
            let s, _ = Reducer.step c s (at (sec 2.1) (execFor order buyQty 100.0 "e1"))
            Expect.equal (State.hedgePosition c s) 550 "over the limit"
            Expect.isLessThan (550.0 - State.deviation c s) -550.0 "the whole hedge would end further from flat than +550, past -500"
            let s, cmds = Reducer.step c s (at (sec 2.2) ClockTicked)
            let hedge = placed cmds |> List.exactlyOne
            Expect.equal (hedge.Side, hedge.Quantity) (Sell, 1_050) "sold down to -500"
            let s, _ = Reducer.step c s (at (sec 2.3) (execFor hedge hedge.Quantity 100.0 "e2"))
            Expect.equal (State.hedgePosition c s) -500 "within the limit"
            // A clip to the limit smaller than a hedge may be (min_hedge_shares) is no hedge: the limit refuses it and the
        // light names the limit (RED), not BELOW_MIN_SIZE, which passes on its own (YELLOW for good).
        testCase "LessThanAHedgeOfRoomBeforeTheLimit_TheLimitRefusesIt_AndTheLightNamesIt" <| fun () ->
            let c0 = positionCapped ()
            let c = { c0 with Strategy = { c0.Strategy with MinHedgeShares = 50 } }
            Expect.isOk (Config.validate c) "a valid configuration"
            let s, cmds = runAll c (startEvents c 100.0)
            let hedge = placed cmds |> List.exactlyOne
            let s, _ = Reducer.step c s (at (sec 0.6) (execFor hedge hedge.Quantity 100.0 "e0"))
            let buy =
                { RunId = "m7"; ContractId = underlyingId; Side = Buy; Quantity = 20; Type = Market; RiskBypass = false
                  Meta = meta 7L; AdjustsStrategy = true }
            let s, cmds = Reducer.step c s (at (sec 2.0) (ManualOrderRequested buy))
            let order = placed cmds |> List.exactlyOne
            let s, _ = Reducer.step c s (at (sec 2.1) (execFor order 20 100.0 "e1"))
            Expect.equal (State.hedgePosition c s) -480 "20 shares of room before the limit"
            let s, cmds = Reducer.step c s (at (sec 2.2) ClockTicked)
            Expect.isEmpty (placed cmds) "no 20-share hedge under min_hedge_shares 50"
            Expect.equal (blockCodes cmds) [ "POSITION_LIMIT" ] "refused by the limit"
            let r = SelfCheck.run c s
            Expect.equal r.Health Health.Blocked "RED"
            Expect.contains r.BlockReasons BlockReason.PositionLimit "named"
        // Found in review: the limit was counted in cents as the binary product stood, so a price whose product fell a
        // hair off a whole cent was rounded a cent further: 150.00 less 20 bps (149.70) sent at 149.69, an ask of 10.05 at
        // the touch (0 bps) sent at 10.06 — a cent through the price the offset allows, on ~4.6 % of cent prices at 0 bps.
        testCase "TheHedgesLimit_IsTheTouchMovedByTheOffset_NotACentFurther" <| fun () ->
            let sell = firstHedgeQuoted 1 20.0 150.00 150.01
            Expect.equal (sell.Side, sell.Type) (Sell, Limit 149.70) "the bid 150.00 less 20 bps"
            let sellAtTouch = firstHedgeQuoted 1 0.0 10.03 10.04
            Expect.equal (sellAtTouch.Side, sellAtTouch.Type) (Sell, Limit 10.03) "at the bid"
            let buyAtTouch = firstHedgeQuoted 2 0.0 10.04 10.05
            Expect.equal (buyAtTouch.Side, buyAtTouch.Type) (Buy, Limit 10.05) "at the ask"
            let buy = firstHedgeQuoted 2 20.0 74.99 75.00
            Expect.equal (buy.Side, buy.Type) (Buy, Limit 75.15) "the ask 75.00 plus 20 bps"
            let marketable = firstHedgeQuoted 1 5.0 100.02 100.03
            Expect.equal marketable.Type (Limit 99.96) "a part of a cent rounds away from the touch (100.02 less 5 bps is 99.969)"
    ]
