/// Model-based properties with a daemon restart in the alphabet: the engine is rebuilt only from what the store
/// would hold (orders, fills, the last saved engine memory), through the same EngineStarted path the daemon uses.
module Bifrost.Domain.Tests.Trading.RestartProperties

open Expecto
open FsCheck.FSharp
open Bifrost.Domain
open Bifrost.Domain.Strategy
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures
open Bifrost.Domain.Tests.Trading.BrokerModel

type RestartAction =
    | Base of Action
    /// kill -9 and start again: state rebuilt from the store projection.
    | Restart
    /// A rebalance of one option leg to the strategy's quantity + delta.
    | RebalanceLeg of leg: int * delta: int
    /// One rebalance run moving every option leg by its own delta (several orders in one decision).
    | RebalanceAll of deltas: int list
    /// Hours pass (session days roll; the calendar's day is not UTC's).
    | Hours of int
    /// Another Bifrost run's execution on the account.
    | ForeignFill
    /// The store is gone (a mistyped store.path, a lost disk) and the engine starts the next day from nothing: the
    /// broker still holds the account, its day orders expired overnight and it reports no earlier execution.
    | StoreLost
    /// The broker is slow to answer a reconciliation: seconds pass, the underlying moves and the clock ticks before its
    /// answers arrive (elsewhere they come before the next action, and a sync looks instant).
    | SlowSync of seconds: int * bps: int
    /// kill -9 and start again on a host whose clock went back this many hours meanwhile (NTP, an operator): as far as
    /// the engine can tell, time itself went back.
    | ClockBackRestart of hours: int
    /// kill -9 and start again with these option legs (indexes) taken out of strategy.legs (a roll, a typo): every
    /// step after it runs under that configuration. Not in the shared alphabet (its checks judge with one config).
    | RestartDropping of legs: int list
    /// A rebalance of one option leg to nothing (the strategy closes it: a roll's first half).
    | CloseLeg of leg: int
    /// kill -9 and start again on a store that kept the orders and fills but lost the engine memory row (deleted by
    /// hand, a salvaged store): a pause, a halt, the day's baseline and the adopted book are gone.
    | MemoryLostRestart
    /// A second engine with this run_id (a copied configuration and store) fills its own order of our newest stock
    /// order's ref (another permId), from another client id or from ours (it ran while we were down). Not in the shared
    /// alphabet (its own property judges it, with the engine's client id known).
    | SecondEngineFill of otherClient: bool

/// What the store holds: every execution the daemon observed (exactly once, in order, with its receive time), the
/// commissions, and the last engine memory the reducer asked to save. Orders are the engine's own rows.
type StoreProjection =
    { Fills: (ExecutionReport * Timestamp) list
      Commissions: Map<ExecId, float>
      Memory: EngineMemory option }

module StoreProjection =
    let empty = { Fills = []; Commissions = Map.empty; Memory = None }

    let observe (store: StoreProjection) (e: Event) (cmds: Command list) : StoreProjection =
        let store : StoreProjection =
            match e.Payload with
            | ExecutionReported x when not (store.Fills |> List.exists (fun (f, _) -> f.ExecId = x.ExecId)) ->
                { store with Fills = store.Fills @ [ x, e.Received ] }
            | CommissionReported(id, c) -> { store with Commissions = store.Commissions |> Map.add id c }
            | _ -> store
        cmds |> List.fold (fun st c -> match c with SaveMemory m -> { st with Memory = Some m } | _ -> st) store

    let private sequence (r: OrderRef) =
        let v = OrderRef.value r
        match System.Int64.TryParse(v.Substring(v.LastIndexOf '_' + 1)) with
        | true, n -> n
        | _ -> 0L

    /// The pure mirror of the daemon's StoreRestore.Build: orders with their fills, holdings = adopted legs + the
    /// strategy's own fills, seen exec ids, the id high-water mark, the memory, external leg fills since reconciling.
    let restore (cfg: Config) (store: StoreProjection) (engine: State) : Restored =
        let orders = engine.Orders |> Map.toList |> List.map snd
        let known = orders |> List.map (fun o -> OrderRef.value o.Ref) |> Set.ofList
        let booked = store.Memory |> Option.map (fun m -> Set.ofList m.OptionBook.Booked) |> Option.defaultValue Set.empty
        // As in StoreRestore.Build: of an execution's revisions (IB's correction ".02" of ".01") only the first stored
        // was applied: the others are seen, not replayed.
        let revisions =
            store.Fills |> List.fold (fun (seen: Set<ExecId>, found: Set<ExecId>) (f, _) ->
                (seen.Add f.ExecId, (if (ExecId.revisionOf seen f.ExecId).IsSome then found.Add f.ExecId else found))) (Set.empty, Set.empty) |> snd
        let corrects (f: ExecutionReport) = revisions.Contains f.ExecId
        // As in StoreRestore.Build: what the live engine refused as not its order's (FillRule: another client's, unlike
        // the order, another permId), judged in the order the fills came, is not replayed nor seen; the fills of orders
        // booked by confirm_book are in the adopted quantity already. Each order comes back with the permId it held after
        // its fills (the first applied one's, when it had none: StoreRestore.Build's `judged`), which the live engine
        // judges the fills after the restart by. Left at 0 (an order never acknowledged, filled while the engine was
        // stopped), a second engine's fill of another permId under our client id was taken live as the order's, and the
        // next restart's replay, from that permId, refused the order's own fill instead.
        let judged =
            orders |> List.map (fun o ->
                let own = store.Fills |> List.map fst |> List.filter (fun f -> f.Ref = OrderRef.value o.Ref && not (corrects f))
                let verdicts, permId = FillRule.replay o (own |> List.map (fun f ->
                                           { FillContract = f.ContractId; FillSide = f.Side; FillPermId = f.PermId; FillClient = f.ClientId
                                             EngineClient = Restart.clientJudging cfg f.Ref cfg.Control.ClientId }))
                o.Ref, (List.zip own verdicts |> List.choose (fun (f, v) -> v |> Option.map (fun why -> f.ExecId, o.Ref, why))), permId)
        let refusedFills = judged |> List.collect (fun (_, refused, _) -> refused)
        let permIdOf = judged |> List.map (fun (r, _, p) -> r, p) |> Map.ofList
        let refused = refusedFills |> List.map (fun (x, _, _) -> x) |> Set.ofList
        let mismatched (f: ExecutionReport) = refused.Contains f.ExecId
        let own, others = store.Fills |> List.filter (fun (f, _) -> not (mismatched f) && not (corrects f)) |> List.partition (fun (f, _) -> known.Contains f.Ref)
        // As in StoreRestore.Build: a leg that left the configuration at the multiplier the memory kept of it.
        let terms = (store.Memory |> Option.map _.LegTerms |> Option.defaultValue []) @ (cfg.Strategy.Legs |> List.map _.Option)
        let mult (id: ContractId) = terms |> List.tryFindBack (fun o -> o.ContractId = id) |> Option.map _.Multiplier |> Option.defaultValue 1
        let legs = cfg.Strategy.Legs |> List.map (fun l -> l.Option.ContractId) |> Set.ofList
        let adopted =
            match store.Memory with
            | Some m -> m.OptionBook.Adopted |> List.filter (fun a -> a.Quantity <> 0)
                        |> List.map (fun a -> a.ContractId, Holding.applyFill (mult a.ContractId) (Side.ofSignedQuantity a.Quantity) (abs a.Quantity) a.AvgCost Holding.empty)
            | None -> []
        // Fills of the operator's own manual runs are external (as in StoreRestore.Build): never the strategy's.
        let manual = orders |> List.filter (fun o -> o.Purpose = OrderPurpose.Manual) |> List.map (fun o -> OrderRef.value o.Ref) |> Set.ofList
        let holdings =
            own |> List.filter (fun (f, _) -> not (manual.Contains f.Ref) && not (booked.Contains f.Ref)) |> List.fold (fun (acc: Map<ContractId, Holding>) (f, _) ->
                let h = acc |> Map.tryFind f.ContractId |> Option.defaultValue Holding.empty
                let h = Holding.applyFill (mult f.ContractId) f.Side f.Quantity f.Price h
                let h = match store.Commissions |> Map.tryFind f.ExecId with Some c -> Holding.addFee c h | None -> h
                acc |> Map.add f.ContractId h) (Map.ofList adopted)
        let externalLeg = others |> List.filter (fun (f, _) -> legs.Contains f.ContractId && not (OrderRef.isBifrost f.Ref))
        let reconciledAt = store.Memory |> Option.map (fun m -> m.OptionBook.ReconciledAt) |> Option.defaultValue Timestamp.zero
        let filledOf (o: Order) = own |> List.filter (fun (f, _) -> f.Ref = OrderRef.value o.Ref) |> List.sumBy (fun (f, _) -> f.Quantity)
        { OrderIdHighWater = orders |> List.map (fun o -> o.IbOrderId) |> List.fold max 0
          NextOrderSeq = (orders |> List.map (fun o -> sequence o.Ref) |> List.fold max 0L) + 1L
          Orders = orders |> List.map (fun o -> { o with PermId = permIdOf.[o.Ref]; Filled = filledOf o; ReportedFilled = filledOf o; LastInvalid = None; DecisionMid = nan; DoneAt = Timestamp.zero })
          Holdings = holdings |> Map.toList
          SeenExecIds =
            ((own @ externalLeg) |> List.map (fun (f, _) -> f.ExecId))
            @ [ for f, _ in store.Fills do
                    if corrects f && (known.Contains f.Ref || (legs.Contains f.ContractId && not (OrderRef.isBifrost f.Ref))) then f.ExecId ]
          HighWater = store.Memory |> Option.map (fun m -> m.HighWater) |> Option.defaultValue 0.0
          Memory = store.Memory
          ExternalLegFills = [ for (f, t) in externalLeg do if store.Memory.IsSome && t > reconciledAt then f.ContractId, Side.sign f.Side * f.Quantity ]
          RefusedFills = refusedFills }

/// A restart as the properties see it: the step index of its EngineStarted and the engine just before the kill.
/// A restart: the step of its EngineStarted, the state killed, and how far the host's clock went back meanwhile.
type RestartPoint = { At: int; Before: State; HoursBack: int; Store: StoreProjection }

let genRestartAction (legCount: int) =
    Gen.frequency
        [ 60, genAction legCount |> Gen.map Base
          6, Gen.constant Restart
          6, Gen.map2 (fun l d -> RebalanceLeg(l, d)) (Gen.choose (0, legCount - 1)) (Gen.elements [ -2; -1; 1; 2 ])
          3, Gen.listOfLength legCount (Gen.elements [ -2; -1; 1; 2 ]) |> Gen.map RebalanceAll
          4, Gen.choose (1, 30) |> Gen.map Hours
          1, Gen.constant ForeignFill
          6, Gen.elements [ Base(Ctl Pause); Base(Ctl Resume); Base(Fill 100); Base(Ack) ]
          4, Gen.map2 (fun s b -> SlowSync(s, b)) (Gen.choose (1, 5)) (Gen.choose (-60, 60)) ]

/// A scenario: the option legs, when the first leg expires (hours after the start; None: in 90 days, never reached),
/// and the actions. With Hours in the alphabet a near expiry is crossed in many scenarios, before or after restarts.
let genRestartScenario =
    gen {
        let! legCount = Gen.choose (1, 3)
        let! expiry = Gen.frequency [ 1, Gen.constant None; 1, Gen.choose (2, 60) |> Gen.map Some ]
        let! n = Gen.choose (30, 120)
        let! actions = Gen.listOfLength n (genRestartAction legCount)
        return legCount, expiry, actions
    }

/// A scenario in which the store is lost once, part way: trading (with restarts) before, a first start after.
let genStoreLossScenario =
    gen {
        let! legCount = Gen.choose (1, 3)
        let! n1 = Gen.choose (5, 60)
        let! before = Gen.listOfLength n1 (genRestartAction legCount)
        let! n2 = Gen.choose (5, 40)
        let! after = Gen.listOfLength n2 (genRestartAction legCount)
        return legCount, before @ [ StoreLost ] @ after
    }

/// A scenario in which restarts may find the engine memory lost (not in the shared alphabet: the other restart
/// properties judge what a remembered state restores).
let genMemoryLossScenario =
    gen {
        let! legCount = Gen.choose (1, 3)
        let! n = Gen.choose (30, 120)
        let! actions = Gen.listOfLength n (Gen.frequency [ 12, genRestartAction legCount; 1, Gen.constant MemoryLostRestart ])
        return legCount, actions
    }

/// A second engine with this run_id fills orders of our refs now and then, with restarts in between.
let genSecondEngineScenario =
    gen {
        let! legCount = Gen.choose (1, 3)
        let! n = Gen.choose (30, 120)
        let! actions = Gen.listOfLength n (Gen.frequency [ 10, genRestartAction legCount; 1, Gen.elements [ true; false ] |> Gen.map SecondEngineFill ])
        return legCount, actions
    }

/// A broker that refuses hedges (Reject after the market moves) and restarts in between: the scenarios in which three
/// refused hedges in a row span a restart.
let genRejectScenario =
    gen {
        let! legCount = Gen.choose (1, 3)
        let! n = Gen.choose (20, 80)
        let! actions =
            Gen.listOfLength n
                (Gen.frequency
                    [ 6, Gen.choose (-60, 60) |> Gen.map (MoveUnderlying >> Base)
                      6, Gen.constant (Base Reject)
                      3, Gen.choose (500, 3000) |> Gen.map (Tick >> Base)
                      3, Gen.constant Restart
                      1, Gen.constant (Base FillAll)
                      1, Gen.constant (Base(Ctl Resume))
                      // The operator's own orders (rejected too, never counted), a pause, a stale feed, a lost link.
                      2, Gen.map4 (fun s q b a -> Base(Manual(s, q, b, a))) (Gen.elements [ Buy; Sell ]) (Gen.choose (1, 400)) (Gen.elements [ true; false ]) (Gen.elements [ true; false ])
                      1, Gen.constant (Base(Ctl Pause))
                      1, Gen.choose (31, 90) |> Gen.map (StalePeriod >> Base)
                      1, Gen.constant (Base Disconnect)
                      1, Gen.constant (Base Reconnect) ])
        return legCount, actions
    }

let maxDailyTrades = 6

/// The model's config: a small daily trade limit and a calendar whose day starts at 05:00 UTC (UTC−5, open all day).
let restartConfig legCount (expiryHours: int option) =
    let c = config legCount
    let legs =
        match expiryHours with
        | None -> c.Strategy.Legs
        | Some h ->
            c.Strategy.Legs |> List.mapi (fun i l ->
                if i > 0 then l
                else
                    let o = l.Option
                    let expiry = Timestamp.add (Duration.ofSeconds (3600.0 * float h)) t0
                    { l with Option = OptionContract.create o.ContractId o.Underlying o.Right o.Strike expiry o.Multiplier |> Result.get })
    { c with
        Strategy = { c.Strategy with Legs = legs }
        Risk = { c.Risk with MaxDailyTrades = maxDailyTrades }
        Calendar = { SessionCalendar.alwaysOpen with Zone = FixedOffset -300 } }

/// Executions in the order they came, less the later revisions (IB's corrections) of one seen before or earlier in
/// the list: only an execution's first revision is ever applied.
let firstRevisions (seen: Set<ExecId>) (xs: ExecutionReport[]) =
    xs |> Array.fold (fun (seen: Set<ExecId>, kept) x ->
        seen.Add x.ExecId, (if (ExecId.revisionOf seen x.ExecId).IsSome then kept else x :: kept)) (seen, [])
    |> snd |> List.rev |> Array.ofList

let private legIdsOf (cfg: Config) = cfg.Strategy.Legs |> List.map (fun l -> l.Option.ContractId)

/// Runs a scenario with restarts; returns the steps and the restart points.
let runWithLosses (cfg: Config) (actions: RestartAction list) =
    // The configuration a restart may change (RestartDropping): every step after it runs under the new one.
    let cfgNow = ref cfg
    let steps = ResizeArray<Step>()
    let restarts = ResizeArray<RestartPoint>()
    let losses = ResizeArray<int>()
    let mutable state = State.initial cfgNow.Value
    let mutable store = StoreProjection.empty
    let apply (sim: Sim) (e: Event) =
        let before = state
        let after, cmds = Reducer.step cfgNow.Value before e
        state <- after
        store <- StoreProjection.observe store e cmds
        let sim' = absorb sim cmds
        steps.Add { Before = before; Event = e; After = after; Commands = cmds; BrokerHedgesBefore = brokerHedges sim; BrokerUncancelledAfter = brokerUncancelled sim'; BrokerWorkingAfter = brokerWorking sim'
                    BrokerFilledBefore = sim.FilledTruth }
        sim'
    let drain (sim: Sim) =
        let mutable sim = sim
        while not sim.Owed.IsEmpty do
            let e = sim.Owed.Head
            sim <- apply { sim with Owed = sim.Owed.Tail } e
        sim
    let mutable sim =
        { Time = sec 0.0; Spot = 100.0; Working = []; ExecSeq = 1; Execs = []; LastStatus = None; Owed = []; Connected = true
          Undelivered = []; Late = []; LoseEnd = false; ControlSeq = 1L; Dead = Map.empty; FilledTruth = Map.empty; Misreported = Set.empty
          Broker = cfgNow.Value.Strategy.Legs |> List.map (fun l -> l.Option.ContractId, l.Quantity) |> Map.ofList }
    for e in [ at (sec 0.0) (EngineStarted Restored.empty); at (sec 0.1) (BrokerConnected [ cfgNow.Value.Account ]) ] do
        sim <- apply sim e
    // kill -9: nothing more is reduced or saved; the broker keeps the working orders and the account.
    let restart (hoursBack: int) =
        let before = state
        let restored = StoreProjection.restore cfgNow.Value store before
        state <- State.initial cfgNow.Value
        restarts.Add { At = steps.Count; Before = before; HoursBack = hoursBack; Store = store }
        let time = Timestamp.add (Duration.ofSeconds (5.0 - 3600.0 * float hoursBack)) sim.Time
        sim <- { sim with Owed = []; Connected = true; Time = time }
        for e in [ at sim.Time (EngineStarted restored); at sim.Time (BrokerConnected [ cfgNow.Value.Account ]) ] do
            sim <- apply sim e
    let actions = actions |> List.collect (function Base a -> quietAsTicks a |> List.map Base | a -> [ a ])
    for action in actions do
        let later = { sim with Time = Timestamp.add (Duration.ofMillis 250L) sim.Time }
        sim <- (match action with SlowSync _ -> later | _ -> drain later)
        match action with
        | Base a ->
            let sim', events = eventsOf cfgNow.Value sim a
            sim <- sim'
            for e in events do sim <- apply sim e
        | Restart -> restart 0
        | MemoryLostRestart ->
            store <- { store with Memory = None }
            restart 0
        | ClockBackRestart hours -> restart hours
        | RestartDropping dropped ->
            let legs = cfgNow.Value.Strategy.Legs
            cfgNow.Value <- { cfgNow.Value with Strategy = { cfgNow.Value.Strategy with Legs = legs |> List.indexed |> List.filter (fun (i, _) -> not (List.contains i dropped)) |> List.map snd } }
            restart 0
        | RebalanceLeg _ | CloseLeg _ when cfgNow.Value.Strategy.Legs.IsEmpty -> ()
        | RebalanceLeg(i, _) | CloseLeg i ->
            let id = cfgNow.Value.Strategy.Legs.[i % cfgNow.Value.Strategy.Legs.Length].Option.ContractId
            let target = match action with RebalanceLeg(_, d) -> State.qtyOf state id + d | _ -> 0
            let r = { RunId = $"{cfgNow.Value.RunId}-reb{sim.ControlSeq}"; Targets = [ id, target ]; RiskBypass = false; Meta = meta sim.ControlSeq }
            sim <- { sim with ControlSeq = sim.ControlSeq + 1L }
            sim <- apply sim (at sim.Time (RebalanceRequested r))
        | RebalanceAll deltas ->
            let ids = legIdsOf cfgNow.Value
            let targets = List.zip ids (List.truncate ids.Length deltas) |> List.map (fun (id, d) -> id, State.qtyOf state id + d)
            let r = { RunId = $"{cfgNow.Value.RunId}-reb{sim.ControlSeq}"; Targets = targets; RiskBypass = false; Meta = meta sim.ControlSeq }
            sim <- { sim with ControlSeq = sim.ControlSeq + 1L }
            sim <- apply sim (at sim.Time (RebalanceRequested r))
        | Hours h ->
            sim <- { sim with Time = Timestamp.add (Duration.ofSeconds (3600.0 * float h)) sim.Time }
            sim <- apply sim (at sim.Time ClockTicked)
        | ForeignFill when sim.Connected ->
            let x =
                { ExecId = ExecId.create $"f{sim.ExecSeq}" |> Result.get; IbOrderId = 5; PermId = 77L; ClientId = 18; Ref = $"oi_zz_{sim.ExecSeq}"
                  ContractId = underlyingId; Side = Buy; Quantity = 10; Price = sim.Spot }
            sim <- { sim with ExecSeq = sim.ExecSeq + 1 }
            sim <- apply sim (at sim.Time (ExecutionReported x))
        | ForeignFill -> ()
        // While the engine reduces (a stopped one records fills it never applies: the properties above judge those).
        | SecondEngineFill otherClient when sim.Connected && state.Fsm <> Stopped ->
            let ours = state.Orders |> Map.toList |> List.map snd |> List.filter (fun o -> o.ContractId = underlyingId) |> List.sortBy _.IbOrderId |> List.tryLast
            match ours with
            | Some o ->
                let x =
                    { ExecId = ExecId.create $"se{sim.ExecSeq}" |> Result.get; IbOrderId = o.IbOrderId; PermId = 5000L + int64 sim.ExecSeq
                      ClientId = (if otherClient then 18 else 7); Ref = OrderRef.value o.Ref; ContractId = o.ContractId; Side = o.Side; Quantity = 100; Price = sim.Spot }
                let broker = sim.Broker |> Map.add underlyingId ((sim.Broker |> Map.tryFind underlyingId |> Option.defaultValue 0) + Side.sign o.Side * 100)
                sim <- { sim with ExecSeq = sim.ExecSeq + 1; Broker = broker }
                sim <- apply sim (at sim.Time (ExecutionReported x))
            | None -> ()
        | SecondEngineFill _ -> ()
        | SlowSync(seconds, bps) ->
            sim <- { sim with Time = Timestamp.add (Duration.ofSeconds (float seconds)) sim.Time }
            let sim', quotes = eventsOf cfgNow.Value sim (MoveUnderlying bps)
            sim <- sim'
            for e in quotes @ [ at sim.Time ClockTicked ] do sim <- apply sim e
        | StoreLost ->
            state <- State.initial cfgNow.Value
            store <- StoreProjection.empty
            losses.Add steps.Count
            sim <- { sim with Owed = []; Connected = true; Working = []; Execs = []; Undelivered = []; Late = []; FilledTruth = Map.empty; Misreported = Set.empty; Time = Timestamp.add (Duration.ofSeconds 5.0) sim.Time }
            for e in [ at sim.Time (EngineStarted Restored.empty); at sim.Time (BrokerConnected [ cfgNow.Value.Account ]) ] do
                sim <- apply sim e
    sim <- drain sim
    List.ofSeq steps, List.ofSeq restarts, List.ofSeq losses

/// Runs a scenario with restarts; returns the steps and the restart points.
let runWithRestarts (cfg: Config) (actions: RestartAction list) =
    let steps, restarts, _ = runWithLosses cfg actions
    steps, restarts

let private isRunning = function Running _ -> true | _ -> false

/// The operator's word over trading before a kill: Paused, Halted, a pending stop or flatten all mean "no trading".
let private operatorStopped (s: State) =
    match s.Fsm with
    | Paused | Halted _ | Stopping _ | Flattening _ -> true
    | Syncing p -> p.ResumeTo <> ResumeRunning
    | Starting -> s.Memory.Operator <> OperatorRunning || s.Memory.StopPending
    | Running _ | Stopped -> false

let operatorResumes (e: Event) =
    match e.Payload with
    | ControlRequested((Resume | FlattenExposure), _) -> true
    | _ -> false

let restartPropertyWith (tune: Config -> Config) (name: string) (holds: Config -> Step list -> RestartPoint list -> bool) =
    Props.property name 300 (Prop.forAll (Arb.fromGen genRestartScenario) (fun (legCount, expiry, actions) ->
        let cfg = tune (restartConfig legCount expiry)
        let steps, restarts = runWithRestarts cfg actions
        holds cfg steps restarts))

let restartProperty name holds = restartPropertyWith id name holds

/// Limits the model's P&L swings (a few hundred a step) break often: risk halts at any point, syncs included.
let tightLimits (c: Config) = { c with Risk = { c.Risk with DailyLossLimit = 150.0; MaxDrawdown = 300.0 } }

/// A sync is left only by its own end (the last of the broker's answers) or a stop: nothing else skips the reconciliation.
let syncEndsByItsReconciliation (steps: Step list) =
    steps |> List.forall (fun st ->
        match st.Before.Fsm, st.After.Fsm with
        | Syncing _, (Syncing _ | Stopping _ | Stopped) -> true
        | Syncing _, after ->
            match st.Event.Payload with
            | PositionsEnded | OpenOrdersEnded | ExecutionsEnded -> true
            | e -> failwithf "left the sync for %s on %A, before the reconciliation ended" (FsmState.name after) e
        | _ -> true)

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
                    match Risk.evaluate cfg.Risk { TotalPnl = total; DailyPnl = State.dailyPnl cfg s; HighWater = max s.HighWater total } with
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
        // A restart rebuilds the book the live engine held at the kill: what it refused of a second engine's fills of our
        // refs (another permId; another client id, when our order's permId was not yet known) stays out. Before, every
        // stored fill of a known ref was replayed: the order came back filled 200 of 100 and the stock hedge off for good.
        Props.property "A restart rebuilds the strategy's book and each order's fills as the live engine held them, leaving out a second engine's fills of its refs" 300
            (Prop.forAll (Arb.fromGen genSecondEngineScenario) (fun (legCount, actions) ->
                let cfg = Config.WithClientId(7, restartConfig legCount None)
                let steps, restarts = runWithRestarts cfg actions
                let arr = Array.ofList steps
                restarts |> List.forall (fun r ->
                    let restored = arr.[r.At].After
                    let booked = r.Store.Memory |> Option.map _.OptionBook.Booked |> Option.defaultValue []
                    // A stopped engine records fills it never applies (the properties above judge those).
                    r.Before.Fsm = Stopped
                    || ((underlyingId :: legIdsOf cfg) |> List.forall (fun id ->
                            let was, now = Portfolio.strategyQty id r.Before.Portfolio, Portfolio.strategyQty id restored.Portfolio
                            if was <> now then failwithf "contract %d: %d held live, %d restored" (ContractId.value id) was now
                            true)
                        && r.Before.Orders |> Map.forall (fun ref o ->
                            let back = restored.Orders.[ref]
                            if not (List.contains (OrderRef.value ref) booked) && back.Filled <> o.Filled then
                                failwithf "%s: filled %d of %d live, %d restored" (OrderRef.value ref) o.Filled o.Quantity back.Filled
                            true)))))
        // The property's shrunk counterexample (seed 7675048589600875450,18373704734129655185): the hedge, never
        // acknowledged (permId 0), fills while the engine is stopped; the restart replays that fill, and the order must
        // come back with its permId (as StoreRestore.Build gives it) so that a second engine's fill of the ref under our
        // client id (another permId) is refused live. The model's restore once left it at 0: the live engine took the
        // second engine's 100 as the hedge's (filled 687 of 587) and the next restart, replaying from permId 5002,
        // refused the hedge's own 587 instead (100 restored).
        testCase "A restart gives an order the permId of its replayed fills, so a second engine's fill of its ref after it is refused" <| fun () ->
            let cfg = Config.WithClientId(7, restartConfig 1 None)
            let steps, restarts =
                runWithRestarts cfg [ Base(MoveUnderlying 47); Base(Ctl Stop); Hours 25; Base(Fill 100); Restart; SecondEngineFill false; Restart ]
            let arr = Array.ofList steps
            let first, second = match restarts with [ a; b ] -> a, b | rs -> failwithf "%d restarts" rs.Length
            let hedge (s: State) = s.Orders |> Map.toList |> List.map snd |> List.find (fun o -> o.ContractId = underlyingId)
            Expect.equal (hedge first.Before).PermId 0L "the hedge was never acknowledged before the stop"
            Expect.equal (hedge first.Before).Filled 0 "its fill came while the engine was stopped"
            let back = hedge arr.[first.At].After
            Expect.equal (back.Filled, back.PermId) (back.Quantity, 1001L) "restored with the stored fill and its permId"
            Expect.equal (hedge second.Before).Filled back.Quantity "the second engine's fill (another permId) refused live"
            Expect.equal (hedge arr.[second.At].After).Filled back.Quantity "and at the next restart"
            Expect.equal (Portfolio.strategyQty underlyingId arr.[second.At].After.Portfolio) (Portfolio.strategyQty underlyingId second.Before.Portfolio)
                "the stock hedge restored as the live engine held it"
        Props.seeded "The second-engine scenarios restart after fills refused for their permId, and for their client alone" (fun seed ->
            let runs = Gen.sampleWithSeed seed 60 150 genSecondEngineScenario
            let mutable byPermId, byClientAlone = 0, 0
            for legCount, actions in runs do
                let steps, restarts = runWithRestarts (Config.WithClientId(7, restartConfig legCount None)) actions
                let lastRestart = restarts |> List.map _.At |> List.fold max -1
                steps |> List.iteri (fun i st ->
                    match st.Event.Payload with
                    | ExecutionReported x when x.ExecId |> ExecId.value |> _.StartsWith("se") && i < lastRestart && st.Before.Fsm <> Stopped ->
                        match OrderRef.create x.Ref |> Result.toOption |> Option.bind st.Before.Orders.TryFind with
                        | Some o when o.PermId <> 0L -> byPermId <- byPermId + 1
                        | Some _ when x.ClientId <> 7 -> byClientAlone <- byClientAlone + 1
                        | _ -> ()
                    | _ -> ())
            printfn "second-engine coverage: %d refused by permId, %d by client alone, before a restart" byPermId byClientAlone
            Expect.isGreaterThan byPermId 20 "fills of our refs refused for their permId before a restart"
            Expect.isGreaterThan byClientAlone 5 "fills of our refs refused for their client alone (our permId unknown) before a restart")
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
