/// Issue 9 invariants as model-based properties over random action sequences (the broker model's alphabet includes
/// operator-owned and strategy-adjusting manual runs, rebalances, stale periods, limit breaches and critical alerts).
module Bifrost.Domain.Tests.Trading.SafetyProperties

open Expecto
open FsCheck.FSharp
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures
open Bifrost.Domain.Tests.Trading.BrokerModel

let sequences = 500

/// Half the scenarios open with a limit breach: hedged and idle, then an operator's risk-bypassed, strategy-adjusting
/// buy far over the position and notional limits (the situation of issue 9, item 1), then random actions.
let genSafetyScenario =
    gen {
        let! legCount, actions = genScenario
        let! breach = Gen.elements [ true; false ]
        let! qty = Gen.choose (2_600, 6_000)
        let! side = Gen.elements [ Buy; Sell ]
        let prefix = [ MoveUnderlying 0; FillAll; Tick 1500; MoveUnderlying 0; FillAll; Tick 1500; MoveUnderlying 0; Manual(side, qty, true, true); FillAll; Tick 1500 ]
        return legCount, (if breach then prefix @ actions else actions)
    }

/// A model-based property over `sequences` random safety scenarios (see ReducerProperties.scenarioProperty).
let private safetyProperty (name: string) (holds: Config -> Step list -> bool) =
    Props.property name sequences (Prop.forAll (Arb.fromGen genSafetyScenario) (fun (legCount, actions) ->
        let cfg = config legCount
        holds cfg (run cfg actions)))

let private hedgeInFlight (s: State) =
    match s.Fsm with
    | Running(HedgePending _) | Flattening _ -> true
    | _ -> false

let private fail fmt = Printf.kprintf (fun m -> failwith m) fmt

/// The invariants stated once, checked over the safety scenarios here and over scenarios with restarts
/// (RestartProperties): a restart rebuilds the engine from the store only, and none of them may break across it.
module Invariants =
    /// GREEN ⇒ delta within the band (or a hedge in flight), no limit breached, fresh data, no standing block.
    let greenIsSafe (cfg: Config) (steps: Step list) =
        steps |> List.forall (fun st ->
            let s = st.After
            let r = SelfCheck.run cfg s
            if r.Health = Health.Healthy then
                let dev = State.deviation cfg s
                let half = Composite.bandHalfWidth cfg s
                let c = Composite.classify cfg s
                let positionsOk = Portfolio.holdings s.Portfolio |> List.forall (fun (_, h) -> abs h.Quantity <= cfg.Risk.MaxPosition)
                let ok =
                    (abs dev <= half || hedgeInFlight s)
                    && positionsOk
                    && s.Daily.Trades < cfg.Risk.MaxDailyTrades
                    && c.DailyPnl > -cfg.Risk.DailyLossLimit
                    && c.Data = Fresh
                    && (match s.Fsm with Running _ -> true | _ -> false)
                    && r.BlockReasons |> List.forall (fun b -> b = BlockReason.Cooldown || b = BlockReason.OrderInFlight)
                if not ok then fail "GREEN while unsafe: dev %.1f half %.1f fsm %s reasons %A\nevent %A" dev half (FsmState.name s.Fsm) r.BlockReasons st.Event
            // The on-demand self-check answers with the same evaluation.
            match st.Event.Payload with
            | ControlRequested(RunSelfCheck, m) when st.Before.Fsm <> Stopped ->
                st.Commands |> List.contains (CompleteControl(m.ControlId, Done(Health.name (SelfCheck.run cfg st.After).Health)))
            | _ -> true)

    /// No order without a fresh quote for its contract; flatten only as a recorded exception.
    let noOrderOnStaleData (cfg: Config) (steps: Step list) =
        steps |> List.forall (fun st ->
            placed st.Commands |> List.forall (fun o ->
                match Composite.freshnessOf cfg st.After o.ContractId with
                | Fresh -> true
                | _ when o.Purpose = Flatten -> ops st.Commands |> List.exists (fun op -> op.Detail.Contains "STALE_DATA_EXCEPTION")
                | f -> fail "%s order %s on %A data: %A" (OrderPurpose.name o.Purpose) (OrderRef.value o.Ref) f st.Event))

    /// A critical alert pauses new strategy orders until the operator resumes.
    let criticalAlertPauses (steps: Step list) =
        steps
        |> List.fold (fun (pausedByAlert, ok) st ->
            let critical = alerts st.Commands |> List.exists (fun a -> a.Severity = Critical)
            let resumed = match st.Event.Payload with ControlRequested(Resume, _) -> true | _ -> false
            let hedges = placed st.Commands |> List.filter (fun o -> o.Purpose = Hedge)
            let stillRunning = critical && (match st.After.Fsm with Running _ -> true | _ -> false)
            if stillRunning then fail "critical alert left the engine running: %A" st.Event
            if pausedByAlert && not resumed && not hedges.IsEmpty then fail "hedge after a critical alert without a resume: %A" st.Event
            let wasLive = match st.Before.Fsm with Running _ | Syncing _ -> true | _ -> false
            (if critical && wasLive then true elif resumed then false else pausedByAlert), ok) (false, true)
        |> snd

    /// A cancel the engine asked for reaches the broker once it can: when a sync ends, or on a reconnect while stopping
    /// (no sync there), every working order of ours whose cancel was requested has had it received by the broker —
    /// one sent on a dead socket is lost, and CancelRequested keeps the timeout, stop and halts from asking again.
    let cancelsReachTheBroker (steps: Step list) =
        steps |> List.forall (fun st ->
            let syncEnded = (match st.Before.Fsm with Syncing _ -> true | _ -> false) && (match st.After.Fsm with Syncing _ -> false | _ -> true)
            let reconnectedStopping = (match st.Event.Payload, st.After.Fsm with BrokerConnected _, Stopping _ -> true | _ -> false)
            if (syncEnded || reconnectedStopping) && st.After.Connectivity.SocketUp then
                let unheard = State.workingOrders st.After |> List.filter (fun o -> o.CancelRequested && st.BrokerUncancelledAfter.Contains o.Ref)
                if not unheard.IsEmpty then
                    fail "cancel asked for but never received by the broker: %s after %A" (unheard |> List.map (fun o -> OrderRef.value o.Ref) |> String.concat ", ") st.Event
            true)

[<Tests>]
let tests =
    testList "Trading.SafetyProperties" [
        safetyProperty "A cancel lost on a dead socket reaches the broker when the sync ends or a stopping engine reconnects" (fun _ steps -> Invariants.cancelsReachTheBroker steps)
        safetyProperty "GREEN means delta within the band or a hedge in flight, no limit breached, fresh data and no standing block" Invariants.greenIsSafe
        safetyProperty "No order goes out without a fresh quote for its contract; flatten only as a recorded exception" Invariants.noOrderOnStaleData
        safetyProperty "A critical alert pauses new strategy orders until the operator resumes" (fun _ steps -> Invariants.criticalAlertPauses steps)
        // The broker model's MisreportFill: an order filled at the broker whose execution names the other side.
        safetyProperty "An execution unlike its order (the other side) is never applied to the strategy's book" (fun _ steps ->
            steps |> List.forall (fun st ->
                match st.Event.Payload with
                | ExecutionReported x ->
                    match st.Before.Orders |> Map.tryPick (fun r o -> if OrderRef.value r = x.Ref then Some o else None) with
                    | Some o when o.Side <> x.Side || o.ContractId <> x.ContractId ->
                        let qty (s: State) id = Portfolio.strategyQty id s.Portfolio
                        if qty st.Before x.ContractId <> qty st.After x.ContractId || qty st.Before o.ContractId <> qty st.After o.ContractId then
                            fail "misreported execution applied: %A to order %s %s %d" x (OrderRef.value o.Ref) (Side.name o.Side) o.Quantity
                        true
                    | _ -> true
                | _ -> true))
        Props.seeded "The misreported executions meet the engine's own orders (the property above is not vacuous)" (fun seed ->
            let misreported =
                Gen.sampleWithSeed seed 60 300 genSafetyScenario
                |> Array.sumBy (fun (legCount, actions) ->
                    run (config legCount) actions
                    |> List.filter (fun st ->
                        match st.Event.Payload with
                        | ExecutionReported x ->
                            st.Before.Orders |> Map.exists (fun r o -> OrderRef.value r = x.Ref && o.Side <> x.Side)
                        | _ -> false)
                    |> List.length)
            printfn "misreported executions of the engine's orders in 300 scenarios: %d" misreported
            Expect.isGreaterThan misreported 20 "misreported executions reach the engine")
        safetyProperty "The hedge that reduces risk is never refused by the position, notional or daily-trade limits" (fun cfg steps ->
            steps |> List.forall (fun st ->
                ops st.Commands
                |> List.filter (fun o -> o.Kind = OperationKind.GuardBlocked)
                |> List.forall (fun o ->
                    let signed = (if o.Side = "BUY" then 1 else -1) * o.Quantity
                    let s = st.After
                    let reducing = Risk.reducesRisk (State.hedgePosition cfg s) signed (State.deviation cfg s) (float signed)
                    let codes = o.Detail.Split(" | ").[0].Split(',') |> Set.ofArray
                    let limitCodes = set [ "POSITION_LIMIT"; "DAILY_TRADE_LIMIT"; "NOTIONAL_LIMIT" ]
                    if reducing && not (Set.intersect codes limitCodes).IsEmpty then fail "reducing hedge %d refused: %s" signed o.Detail
                    true)))
        safetyProperty "A hedge is refused by the position limit only when not a hedge's worth of it fits within the limit" (fun cfg steps ->
            steps |> List.forall (fun st ->
                ops st.Commands
                |> List.filter (fun o -> o.Kind = OperationKind.GuardBlocked && o.Detail.Split(" | ").[0].Split(',') |> Array.contains "POSITION_LIMIT")
                |> List.forall (fun o ->
                    let way = if o.Side = "BUY" then 1 else -1
                    let lot = cfg.Strategy.LotSize
                    let room = (cfg.Risk.MaxPosition - way * State.hedgePosition cfg st.After) / lot * lot
                    if room >= max lot cfg.Strategy.MinHedgeShares then fail "hedge %s %d refused by the position limit with %d shares of room: %s" o.Side o.Quantity room o.Detail
                    true)))
        let gen =
            gen {
                let! qty = Gen.choose (-200_000, 200_000)
                let! price = Gen.elements [ 0.5; 1.0; 37.3; 100.0; 512.0; 25_000.0 ]
                let! cap = Gen.elements [ 1_000.0; 10_000.0; 100_000.0; 250_000.0 ]
                let! lot = Gen.elements [ 1; 10; 100 ]
                let! mult = Gen.elements [ 1; 100 ]
                return qty, price, cap, lot, mult
            }
        Props.property "Children of a split order sum to the parent, each within the notional cap and on the parent's side" 5000 (Prop.forAll (Arb.fromGen gen) (fun (qty, price, cap, lot, mult) ->
            let limits = { (config 1).Risk with MaxOrderNotional = cap }
            let children = Risk.split limits price mult lot qty
            let parent = List.sum children
            let oneLot = price * float mult * float lot
            let needed = if qty = 0 then 1 else int (ceil (float (abs qty) / max 1.0 (float lot * max 1.0 (floor (cap / oneLot)))))
            children |> List.forall (fun c -> c = 0 || sign c = sign qty)
            && abs parent <= abs qty
            && (needed > Risk.maxChildren || parent = qty)
            && children.Length <= Risk.maxChildren
            && children |> List.forall (fun c -> oneLot > cap || float (abs c) * price * float mult <= cap + 1e-6)))
        safetyProperty "Operator runs are never traded back: manual fills stay external and rebalance fills leave the hedger's deviation unchanged" (fun cfg steps ->
            steps |> List.forall (fun st ->
                match st.Event.Payload with
                | ExecutionReported x when not (st.Before.SeenExecs.Contains x.ExecId) ->
                    let order = OrderRef.create x.Ref |> Result.toOption |> Option.bind (fun r -> st.Before.Orders |> Map.tryFind r)
                    match order with
                    | Some o when o.Purpose = OrderPurpose.Manual ->
                        if not (Props.same st.After.Portfolio.Strategy st.Before.Portfolio.Strategy) then fail "operator-owned fill changed the strategy: %A" x
                        // and nothing the hedger sends in reply trades the operator's shares: hedges move the strategy only.
                        placed st.Commands |> List.forall (fun p -> p.Purpose <> Hedge || OrderPurpose.owner p.Purpose = StrategyOwned)
                    // A flatten since the order was sent ended its tilt: a late fill of it is the flatten's to trade
                    // back, never a tilt again (as a restart rebuilds it).
                    | Some o when o.Purpose = Rebalance && o.ContractId = underlyingId && o.IbOrderId <= st.Before.TiltClearedThrough ->
                        if st.After.TargetTilt <> st.Before.TargetTilt then fail "a rebalance fill from before a flatten moved the tilt %.0f -> %.0f" st.Before.TargetTilt st.After.TargetTilt
                        true
                    | Some o when o.Purpose = Rebalance && o.ContractId = underlyingId ->
                        let before = State.deviation cfg { st.Before with Book = st.After.Book }
                        let after = State.deviation cfg st.After
                        if abs (after - before) > 1e-6 then fail "rebalance fill moved the deviation %.2f -> %.2f" before after
                        placed st.Commands |> List.forall (fun p -> p.Purpose <> Hedge)
                    | _ -> true
                | _ -> true))
        // Seeded (replayable) like every sampled check: an unseeded sample failed once in a row of runs with no seed to replay.
        Props.seeded "The safety scenarios exercise splits, operator runs, rebalances, stale refusals and critical pauses" <| fun seed ->
            // 600, not 200: rebalances come ~6 per 200 scenarios, so "at least 5 in 200" failed about one run in four.
            let sampled = 600
            let scenarios = Gen.sampleWithSeed seed 60 sampled genSafetyScenario
            let cmds = scenarios |> Array.collect (fun (n, actions) -> run (config n) actions |> List.collect (fun st -> st.Commands) |> Array.ofList)
            let count f = cmds |> Array.filter f |> Array.length
            let atLeast n what c = Expect.isGreaterThanOrEqual c n $"{what}: {c} in {sampled} scenarios, expected at least {n}"
            atLeast 3 "split hedges" (count (function RecordOperation o -> o.Kind = OperationKind.Intent && o.Detail.Contains "split into" | _ -> false))
            atLeast 5 "operator-owned manual orders" (count (function PlaceOrder o -> o.Purpose = OrderPurpose.Manual | _ -> false))
            atLeast 5 "strategy-adjusting manual orders" (count (function PlaceOrder o -> o.Purpose = ManualForStrategy | _ -> false))
            atLeast 5 "rebalance orders" (count (function PlaceOrder o -> o.Purpose = Rebalance | _ -> false))
            atLeast 3 "market_data_error refusals" (count (function RecordOperation o -> o.Detail.StartsWith "market_data_error" | _ -> false))
            atLeast 5 "critical pauses" (count (function RecordOperation o -> o.Detail.Contains "paused by critical alert" | _ -> false))
            atLeast 3 "RED for a breached limit" (count (function PublishStatus p -> p.Report.Checks |> List.exists (fun c -> c.Name = "risk_limits" && not c.Passed) | _ -> false))
    ]
