/// Model-based properties: random action sequences against the broker model, ≥ 1,000 sequences per property.
module Bifrost.Domain.Tests.Trading.ReducerProperties

open Expecto
open FsCheck
open FsCheck.FSharp
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures
open Bifrost.Domain.Tests.Trading.BrokerModel

let sequences = 1000

/// A model-based property: `holds` must be true over the steps of `sequences` random scenarios (action lists run
/// through the reducer against the broker model, see BrokerModel.fs). New reducer properties follow this pattern:
/// `scenarioProperty "What always holds, in words" (fun cfg steps -> ...)` in the list below; to fail with detail,
/// `failwithf` the step (the failure also prints the seed and the command that replays it).
let scenarioProperty (name: string) (holds: Config -> Step list -> bool) =
    Props.property name sequences (Prop.forAll (Arb.fromGen genScenario) (fun (legCount, actions) ->
        let cfg = config legCount
        holds cfg (run cfg actions)))

let private isStateOneOf (s: State) =
    function
    | "paused" -> s.Fsm = Paused
    | "halted" -> (match s.Fsm with Halted _ -> true | _ -> false)
    | "stopping" -> (match s.Fsm with Stopping _ | Stopped -> true | _ -> false)
    | _ -> false

/// What a sample of scenarios exercises: a guard against a vacuous model (one that never reaches the interesting
/// states, so every property above would hold trivially).
type Coverage = { HedgeOrders: int; FlattenOrders: int; ManualOrders: int; Fills: int; GuardBlocks: int; CleanExits: int }

let coverageOf (seed: Rnd) (scenarios: int) =
    let cmds =
        Gen.sampleWithSeed seed 60 scenarios genScenario
        |> Array.collect (fun (n, actions) -> run (config n) actions |> Array.ofList)
        |> Array.collect (fun st -> Array.ofList st.Commands)
    let count f = cmds |> Array.filter f |> Array.length
    { HedgeOrders = count (function PlaceOrder o -> o.Purpose = Hedge | _ -> false)
      FlattenOrders = count (function PlaceOrder o -> o.Purpose = Flatten | _ -> false)
      ManualOrders = count (function PlaceOrder o -> o.Purpose = OrderPurpose.Manual | _ -> false)
      Fills = count (function RecordOperation o -> o.Kind = OperationKind.FillApplied | _ -> false)
      GuardBlocks = count (function RecordOperation o -> o.Kind = OperationKind.GuardBlocked | _ -> false)
      CleanExits = count (function Exit 0 -> true | _ -> false) }

/// Per 200 scenarios the model yields about 200 hedge orders, 50 flattens, 11.6 manual orders (sd 3.3), 950 fills,
/// 890 guard blocks and 70 clean exits; over 600 every threshold below is at least 4.5 standard deviations under its
/// mean (manual orders: mean 35, sd 5.8, threshold 5), so the check does not fail by chance.
let coverageScenarios = 600

let expectCoverage (c: Coverage) =
    let atLeast n what actual = Expect.isGreaterThanOrEqual actual n $"{what} in {coverageScenarios} scenarios ({c})"
    atLeast 300 "hedge orders" c.HedgeOrders
    atLeast 15 "flatten orders" c.FlattenOrders
    atLeast 5 "manual orders" c.ManualOrders
    atLeast 300 "fills" c.Fills
    atLeast 300 "guard blocks" c.GuardBlocks
    atLeast 15 "clean exits" c.CleanExits

/// The reducer's clock at a step: the event's receive time, never earlier than the state's.
let clockNow (st: Step) = if st.Event.Received.Nanos > st.Before.Now.Nanos then st.Event.Received else st.Before.Now

/// The reducer's quick paths against the full ones they stand for, as predicates over a scenario's steps: run here
/// over the broker model's scenarios and in RestartProperties.fs over restarts (state rebuilt from the store only),
/// operator runs, stale periods, faults and session days.
module QuickPaths =
    /// Each clock step is also tried a day later (a day to roll) and just past each leg's expiry on a state whose day
    /// is the expiry's (a leg to take out): the quick test must send both to the full step.
    let plainClockStepIsFull (cfg: Config) (steps: Step list) =
        steps |> List.forall (fun st ->
            match st.Event.Payload with
            | ClockTicked ->
                let now = clockNow st
                let nextDay = Timestamp.add (Duration.ofSeconds 86_400.0) now
                let onExpiryDay =
                    [ for leg in st.Before.Legs ->
                        let t = Timestamp.add (Duration.ofSeconds 1.0) leg.Option.Expiry
                        { st.Before with Daily = { st.Before.Daily with Day = SessionCalendar.tradingDay cfg.Calendar t } }, t ]
                (st.Before, now) :: (st.Before, nextDay) :: onExpiryDay
                |> List.forall (fun (s, t) ->
                    not (Clock.plainStep cfg s t)
                    || (let struct (fast, fastCmds) = Clock.advance cfg s t
                        let struct (full, fullCmds) = Clock.advanceFull cfg s t
                        Props.same fast full && Props.same fastCmds fullCmds))
            | _ -> true)

    /// The market-data handlers take the step's clock and set Now in their own copy of the state: none may read the
    /// state's older clock instead. Each quote of the scenarios is also streamed as the live feed does (bid and ask
    /// ticks, the broker's implied vol), and each is also received a second late, so the clock moves.
    let marketDataReadsOnlyTheStepsClock (cfg: Config) (steps: Step list) =
        steps |> List.forall (fun st ->
            match st.Event.Payload with
            | QuoteReceived q when st.Before.Fsm <> Stopped -> // stopped: terminal, its clock stops too
                let streamed =
                    [ QuoteReceived q; TickReceived(q.ContractId, BidPrice, q.Bid); TickReceived(q.ContractId, AskPrice, q.Ask)
                      OptionComputationReceived(q.ContractId, q.ImpliedVol) ]
                let late = Timestamp.add (Duration.ofSeconds 1.0) (clockNow st)
                [ for p in streamed do
                    yield { st.Event with Payload = p }
                    yield { st.Event with Payload = p; Received = late } ]
                |> List.forall (fun e ->
                    let advanced = { st.Before with Now = (if e.Received.Nanos > st.Before.Now.Nanos then e.Received else st.Before.Now) }
                    let a, aCmds = Reducer.step cfg st.Before e
                    let b, bCmds = Reducer.step cfg advanced e
                    Props.same a b && Props.same aCmds bCmds)
            | _ -> true)

    /// A memory the quick test finds unchanged is unchanged by the full comparison.
    let quickMemoryTestIsSound (steps: Step list) =
        steps |> List.forall (fun st ->
            not (Restart.plainlyUnchanged st.After) || EngineMemory.same (Restart.memoryOf st.After) st.After.Memory)

    /// What a restart reads is current after every step: the memory the state implies is the one last saved (a step
    /// that changed it without a command of its own, a day rolled on a quiet clock step say, still saves it).
    let memorySavedAfterEveryStep (steps: Step list) =
        steps |> List.forall (fun st ->
            st.After.Fsm = Stopped || st.After.Fsm = Starting
            || EngineMemory.same (Restart.memoryOf st.After) st.After.Memory
            || failwithf "memory not saved after %A:\nimplied %A\nsaved %A" st.Event.Payload (Restart.memoryOf st.After) st.After.Memory)

/// IB's correction of an execution (revision .02 of .01: a re-priced trade) is never added on top of the fill it
/// corrects, so no order's fills pass its quantity (the model's broker never fills past it), and every correction of
/// an execution of this engine's orders it has seen is raised critical. Without the rule the correction counted as a
/// second fill.
let correctionsNeverCountTwice (steps: Step list) =
    steps |> List.forall (fun st ->
        let corrected =
            match st.Event.Payload with
            // (a stopped engine reduces nothing: the daemon records the execution, the restart judges it)
            | ExecutionReported x when st.Before.Fsm <> Stopped && OrderRef.isBifrost x.Ref && not (st.Before.SeenExecs.Contains x.ExecId) ->
                ExecId.revisionOf st.Before.SeenExecs x.ExecId
            | _ -> None
        (corrected.IsNone || alerts st.Commands |> List.exists (fun a -> a.Code = "EXECUTION_CORRECTED" && a.Severity = Critical)
         || failwithf "correction %A of %A not raised (%A)" st.Event.Payload corrected st.Before.Fsm)
        && (st.After.Orders |> Map.forall (fun _ o ->
                o.Filled <= o.Quantity || failwithf "order %s filled %d of %d after %A" (OrderRef.value o.Ref) o.Filled o.Quantity st.Event.Payload)))

/// An order the broker reported done whose fills have not all arrived as executions holds the hedger. Measured from
/// the step it went done (the model's clock, not the engine's stamp): at no clock step past
/// `reconcile.execution_wait_seconds` is the engine still waiting on it with the broker reachable (it is reconciling
/// by then), and no sync ends with one still waiting (the sync settles it from the executions or halts). Without the
/// wait the hedger stood blocked (YELLOW) until the next reconnect or restart.
let executionWaitIsBounded (cfg: Config) (steps: Step list) =
    let doneSince = System.Collections.Generic.Dictionary<OrderRef, Timestamp>()
    steps |> List.forall (fun st ->
        for KeyValue(r, o) in st.After.Orders do
            if OrderStatus.isTerminal o.Status && not (doneSince.ContainsKey r) then doneSince.[r] <- st.After.Now
        let waiting = [ for r in st.After.Open do
                          let o = st.After.Orders.[r]
                          if OrderStatus.isTerminal o.Status then o ]
        let reachable = st.After.Connectivity.SocketUp && st.After.Connectivity.IbUp
        let overdue = waiting |> List.filter (fun o -> Timestamp.since doneSince.[o.Ref] st.After.Now >= cfg.Control.ExecutionWait)
        let describe (os: Order list) = os |> List.map (fun o -> $"{OrderRef.value o.Ref} {o.Status} {o.Filled}/{o.Quantity} (reported {o.ReportedFilled})")
        match st.Before.Fsm, st.After.Fsm with
        | _, (Running _ | Paused | Halted _ | Flattening _) when st.Event.Payload.IsClockTicked && reachable && not overdue.IsEmpty ->
            failwithf "still waiting for executions past the wait at %A: %A (FSM %A)" st.After.Now (describe overdue) st.After.Fsm
        | Syncing _, (Running _ | Paused | Halted _) when not waiting.IsEmpty ->
            failwithf "a sync ended with orders still waiting for executions: %A" (describe waiting)
        | _ -> true)

/// A sync whose answers do not all come never waits silently: with the broker reachable, no clock step finds it
/// unanswered `Sync.stallAfter` after the last ask (the unanswered scopes are asked for again, and the model's broker
/// answers the new ask in full, so the sync ends).
let syncNeverWaitsSilently (steps: Step list) =
    let mutable lastAsk = Timestamp.zero
    steps |> List.forall (fun st ->
        if st.Commands |> List.exists (function RequestReconcile _ -> true | _ -> false) then lastAsk <- st.After.Now
        match st.After.Fsm with
        | Syncing _ when st.Event.Payload.IsClockTicked && st.After.Connectivity.SocketUp && st.After.Connectivity.IbUp
                         && Timestamp.since lastAsk st.After.Now >= Sync.stallAfter ->
            failwithf "a sync waited %.0f s unanswered without asking again: %A" (Duration.toSeconds (Timestamp.since lastAsk st.After.Now)) st.After.Fsm
        | _ -> true)

[<Tests>]
let tests =
    testList "Trading.ReducerProperties" [
        scenarioProperty "The reducer is deterministic: replaying the recorded events gives the same commands and state" (fun cfg steps ->
                let events = steps |> List.map (fun s -> s.Event)
                let final, cmds = Reducer.run cfg (State.initial cfg) events
                let expected = steps |> List.collect (fun s -> s.Commands)
                let last = (List.last steps).After
                Props.same final last && Props.same cmds expected)
        // The daemon rehearses its last order between inputs by stepping again from the state before it (EngineLoop.OnIdle)
        // and dropping the result: sound only if no step changes a state the engine has moved on from, and a repeat of an
        // old step changes nothing that is current.
        scenarioProperty "Stepping again from any earlier state, after the engine moved on, gives what it gave then and changes nothing current" (fun cfg steps ->
                let last = (List.last steps).After
                let repeated =
                    steps |> List.rev |> List.forall (fun st ->
                        let again, cmds = Reducer.step cfg st.Before st.Event
                        Props.same again st.After && Props.same cmds st.Commands)
                let replayed, _ = Reducer.run cfg (State.initial cfg) (steps |> List.map (fun s -> s.Event))
                repeated && Props.same last replayed)
        scenarioProperty "No PlaceOrder while Paused, Halted, Stopping or Stopped (but for Resume and Flatten)" (fun _ steps ->
                steps |> List.forall (fun st ->
                    let gated = [ "paused"; "halted"; "stopping" ] |> List.exists (isStateOneOf st.Before)
                    let allowedControl =
                        match st.Before.Fsm, st.Event.Payload with
                        | (Paused | Halted _), ControlRequested((Resume | FlattenExposure), _) -> true
                        | _ -> false
                    not gated || allowedControl || List.isEmpty (placed st.Commands)))
        scenarioProperty "No order is placed while another order of the strategy is in flight" (fun _ steps ->
                steps |> List.forall (fun st ->
                    let fresh = placed st.Commands |> List.map (fun o -> o.Ref) |> Set.ofList
                    fresh.IsEmpty
                    // The operator's own manual orders are not the strategy's: a flatten neither cancels nor waits
                    // for them (their fills are external), so one may still be working.
                    || st.After.Orders |> Map.forall (fun ref o -> fresh.Contains ref || State.isSettled o || o.Purpose = OrderPurpose.Manual)))
        // The broker's view, not the engine's: an order the engine wrongly thought ended (a warning taken for a
        // reject) would let a second hedge out while the first still works at the broker.
        scenarioProperty "A hedge is never sent while the broker still works an earlier hedge" (fun _ steps ->
                steps |> List.forall (fun st ->
                    let hedges = placed st.Commands |> List.filter (fun o -> o.Purpose = Hedge)
                    hedges.IsEmpty || st.BrokerHedgesBefore = 0
                    || failwithf "%d hedge(s) sent on %A while the broker works %d earlier hedge(s)" hedges.Length st.Event st.BrokerHedgesBefore))
        scenarioProperty "Emitted orders never breach position or notional limits (unless a manual run bypasses risk)" (fun cfg steps ->
                steps |> List.forall (fun st ->
                    placed st.Commands |> List.forall (fun o ->
                        // Flatten is the exit; the operator's own (external) manual trades are not the strategy's position.
                        o.RiskBypass || o.Purpose = Flatten || o.Purpose = OrderPurpose.Manual
                        // The order is sized after this step's fills (an execution can both fill one hedge and
                        // trigger the next), so the position it starts from is the one after the step.
                        || (let before = State.qtyOf st.After o.ContractId
                            let after = before + Side.sign o.Side * o.Quantity
                            let price = State.mark cfg st.After o.ContractId
                            let notional = float o.Quantity * price * float (State.multiplier st.After o.ContractId)
                            let ok = (abs after <= cfg.Risk.MaxPosition || abs after < abs before) && notional <= cfg.Risk.MaxOrderNotional
                            if not ok then
                                failwithf "order %A breaches: position %d -> %d (max %d), notional %.0f (max %.0f)\nevent %A\nbefore %A"
                                    o before after cfg.Risk.MaxPosition notional cfg.Risk.MaxOrderNotional st.Event st.Before.Fsm
                            ok))))
        scenarioProperty "After Stop no order is ever emitted again" (fun _ steps ->
                steps
                |> List.skipWhile (fun st -> match st.After.Fsm with Stopping _ | Stopped -> false | _ -> true)
                |> List.forall (fun st -> List.isEmpty (placed st.Commands)))
        scenarioProperty "Flatten only trades the strategy-owned hedge and a completed flatten leaves it at zero" (fun cfg steps ->
                steps |> List.forall (fun st ->
                    let flattenOrders = placed st.Commands |> List.filter (fun o -> o.Purpose = Flatten)
                    // Fills earlier in the same step count: the order is sized after them.
                    let own = State.hedgePosition cfg st.After
                    let ordersOk =
                        flattenOrders |> List.forall (fun o ->
                            o.ContractId = underlyingId && Side.sign o.Side = -(sign own) && o.Quantity <= abs own)
                    let completedOk =
                        match st.Before.Fsm with
                        | Flattening run ->
                            st.Commands |> List.forall (function
                                | CompleteControl(id, Done _) when id = run.Meta.ControlId -> State.hedgePosition cfg st.After = 0
                                | _ -> true)
                        | _ -> true
                    if not (ordersOk && completedOk) then
                        failwithf "flatten violated (orders %b, completion %b): own %d event %A\ncommands %A\nbefore %A" ordersOk completedOk own st.Event st.Commands st.Before.Fsm
                    true))
        scenarioProperty "A hedge never overshoots past the opposite band edge" (fun cfg steps ->
                steps |> List.forall (fun st ->
                    placed st.Commands |> List.filter (fun o -> o.Purpose = Hedge) |> List.forall (fun o ->
                        let d0 = State.deviation cfg st.After
                        let d1 = d0 + float (Side.sign o.Side * o.Quantity)
                        let half = Composite.bandHalfWidth cfg st.After
                        abs d1 <= abs d0 && (d1 = 0.0 || sign d1 = sign d0 || abs d1 <= half))))
        scenarioProperty "Every guard block names at least one reason" (fun _ steps ->
                steps |> List.forall (fun st ->
                    ops st.Commands
                    |> List.filter (fun o -> o.Kind = OperationKind.GuardBlocked)
                    |> List.forall (fun o ->
                        let codes = o.Detail.Split(" | ").[0].Split(',')
                        codes.Length >= 1 && codes |> Array.forall (fun c -> BlockReason.all |> List.exists (fun r -> BlockReason.code r = c)))))
        scenarioProperty "Duplicate executions and repeated status messages change nothing" (fun _ steps ->
                steps
                |> List.pairwise
                |> List.forall (fun (prev, st) ->
                    let duplicate =
                        match st.Event.Payload with
                        | ExecutionReported x -> st.Before.SeenExecs.Contains x.ExecId
                        | OrderStatusReported _ -> Props.same prev.Event st.Event
                        | _ -> false
                    if duplicate && not (Props.same st.After st.Before && List.isEmpty st.Commands) then
                        failwithf "duplicate changed something: %A\nbefore %A\nafter %A\ncommands %A" st.Event st.Before st.After st.Commands
                    true))
        // Found in review: a pause, reconnect, critical alert, flatten or restart while an operator run's order worked
        // forgot the run (its control taken for good, run_timeout off, the order holding the hedger).
        scenarioProperty "An operator run is never forgotten: it ends in the step its last order settles, or is followed apart until then" (fun _ steps ->
                steps |> List.forall (fun st ->
                    let left =
                        match st.Before.Fsm, st.After.Fsm with
                        | Running(RunPending(runId, meta)), after when not (st.Before.PortfolioRuns.ContainsKey runId) ->
                            let stillPending = match after with Running(RunPending(r, _)) -> r = runId | _ -> false
                            stillPending
                            || st.After.DetachedRuns.ContainsKey runId
                            || st.Commands |> List.exists (function CompleteControl(id, _) -> id = meta.ControlId | _ -> false)
                            || failwithf "run %s forgotten after %A (FSM %A)" runId st.Event.Payload after
                        | _ -> true
                    let settledStillFollowed = st.After.DetachedRuns |> Map.filter (fun runId _ -> Runs.ordersSettled st.After runId)
                    left && (settledStillFollowed.IsEmpty || st.After.Fsm = Stopped
                             || failwithf "runs %A settled but still followed after %A" (Map.keys settledStillFollowed) st.Event.Payload)))
        scenarioProperty "A fill the broker reported is waited for at most reconcile.execution_wait_seconds: then the account is reconciled, and no sync leaves it waiting" executionWaitIsBounded
        // 100 scenarios average 5.55 overdue executions (sd 2.36, 40 seeds); over 600 (mean 33, sd ~5.8) the
        // threshold 7 is 4.5 standard deviations under the mean, so the check does not fail by chance.
        scenarioProperty "A sync whose answers do not all come never waits silently: the unanswered scopes are asked for again" (fun _ steps -> syncNeverWaitsSilently steps)
        scenarioProperty "A correction of an execution is never counted on top of the fill it corrects, and is raised critical" (fun _ steps -> correctionsNeverCountTwice steps)
        Props.seeded "The scenarios reach corrections of executions the engine applied" (fun seed ->
            let steps = Gen.sampleWithSeed seed 60 300 genScenario |> Array.collect (fun (n, actions) -> run (config n) actions |> Array.ofList)
            let raised = steps |> Array.filter (fun st -> alerts st.Commands |> List.exists (fun a -> a.Code = "EXECUTION_CORRECTED")) |> Array.length
            Expect.isGreaterThanOrEqual raised 20 $"EXECUTION_CORRECTED in 300 scenarios ({raised})")
        Props.seeded "The scenarios reach executions overdue" (fun seed ->
            let steps = Gen.sampleWithSeed seed 60 600 genScenario |> Array.collect (fun (n, actions) -> run (config n) actions |> Array.ofList)
            let overdue = steps |> Array.filter (fun st -> alerts st.Commands |> List.exists (fun a -> a.Code = "EXECUTIONS_OVERDUE")) |> Array.length
            Expect.isGreaterThanOrEqual overdue 7 $"EXECUTIONS_OVERDUE in 600 scenarios ({overdue})")
        // Found in review: a flatten whose order rested unfilled stayed Flattening for good (pause and resume refused,
        // no alert). Timed from the step the FSM entered Flattening, on a config whose run timeout the scenarios reach.
        Props.property "A flatten ends within control.run_timeout_seconds while the broker is reachable" sequences (Prop.forAll (Arb.fromGen genScenario) (fun (legCount, actions) ->
            let cfg = { config legCount with Control = { (config legCount).Control with RunTimeout = Duration.ofSeconds 45.0 } }
            let mutable since = None
            run cfg actions |> List.forall (fun st ->
                since <-
                    match st.Before.Fsm, st.After.Fsm with
                    | Flattening _, Flattening _ -> since
                    | _, Flattening _ -> Some st.After.Now
                    | _ -> None
                match since with
                | Some t when st.Event.Payload.IsClockTicked && st.After.Connectivity.SocketUp && Timestamp.since t st.After.Now >= cfg.Control.RunTimeout ->
                    failwithf "still flattening %.0f s after it began: %A" (Duration.toSeconds (Timestamp.since t st.After.Now)) st.After.Fsm
                | _ -> true)))
        scenarioProperty "A fill for an order that was never placed is reported, not absorbed" (fun _ steps ->
                steps |> List.forall (fun st ->
                    match st.Event.Payload with
                    | ExecutionReported x when x.Ref.Contains "ghost" && not (st.Before.SeenExecs.Contains x.ExecId) && st.Before.Fsm <> Stopped ->
                        Props.same st.After.Portfolio.Strategy st.Before.Portfolio.Strategy
                        && alerts st.Commands |> List.exists (fun a -> a.Code = "UNKNOWN_FILL")
                    | _ -> true))
        scenarioProperty "External fills never change what the strategy owns" (fun _ steps ->
                steps |> List.forall (fun st ->
                    match st.Event.Payload with
                    | ExecutionReported x when x.ClientId = 99 -> Props.same st.After.Portfolio.Strategy st.Before.Portfolio.Strategy
                    | _ -> true))
        scenarioProperty "A plain clock step (no day to roll, no leg to expire) advances as the full step does" QuickPaths.plainClockStepIsFull
        scenarioProperty "A market-data step depends on the state's clock only through the step's own" QuickPaths.marketDataReadsOnlyTheStepsClock
        scenarioProperty "A memory the quick test finds unchanged is unchanged by the full comparison" (fun _ steps -> QuickPaths.quickMemoryTestIsSound steps)
        scenarioProperty "After every step the saved memory is the one the state implies" (fun _ steps -> QuickPaths.memorySavedAfterEveryStep steps)
        // The quick test names each part of the memory: a part added later must be added there too, or a change to it
        // alone would go unsaved (the property above catches it only if the scenarios change that part).
        testCase "Memory_EveryPart_IsOneTheQuickTestCompares" <| fun () ->
            let parts = Microsoft.FSharp.Reflection.FSharpType.GetRecordFields(typeof<EngineMemory>) |> Array.map (fun p -> p.Name) |> List.ofArray
            let compared = [ "Operator"; "StopPending"; "Day"; "TradesToday"; "DayStartPnl"; "HighWater"; "OptionBook"; "PausedBy"; "ExpiredLegs"; "DayLastPnl"; "LastSpot"; "LegVols"; "PortfolioPrices"; "TiltClearedThrough"
                             // memoryOf copies it from the memory itself (merged in at the start only): always the same.
                             "LegTerms"; "HedgeRejects"; "LastHedgeAt"; "LastHedgeSpot"; "TakenPnl" ]
            Expect.equal parts compared "EngineMemory's parts changed: update Restart.plainlyUnchanged and this list together"
        Props.seeded "The scenarios reach plain clock steps, quotes, and memories both plainly unchanged and not" (fun seed ->
            let steps =
                Gen.sampleWithSeed seed 60 200 genScenario |> Array.collect (fun (n, actions) -> run (config n) actions |> Array.ofList |> Array.map (fun st -> n, st))
            let count f = steps |> Array.filter f |> Array.length
            let plain = count (fun (n, st) -> st.Event.Payload.IsClockTicked && Clock.plainStep (config n) st.Before (clockNow st))
            let unchanged = count (fun (_, st) -> Restart.plainlyUnchanged st.After)
            let quotes = count (fun (_, st) -> st.Event.Payload.IsQuoteReceived)
            Expect.isGreaterThanOrEqual quotes 100 $"quotes ({quotes})"
            Expect.isGreaterThanOrEqual plain 100 $"plain clock steps in 200 scenarios ({plain})"
            Expect.isGreaterThanOrEqual unchanged 100 $"plainly unchanged memories ({unchanged} of {steps.Length} steps)"
            Expect.isGreaterThanOrEqual (steps.Length - unchanged) 100 $"memories not plainly unchanged ({steps.Length - unchanged} of {steps.Length})")
        Props.seeded "The scenarios exercise hedges, fills, flattens, manual orders and guard blocks" (fun seed ->
            expectCoverage (coverageOf seed coverageScenarios))
        // The flaky failure (1 run in 11, seed lost: the check drew its sample without one): 200 scenarios averaged 11.6
        // manual orders (sd 3.3, 164 samples), so "at least 5" failed now and then. This seed drew 4 (1 of the 164);
        // the check now counts over 600 scenarios, where 5 is 4.5 standard deviations under the mean.
        testCase "Coverage_OfTheSampleWithFourManualOrdersIn200Scenarios_PassesOver600" <| fun () ->
            let seed = Rnd(100008UL)
            // The safety work changed the generator's mix (operator runs, rebalances, restarts), so this seed no longer
            // draws 4 in 200; the regression that matters is that the check, over 600 scenarios, passes on it.
            expectCoverage (coverageOf seed coverageScenarios)
    ]
