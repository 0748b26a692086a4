/// The restart properties (the model and its store projection in RestartProperties): the engine rebuilt only from
/// what the store would hold, through the same EngineStarted path the daemon uses.
module Bifrost.Domain.Tests.Trading.RestartPropertyTests

open Expecto
open FsCheck.FSharp
open Bifrost.Domain
open Bifrost.Domain.Strategy
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures
open Bifrost.Domain.Tests.Trading.BrokerModel
open Bifrost.Domain.Tests.Trading.RestartProperties

[<Tests>]
let tests =
    testList "Trading.RestartProperties" [
        // Issue 9's operator-level invariants with restart (state rebuilt from the store only), manual runs, stale periods
        // and broker faults all in one alphabet.
        restartProperty "GREEN stays safe across restarts, manual runs, stale data and faults" (fun cfg steps _ -> SafetyProperties.Invariants.greenIsSafe cfg steps)
        restartProperty "No order on stale data across restarts" (fun cfg steps _ -> SafetyProperties.Invariants.noOrderOnStaleData cfg steps)
        restartProperty "A sync never waits silently, across restarts" (fun _ steps _ -> ReducerProperties.syncNeverWaitsSilently steps)
        restartProperty "A correction of an execution is never counted on top of the fill it corrects, across restarts (state rebuilt from the store)" (fun _ steps _ -> ReducerProperties.correctionsNeverCountTwice steps)
        restartProperty "A fill the broker reported is waited for at most reconcile.execution_wait_seconds, across restarts (state rebuilt from the store)" (fun cfg steps _ -> ReducerProperties.executionWaitIsBounded cfg steps)
        // The reducer's quick paths (a plain clock step, the memory's quick test, market data at the step's clock) stand
        // for the full ones here too, and what a restart would read is saved after every step.
        restartProperty "A plain clock step advances as the full step does, across restarts and session days" (fun cfg steps _ -> ReducerProperties.QuickPaths.plainClockStepIsFull cfg steps)
        restartProperty "A market-data step depends on the state's clock only through the step's own, across restarts" (fun cfg steps _ -> ReducerProperties.QuickPaths.marketDataReadsOnlyTheStepsClock cfg steps)
        restartProperty "The memory's quick test is sound, across restarts, manual runs, stale data and faults" (fun _ steps _ -> ReducerProperties.QuickPaths.quickMemoryTestIsSound steps)
        restartProperty "After every step the saved memory is the one the state implies, across restarts, manual runs, stale data and faults" (fun _ steps _ -> ReducerProperties.QuickPaths.memorySavedAfterEveryStep steps)
        // The P&L attribution (the greeks' parts, or factor by factor on a step they do not explain: the alphabet moves
        // the underlying up to 60 bps a step, leg vols by up to 5 points, and hours pass) explains the P&L it reports: at
        // every valuation its parts add up to the marked P&L, whatever came before — a restart (the first valuation
        // after it books what the restored holdings carry as Opening), a manual run, an external fill, a stale period.
        restartProperty "The attribution's parts add up to the marked P&L at every valuation, across restarts, manual runs, stale data and faults" (fun cfg steps _ ->
            steps |> List.forall (fun st ->
                let s = st.After
                if s.ValuedAt.Nanos = 0L || s.ValuedAt.Nanos = st.Before.ValuedAt.Nanos then true
                else
                    let parts = Attribution.total s.Attribution
                    let marked = State.totalPnl cfg s
                    if System.Double.IsFinite marked && abs (parts - marked) > 1e-6 * max 1.0 (abs marked) then
                        failwithf "after %A: parts %.9f, marked P&L %.9f (%A)" st.Event.Payload parts marked s.Attribution
                    true))
        restartPropertyWith tightLimits "A sync is left only through its reconciliation (or a stop), even when a risk limit breaks during it" (fun _ steps _ ->
            syncEndsByItsReconciliation steps)
        // The day's counters are the exchange session day's, whatever restarts: the same day keeps its baseline and its
        // count; a later day starts from the remembered day's last P&L (a stop's, here: the model's calendar never closes).
        restartProperty "A restart keeps the day's P&L baseline and trade count, and a later day starts from the last P&L remembered" (fun _ steps restarts ->
            let arr = Array.ofList steps
            let eqF (x: float) (y: float) = x = y || (System.Double.IsNaN x && System.Double.IsNaN y)
            restarts |> List.forall (fun r ->
                let was, now = r.Before.Daily, arr.[r.At].After.Daily
                if was.Day < 0 then true
                elif now.Day = was.Day then
                    if not (eqF now.StartPnl was.StartPnl) || now.Trades < was.Trades then
                        failwithf "same session day %d: baseline %f -> %f, trades %d -> %d" was.Day was.StartPnl now.StartPnl was.Trades now.Trades
                    true
                elif not (eqF now.StartPnl was.LastPnl) then failwithf "day %d -> %d: baseline %f, the last P&L remembered %f" was.Day now.Day now.StartPnl was.LastPnl
                else true))
        // Only the operator resumes, and a resume never runs the strategy past a breached limit (from a halt, or from the
        // Paused a flatten out of a halt ends in) nor on a P&L it cannot know (a restart before quotes, from a risk halt).
        restartPropertyWith tightLimits "A resume never runs the engine while a risk limit is breached or, from a risk halt, while the P&L is unknown" (fun cfg steps _ ->
            steps |> List.forall (fun st ->
                match st.Event.Payload, st.Before.Fsm, st.After.Fsm with
                | ControlRequested(Resume, _), (Paused | Halted _), Running _ ->
                    let s = st.After
                    let total = State.totalPnl cfg s
                    let fromRiskHalt = match st.Before.Fsm with Halted(DailyLossBreached _ | DrawdownBreached _ | StopLossHit _ | TakeProfitHit _) -> true | _ -> false
                    if fromRiskHalt && not (State.isValued cfg s) then failwithf "resumed from %s with the P&L unknown" (FsmState.name st.Before.Fsm)
                    match Risk.evaluate cfg.Risk { TotalPnl = total; DailyPnl = State.dailyPnl cfg s; HighWater = max s.HighWater total; TakenPnl = State.takenWith s total } with
                    | Error r when State.isValued cfg s -> failwithf "resumed from %s past %s" (FsmState.name st.Before.Fsm) (HaltReason.describe r)
                    | _ -> true
                | _ -> true))
        restartPropertyWith tightLimits "GREEN stays safe with tight risk limits, halts during syncs and restarts" (fun cfg steps _ -> SafetyProperties.Invariants.greenIsSafe cfg steps)
        restartProperty "A critical alert's pause survives restarts until the operator resumes" (fun _ steps _ -> SafetyProperties.Invariants.criticalAlertPauses steps)
        restartProperty "Paused, Halted and a pending stop survive a restart: no Running until the operator resumes" (fun _ steps restarts ->
            let arr = Array.ofList steps
            restarts |> List.forall (fun r ->
                not (operatorStopped r.Before)
                || (arr |> Seq.skip r.At |> Seq.takeWhile (fun st -> not (operatorResumes st.Event))
                    |> Seq.forall (fun st ->
                        if isRunning st.After.Fsm then failwithf "restarted from %s, Running after %A" (FsmState.name r.Before.Fsm) st.Event
                        true))))
        restartProperty "No order is placed while Paused, Halted, Starting or Syncing, across restarts (Resume and Flatten aside)" (fun _ steps _ ->
            steps |> List.forall (fun st ->
                match st.Before.Fsm with
                | Paused | Halted _ | Starting | Syncing _ when not (operatorResumes st.Event) ->
                    if not (List.isEmpty (placed st.Commands)) then failwithf "order placed in %s on %A" (FsmState.name st.Before.Fsm) st.Event
                    true
                | _ -> true))
        restartProperty "Risk-checked orders never exceed the daily trade limit in one session day, across restarts" (fun cfg steps _ ->
            // Every order counts; an order the limit applies to (hedge, or an operator run without risk bypass) must find
            // fewer than the limit already placed that session day — whatever restarts happened in between — unless it
            // reduces risk (issue 9: limits never block the trade that reduces risk). Such an order must say so
            // (RISK_EXEMPT … DAILY_TRADE_LIMIT) and must shrink the strategy's position in its contract.
            let mutable perDay = Map.empty
            steps |> List.forall (fun st ->
                let exemptNoted =
                    ops st.Commands |> List.exists (fun op -> op.Detail.Contains "RISK_EXEMPT" && op.Detail.Contains "DAILY_TRADE_LIMIT")
                placed st.Commands |> List.forall (fun o ->
                    let day = SessionCalendar.tradingDay cfg.Calendar st.After.Now
                    let before = perDay |> Map.tryFind day |> Option.defaultValue 0
                    perDay <- perDay |> Map.add day (before + 1)
                    // The position the order was sized against: after this step's fills (one execution can fill the
                    // last hedge and trigger the next), before the new order fills.
                    let position = State.qtyOf st.After o.ContractId
                    let signed = Side.sign o.Side * o.Quantity
                    let reduces = exemptNoted && position <> 0 && abs (position + signed) < abs position
                    let checkedByLimit = o.Purpose = OrderPurpose.Hedge || ((o.Purpose = OrderPurpose.Manual || o.Purpose = OrderPurpose.Rebalance) && not o.RiskBypass)
                    if checkedByLimit && not reduces && before >= cfg.Risk.MaxDailyTrades then
                        failwithf "order %s (%A) was the %dth of session day %d (limit %d)" (OrderRef.value o.Ref) o.Purpose (before + 1) day cfg.Risk.MaxDailyTrades
                    true)))
        // A stopped engine reduces nothing, but the daemon still records what the broker reports until it exits (a
        // working order can fill while its cancel is in flight): those own fills are part of the book a restart restores.
        restartProperty "The option book after a restart equals the book before it plus own fills recorded after the stop" (fun cfg steps restarts ->
            let arr = Array.ofList steps
            restarts |> List.forall (fun r ->
                let restored = arr.[r.At].After
                let afterStop =
                    arr.[.. r.At - 1] |> Array.rev |> Array.takeWhile (fun st -> st.Before.Fsm = Stopped)
                    |> Array.choose (fun st -> match st.Event.Payload with ExecutionReported x -> Some x | _ -> None)
                    |> Array.filter (fun x -> not (r.Before.SeenExecs.Contains x.ExecId)
                                              // like its order (a misreported execution is never applied)
                                              && (match OrderRef.create x.Ref with
                                                  | Ok ref -> r.Before.Orders |> Map.tryFind ref |> Option.exists (fun o -> o.Side = x.Side && o.ContractId = x.ContractId)
                                                  | Error _ -> false))
                    |> Array.distinctBy (fun x -> x.ExecId) |> Array.rev |> firstRevisions r.Before.SeenExecs
                legIdsOf cfg |> List.forall (fun id ->
                    let late = afterStop |> Array.filter (fun x -> x.ContractId = id) |> Array.sumBy (fun x -> Side.sign x.Side * x.Quantity)
                    let was, now = State.qtyOf r.Before id, State.qtyOf restored id
                    // An expired leg's late fills are closed at the expiry's price: it stays at 0.
                    let late = if restored.ExpiredLegs.ContainsKey(ContractId.value id) then -was else late
                    if was + late <> now then failwithf "leg %d: %d before the restart (+%d filled after the stop), %d restored" (ContractId.value id) was late now
                    true)))
        // The report: a manual BUY was "undone by the hedger". Across a restart the operator's fills must stay external:
        // the restored hedge is the strategy's own fills only, so the hedger has nothing to trade back.
        restartProperty "A restart restores the strategy's hedge without the operator's manual fills (never traded back)" (fun cfg steps restarts ->
            let arr = Array.ofList steps
            restarts |> List.forall (fun r ->
                let restored = arr.[r.At].After
                // Strategy-owned and like its order: an execution unlike its order (EXECUTION_MISMATCH) is never applied
                // nor replayed at a restart (StoreRestore.Build), so it is not the strategy's either.
                let strategyOwned (x: ExecutionReport) =
                    match OrderRef.create x.Ref with
                    | Ok ref ->
                        r.Before.Orders |> Map.tryFind ref
                        |> Option.exists (fun o -> OrderPurpose.owner o.Purpose = StrategyOwned && o.Side = x.Side && o.ContractId = x.ContractId)
                    | Error _ -> false
                let lateFills =
                    arr.[.. r.At - 1] |> Array.rev |> Array.takeWhile (fun st -> st.Before.Fsm = Stopped)
                    |> Array.choose (fun st -> match st.Event.Payload with ExecutionReported x -> Some x | _ -> None)
                    |> Array.filter (fun x -> not (r.Before.SeenExecs.Contains x.ExecId) && strategyOwned x)
                    |> Array.distinctBy (fun x -> x.ExecId) |> Array.rev |> firstRevisions r.Before.SeenExecs
                // A leg filled before its close and expired in the money delivers its shares with the rest (Expiry).
                let delivered (x: ExecutionReport) =
                    match State.legIndex restored x.ContractId, restored.ExpiredLegs |> Map.tryFind (ContractId.value x.ContractId) with
                    | Some i, Some price -> Expiry.delivery restored.Legs.[i].Option (Side.sign x.Side * x.Quantity) price |> Option.map fst |> Option.defaultValue 0
                    | _ -> 0
                let late = lateFills |> Array.sumBy (fun x -> if x.ContractId = underlyingId then Side.sign x.Side * x.Quantity else delivered x)
                let was, now = State.hedgePosition cfg r.Before, State.hedgePosition cfg restored
                if was + late <> now then
                    let manual = r.Before.Orders |> Map.filter (fun _ o -> o.Purpose = OrderPurpose.Manual) |> Map.toList |> List.sumBy (fun (_, o) -> Side.sign o.Side * o.Filled)
                    failwithf "hedge %d before the restart (+%d own after the stop), %d restored; the operator's manual fills net %d" was late now manual
                true))
        restartProperty "After a restart's sync the book is what was restored plus its own fills, or the engine halted on BOOK_MISMATCH / ANOTHER_ENGINE" (fun cfg steps restarts ->
            let arr = Array.ofList steps
            restarts |> List.forall (fun r ->
                let restored = arr.[r.At].After
                let upToSync = arr |> Seq.skip r.At |> Seq.takeWhile (fun st -> match st.Before.Fsm with Starting | Syncing _ -> true | _ -> false) |> List.ofSeq
                match List.tryLast upToSync with
                | Some last when (match last.After.Fsm with Syncing _ | Starting -> false | _ -> true) ->
                    match last.After.Fsm with
                    | Halted(BookMismatch _ | AnotherEngine _ | ReconcileFailed _) -> true
                    | _ ->
                        legIdsOf cfg |> List.forall (fun id ->
                            let ownFills =
                                upToSync |> List.sumBy (fun st ->
                                    match st.Event.Payload with
                                    // Its own, and like its order: one unlike it (EXECUTION_MISMATCH) is never applied.
                                    | ExecutionReported x when x.ContractId = id && not (st.Before.SeenExecs.Contains x.ExecId)
                                                               && (ExecId.revisionOf st.Before.SeenExecs x.ExecId).IsNone
                                                               && (match OrderRef.create x.Ref with
                                                                   | Ok ref -> st.Before.Orders |> Map.tryFind ref |> Option.exists (fun o -> o.ContractId = x.ContractId && o.Side = x.Side)
                                                                   | Error _ -> false) ->
                                        Side.sign x.Side * x.Quantity
                                    | _ -> 0)
                            // A leg that expired while the daemon was down is closed by the sync (Expiry.settle).
                            // (and an expired leg's late fills are closed at once: Expiry.closeLateFill).
                            let expected = if last.After.ExpiredLegs.ContainsKey(ContractId.value id) then 0 else State.qtyOf restored id + ownFills
                            if State.qtyOf last.After id <> expected then
                                failwithf "leg %d: restored %d + own fills %d, after sync %d (%s)" (ContractId.value id) (State.qtyOf restored id) ownFills (State.qtyOf last.After id) (FsmState.name last.After.Fsm)
                            true)
                | _ -> true))
        // Without its memory a restart cannot know a pause, a halt or the day's loss: with the run's orders in the store
        // it halts MEMORY_MISSING, and nothing is sent until the operator resumes (or flattens).
        Props.property "A restart on a store that lost the engine memory sends no order until the operator resumes" 300
            (Prop.forAll (Arb.fromGen genMemoryLossScenario) (fun (legCount, actions) ->
            let steps, restarts = runWithRestarts (restartConfig legCount None) actions
            let arr = Array.ofList steps
            restarts |> List.forall (fun r ->
                r.Store.Memory.IsSome || r.Before.Orders.IsEmpty
                || (arr |> Seq.skip (r.At + 1) |> Seq.takeWhile (fun st -> not (operatorResumes st.Event) && (match st.Event.Payload with EngineStarted _ -> false | _ -> true))
                    |> Seq.forall (fun st ->
                        match placed st.Commands with
                        | [] -> true
                        | o :: _ -> failwithf "order %s (%A) after a restart without the engine memory, before the operator resumed, on %A" (OrderRef.value o.Ref) o.Purpose st.Event.Payload)))))
        Props.seeded "The memory-loss scenarios restart without the memory on a store with orders, and the market moves after" (fun seed ->
            let runs = Gen.sampleWithSeed seed 60 150 genMemoryLossScenario
            let mutable lost, quotedAfter = 0, 0
            for legCount, actions in runs do
                let steps, restarts = runWithRestarts (restartConfig legCount None) actions
                let arr = Array.ofList steps
                for r in restarts do
                    if r.Store.Memory.IsNone && not r.Before.Orders.IsEmpty then
                        lost <- lost + 1
                        if arr |> Seq.skip (r.At + 1) |> Seq.exists (fun st -> match st.Event.Payload with QuoteReceived q -> q.ContractId = underlyingId | _ -> false) then
                            quotedAfter <- quotedAfter + 1
            printfn "memory-loss coverage: %d restarts without the memory on a store with orders, %d with quotes after" lost quotedAfter
            Expect.isGreaterThan quotedAfter 50 "memory-lost restarts the hedger could have traded after")
        // The last hedge is remembered: a restart (5 s after the kill here) does not hedge again inside cooldown_seconds.
        restartPropertyWith (fun c -> { c with Strategy = { c.Strategy with Cooldown = Duration.ofSeconds 30.0 } })
            "Hedge decisions are cooldown_seconds apart, across restarts" (fun cfg steps _ ->
            let hedgeTimes =
                steps |> List.choose (fun st ->
                    if placed st.Commands |> List.exists (fun o -> o.Purpose = Hedge) then Some st.After.Now else None)
            hedgeTimes |> List.pairwise |> List.forall (fun (a, b) ->
                if Timestamp.since a b < cfg.Strategy.Cooldown then
                    failwithf "hedges at %A and %A: %.1f s apart, cooldown %.0f s" a b (float (b.Nanos - a.Nanos) / 1e9) (float cfg.Strategy.Cooldown / 1e9)
                true))
        // The hedges the broker refused in a row are remembered: after the third no hedge goes out (the engine paused)
        // until a hedge fills or the operator resumes — a restart does not start the count again.
        Props.property "After three hedges refused in a row no hedge goes out until one fills or the operator resumes, across restarts" 300
            (Prop.forAll (Arb.fromGen genRejectScenario) (fun (legCount, actions) ->
            let steps, _ = runWithRestarts (restartConfig legCount None) actions
            let refusedNow (st: Step) =
                match st.Event.Payload with
                | EngineStarted _ -> 0 // the orders restored from the store, not endings
                | _ ->
                    st.After.Orders |> Map.toList |> List.filter (fun (r, o) ->
                        o.Purpose = Hedge && o.Filled = 0
                        && (match st.Before.Orders |> Map.tryFind r with Some b -> not (OrderStatus.isTerminal b.Status) | None -> false)
                        && (o.Status = Rejected || ((o.Status = Inactive || o.Status = Cancelled) && not o.CancelRequested)))
                    |> List.length
            let hedgeFilled (st: Step) =
                st.After.Orders |> Map.exists (fun r o ->
                    o.Purpose = Hedge && o.Filled > (st.Before.Orders |> Map.tryFind r |> Option.map _.Filled |> Option.defaultValue o.Filled))
            let resumed (st: Step) =
                (match st.Event.Payload with ControlRequested(Resume, _) -> true | _ -> false)
                && st.Commands |> List.exists (function CompleteControl(_, Done _) -> true | _ -> false)
            steps |> List.fold (fun refused st ->
                if refused >= OrderFlow.maxHedgeRejects then
                    match placed st.Commands |> List.tryFind (fun o -> o.Purpose = Hedge) with
                    | Some o when not (resumed st) -> failwithf "hedge %s after %d refused in a row, on %A" (OrderRef.value o.Ref) refused st.Event.Payload
                    | _ -> ()
                if resumed st || hedgeFilled st then 0 else refused + refusedNow st) 0 |> ignore
            true))
        restartProperty "Another Bifrost run's execution halts the engine with ANOTHER_ENGINE until the operator resumes" (fun _ steps _ ->
            let arr = Array.ofList steps
            arr |> Array.indexed |> Array.forall (fun (i, st) ->
                match st.Event.Payload with
                | ExecutionReported x when x.Ref.StartsWith "oi_zz_" && not (st.Before.SeenExecs.Contains x.ExecId) && st.Before.Fsm <> Stopped ->
                    arr |> Seq.skip (i + 1) |> Seq.takeWhile (fun s -> not (operatorResumes s.Event) && (match s.Event.Payload with EngineStarted _ -> false | _ -> true))
                    |> Seq.forall (fun s ->
                        if not (List.isEmpty (placed s.Commands)) then failwithf "order after another engine's fill %s: %A" x.Ref s.Event
                        true)
                | _ -> true))
        // Issue 9 item 12 with restarts: once a leg has expired it is out of the book for good — the strategy holds none
        // of it and no order trades it, before and after any restart (the store holds its fills, not the expiry close).
        restartProperty "An expired leg stays out of the book across restarts: the strategy holds none and no order trades it" (fun cfg steps _ ->
            let first = cfg.Strategy.Legs.Head.Option
            steps |> List.forall (fun st ->
                if st.After.Now >= first.Expiry && st.After.Fsm <> Starting then
                    let held = State.qtyOf st.After first.ContractId
                    if held <> 0 && st.After.ExpiredLegs.ContainsKey(ContractId.value first.ContractId) then
                        failwithf "expired leg %d held %d after %A (%s)" (ContractId.value first.ContractId) held st.Event.Payload (FsmState.name st.After.Fsm)
                    match placed st.Commands |> List.tryFind (fun o -> o.ContractId = first.ContractId) with
                    | Some o -> failwithf "order %s on the expired leg after %A" (OrderRef.value o.Ref) st.Event.Payload
                    | None -> ()
                true))
        // A store lost (a mistyped store.path, a deleted file): the first start must not take yesterday's hedge for the
        // operator's shares and hedge the legs again on top of it. From the sync that finds the account in the
        // underlying, nothing is sent until the operator resumes (or flattens).
        Props.property "After the store is lost, a first start finding the account in the underlying sends no order until the operator resumes" 300
            (Prop.forAll (Arb.fromGen genStoreLossScenario) (fun (legCount, actions) ->
                let cfg = restartConfig legCount None
                let steps, _, losses = runWithLosses cfg actions
                let arr = Array.ofList steps
                losses |> List.forall (fun at ->
                    let held =
                        arr |> Seq.skip at |> Seq.takeWhile (fun st -> match st.Before.Fsm with Starting | Syncing _ -> true | _ -> false)
                        |> Seq.exists (fun st -> match st.Event.Payload with PositionReported(id, q, _) -> id = underlyingId && q <> 0 | _ -> false)
                    not held
                    || (arr |> Seq.skip at |> Seq.takeWhile (fun st -> not (operatorResumes st.Event))
                        |> Seq.forall (fun st ->
                            match placed st.Commands with
                            | [] -> true
                            | o :: _ -> failwithf "order %s (%A) after a lost store, before the operator answered, on %A" (OrderRef.value o.Ref) o.Purpose st.Event.Payload)))))
        Props.seeded "The store-loss scenarios reach a first start that would otherwise trade on top of the account's shares" (fun seed ->
            let runs = Gen.sampleWithSeed seed 60 150 genStoreLossScenario
            let mutable asked = 0
            for legCount, actions in runs do
                let cfg = restartConfig legCount None
                let steps, _, losses = runWithLosses cfg actions
                let arr = Array.ofList steps
                for at in losses do
                    let sync = arr |> Seq.skip at |> Seq.takeWhile (fun st -> match st.Before.Fsm with Starting | Syncing _ -> true | _ -> false) |> List.ofSeq
                    // Only FIRST_START_POSITION stands between this start and trading: no other halt or pause.
                    match List.tryLast sync with
                    | Some last when last.After.PausedBy = "critical alert FIRST_START_POSITION" -> asked <- asked + 1
                    | _ -> ()
            Expect.isGreaterThan asked 10 "first starts paused by the question alone")
        Props.seeded "With tight limits the restart scenarios breach a risk limit during a sync" (fun seed ->
            // 2–11 per 150 scenarios over 12 seeds: 400 drawn, "more than 2" asserted.
            let runs = Gen.sampleWithSeed seed 60 400 genRestartScenario
            let mutable breaches = 0
            for legCount, expiry, actions in runs do
                let steps, _ = runWithRestarts (tightLimits (restartConfig legCount expiry)) actions
                breaches <- breaches + (steps |> List.filter (fun st ->
                    (match st.Before.Fsm with Syncing _ -> true | _ -> false) && alerts st.Commands |> List.exists (fun a -> a.Code = "RISK_HALT")) |> List.length)
            Expect.isGreaterThan breaches 2 "risk breaches during a sync")
        // Seeded (replayable) like every sampled check: an unseeded sample failed once in a row of runs with no seed to replay.
        Props.seeded "The restart scenarios exercise restarts while paused, halts, rebalanced legs, manual fills and day rolls" <| fun seed ->
            let runs = Gen.sampleWithSeed seed 60 250 genRestartScenario
            let mutable pausedRestarts, legChanges, days, manualRestarts, expiredRestarts, exercisedRestarts = 0, 0, 0, 0, 0, 0
            for legCount, expiry, actions in runs do
                let cfg = restartConfig legCount expiry
                let steps, restarts = runWithRestarts cfg actions
                pausedRestarts <- pausedRestarts + (restarts |> List.filter (fun r -> operatorStopped r.Before) |> List.length)
                legChanges <- legChanges + (restarts |> List.filter (fun r -> legIdsOf cfg |> List.exists (fun id -> State.qtyOf r.Before id <> (cfg.Strategy.Legs |> List.find (fun l -> l.Option.ContractId = id)).Quantity)) |> List.length)
                manualRestarts <- manualRestarts + (restarts |> List.filter (fun r -> r.Before.Orders |> Map.exists (fun _ o -> o.Purpose = OrderPurpose.Manual && o.Filled > 0)) |> List.length)
                expiredRestarts <- expiredRestarts + (restarts |> List.filter (fun r -> not r.Before.ExpiredLegs.IsEmpty) |> List.length)
                exercisedRestarts <- exercisedRestarts + (restarts |> List.filter (fun r -> r.Before.ExpiredLegs |> Map.exists (fun _ p -> p >= Expiry.exerciseThreshold)) |> List.length)
                days <- days + (steps |> List.map (fun st -> SessionCalendar.tradingDay cfg.Calendar st.After.Now) |> List.distinct |> List.length)
            printfn "restart coverage: paused %d, legs %d, days %d, manual %d, expired %d, exercised %d" pausedRestarts legChanges days manualRestarts expiredRestarts exercisedRestarts
            Expect.isGreaterThan pausedRestarts 20 "restarts while paused/halted/stopping"
            Expect.isGreaterThan legChanges 10 "restarts after the strategy changed an option leg"
            Expect.isGreaterThan days 300 "session days visited"
            // 4–44 per 150 scenarios over 21 seeds (clustered: a scenario with one manual fill often restarts several
            // times after it; one seed of a full run had none once the alphabet grew), so 250 scenarios and only "some"
            // is asserted; the hedge-restore property above is what checks them.
            Expect.isGreaterThan manualRestarts 0 "restarts after an operator's manual fill"
            Expect.isGreaterThan expiredRestarts 10 "restarts after a leg expired"
            // The hedge-restore property above checks the exercise's delivered stock is restored once, not twice or never.
            Expect.isGreaterThan exercisedRestarts 5 "restarts after a leg expired in the money (exercised)"
    ]
