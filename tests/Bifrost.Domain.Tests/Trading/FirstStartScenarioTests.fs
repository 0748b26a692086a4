/// The first sync of a store that has never traded. The account may already hold the underlying: the operator's
/// shares, or the hedge of an earlier store (store.path mistyped, the file lost). Taken silently as the operator's,
/// the hedger would sell the legs' delta a second time on top of an old hedge; so the engine asks once.
module Bifrost.Domain.Tests.Trading.FirstStartScenarioTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures

let cfg = config 1

let step s e = Reducer.step cfg s e

/// The start-up events with the account also holding `shares` of the underlying.
let startHolding (shares: int) =
    startEvents cfg 100.0
    |> List.collect (function { Payload = PositionsEnded } as e -> [ at e.Received (PositionReported(underlyingId, shares, 100.0)); e ] | e -> [ e ])

let firstStartAlerts cmds = alerts cmds |> List.filter (fun a -> a.Code = "FIRST_START_POSITION")

[<Tests>]
let tests =
    testList "Trading.FirstStartScenario" [
        testCase "FirstStart_WithTheUnderlyingAlreadyHeld_PausesAndAsks_NoHedgeUntilTheOperatorResumes" <| fun () ->
            let s, cmds = runAll cfg (startHolding -568)
            Expect.isEmpty (placed cmds) "no SELL 568 on top of what may be yesterday's hedge"
            let alert = firstStartAlerts cmds |> List.exactlyOne
            Expect.equal alert.Severity Critical "critical"
            Expect.stringContains alert.Message "-568 XYZ" "names the position"
            Expect.stringContains alert.Message "store.path" "says how to recover a lost store"
            Expect.equal s.Fsm Paused "paused"
            Expect.notEqual (SelfCheck.run cfg s).Health Health.Healthy "not GREEN"
            // Quotes go on; nothing is sent while paused.
            let s, cmds = Reducer.run cfg s [ at (sec 5.0) (QuoteReceived(quote underlyingId 99.99 100.01 (sec 5.0))); at (sec 5.0) ClockTicked ]
            Expect.isEmpty (placed cmds) "still paused"
            // Resume: the shares are the operator's, external; the legs are hedged as if they were not there.
            let s, cmds = Reducer.run cfg s [ at (sec 5.5) (QuoteReceived(quote (cid 2) 2.9 3.1 (sec 5.5))); at (sec 6.0) (ControlRequested(Resume, meta 2L)) ]
            let hedge = placed cmds |> List.exactlyOne
            let _, clean = runAll cfg (startEvents cfg 100.0)
            Expect.equal (hedge.Side, hedge.Quantity) (let o = placed clean |> List.exactlyOne in o.Side, o.Quantity) "the same hedge as on an account without the shares"
            Expect.equal (Portfolio.view underlyingId s.Portfolio).External -568 "the shares stay the operator's"
        testCase "FirstStart_WithoutTheUnderlying_HedgesAtOnce_WithoutAsking" <| fun () ->
            let _, cmds = runAll cfg (startEvents cfg 100.0)
            Expect.isEmpty (firstStartAlerts cmds) "nothing to ask"
            Expect.equal (placed cmds |> List.length) 1 "hedged"
        testCase "Restart_WhilePausedOnTheQuestion_StaysPaused_AndDoesNotAskAgain" <| fun () ->
            let s, _ = runAll cfg (startHolding 300)
            Expect.equal s.Fsm Paused "asked"
            let restored =
                { Restored.empty with
                    Holdings = [ (cid 2, s.Portfolio.Held.[0]) ]; Memory = Some { s.Memory with OptionBook = s.OptionBook } }
            let events =
                [ at (sec 10.0) (EngineStarted restored); at (sec 10.1) (BrokerConnected [ cfg.Account ])
                  at (sec 10.2) (PositionReported(cid 2, 10, 3.0)); at (sec 10.2) (PositionReported(underlyingId, 300, 100.0))
                  at (sec 10.3) PositionsEnded; at (sec 10.3) OpenOrdersEnded; at (sec 10.3) ExecutionsEnded
                  at (sec 10.4) (QuoteReceived(quote (cid 2) 2.9 3.1 (sec 10.4))); at (sec 10.5) (QuoteReceived(quote underlyingId 99.99 100.01 (sec 10.5))) ]
            let s2, cmds = Reducer.run cfg (State.initial cfg) events
            Expect.equal s2.Fsm Paused "the pause is remembered"
            Expect.isEmpty (firstStartAlerts cmds) "asked once, not at every start"
            Expect.isEmpty (placed cmds) "nothing sent"
        testCase "Restart_OfAStoreThatTraded_WithTheOperatorsShares_DoesNotAsk" <| fun () ->
            let s, cmds = runAll cfg (startEvents cfg 100.0)
            let hedge = placed cmds |> List.exactlyOne
            let s, _ = step s (at (sec 1.0) (execFor hedge hedge.Quantity 100.0 "e1"))
            let restored =
                { Restored.empty with
                    OrderIdHighWater = hedge.IbOrderId; NextOrderSeq = 2L; Orders = [ s.Orders.[hedge.Ref] ]
                    Holdings = Portfolio.holdings s.Portfolio; Memory = Some { s.Memory with OptionBook = s.OptionBook } }
            let events =
                [ at (sec 10.0) (EngineStarted restored); at (sec 10.1) (BrokerConnected [ cfg.Account ])
                  at (sec 10.2) (PositionReported(cid 2, 10, 3.0)); at (sec 10.2) (PositionReported(underlyingId, 300 - hedge.Quantity, 100.0))
                  at (sec 10.3) PositionsEnded; at (sec 10.3) OpenOrdersEnded; at (sec 10.3) ExecutionsEnded ]
            let s2, cmds = Reducer.run cfg (State.initial cfg) events
            Expect.isEmpty (firstStartAlerts cmds) "a store with history knows its hedge"
            Expect.equal (Portfolio.view underlyingId s2.Portfolio).External 300 "the operator's 300 are external"
            Expect.isTrue (match s2.Fsm with Running _ -> true | _ -> false) $"{s2.Fsm}"
    ]
