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

/// A setting the operator changes between two runs of the daemon (config edited, then a restart).
type ConfigChange =
    /// strategy.rules' fixed band from 50 shares to 10.
    | NarrowerBand
    /// risk.max_position down to this (the hedge or a leg may already hold more).
    | LowerMaxPosition of int
    /// risk.daily_loss_limit down to 150 (the day's loss may already be past it).
    | LowerDailyLoss
    /// risk.max_daily_trades down to 2 (the day may have placed more).
    | FewerDailyTrades
    /// strategy.target_delta moved to this many shares.
    | TargetMoved of int
    /// risk.max_order_notional down to 5,000 (a hedge splits into children).
    | LowerNotional
    /// strategy.legs[leg].quantity set to this (adopted at the leg's first sync only; the account is not changed).
    | LegQuantity of leg: int * quantity: int
    /// strategy.legs[leg].quantity set to what the strategy holds of it (the operator writes a rebalance back).
    | LegQuantityAsHeld of leg: int

module ConfigChange =
    /// The configuration after `change`; `held`: what the strategy holds of a contract.
    let apply (change: ConfigChange) (held: ContractId -> int) (c: Config) =
        let withQuantity i (q: ContractId -> int) =
            let legs = c.Strategy.Legs
            { c with Strategy = { c.Strategy with Legs = legs |> List.mapi (fun j l -> if j = i % legs.Length then { l with Quantity = q l.Option.ContractId } else l) } }
        match change with
        | NarrowerBand -> { c with Strategy = { c.Strategy with Rules = [ FixedBand(10.0, Shares) ] } }
        | LowerMaxPosition q -> { c with Risk = { c.Risk with MaxPosition = q } }
        | LowerDailyLoss -> { c with Risk = { c.Risk with DailyLossLimit = 150.0 } }
        | FewerDailyTrades -> { c with Risk = { c.Risk with MaxDailyTrades = 2 } }
        | TargetMoved d -> { c with Strategy = { c.Strategy with TargetDelta = float d } }
        | LowerNotional -> { c with Risk = { c.Risk with MaxOrderNotional = 5_000.0 } }
        | LegQuantity(i, q) -> withQuantity i (fun _ -> q)
        | LegQuantityAsHeld i -> withQuantity i held

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
    /// kill -9 and start again under a configuration the operator changed meanwhile: every step after it runs under
    /// it. Not in the shared alphabet (its checks judge with one config; ConfigChangeRestartProperties judges it).
    | RestartReconfigured of ConfigChange
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

    /// The pure mirror of the daemon's ControlWorker.ResolveAbandoned: the operator runs (manual, rebalance, flatten) the
    /// killed engine was still working on (their commands left taken) with orders in the store are handed back, by control
    /// (a flatten's run found by the control its run row names).
    let resumedControls (engine: State) =
        [ match engine.Fsm with
          | Running(RunPending(runId, m)) -> runId, m
          | Flattening run -> run.RunId, run.Meta
          | _ -> ()
          for KeyValue(runId, m) in engine.DetachedRuns do
              match m with
              | Some m -> runId, m
              | None -> () ]
        |> List.filter (fun (runId, _) ->
            engine.Orders |> Map.exists (fun _ o -> o.RunId = runId && (match o.Purpose with OrderPurpose.Manual | OrderPurpose.ManualForStrategy | OrderPurpose.Rebalance | OrderPurpose.Flatten -> true | _ -> false)))

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
            | Some m -> m.OptionBook.Adopted |> List.filter (fun a -> a.Quantity <> 0 || a.Realized <> 0.0)
                        |> List.map (fun a ->
                            let h = if a.Quantity = 0 then Holding.empty else Holding.applyFill (mult a.ContractId) (Side.ofSignedQuantity a.Quantity) (abs a.Quantity) a.AvgCost Holding.empty
                            a.ContractId, { h with Realized = h.Realized + a.Realized })
            | None -> []
        // Fills of the operator's own manual runs are external (as in StoreRestore.Build): never the strategy's.
        let manual = orders |> List.filter (fun o -> o.Purpose = OrderPurpose.Manual) |> List.map (fun o -> OrderRef.value o.Ref) |> Set.ofList
        let holdings =
            own |> List.filter (fun (f, _) -> not (manual.Contains f.Ref)) |> List.fold (fun (acc: Map<ContractId, Holding>) (f, _) ->
                let h = acc |> Map.tryFind f.ContractId |> Option.defaultValue Holding.empty
                // As in StoreRestore.Build: a booked order's shares are in the adopted quantity; its commission is not.
                let h = if booked.Contains f.Ref then h else Holding.applyFill (mult f.ContractId) f.Side f.Quantity f.Price h
                let h = match store.Commissions |> Map.tryFind f.ExecId with Some c -> Holding.addFee c h | None -> h
                acc |> Map.add f.ContractId h) (Map.ofList adopted)
        // As in StoreRestore.Build: the operator's own manual runs trade for the operator, so their leg fills are
        // external for the book check like any other client's.
        let externalLeg =
            (own |> List.filter (fun (f, _) -> manual.Contains f.Ref && legs.Contains f.ContractId))
            @ (others |> List.filter (fun (f, _) -> legs.Contains f.ContractId && not (OrderRef.isBifrost f.Ref)))
        let reconciledAt = store.Memory |> Option.map (fun m -> m.OptionBook.ReconciledAt) |> Option.defaultValue Timestamp.zero
        let filledOf (o: Order) = own |> List.filter (fun (f, _) -> f.Ref = OrderRef.value o.Ref) |> List.sumBy (fun (f, _) -> f.Quantity)
        { OrderIdHighWater = orders |> List.map (fun o -> o.IbOrderId) |> List.fold max 0
          NextOrderSeq = (orders |> List.map (fun o -> sequence o.Ref) |> List.fold max 0L) + 1L
          Orders = orders |> List.map (fun o -> { o with PermId = permIdOf.[o.Ref]; Filled = filledOf o; ReportedFilled = filledOf o; LastInvalid = None; DecisionMid = nan; DoneAt = Timestamp.zero })
          Holdings = holdings |> Map.toList
          SeenExecIds =
            ((own @ externalLeg) |> List.map (fun (f, _) -> f.ExecId) |> List.distinct)
            @ [ for f, _ in store.Fills do
                    if corrects f && (known.Contains f.Ref || (legs.Contains f.ContractId && not (OrderRef.isBifrost f.Ref))) then f.ExecId ]
          HighWater = store.Memory |> Option.map (fun m -> m.HighWater) |> Option.defaultValue nan
          Memory = store.Memory
          ExternalLegFills = [ for (f, t) in externalLeg do if store.Memory.IsSome && t > reconciledAt then f.ContractId, Side.sign f.Side * f.Quantity ]
          RefusedFills = refusedFills
          // As in StoreRestore.Build: the strategy's fills in the holdings whose commission the store lacks.
          FeesOwed =
            [ for f, _ in own do
                if not (manual.Contains f.Ref) && not (store.Commissions.ContainsKey f.ExecId) then f.ExecId, f.ContractId ]
          ResumedControls = resumedControls engine }

/// A restart as the properties see it: the step index of its EngineStarted and the engine just before the kill.
/// A restart: the step of its EngineStarted, the state killed, and how far the host's clock went back meanwhile.
type RestartPoint = { At: int; Before: State; HoursBack: int; Store: StoreProjection; Config: Config }

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

let legIdsOf (cfg: Config) = cfg.Strategy.Legs |> List.map (fun l -> l.Option.ContractId)

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
        restarts.Add { At = steps.Count; Before = before; HoursBack = hoursBack; Store = store; Config = cfgNow.Value }
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
        | RestartReconfigured change ->
            cfgNow.Value <- ConfigChange.apply change (fun id -> Portfolio.strategyQty id state.Portfolio) cfgNow.Value
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

let isRunning = function Running _ -> true | _ -> false

/// The operator's word over trading before a kill: Paused, Halted, a pending stop or flatten all mean "no trading".
let operatorStopped (s: State) =
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
