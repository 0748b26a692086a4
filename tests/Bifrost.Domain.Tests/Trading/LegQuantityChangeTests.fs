/// A leg's quantity in `strategy.legs` changed after the book was adopted, and the daemon restarted. The configured
/// quantity is adopted at a leg's first sync only; after that the strategy's holding moves by its own fills and the
/// operator's confirm_book. A raised quantity (the operator bought 5 more calls in TWS and wrote 15) was ignored
/// silently: the engine ran GREEN hedging the 10 it held, the 5 the configuration gave the strategy unhedged; a lowered
/// one hedged contracts the configuration no longer gave it. Now the engine remembers each leg's configured quantity
/// and halts (LEG_QUANTITY_CHANGED) while the configuration says another book than the strategy holds.
module Bifrost.Domain.Tests.Trading.LegQuantityChangeTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures

/// The configuration with leg `i`'s quantity set to `q`.
let withQuantity (i: int) (q: int) (c: Config) =
    { c with Strategy = { c.Strategy with Legs = c.Strategy.Legs |> List.mapi (fun j l -> if j = i then { l with Quantity = q } else l) } }

let private changed (cmds: Command list) = alerts cmds |> List.filter (fun a -> a.Code = "LEG_QUANTITY_CHANGED")
let private isRunning = function Running _ -> true | _ -> false
let private isHalted = function Halted _ -> true | _ -> false

/// Every leg and the underlying quoted at `t` (the legs at 3.00, the underlying at `spot`).
let private quotesAt (c: Config) (spot: float) (t: float) =
    [ for l in c.Strategy.Legs do at (sec t) (QuoteReceived(quote l.Option.ContractId 2.9 3.1 (sec t)))
      at (sec t) (QuoteReceived(quote underlyingId (spot - 0.01) (spot + 0.01) (sec t))) ]

/// A restart of `s`'s engine under `c'` at `t`, the account holding `calls` calls (cid 2), the puts and the hedge as
/// the strategy holds them; `extra`: the broker's executions listed during the sync.
let private restartWith (c': Config) (s: State) (memory: EngineMemory) (calls: int) (extra: Event list) (t: float) =
    [ at (sec t) (EngineStarted { restoredFrom s with Memory = Some memory })
      at (sec (t + 0.1)) (BrokerConnected [ c'.Account ])
      at (sec (t + 0.2)) (PositionReported(cid 2, calls, 3.0))
      at (sec (t + 0.2)) (PositionReported(cid 3, 10, 3.0))
      at (sec (t + 0.2)) (PositionReported(underlyingId, State.hedgePosition c' s, 100.0))
      at (sec (t + 0.3)) PositionsEnded; at (sec (t + 0.3)) OpenOrdersEnded ]
    @ extra @ [ at (sec (t + 0.3)) ExecutionsEnded ] @ quotesAt c' 100.0 (t + 1.0) @ [ at (sec (t + 2.0)) ClockTicked ]

/// The operator's purchase of `q` calls in TWS (client 0, no Bifrost ref), listed by the sync's reqExecutions.
let private boughtInTws (q: int) (t: float) =
    at (sec t) (ExecutionReported { ExecId = ExecId.create "tws1" |> Result.get; IbOrderId = 0; PermId = 7L; ClientId = 0; Ref = ""
                                    ContractId = cid 2; Side = Buy; Quantity = q; Price = 3.0 })

[<Tests>]
let tests =
    let c2 = config 2
    testList "Trading.LegQuantityChange" [
        testCase "Restart_AfterTheOperatorBoughtMoreOfALeg_AndRaisedItsQuantity_HaltsNamingTheLeg_NothingHedgedOnTheOldBook" <| fun () ->
            let s = hedged c2
            let c' = withQuantity 0 15 c2
            let r, cmds = Reducer.run c' (State.initial c') (restartWith c' s s.Memory 15 [ boughtInTws 5 100.25 ] 100.0)
            let a = Props.single (changed cmds)
            Expect.equal a.Severity Critical "critical"
            Expect.stringContains a.Message "XYZ 20260329 C 100: strategy.legs quantity 15, 10 when the strategy last took it; the strategy holds 10, the account 15" "names the leg as a trader reads it, with both quantities"
            Expect.stringContains a.Message "confirm_book" "says the way out"
            Expect.isTrue (isHalted r.Fsm) $"halted (before: running on 10 calls, the 5 the configuration gave the strategy unhedged), got {FsmState.name r.Fsm}"
            Expect.isEmpty (placed cmds |> List.filter (fun o -> o.Purpose = Hedge)) "nothing hedged"
            let r, cmds = Reducer.run c' r [ at (sec 110.0) (ControlRequested(Resume, meta 1L)) ]
            let r, cmds2 = Reducer.run c' r (restartWith c' s s.Memory 15 [] 110.0 |> List.skip 2)
            Expect.isNonEmpty (changed (cmds @ cmds2)) "a resume syncs again and halts again"
            Expect.isFalse (isRunning r.Fsm) "not running"
        testCase "Restart_WithALegsQuantityRaisedInTheConfig_TheAccountHoldingTheOldBook_Halts" <| fun () ->
            let s = hedged c2
            let c' = withQuantity 0 15 c2
            let r, cmds = Reducer.run c' (State.initial c') (restartWith c' s s.Memory 10 [] 100.0)
            Expect.stringContains (Props.single (changed cmds)).Message "strategy.legs quantity 15, 10 when the strategy last took it; the strategy holds 10, the account 10" "named"
            Expect.isTrue (isHalted r.Fsm) $"halted, got {FsmState.name r.Fsm}"
        testCase "Restart_WithALegsQuantityLoweredInTheConfig_Halts_NotHedgingTheContractsItNoLongerGives" <| fun () ->
            let s = hedged c2
            let c' = withQuantity 1 4 c2
            let r, cmds = Reducer.run c' (State.initial c') (restartWith c' s s.Memory 10 [] 100.0)
            Expect.stringContains (Props.single (changed cmds)).Message "XYZ 20260329 P 100: strategy.legs quantity 4, 10 when the strategy last took it; the strategy holds 10" "named"
            Expect.isTrue (isHalted r.Fsm) $"halted, got {FsmState.name r.Fsm}"
        testCase "ConfirmBook_AtTheNewQuantity_TakesIt_AndTheResumeHedgesTheWholeBook" <| fun () ->
            let s = hedged c2
            let c' = withQuantity 0 15 c2
            let r, _ = Reducer.run c' (State.initial c') (restartWith c' s s.Memory 15 [ boughtInTws 5 100.25 ] 100.0)
            let confirm = at (sec 110.0) (BookConfirmRequested { Legs = [ cid 2, 15 ]; Meta = meta 2L })
            let r, cmds = Reducer.run c' r (confirm :: (restartWith c' s s.Memory 15 [] 110.0 |> List.skip 2))
            Expect.isEmpty (changed cmds) "confirmed: not told again"
            Expect.equal (State.qtyOf r (cid 2)) 15 "the strategy holds 15 calls"
            let r, cmds = Reducer.run c' r (at (sec 120.0) (ControlRequested(Resume, meta 3L)) :: quotesAt c' 100.0 121.0 @ [ at (sec 122.0) ClockTicked ])
            Expect.isTrue (isRunning r.Fsm) $"running, got {FsmState.name r.Fsm}"
            let hedge = placed cmds |> List.find (fun o -> o.Purpose = Hedge)
            Expect.equal hedge.Side Sell "the 5 calls' delta hedged"
            let r, _ = Reducer.step c' r (at (sec 123.0) (execFor hedge hedge.Quantity 100.0 "h2"))
            // The next restart under the same configuration: nothing changed since the confirmation.
            let again, cmds = Reducer.run c' (State.initial c') (restartWith c' r (Restart.memoryOf r) 15 [] 200.0)
            Expect.isEmpty (changed cmds) "remembered: not told at the next restart"
            Expect.isFalse (isHalted again.Fsm) $"not halted, got {FsmState.name again.Fsm}"
        testCase "Restart_WithTheQuantityBackAsItWas_RunsOnceTheOperatorResumes" <| fun () ->
            let s = hedged c2
            let c' = withQuantity 0 15 c2
            let r, _ = Reducer.run c' (State.initial c') (restartWith c' s s.Memory 10 [] 100.0)
            let back, cmds = Reducer.run c2 (State.initial c2) (restartWith c2 s (Restart.memoryOf r) 10 [] 200.0)
            Expect.isEmpty (changed cmds) "the configuration as the strategy took it"
            let back, _ = Reducer.run c2 back (at (sec 210.0) (ControlRequested(Resume, meta 4L)) :: (restartWith c2 s s.Memory 10 [] 210.0 |> List.skip 2))
            Expect.isTrue (isRunning back.Fsm) $"running, got {FsmState.name back.Fsm}"
        testCase "Restart_WithTheQuantitySetToWhatTheStrategyHolds_AfterARebalance_Runs" <| fun () ->
            // The strategy sold 4 of its 10 puts by a rebalance; the operator writes 6 in the configuration to match.
            let s = hedged c2
            let sell = { RunId = "r1-reb1"; Targets = [ cid 3, 6 ]; RiskBypass = false; Meta = meta 9L }
            let s, cmds = Reducer.step c2 s (at (sec 1.0) (RebalanceRequested sell))
            let o = placed cmds |> List.find (fun o -> o.ContractId = cid 3)
            let s, _ = Reducer.step c2 s (at (sec 1.1) (execFor o 4 3.0 "p1"))
            let c' = withQuantity 1 6 c2
            let events =
                restartWith c' s s.Memory 10 [] 100.0
                |> List.map (fun e -> match e.Payload with PositionReported(id, _, px) when id = cid 3 -> { e with Payload = PositionReported(id, 6, px) } | _ -> e)
            let r, cmds = Reducer.run c' (State.initial c') events
            Expect.isEmpty (changed cmds) "the configuration says what the strategy holds"
            Expect.isTrue (isRunning r.Fsm) $"running, got {FsmState.name r.Fsm}"
        testCase "Restart_WithALegTheStrategyClosed_TakenOutThenPutBackAtItsOldQuantity_Halts_NotRunningOnNoneOfIt" <| fun () ->
            // The puts closed by a rebalance and taken out of the configuration; weeks later the operator buys 10 in TWS
            // and puts the leg back as it was (quantity 10). A leg is adopted once: the strategy holds none of them.
            let c2 = { c2 with Risk = { c2.Risk with MaxPosition = 5_000 } }
            let s = hedged c2
            let close = { RunId = "r1-reb1"; Targets = [ cid 3, 0 ]; RiskBypass = false; Meta = meta 9L }
            let s, cmds = Reducer.step c2 s (at (sec 1.0) (RebalanceRequested close))
            let o = placed cmds |> List.find (fun o -> o.ContractId = cid 3)
            let s, _ = Reducer.step c2 s (at (sec 1.1) (execFor o 10 3.0 "p1"))
            let c1 = LegConfigChangeTests.without [ 1 ] c2
            let events =
                restartWith c1 s s.Memory 10 [] 100.0
                |> List.filter (fun e -> match e.Payload with PositionReported(id, _, _) when id = cid 3 -> false | _ -> true)
            let out, cmds = Reducer.run c1 (State.initial c1) events
            Expect.isEmpty (changed cmds) "the puts out of the configuration, none held: nothing told"
            Expect.isTrue (isRunning out.Fsm) $"running, got {FsmState.name out.Fsm}"
            let back, cmds = Reducer.run c2 (State.initial c2) (restartWith c2 out (Restart.memoryOf out) 10 [] 200.0)
            Expect.stringContains (Props.single (changed cmds)).Message "XYZ 20260329 P 100: strategy.legs quantity 10, 0 when the strategy last took it; the strategy holds 0, the account 10" "named"
            Expect.isTrue (isHalted back.Fsm) $"halted (before: running, the 10 puts the configuration lists unhedged), got {FsmState.name back.Fsm}"
        testCase "Restart_OnAMemoryWithoutConfiguredQuantities_TakesTheConfigurationAsItIs" <| fun () ->
            // A memory written before the configured quantities were kept: nothing to judge against, remembered from now.
            let s = hedged c2
            let old = { s.Memory with OptionBook = { s.Memory.OptionBook with Configured = Map.empty } }
            let r, cmds = Reducer.run c2 (State.initial c2) (restartWith c2 s old 10 [] 100.0)
            Expect.isEmpty (changed cmds) "not told"
            Expect.isTrue (isRunning r.Fsm) $"running, got {FsmState.name r.Fsm}"
            Expect.equal r.OptionBook.Configured (Map [ 2, 10; 3, 10 ]) "remembered from this start"
    ]
