/// A leg taken out of `strategy.legs` (a roll, an expiry, a typo) and the daemon restarted. The store holds the
/// strategy's fills on it; the restart read them through the configuration: a leg no longer listed was dropped from
/// the hedge (its delta unhedged under a GREEN light: the hedger sold 428 shares against the calls alone), its fills
/// counted ×1 (the day's P&L moved by 99 % of the leg's realised P&L) and an expired leg's exercise forgotten (the
/// 1,000 delivered shares gone from the strategy: the hedger bought them again). Now the engine remembers every leg's
/// terms, reads the store by them whatever the configuration says, and halts (LEG_UNCONFIGURED) while the strategy
/// holds a leg the configuration does not list.
module Bifrost.Domain.Tests.Trading.LegConfigChangeTests

open Expecto
open FsCheck.FSharp
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures
open Bifrost.Domain.Tests.Trading.BrokerModel
open Bifrost.Domain.Tests.Trading.RestartProperties

/// The configuration with these legs (indexes) taken out.
let without (dropped: int list) (c: Config) =
    { c with Strategy = { c.Strategy with Legs = c.Strategy.Legs |> List.indexed |> List.filter (fun (i, _) -> not (List.contains i dropped)) |> List.map snd } }

let private unlisted (cmds: Command list) = alerts cmds |> List.filter (fun a -> a.Code = "LEG_UNCONFIGURED")
let private isRunning = function Running _ -> true | _ -> false

/// The broker's answers to a sync (the account as `s` holds it: its legs and hedge), at `t` seconds.
let private syncAnswers (s: State) (t: float) =
    [ for KeyValue(k, q) in s.Portfolio.Strategy do
          if q.Quantity <> 0 then at (sec t) (PositionReported(ContractId.create k |> Result.get, q.Quantity, 3.0))
      at (sec t) PositionsEnded; at (sec t) OpenOrdersEnded; at (sec t) ExecutionsEnded ]

/// Every leg and the underlying quoted at `t` (the legs at 3.00, the underlying at `spot`).
let private quotesAt (c: Config) (spot: float) (t: float) =
    [ for l in c.Strategy.Legs do at (sec t) (QuoteReceived(quote l.Option.ContractId 2.9 3.1 (sec t)))
      at (sec t) (QuoteReceived(quote underlyingId (spot - 0.01) (spot + 0.01) (sec t))) ]

/// The 10 calls and 10 puts hedged at 100; restarted at 100 s under `c'` on what the store keeps; synced; quoted.
let private restartUnder (c2: Config) (c': Config) =
    let s = hedged c2
    let r, cmds = Reducer.run c' (State.initial c') (restartEvents c' s s.Memory 100.0)
    let r, later = Reducer.run c' r (quotesAt c' 100.0 101.0 @ [ at (sec 102.0) ClockTicked ])
    s, r, cmds @ later

/// The store of `expiringOutOfTheMoney`'s calls, expired in the money at 105 (exercised: +1,000 shares) — the fills
/// as the store holds them (the calls bought, the hedge sold), not the expiry's close, which the memory keeps.
let private afterAnExercise () =
    let c = ExpiryScenarioTests.expiringOutOfTheMoney ExpiryScenarioTests.cfg
    let s = ExpiryScenarioTests.hedgedThenAt c 105.0
    let s, _ = Reducer.step c s (at (sec 9.0) (QuoteReceived(quote (cid 2) 4.99 5.01 (sec 9.0))))
    let s, _ = Reducer.step c s (at (sec 11.0) ClockTicked)
    let hedge = State.hedgePosition c s - 1_000
    let calls = Holding.empty |> Holding.applyFill 100 Buy 10 3.0
    let stock = Holding.empty |> Holding.applyFill 1 (Side.ofSignedQuantity hedge) (abs hedge) 100.0
    c, s, { restoredFrom s with Holdings = [ cid 2, calls; underlyingId, stock ] }

/// A scenario of the restart alphabet (expiries crossed, rebalanced legs, manual fills, restarts), then maybe hours
/// passing, then a restart with some of the legs (not all) taken out of the configuration, then the market going on.
let genDropScenario =
    gen {
        let! legCount = Gen.choose (2, 3)
        let! expiry = Gen.frequency [ 1, Gen.constant None; 2, Gen.choose (2, 40) |> Gen.map Some ]
        let! n = Gen.choose (20, 80)
        let! before = Gen.listOfLength n (genRestartAction legCount)
        let! wait = Gen.frequency [ 1, Gen.constant []; 1, Gen.choose (1, 48) |> Gen.map (fun h -> [ Hours h ]) ]
        // The expiring leg (0) is the one most often rolled out.
        let! first = Gen.frequency [ 2, Gen.constant true; 1, Gen.constant false ]
        let! others = Gen.listOfLength (legCount - 1) (Gen.elements [ true; false ])
        let dropped = (first :: others) |> List.indexed |> List.filter snd |> List.map fst
        let dropped = if dropped.IsEmpty then [ 0 ] elif dropped.Length = legCount then List.tail dropped else dropped
        // A roll closes a leg before it leaves the configuration (or not: a mistake the engine must catch).
        // Or closes it and buys back in, the order still working at the restart (it fills after: the live engine
        // must see the leg it cannot hedge, not wait for the next sync).
        let! closes = Gen.listOfLength dropped.Length (Gen.frequency [ 2, Gen.constant 0; 2, Gen.constant 1; 1, Gen.constant 2 ])
        let close =
            List.zip dropped closes |> List.collect (fun (i, c) ->
                match c with
                | 1 -> [ Base(Ctl Resume); CloseLeg i; Base FillAll ]
                | 2 -> [ Base(Ctl Resume); CloseLeg i; Base FillAll; RebalanceLeg(i, 2) ]
                | _ -> [])
        let! m = Gen.choose (5, 30)
        let! after = Gen.listOfLength m (genAction (legCount - dropped.Length) |> Gen.map Base)
        return legCount, expiry, before @ close @ wait @ [ RestartDropping dropped ] @ after, dropped
    }

/// The run, the restart that dropped the legs, and what the killed engine's strategy held of each dropped leg.
let private runDrop (legCount, expiry, actions, dropped: int list) =
    let cfg = restartConfig legCount expiry
    let steps, restarts, _ = runWithLosses cfg actions
    let r = List.last restarts
    let ids = dropped |> List.map (fun i -> cfg.Strategy.Legs.[i].Option.ContractId)
    cfg, steps, r, ids |> List.map (fun id -> id, Portfolio.strategyQty id r.Before.Portfolio)

/// The invariant, judged at every step from the restart on by what the strategy then holds of the dropped legs (a fill
/// after the restart can change it). Holding one: no hedge order, never Running, and a sync that ends names each at
/// its quantity (LEG_UNCONFIGURED). Holding none at the restart: nothing told there, and the engine rebuilt under the
/// new configuration holds what one rebuilt under the old would — the same stock (an exercise's delivery included),
/// realised P&L and fees.
let private checkDrop (scenario: int * int option * RestartAction list * int list) =
    let cfg, steps, r, held = runDrop scenario
    let _, _, _, dropped = scenario
    let cfg' = without dropped cfg
    let ids = held |> List.map fst
    let heldIn (s: State) = ids |> List.choose (fun id -> match Portfolio.strategyQty id s.Portfolio with 0 -> None | q -> Some(id, q))
    let after = steps |> List.skip r.At
    for st in after do
        let now = heldIn st.After
        if not (heldIn st.Before).IsEmpty || not now.IsEmpty then
            match placed st.Commands |> List.tryFind (fun o -> o.Purpose = Hedge) with
            | Some o -> failwithf "hedge %s (%A %d) holding unlisted legs %A, on %A" (OrderRef.value o.Ref) o.Side o.Quantity now st.Event.Payload
            | None -> ()
        if not now.IsEmpty then
            if isRunning st.After.Fsm then failwithf "running holding unlisted legs %A, on %A" now st.Event.Payload
            // A sync that ends judged (a stop during it ends it unjudged).
            let syncEnded = (match st.Before.Fsm with Syncing _ -> true | _ -> false) && (match st.After.Fsm with Running _ | Paused | Halted _ -> true | _ -> false)
            if syncEnded then
                let a = unlisted st.Commands |> List.tryHead |> Option.defaultWith (fun () -> failwithf "a sync ended without LEG_UNCONFIGURED on %A" st.Event.Payload)
                for id, q in now do
                    if not (a.Message.Contains $"({ContractId.value id}): the strategy holds {q}") then failwithf "LEG_UNCONFIGURED does not name %d (%d): %s" (ContractId.value id) q a.Message
    if held |> List.forall (fun (_, q) -> q = 0) then
        // The same store read under the old configuration (StoreProjection mirrors StoreRestore.Build).
        let start = after.Head
        let full, _ = Reducer.step cfg (State.initial cfg) (at start.Event.Received (EngineStarted(StoreProjection.restore cfg r.Store r.Before)))
        let rebuilt = start.After
        let same what (a: float) (b: float) = if abs (a - b) > 1e-6 then failwithf "%s: %f under the new configuration, %f under the old" what a b
        if State.hedgePosition cfg' rebuilt <> State.hedgePosition cfg full then
            failwithf "stock %d under the new configuration, %d under the old" (State.hedgePosition cfg' rebuilt) (State.hedgePosition cfg full)
        same "realised" (Portfolio.totalRealized rebuilt.Portfolio) (Portfolio.totalRealized full.Portfolio)
        same "fees" (Portfolio.totalFees rebuilt.Portfolio) (Portfolio.totalFees full.Portfolio)
    true

[<Tests>]
let tests =
    let c2 = config 2
    testList "Trading.LegConfigChange" [
        testCase "Restart_WithAHeldLegTakenOutOfTheConfig_HaltsNamingIt_AndNothingIsHedged" <| fun () ->
            let _, r, cmds = restartUnder c2 (without [ 1 ] c2)
            Expect.isEmpty (placed cmds) "no hedge against the calls alone (before: SELL 428, the puts left unhedged)"
            let a = Props.single (unlisted cmds)
            Expect.equal a.Severity Critical "critical"
            Expect.stringContains a.Message "XYZ" "names the leg by its terms"
            Expect.stringContains a.Message "P 100 (3): the strategy holds 10" "with what the strategy holds"
            Expect.stringContains a.Message "Put them back in strategy.legs (or portfolio.universe) and restart" "says the way out"
            Expect.isTrue (match r.Fsm with Halted(ReconcileFailed _) -> true | _ -> false) $"halted, got {FsmState.name r.Fsm}"
        testCase "EveryWayOutOfTheHalt_SyncsAgain_AndHaltsAgain_WhileTheLegIsNotListed" <| fun () ->
            let c1 = without [ 1 ] c2
            let s, r, _ = restartUnder c2 c1
            let resume = at (sec 110.0) (ControlRequested(Resume, meta 1L))
            let r, cmds = Reducer.run c1 r (resume :: syncAnswers s 110.1)
            Expect.isNonEmpty (unlisted cmds) "resume: reconciled again, told again"
            Expect.isFalse (isRunning r.Fsm) "not running"
            let confirm = at (sec 120.0) (BookConfirmRequested { Legs = [ cid 2, 10 ]; Meta = meta 2L })
            let r, cmds = Reducer.run c1 r (confirm :: syncAnswers s 120.1)
            Expect.isNonEmpty (unlisted cmds) "confirm_book of the listed legs: reconciled again, told again"
            let r, cmds = Reducer.run c1 r (at (sec 130.0) (ControlRequested(Resume, meta 3L)) :: syncAnswers s 130.1 @ quotesAt c1 100.0 131.0 @ [ at (sec 132.0) ClockTicked ])
            Expect.isEmpty (placed cmds) "nothing hedged"
            Expect.isFalse (isRunning r.Fsm) "still not running"
        testCase "Restart_WithTheLegBackInTheConfig_RunsOnceTheOperatorResumes" <| fun () ->
            let s, r, _ = restartUnder c2 (without [ 1 ] c2)
            let memory = Restart.memoryOf r
            let back, cmds = Reducer.run c2 (State.initial c2) (restartEvents c2 s memory 200.0)
            Expect.isEmpty (unlisted cmds) "every held leg listed"
            Expect.isTrue (match back.Fsm with Halted _ -> true | _ -> false) "the halt is remembered: the operator resumes"
            let back, _ = Reducer.run c2 back (quotesAt c2 100.0 201.0 @ at (sec 202.0) (ControlRequested(Resume, meta 4L)) :: syncAnswers s 202.1)
            Expect.isTrue (isRunning back.Fsm) $"running, got {FsmState.name back.Fsm}"
        testCase "Restart_WithALegTheStrategyClosed_TakenOutOfTheConfig_Runs_AndKeepsItsPnl" <| fun () ->
            let c2 = { c2 with Risk = { c2.Risk with MaxPosition = 5_000 } }
            let s = hedged c2
            let sell = { RunId = "r1-reb1"; Targets = [ cid 3, 0 ]; RiskBypass = false; Meta = meta 9L }
            let s, cmds = Reducer.step c2 s (at (sec 1.0) (RebalanceRequested sell))
            let o = placed cmds |> List.find (fun o -> o.ContractId = cid 3)
            let s, _ = Reducer.step c2 s (at (sec 1.1) (execFor o 10 3.5 "p1"))
            Expect.equal (State.qtyOf s (cid 3)) 0 "the puts closed"
            let c1 = without [ 1 ] c2
            let rebuilt (c: Config) = Reducer.run c (State.initial c) (restartEvents c s s.Memory 100.0)
            let full, _ = rebuilt c2
            let r, cmds = rebuilt c1
            Expect.isEmpty (unlisted cmds) "nothing held of it: not told"
            Expect.floatClose Accuracy.high (Portfolio.totalRealized r.Portfolio) (Portfolio.totalRealized full.Portfolio) "the same realised P&L"
            Expect.isTrue (isRunning r.Fsm) $"running, got {FsmState.name r.Fsm}"
        testCase "AnOrderOnALegOutOfTheConfig_FillingAfterTheSync_HaltsAtOnce_NotAtTheNextSync" <| fun () ->
            // The puts closed, then 2 bought back by a rebalance still working when the puts leave the configuration:
            // nothing held at the restart's sync (it runs), the fill after it opens a leg the hedger cannot see.
            let c2 = { c2 with Risk = { c2.Risk with MaxPosition = 5_000 } }
            let s = hedged c2
            let rebalance n target = RebalanceRequested { RunId = $"r1-reb{n}"; Targets = [ cid 3, target ]; RiskBypass = false; Meta = meta (int64 n) }
            let s, cmds = Reducer.step c2 s (at (sec 1.0) (rebalance 1 0))
            let s, _ = Reducer.step c2 s (at (sec 1.1) (execFor (placed cmds |> List.find (fun o -> o.ContractId = cid 3)) 10 3.0 "p1"))
            let s, cmds = Reducer.step c2 s (at (sec 2.0) (rebalance 2 2))
            let buy = placed cmds |> List.find (fun o -> o.ContractId = cid 3)
            let c1 = without [ 1 ] c2
            let listed =
                OpenOrderReported
                    { IbOrderId = buy.IbOrderId; PermId = 1000L + int64 buy.IbOrderId; ClientId = 7; Ref = OrderRef.value buy.Ref
                      ContractId = buy.ContractId; Side = buy.Side; Quantity = buy.Quantity; Filled = 0; Status = Acknowledged }
            let r, _ =
                Reducer.run c1 (State.initial c1)
                    ([ at (sec 100.0) (EngineStarted(restoredFrom s)); at (sec 100.1) (BrokerConnected [ c1.Account ])
                       at (sec 100.2) (PositionReported(cid 2, 10, 3.0)); at (sec 100.2) (PositionReported(underlyingId, State.hedgePosition c2 s, 100.0))
                       at (sec 100.3) PositionsEnded; at (sec 100.3) listed; at (sec 100.3) OpenOrdersEnded; at (sec 100.3) ExecutionsEnded ]
                     @ quotesAt c1 100.0 101.0)
            Expect.isTrue (isRunning r.Fsm) $"nothing of the puts held at the sync: running, got {FsmState.name r.Fsm}"
            let r, cmds = Reducer.run c1 r [ at (sec 102.0) (execFor buy 2 3.0 "p2"); at (sec 103.0) (QuoteReceived(quote underlyingId 100.49 100.51 (sec 103.0))) ]
            Expect.stringContains (Props.single (unlisted cmds)).Message "P 100 (3): the strategy holds 2" "told at the fill"
            Expect.isTrue (match r.Fsm with Halted(ReconcileFailed _) -> true | _ -> false) $"halted, got {FsmState.name r.Fsm}"
            Expect.isEmpty (placed cmds |> List.filter (fun o -> o.Purpose = Hedge)) "no hedge on the calls alone"
        testCase "Restart_AfterAnInTheMoneyExpiry_WithTheExpiredLegTakenOutOfTheConfig_KeepsTheDeliveredStock" <| fun () ->
            let c, s, restored = afterAnExercise ()
            let own = State.hedgePosition c s
            let c0 = without [ 0 ] c
            let events = restartEvents c0 s s.Memory 86_400.0 |> List.mapi (fun i e -> if i = 0 then at (sec 86_400.0) (EngineStarted restored) else e)
            let r, cmds = Reducer.run c0 (State.initial c0) events
            Expect.equal (State.hedgePosition c0 r) own "the exercise's 1,000 shares are still the strategy's (before: −502, and bought again)"
            Expect.floatClose Accuracy.high (Portfolio.totalRealized r.Portfolio) (Portfolio.totalRealized s.Portfolio) "the calls closed at intrinsic ×100"
            Expect.isEmpty (unlisted cmds) "closed at expiry: nothing held"
        testCase "Restart_AMemoryWithoutLegTerms_AnExpiredLegOutOfTheConfig_IsHeld_AndHalts" <| fun () ->
            // A memory from before terms were kept: the close and the delivery cannot be computed. Not guessed.
            let c, s, restored = afterAnExercise ()
            let restored = { restored with Memory = restored.Memory |> Option.map (fun m -> { m with LegTerms = [] }) }
            let c0 = without [ 0 ] c
            let events = restartEvents c0 s s.Memory 86_400.0 |> List.mapi (fun i e -> if i = 0 then at (sec 86_400.0) (EngineStarted restored) else e)
            let r, cmds = Reducer.run c0 (State.initial c0) events
            Expect.stringContains (Props.single (unlisted cmds)).Message "contract 2 (neither a leg on record nor a portfolio.universe symbol): the strategy holds 10" "named by contract id"
            Expect.isTrue (match r.Fsm with Halted _ -> true | _ -> false) "halted"
        testCase "Restart_WithAHeldPortfolioSymbolTakenOutOfTheUniverse_Halts_ItsRiskWouldGoUnseen" <| fun () ->
            // Its mark gone (no quote asked), its P&L would read 0 and the portfolio's limits would not count it.
            let c = config 1
            let all = portfolioSetup 0.01 100_000.0 100 None
            let onlyAaa = { all with Settings = { all.Settings with Universe = [ "AAA" ] }; Contracts = Map [ "AAA", cid 50 ] }
            let s = hedged c
            let restored = restoredFrom s
            let restored = { restored with Holdings = restored.Holdings @ [ cid 51, Holding.applyFill 1 Buy 200 80.0 Holding.empty ] }
            let restart setup =
                Reducer.run c (State.initial c)
                    (at (sec 100.0) (EngineStarted restored) :: at (sec 100.0) (PortfolioConfigured setup) :: List.tail (restartEvents c s s.Memory 100.0))
            let r, cmds = restart all
            Expect.isEmpty (unlisted cmds) "BBB in the universe: nothing told"
            Expect.isTrue (isRunning r.Fsm) $"running, got {FsmState.name r.Fsm}"
            let r, cmds = restart onlyAaa
            Expect.stringContains (Props.single (unlisted cmds)).Message "contract 51 (neither a leg on record nor a portfolio.universe symbol): the strategy holds 200" "named"
            Expect.isTrue (match r.Fsm with Halted _ -> true | _ -> false) "halted"
        testCase "FirstStart_RemembersTheConfiguredLegsTerms_AndSavesThem" <| fun () ->
            let s, cmds = Reducer.step c2 (State.initial c2) (at (sec 0.0) (EngineStarted Restored.empty))
            let saved = cmds |> List.choose (function SaveMemory m -> Some m | _ -> None) |> Props.single
            Expect.equal saved.LegTerms (c2.Strategy.Legs |> List.map _.Option) "both legs' terms"
            Expect.equal s.Memory.LegTerms saved.LegTerms "as saved"
            let _, again = Reducer.step c2 (State.initial c2) (at (sec 1.0) (EngineStarted { Restored.empty with Memory = Some saved }))
            Expect.isEmpty (again |> List.choose (function SaveMemory m -> Some m | _ -> None)) "nothing new: not saved again"
        Props.property "A leg taken out of the configuration is never dropped from the book: held, nothing trades until it is back; closed, its P&L and exercise are read the same" 200
            (Prop.forAll (Arb.fromGen genDropScenario) checkDrop)
        Props.seeded "The leg-drop scenarios drop held legs, legs the strategy closed, and legs exercised at expiry" (fun seed ->
            let runs = Gen.sampleWithSeed seed 60 600 genDropScenario
            let mutable held, closedTraded, exercised, live = 0, 0, 0, 0
            // Closed by the strategy's own fills (not at expiry): nothing held, nothing told, the engine runs on. (The
            // model fills legs at 3.00, their adoption price, so its P&L is 0 here: StoreRestoreTests checks the
            // multiplier a closed leg's fills are read at.)
            for scenario in runs do
                let _, steps, r, dropped = runDrop scenario
                // Told by a fill after the sync (the order working across the restart), not by a sync's end.
                if steps |> List.skip r.At |> List.exists (fun st -> (match st.Before.Fsm with Running _ | Paused -> true | _ -> false) && not (unlisted st.Commands).IsEmpty) then
                    live <- live + 1
                if dropped |> List.exists (fun (_, q) -> q <> 0) then held <- held + 1
                else
                    let traded (id: ContractId) =
                        not (r.Before.ExpiredLegs.ContainsKey(ContractId.value id))
                        && r.Before.Orders |> Map.exists (fun _ o -> o.ContractId = id && o.Filled > 0)
                    if dropped |> List.exists (fst >> traded) then closedTraded <- closedTraded + 1
                    if dropped |> List.exists (fun (id, _) -> r.Before.ExpiredLegs |> Map.tryFind (ContractId.value id) |> Option.exists (fun p -> p >= Expiry.exerciseThreshold)) then
                        exercised <- exercised + 1
            printfn "leg-drop coverage: %d held, %d closed by the strategy, %d exercised, %d told by a later fill" held closedTraded exercised live
            Expect.isGreaterThan held 200 "restarts dropping a held leg"
            Expect.isGreaterThan closedTraded 10 "restarts dropping a leg the strategy closed"
            Expect.isGreaterThan exercised 15 "restarts dropping a leg exercised at expiry (its delivery)")
    ]
