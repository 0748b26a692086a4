/// The bad-quote guard on the option legs: a leg quote far from the leg's model value (at its accepted vol and the
/// accepted price), or too wide to carry a price, is held — the leg keeps its accepted mark and vol, so no P&L, limit or
/// hedge moves on it — until it stands (a real move) or a quote agreeing with the model comes back.
module Bifrost.Domain.Tests.Trading.LegQuoteScenarioTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Strategy
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures

let cfg = config 2
let private call100 = cid 2
let private step = Reducer.step
let private alertsCoded code cmds = alerts cmds |> List.filter (fun a -> a.Code = code)
let private legQuote bid ask t = QuoteReceived(quote call100 bid ask t)
let private leg (s: State) = s.Legs.[(State.legIndex s call100).Value]

[<Tests>]
let tests =
    testList "Trading.LegQuoteScenario" [
        testCase "BadLegQuote_IsHeld_NoFakeProfitNoHalt_AndDroppedWhenThePriceComesBack" <| fun () ->
            let s0 = hedged cfg
            // The premise: taken as it comes, a call quoted at twice its value is 10 × 100 × 3.00 of P&L that never
            // traded; a take-profit at half of it would halt the hedger on it.
            let pnl0 = State.totalPnl cfg s0
            let c = { cfg with Risk = { cfg.Risk with TakeProfit = Some(pnl0 + 1_500.0) } }
            let vol0 = (leg s0).Vol
            let s, cmds = step c s0 (at (sec 1.5) (legQuote 5.9 6.1 (sec 1.5)))
            Expect.isEmpty (placed cmds) "no hedge on it"
            Expect.floatClose Accuracy.high (State.totalPnl c s) pnl0 "the leg keeps its accepted mark"
            Expect.equal (leg s).Vol vol0 "and its vol"
            let a = Props.single (alertsCoded "PRICE_JUMP" cmds)
            Expect.equal a.Severity Warning "a warning"
            Expect.stringContains a.Message "XYZ 20260329 C 100 mid 3.00 → 6.00 (+100.0 %)" "which leg, from and to"
            let s, _ = step c s (at (sec 1.8) ClockTicked)
            Expect.equal (FsmState.name s.Fsm) "Running/Idle" "no take-profit halt on a price that never traded"
            Expect.equal (SelfCheck.run c s).Health Health.Healthy "the hedge is sound: greeks at the accepted vol"
            let s, cmds = step c s (at (sec 2.2) (legQuote 2.95 3.05 (sec 2.2)))
            Expect.isNonEmpty (alertsCoded "BAD_QUOTE_DROPPED" cmds) "dropped"
            Expect.isTrue s.HeldQuotes.IsEmpty "no longer held"
            Expect.floatClose Accuracy.high (Quote.mid (leg s).Quote) 3.0 "priced at the real quote"

        testCase "RealLegMove_QuotedAtTheNewLevelForTheConfirmationTime_Stands_AndItsVolIsSolved" <| fun () ->
            let s = hedged cfg
            let vol0 = (leg s).Vol
            let s, _ = step cfg s (at (sec 1.5) (legQuote 5.9 6.1 (sec 1.5)))
            let s, _ = step cfg s (at (sec 2.5) (legQuote 5.95 6.15 (sec 2.5)))
            Expect.equal (leg s).Vol vol0 "still held within the confirmation time"
            let s, cmds = step cfg s (at (sec 3.5) (legQuote 5.9 6.1 (sec 3.5)))
            Expect.isNonEmpty (alertsCoded "PRICE_JUMP_STOOD" cmds) "stood"
            Expect.isGreaterThan (leg s).Vol (vol0 + 0.1) "the vol implied from the new level"
            Expect.floatClose Accuracy.high (Quote.mid (leg s).Quote) 6.0 "marked at it"

        testCase "WideLegQuote_CarriesNoPrice_IsHeldAndNeverStands_TheLegStaysFresh_ANarrowQuoteEndsIt" <| fun () ->
            let s = hedged cfg
            let pnl0 = State.totalPnl cfg s
            // A market maker's pulled quote: the mid sits inside the band, the spread spans dollars.
            let s, cmds = step cfg s (at (sec 1.5) (legQuote 0.5 6.5 (sec 1.5)))
            let a = Props.single (alertsCoded "WIDE_QUOTE" cmds)
            Expect.equal a.Severity Info "an info"
            Expect.stringContains a.Message "XYZ 20260329 C 100 quoted 0.50 / 6.50" "which leg, what quote"
            let s = [ 2.0 .. 1.0 .. 40.0 ] |> List.fold (fun s t -> fst (step cfg s (at (sec t) (legQuote 0.5 6.5 (sec t))))) s
            Expect.isFalse s.HeldQuotes.IsEmpty "never stands"
            Expect.floatClose Accuracy.high (State.totalPnl cfg s) pnl0 "marked at the last narrow quote"
            Expect.equal (Composite.freshnessOf cfg s call100) Fresh "quoted: not stale (a wide quote is still a quote)"
            Expect.equal ((Composite.classify cfg s).Freshness |> List.find (fst >> (=) call100) |> snd) Fresh "not stale for the hedger either"
            let s, cmds = step cfg s (at (sec 40.5) (legQuote 2.95 3.05 (sec 40.5)))
            Expect.isNonEmpty (alertsCoded "BAD_QUOTE_DROPPED" cmds) "narrow again"
            Expect.isTrue s.HeldQuotes.IsEmpty "no longer held"

        testCase "WhileALegQuoteIsHeld_AnOperatorOrderOnThatLeg_IsRefused_EvenWithTheRiskBypass" <| fun () ->
            let s = hedged cfg
            let s, _ = step cfg s (at (sec 1.5) (legQuote 5.9 6.1 (sec 1.5)))
            // A buy: an operator-owned sell of the strategy's calls is refused for the book's sake before its quote is judged.
            let cmds = manualWithBypass cfg s (sec 1.6) call100 Buy 1
            Expect.isEmpty (placed cmds) "not sent"
            Expect.exists cmds (function CompleteControl(7L, Refused why) -> why.Contains "price_jump" | _ -> false) "refused, named"

        testCase "ALegMoveWithinTheBand_IsPricedAtOnce_AndTheFirstLegQuoteOfAllIsTakenAsItComes" <| fun () ->
            let s = hedged cfg
            // 3.00 → 3.40: about two vol points of this call's vega (max_option_jump_vol_points 5).
            let s, cmds = step cfg s (at (sec 1.5) (legQuote 3.3 3.5 (sec 1.5)))
            Expect.isTrue s.HeldQuotes.IsEmpty "a move, not a jump"
            Expect.isEmpty (alertsCoded "PRICE_JUMP" cmds) "no alert"
            Expect.floatClose Accuracy.high (Quote.mid (leg s).Quote) 3.4 "priced"
            // At start the legs have no market-derived vol yet: nothing to judge against.
            let events = startEvents cfg 100.0 |> List.map (fun e ->
                match e.Payload with
                | QuoteReceived q when q.ContractId = call100 -> { e with Payload = QuoteReceived(quote call100 7.9 8.1 (sec 0.4)) }
                | _ -> e)
            let s, _ = runAll cfg events
            Expect.floatClose Accuracy.high (Quote.mid (leg s).Quote) 8.0 "taken"

        // Found by the property: the call out of the money at 0.70 with 0.73 of five vol points' vega — every price from
        // zero to double passed, and a print at 0.03 became the reference the real quotes were then held against.
        testCase "CheapLeg_QuotedAtAFewCents_IsHeld_ThoughFiveVolPointsOfItsVegaExceedItsValue" <| fun () ->
            let s = hedged cfg
            let s, _ = Reducer.run cfg s [ at (sec 1.5) (QuoteReceived(quote underlyingId 95.99 96.01 (sec 1.5)))
                                           at (sec 2.0) (QuoteReceived(quote underlyingId 92.19 92.21 (sec 2.0))) ]
            let l = leg s
            let value = l.Greeks.Price + l.QuoteBasis
            Expect.isGreaterThan (0.05 * l.Greeks.Vega) value "the premise: five vol points of vega are more than the call is worth"
            let s, cmds = step cfg s (at (sec 2.5) (legQuote 0.02 0.04 (sec 2.5)))
            Expect.isFalse s.HeldQuotes.IsEmpty $"held (expected {value:F2}, band {PriceJump.legBand cfg l:F2})"
            Expect.isNonEmpty (alertsCoded "PRICE_JUMP" cmds) "alerted"
            Expect.floatClose Accuracy.high (State.mark cfg s call100) (Attribution.mark l) "the call keeps its mark"

        testCase "WhileTheUnderlyingJumpIsHeld_LegQuotesAreNotJudged_TheyFollowThePriceThatMayStand" <| fun () ->
            let s = hedged cfg
            let s, _ = step cfg s (at (sec 1.5) (QuoteReceived(quote underlyingId 90.0 90.02 (sec 1.5))))
            Expect.isSome s.HeldJump "the underlying is held"
            let s, _ = step cfg s (at (sec 1.6) (legQuote 0.9 1.1 (sec 1.6)))
            Expect.isTrue s.HeldQuotes.IsEmpty "no model price to judge against while the price itself is in doubt"
            let s, cmds = step cfg s (at (sec 3.5) (QuoteReceived(quote underlyingId 90.0 90.02 (sec 3.5))))
            Expect.isNonEmpty (alertsCoded "PRICE_JUMP_STOOD" cmds) "the move stood"
            Expect.floatClose Accuracy.high (Quote.mid (leg s).Quote) 1.0 "the leg's quote at the new price"

        // A restart's first quote of a leg had no reference (no vol of this run): a stuck bad print was the leg's mark,
        // its vol and its delta. It is judged against the model at the vol the leg was last marked at (remembered).
        testCase "Restart_OntoABadLegQuote_IsHeldAgainstTheVolTheLegWasLastMarked_TheLegCarriedAtIt" <| fun () ->
            let s = hedged cfg
            let s, _ = step cfg s (at (sec 1.0) ClockTicked)
            let vol0 = (leg s).Vol
            Expect.floatClose Accuracy.medium (LegVols.find s.Memory.LegVols call100) vol0 "the call's mark vol is remembered"
            let restart (memory: EngineMemory) callBid callAsk =
                Reducer.run cfg (State.initial cfg)
                    (restartEvents cfg s memory 60.0 @
                     [ at (sec 60.4) (QuoteReceived(quote underlyingId 99.99 100.01 (sec 60.4)))
                       at (sec 60.5) (QuoteReceived(quote (cid 3) 2.95 3.05 (sec 60.5)))
                       at (sec 60.5) (legQuote callBid callAsk (sec 60.5)) ])
            let good, goodCmds = restart s.Memory 2.95 3.05
            // The premise: remembering no vol (a store from before), the stuck print is the call's mark and vol.
            let taken, _ = restart { s.Memory with LegVols = [||] } 5.9 6.1
            Expect.floatClose Accuracy.high (State.mark cfg taken call100) 6.0 "premise: marked on the bad print"
            Expect.isGreaterThan (leg taken).Vol (vol0 + 0.1) "premise: its vol solved from it"
            let r, cmds = restart s.Memory 5.9 6.1
            let a = Props.single (alertsCoded "PRICE_JUMP" cmds)
            Expect.stringContains a.Message "XYZ 20260329 C 100 mid 3.00 → 6.00 (+100.0 %)" "judged against the model at the remembered vol"
            Expect.floatClose Accuracy.medium (State.mark cfg r call100) 3.0 "the call carried at the model there"
            Expect.floatClose Accuracy.high (leg r).Vol vol0 "and at that vol"
            Expect.equal (placed cmds |> List.map (fun o -> o.Side, o.Quantity)) (placed goodCmds |> List.map (fun o -> o.Side, o.Quantity)) "hedged as on the real quote"
            Expect.floatClose Accuracy.medium r.Book.Delta good.Book.Delta "the book's delta as on the real quote"
            let r, cmds = step cfg r (at (sec 61.0) (legQuote 2.95 3.05 (sec 61.0)))
            Expect.isNonEmpty (alertsCoded "BAD_QUOTE_DROPPED" cmds) "dropped when the real quote comes"
            Expect.floatClose Accuracy.high (State.mark cfg r call100) 3.0 "priced at it"

        testCase "Restart_AFirstLegQuoteNearTheRememberedVol_IsTakenAtOnce" <| fun () ->
            let s = hedged cfg
            let s, _ = step cfg s (at (sec 1.0) ClockTicked)
            let r, cmds =
                Reducer.run cfg (State.initial cfg)
                    [ at (sec 60.0) (EngineStarted(restoredFrom s))
                      at (sec 60.1) (QuoteReceived(quote underlyingId 99.99 100.01 (sec 60.1)))
                      at (sec 60.2) (legQuote 3.15 3.25 (sec 60.2)) ]
            Expect.isEmpty (alertsCoded "PRICE_JUMP" cmds) "a move within the band"
            Expect.isTrue r.HeldQuotes.IsEmpty "not held"
            Expect.floatClose Accuracy.high (State.mark cfg r call100) 3.2 "marked at it"

        // Live, a leg's vol is IB's model vol (tick 13), which the mid need not reproduce (American exercise, dividends,
        // IB's own surface): the mark is the mid, the model at that vol sits a basis off it. IB sends −1 for a side a
        // market maker pulls (NaN here): the leg was then marked at the bare model, its P&L jumping by the basis with
        // nothing traded, a clock step meanwhile raising the high-water mark, and the side's return read as a drawdown.
        testCase "LegAskPulled_UnderTheBrokersVol_KeepsItsLastMidAsItsMark_NoFakeGainNoDrawdownHalt" <| fun () ->
            let c = { cfg with Risk = { cfg.Risk with MaxDrawdown = 300.0 } }
            let s = hedged c
            let s, _ = step c s (at (sec 1.0) (OptionComputationReceived(call100, 0.15)))
            let l = leg s
            Expect.equal l.VolSource FromBroker "the premise: the call at IB's model vol"
            Expect.isGreaterThan (abs l.QuoteBasis) 0.3 "the premise: the mid 3.00 sits well off the model at it"
            let pnl0 = State.totalPnl c s
            let s, _ = step c s (at (sec 1.1) ClockTicked)
            let tick t field v = at (sec t) (TickReceived(call100, field, v))
            let pulled, _ = step c s (tick 1.5 AskPrice nan)
            let s, _ = step c pulled (at (sec 2.0) ClockTicked)
            let s, _ = step c s (tick 2.5 AskPrice 3.1)
            let s, _ = step c s (at (sec 3.0) ClockTicked)
            Expect.equal (FsmState.name s.Fsm) "Running/Idle" "no MAX_DRAWDOWN halt on a gain that never was"
            Expect.floatClose Accuracy.medium (State.mark c pulled call100) 3.0 "the call kept its last mid, carried by its model"
            Expect.isLessThan (abs (State.totalPnl c pulled - pnl0)) 1.0 "no P&L from a side pulled"

        testCase "HeldLegQuote_WhenTheUnderlyingsPriceBecomesHeld_IsReleasedUnjudged_NotSaidToHaveComeBack" <| fun () ->
            let s = hedged cfg
            let s, _ = step cfg s (at (sec 1.5) (legQuote 5.9 6.1 (sec 1.5)))
            Expect.isFalse s.HeldQuotes.IsEmpty "the leg quote is held"
            let s, _ = step cfg s (at (sec 1.6) (QuoteReceived(quote underlyingId 90.0 90.02 (sec 1.6))))
            Expect.isSome s.HeldJump "the underlying is held"
            let s, cmds = step cfg s (at (sec 1.7) (legQuote 5.9 6.1 (sec 1.7)))
            Expect.isTrue s.HeldQuotes.IsEmpty "released"
            Expect.isEmpty (alertsCoded "BAD_QUOTE_DROPPED" cmds) "the quote did not come back: it is not reported dropped"
            let a = Props.single (alertsCoded "PRICE_JUMP_RELEASED" cmds)
            Expect.equal a.Severity Info "an info"
            Expect.stringContains a.Message "XYZ 20260329 C 100: PRICE_JUMP released unjudged after 0.2 s (3.00 → 6.00 (+100.0 %)): XYZ's own price is held" "which leg, why"
    ]
