/// Standing blocks as a model-based property: a halt is never lifted or turned into a lesser state (Paused, Running)
/// by anything but the operator's own control, a restart included; ORDER_REF_EXHAUSTED (no IB order id below the
/// request ids) stands while its cause does and the light is never GREEN meanwhile, and once a restart has fixed the
/// cause the operator's resume lifts it. The alphabet: the cause beginning (the broker's nextValidId at or one short of
/// 2,000,000,000), restarts that keep it or end it (another client id), portfolio runs and manual orders (operator
/// runs), resume, pause, flatten, clock steps, day rollovers, store failures and quotes moving the hedger.
module Bifrost.Domain.Tests.Trading.StandingBlockProperties

open Expecto
open FsCheck.FSharp
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures

let private cfg = config 1
let private aaa = cid 50
let private bbb = cid 51
let private setup = portfolioSetup 0.01 100_000.0 100 None

type Action =
    /// Seconds pass, every instrument is quoted (the underlying moved by these basis points), the clock steps.
    | Quotes of seconds: float * bps: int
    /// The broker's nextValidId lands `left` ids short of the request ids (0: none left; 1: one).
    | ExhaustIds of left: int
    | RunPortfolio
    | ManualBuy of qty: int
    | Resume
    | Pause
    | Flatten
    /// The host's clock jumps ahead (CLOCK_STEPPED, critical).
    | ClockStep
    /// The session day rolls: a day passes, quotes and a clock step follow.
    | NewDay
    | StoreFails
    | StoreBack
    /// Killed and started on what the store kept; `newClientId`: under another client id, whose order ids start low.
    | Restart of newClientId: bool

let private genAction =
    Gen.frequency
        [ 8, Gen.zip (Gen.elements [ 0.5; 1.0; 3.0 ]) (Gen.choose (-150, 150)) |> Gen.map Quotes
          2, Gen.elements [ 0; 1 ] |> Gen.map ExhaustIds
          4, Gen.constant RunPortfolio
          2, Gen.choose (10, 200) |> Gen.map ManualBuy
          5, Gen.constant Resume
          1, Gen.constant Pause
          1, Gen.constant Flatten
          1, Gen.constant ClockStep
          1, Gen.constant NewDay
          1, Gen.constant StoreFails
          1, Gen.constant StoreBack
          2, Gen.elements [ true; false ] |> Gen.map Restart ]

let genActions = Gen.listOfLength 40 genAction

type private World =
    { State: State
      Now: Timestamp
      Spot: float
      Account: Map<ContractId, int>
      Fills: int
      /// The broker's next order id for the engine's client id: never reported lower (ids only go up).
      BrokerNextId: int
      Problems: string list
      /// Coverage: steps halted ORDER_REF_EXHAUSTED, and resumes out of it after a restart had fixed it.
      IdsHalted: int
      Lifted: int }

let private isIdsHalt (f: FsmState) = match f with Halted(OrderRefExhausted _) -> true | _ -> false
let private lesser (f: FsmState) = match f with Paused | Running _ -> true | _ -> false
let private halted (f: FsmState) = match f with Halted _ | Syncing { ResumeTo = ResumeHalted _ } -> true | _ -> false
let private operatorControl (e: Event) = match e.Payload with ControlRequested((Control.Resume | FlattenExposure), _) -> true | _ -> false

/// One reducer step, its invariants judged, every order it sends filled at once (its execution and the position).
let rec private feed (w: World) (e: Event) =
    let before = w.State
    let s, cmds = Reducer.step cfg before e
    let problems =
        [ // A halt is lifted only by the operator: no quote, fill, run, tick or sync end turns it into a lesser state.
          if halted before.Fsm && lesser s.Fsm && not (operatorControl e) then
              $"{FsmState.name before.Fsm} -> {FsmState.name s.Fsm} on {e.Payload}"
          // A placement that met no order id leaves the engine halted (else a plain resume lifts it), never running.
          let metIds = alerts cmds |> List.exists (fun a -> a.Code = "ORDER_IDS_EXHAUSTED" && not (a.Message.StartsWith "nextValidId"))
          if metIds && not (isIdsHalt s.Fsm) && (match s.Fsm with Stopping _ | Stopped -> false | _ -> true) then
              $"a placement met no order id and the engine is {FsmState.name s.Fsm} (on {e.Payload})"
          // The light never GREEN while no order can be sent.
          if (OrderFlow.orderIdProblem s.NextOrderId).IsSome && (SelfCheck.run cfg s).Health = Health.Healthy then
              $"GREEN with order id {s.NextOrderId} (on {e.Payload})"
          // RED names its reason (SNAPSHOT_CORRUPT, ACCOUNT_CURRENCY, ORDER_REF_EXHAUSTED, a halt's own code, …).
          let light = SelfCheck.run cfg s
          if light.Health = Health.Blocked && light.BlockReasons.IsEmpty then
              $"RED with no block reason ({FsmState.name s.Fsm}) on {e.Payload}: " + (light.Checks |> List.filter (fun c -> not c.Passed) |> List.map _.Name |> String.concat ", ")
          if placed cmds |> List.exists (fun o -> o.IbOrderId >= OrderFlow.orderIdLimit) then $"an order under an id in the request ids' range (on {e.Payload})"
          // The way out stays open: order ids below the range, every holding marked, the limits kept: a resume lifts it.
          match e.Payload with
          | ControlRequested(Control.Resume, _) when isIdsHalt before.Fsm && (OrderFlow.orderIdProblem before.NextOrderId).IsNone
                                                     && State.isValued cfg before && Result.isOk (State.riskNow cfg before) && isIdsHalt s.Fsm ->
              $"resume refused with order ids {before.NextOrderId} below the range: {cmds |> List.choose (function CompleteControl(_, o) -> Some o | _ -> None)}"
          | _ -> () ]
    let lifted = match e.Payload with ControlRequested(Control.Resume, _) when isIdsHalt before.Fsm && not (isIdsHalt s.Fsm) -> 1 | _ -> 0
    let w = { w with State = s; Problems = w.Problems @ problems; IdsHalted = w.IdsHalted + (if isIdsHalt s.Fsm then 1 else 0); Lifted = w.Lifted + lifted }
    placed cmds |> List.fold (fun (w: World) o ->
        let held = w.Account |> Map.tryFind o.ContractId |> Option.defaultValue 0
        let after = held + Side.sign o.Side * o.Quantity
        let price = if o.ContractId = aaa then 50.0 elif o.ContractId = bbb then 80.0 else w.Spot
        let w = { w with Fills = w.Fills + 1; Account = w.Account |> Map.add o.ContractId after; BrokerNextId = max w.BrokerNextId (o.IbOrderId + 1) }
        let w = feed w (at w.State.Now (execFor o o.Quantity price $"x{w.Fills}"))
        feed w (at w.State.Now (PositionReported(o.ContractId, after, price)))) w

let private feedAll w events = events |> List.fold feed w

let private quotes (w: World) (t: Timestamp) =
    feedAll w
        [ for l in cfg.Strategy.Legs do at t (QuoteReceived { quote l.Option.ContractId 2.9 3.1 t with ImpliedVol = 0.2 })
          at t (QuoteReceived(quote underlyingId (w.Spot - 0.01) (w.Spot + 0.01) t))
          at t (QuoteReceived(quote aaa 49.99 50.01 t))
          at t (QuoteReceived(quote bbb 79.99 80.01 t))
          at t ClockTicked ]

/// Connected and synced on the account as it stands; the broker's nextValidId as it has it.
let private connect (w: World) (t: Timestamp) =
    let ms n = Timestamp.add (Duration.ofMillis n) t
    let w =
        feedAll w
            [ at t (PortfolioConfigured setup)
              at (ms 100L) (BrokerConnected [ cfg.Account ])
              at (ms 100L) (NextValidIdReceived w.BrokerNextId)
              for KeyValue(id, q) in w.Account do
                  if q <> 0 then at (ms 200L) (PositionReported(id, q, 3.0))
              at (ms 300L) PositionsEnded; at (ms 300L) OpenOrdersEnded; at (ms 300L) ExecutionsEnded
              at (ms 400L) (AccountValueReported("NetLiquidation", 1_000_000.0, "USD"))
              at (ms 400L) (AccountValueReported("AvailableFunds", 1_000_000.0, "USD")) ]
    quotes { w with Now = ms 500L } (ms 500L)

let private signals = "symbol,action,score,confidence,time\nAAA,buy,1,1,2025-12-29T09:00:00Z\nBBB,buy,0.5,1,2025-12-29T09:00:00Z\n"

let private play (actions: Action list) =
    let legs = cfg.Strategy.Legs |> List.map (fun l -> l.Option.ContractId, l.Quantity) |> Map.ofList
    let w0 = { State = State.initial cfg; Now = sec 0.0; Spot = 100.0; Account = legs; Fills = 0; BrokerNextId = 1; Problems = []; IdsHalted = 0; Lifted = 0 }
    let w = feed w0 (at (sec 0.0) (EngineStarted Restored.empty))
    let w = connect w (sec 0.0)
    actions
    |> List.indexed
    |> List.fold (fun (w: World) (k, action) ->
        let later (seconds: float) = Timestamp.add (Duration.ofSeconds seconds) w.Now
        let control c =
            let t = later 0.2
            feed { w with Now = t } (at t (ControlRequested(c, meta (int64 (100 + k)))))
        match action with
        | Quotes(seconds, bps) ->
            let t = later seconds
            quotes { w with Now = t; Spot = w.Spot * (1.0 + float bps / 10_000.0) } t
        | ExhaustIds left ->
            let t = later 0.2
            let id = max w.BrokerNextId (OrderFlow.orderIdLimit - left)
            feed { w with Now = t; BrokerNextId = id } (at t (NextValidIdReceived id))
        | RunPortfolio ->
            let t = later 0.2
            feed { w with Now = t } (at t (PortfolioRunRequested { RunId = $"r1-pf{k}"; SnapshotId = $"snap{k}"; FileName = "signals.csv"; Text = signals; Meta = meta (int64 (100 + k)) }))
        | ManualBuy qty ->
            let t = later 0.2
            let m = { RunId = $"m{k}"; ContractId = underlyingId; Side = Buy; Quantity = qty; Type = Market; RiskBypass = false; Meta = meta (int64 (100 + k)); AdjustsStrategy = false }
            feed { w with Now = t } (at t (ManualOrderRequested m))
        | Resume -> control Control.Resume
        | Pause -> control Control.Pause
        | Flatten -> control FlattenExposure
        | ClockStep ->
            let t = later 0.2
            feed { w with Now = t } (at t (ClockStepped 120_000_000_000L))
        | NewDay ->
            let t = later 86_400.0
            quotes { w with Now = t } t
        | StoreFails ->
            let t = later 0.2
            feed { w with Now = t } (at t (StoreFailed "disk full (model)"))
        | StoreBack ->
            let t = later 0.2
            feed { w with Now = t } (at t StoreRecovered)
        | Restart newClientId ->
            let t = later 30.0
            let wasHalted = match w.State.Fsm with Halted _ | Flattening { Returns = Some _ } -> true | _ -> false
            // What the store keeps: the orders (their ids the high-water mark), fills and the saved memory.
            let highWater = w.State.Orders |> Map.fold (fun m _ o -> max m o.IbOrderId) 0
            let restored = { restoredFrom w.State with OrderIdHighWater = highWater; Memory = Some(Restart.memoryOf w.State) }
            let w = feed { w with State = State.initial cfg; Now = t } (at t (EngineStarted restored))
            let w = connect { w with BrokerNextId = (if newClientId then 1 else w.BrokerNextId) } t
            // A halt is remembered: the restart's sync ends in it (or in another halt), never in a lesser state.
            if wasHalted && not (halted w.State.Fsm) then
                { w with Problems = w.Problems @ [ $"halted before the restart, {FsmState.name w.State.Fsm} after it" ] }
            else w) w

[<Tests>]
let tests =
    testList "Trading.StandingBlockProperties" [
        Props.property "A halt is lifted only by the operator, never by a run, a sync, a restart or a new day; ORDER_REF_EXHAUSTED stands while its cause does, never GREEN, and a resume lifts it once a restart has fixed it" 300
            (Prop.forAll (Arb.fromGen genActions) (fun actions -> Props.noneOf (play actions).Problems))
        Props.seeded "The standing-block scenarios are not vacuous: engines halted on ORDER_REF_EXHAUSTED, and resumed out of it after a restart fixed it" (fun seed ->
            let mutable halted, lifted = 0, 0
            for actions in Gen.sampleWithSeed seed 60 200 genActions do
                let w = play actions
                halted <- halted + (if w.IdsHalted > 0 then 1 else 0)
                lifted <- lifted + w.Lifted
            printfn "standing-block coverage: %d of 200 scenarios halted ORDER_REF_EXHAUSTED, %d resumes out of it" halted lifted
            Expect.isGreaterThan halted 40 "engines meet exhausted order ids"
            Expect.isGreaterThan lifted 5 "resumes lift the halt once a restart fixed it")
    ]
