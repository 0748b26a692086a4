/// A small, deterministic broker model that drives the reducer with random actions (model-based testing): it
/// interprets abstract actions against what the reducer actually did (its commands), so fills refer to real orders.
module Bifrost.Domain.Tests.Trading.BrokerModel

open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests.Fixtures
open FsCheck.FSharp

type Action =
    | MoveUnderlying of bps: int
    /// The underlying moves and the options' quotes stand (IB sends changes only: a quiet options market).
    | MoveQuietly of bps: int
    /// One underlying quote `pct` percent off the real price (a bad print); the price itself does not move.
    | BadQuote of pct: int
    /// MoveUnderlying with a bad quote `pct` percent off just before the underlying's real one (PriceJumpProperties).
    | MoveThroughBadQuote of bps: int * pct: int
    | QuoteLeg of leg: int * volPoints: int
    /// One quote of a leg `pct` percent off its usual 3.00 (a bad print on an option); its next quote is the usual one.
    | BadLegQuote of leg: int * pct: int
    | Tick of millis: int
    | Ack
    | Fill of percent: int
    /// Every working order fills completely (the engine goes idle).
    | FillAll
    | CancelConfirm
    /// A cancel that raced a fill: the broker fills half of what is left of the first order whose cancel it has, then
    /// cancels it; IB's 202 (or an openOrder "Cancelled": neither carries a fill count) reaches the engine first, the
    /// fill's reports and the final status (with the count) are held back with the late executions (LateExecArrives,
    /// or a reconciliation, brings them; the position report among them says the account as it is when it comes).
    | CancelRaced of openOrderFirst: bool
    | Reject
    /// The broker refuses the cancel of the first order it has one for and works the order on, no cancel received:
    /// 10148 (the exchange still confirming an earlier request), 161 (not in a cancellable state for now) or 135 (not
    /// found yet: the cancel met an order still on its way). Not in the shared alphabet (WorkingOrderProperties inserts it).
    | CancelRefused of code: int
    /// IB attaches a warning to the first working order (404: held while shares are located); it stays working.
    | Held
    | DupExec
    | DupStatus
    | UnknownFill
    /// The first working order fills in full at the broker, whose execution report names the other side (execDetails
    /// and reqExecutions alike); positions and the order's status keep the truth.
    | MisreportFill
    /// The first working order fills in full at the broker; its status (Filled), commission and position arrive, its
    /// execution is held back by the feed (reqExecutions has it) until `LateExecArrives`, a reconcile or never.
    | FillExecLate
    | LateExecArrives
    /// The broker's answer to the next reconciliation loses its last message (execDetailsEnd): the sync waits.
    | LoseNextReconcileEnd
    /// IB corrects the latest execution (a re-priced trade): the same execId with revision .02 for .01, five cents off,
    /// live and in reqExecutions from then on; the quantity and the position do not change.
    | CorrectExec
    | ExternalFill of qty: int
    /// The account's position in a leg moves by `qty` with no execution the engine is told of live: an assignment,
    /// IB's margin liquidation (`seen` false: no execution at all), or the operator's trade in TWS (`seen` true: its
    /// execution reaches only its own client; the next reqExecutions lists it). Not in the shared alphabet
    /// (PositionMovedTests inserts it).
    | LegMovedOutside of leg: int * qty: int * seen: bool
    | Ctl of Control
    /// The operator cancels the newest order the broker works: its whole run (`byRun`), or that order by its ref (a
    /// hedge, a manual or rebalance run, a flatten's order); with none working, a run that does not exist.
    | OperatorCancel of byRun: bool
    | Manual of side: Side * qty: int * bypass: bool * adjusts: bool
    /// The operator's manual run on an option leg through Bifrost: the operator's own contracts, or the strategy's
    /// (`adjusts`). Not in the shared alphabet (RealAccountProperties inserts it).
    | ManualLeg of leg: int * side: Side * qty: int * adjusts: bool
    /// An operator rebalance of the strategy's stock to this many shares.
    | RebalanceStock of target: int
    /// Time passes with no quote at all: every quote goes stale.
    | StalePeriod of seconds: int
    /// A quiet market: this long with clock steps every 3 s and no quote (IB sends changes only), the broker
    /// answering between them (a scenario runs it as that many Tick 3000).
    | QuietFor of seconds: int
    | Disconnect
    | Reconnect
    | Lost1100
    /// TWS's 2110 (its link to IB's servers broken): ended by 1101/1102 or by a farm's OK.
    | Broken2110
    /// A market-data farm's OK (2104), as TWS says it after a flap or when back from a 2110.
    | FarmOk
    | Restored of maintained: bool
    | StoreFail
    | StoreBack
    | NextId of int
    /// A contract's subscription dies without a word (0 the underlying, i the i-th leg): no quote for it reaches the
    /// engine until it asks for the data again, and the next `unanswered` requests bring nothing either (0: a ticker
    /// TWS dropped, the first request revives it and TWS sends the current quote at once; more: a farm's or an
    /// entitlement's trouble that outlasts the engine's first requests).
    | FeedDies of contract: int * unanswered: int
    /// The same, with IB's word on the ticker (10197: a competing live session took the data) and its first request
    /// unanswered.
    | FeedRefused of contract: int
    /// The account's NetLiquidation reported in this currency (IB's base currency: "USD", or "JPY" never taken as
    /// dollars). Not in the shared alphabet (LightReasonProperties inserts it).
    | AccountFigure of currency: string

type Working = { Req: OrderRequest; Filled: int; CancelRequested: bool }

type Sim =
    { Time: Timestamp
      Spot: float
      Broker: Map<ContractId, int>
      Working: Working list
      ExecSeq: int
      Execs: Event list
      LastStatus: Event option
      /// Events the broker owes the engine (reconcile answers), delivered before the next action.
      Owed: Event list
      Connected: bool
      /// Fills that happened while disconnected: delivered at reconciliation.
      Undelivered: Event list
      /// Executions of fills the engine was told about, held back by the feed (FillExecLate); the broker's
      /// reqExecutions reports them.
      Late: Event list
      /// The next reconciliation's answer will lack its ExecutionsEnded.
      LoseEnd: bool
      ControlSeq: int64
      /// Contracts whose feed died (FeedDies), with how many of the engine's requests still bring nothing: their
      /// quotes do not reach the engine until a request revives them.
      Dead: Map<ContractId, int>
      /// What the broker filled of each order (the truth, however late the engine hears it); an order whose fill it
      /// misreported is left out (the engine is told it cannot apply that one).
      FilledTruth: Map<OrderRef, int>
      Misreported: Set<OrderRef> }

/// One reducer step as the properties see it; `BrokerHedgesBefore`: hedge orders the broker was still working when
/// the step began (the broker's truth, whatever the engine had been told); `BrokerUncancelledAfter`: orders the broker
/// works with no cancel received, once the step's commands reached it (a cancel sent on a dead socket is lost);
/// `BrokerWorkingAfter`: every order the broker works once the step's commands reached it; `BrokerFilledBefore`: what
/// the broker had filled of each order when the step began (Sim.FilledTruth).
type Step = { Before: State; Event: Event; After: State; Commands: Command list; BrokerHedgesBefore: int; BrokerUncancelledAfter: Set<OrderRef>; BrokerWorkingAfter: Set<OrderRef>
              BrokerFilledBefore: Map<OrderRef, int> }

/// Hedge orders working at the model broker.
let brokerHedges (sim: Sim) = sim.Working |> List.sumBy (fun w -> if w.Req.Purpose = Hedge then 1 else 0)

/// Orders working at the model broker.
let brokerWorking (sim: Sim) = set [ for w in sim.Working -> w.Req.Ref ]

/// Orders working at the model broker that no cancel has reached.
let brokerUncancelled (sim: Sim) = set [ for w in sim.Working do if not w.CancelRequested then w.Req.Ref ]

let private legIds (cfg: Config) = cfg.Strategy.Legs |> List.map (fun l -> l.Option.ContractId)

/// How far off a bad quote is: beyond guards.max_jump_pct (5) either way, up to a halving or a doubling.
let genBadPct = Gen.oneof [ Gen.choose (6, 100); Gen.choose (-50, -6) ]

let genAction (legCount: int) =
    Gen.frequency
        [ 30, Gen.choose (-60, 60) |> Gen.map MoveUnderlying
          8, Gen.choose (-60, 60) |> Gen.map MoveQuietly
          2, genBadPct |> Gen.map BadQuote
          8, Gen.map2 (fun l v -> QuoteLeg(l, v)) (Gen.choose (0, legCount - 1)) (Gen.choose (-5, 5))
          2, Gen.map2 (fun l p -> BadLegQuote(l, p)) (Gen.choose (0, legCount - 1)) (Gen.oneof [ Gen.choose (40, 300); Gen.choose (-90, -40) ])
          10, Gen.choose (100, 3000) |> Gen.map Tick
          8, Gen.constant Ack
          14, Gen.choose (1, 100) |> Gen.map Fill
          6, Gen.constant FillAll
          4, Gen.constant CancelConfirm
          2, Gen.elements [ false; true ] |> Gen.map CancelRaced
          2, Gen.constant Reject
          3, Gen.constant Held
          4, Gen.constant DupExec
          4, Gen.constant DupStatus
          1, Gen.constant UnknownFill
          1, Gen.constant MisreportFill
          4, Gen.constant FillExecLate
          1, Gen.constant LateExecArrives
          2, Gen.constant LoseNextReconcileEnd
          2, Gen.constant CorrectExec
          2, Gen.choose (-300, 300) |> Gen.map ExternalFill
          1, Gen.constant (Ctl Stop)
          3, Gen.constant (Ctl Pause)
          9, Gen.constant (Ctl Resume)
          3, Gen.constant (Ctl FlattenExposure)
          1, Gen.constant (Ctl RunSelfCheck)
          2, Gen.elements [ true; false ] |> Gen.map OperatorCancel
          10, Gen.map4 (fun s q b a -> Manual(s, q, b, a)) (Gen.elements [ Buy; Sell ]) (Gen.frequency [ 3, Gen.choose (1, 400); 2, Gen.choose (400, 5000) ]) (Gen.elements [ true; false ]) (Gen.elements [ true; false ])
          3, Gen.choose (-3000, 3000) |> Gen.map RebalanceStock
          1, Gen.choose (31, 90) |> Gen.map StalePeriod
          2, Gen.choose (10, 120) |> Gen.map QuietFor
          2, Gen.constant Disconnect
          3, Gen.constant Reconnect
          1, Gen.constant Lost1100
          1, Gen.constant Broken2110
          1, Gen.constant FarmOk
          2, Gen.elements [ true; false ] |> Gen.map Restored
          1, Gen.constant StoreFail
          1, Gen.constant StoreBack
          1, Gen.choose (1, 20) |> Gen.map NextId
          2, Gen.map2 (fun i n -> FeedDies(i, n)) (Gen.choose (0, legCount)) (Gen.frequency [ 1, Gen.constant 0; 2, Gen.choose (1, 2) ])
          1, Gen.choose (0, legCount) |> Gen.map FeedRefused ]

/// A random scenario: how many legs, and the actions.
let genScenario =
    gen {
        let! legCount = Gen.choose (1, 4)
        let! n = Gen.choose (20, 120)
        let! actions = Gen.listOfLength n (genAction legCount)
        return legCount, actions
    }

let private statusEvent (sim: Sim) (w: Working) update filled =
    at sim.Time (OrderStatusReported { IbOrderId = w.Req.IbOrderId; PermId = int64 w.Req.IbOrderId + 1000L; Ref = ""; Status = update; Filled = filled; AvgFillPrice = sim.Spot; Reason = "" })

let private openOrder (sim: Sim) (w: Working) =
    at sim.Time (OpenOrderReported
                     { IbOrderId = w.Req.IbOrderId; PermId = int64 w.Req.IbOrderId + 1000L; ClientId = 7; Ref = OrderRef.value w.Req.Ref
                       ContractId = w.Req.ContractId; Side = w.Req.Side; Quantity = w.Req.Quantity; Filled = w.Filled; Status = Acknowledged })

/// A held-back report as the broker sends it now: a position report carries the account at its sending (IB's
/// positions come in order on one socket, so a number from before a later move never follows that move's report).
/// Sent as of the fill it came with, a late fill's report put the account back where it was before an outside move,
/// and the sync ran on the book the account no longer held.
let private sentNow (sim: Sim) (e: Event) =
    match e.Payload with
    | PositionReported(id, _, cost) -> at e.Received (PositionReported(id, sim.Broker |> Map.tryFind id |> Option.defaultValue 0, cost))
    | _ -> e

let private reconcileAnswers (sim: Sim) =
    let positions = sim.Broker |> Map.toList |> List.map (fun (id, q) -> at sim.Time (PositionReported(id, q, 3.0)))
    let opens = sim.Working |> List.map (openOrder sim)
    // The undelivered fills, then a re-delivery of an already-applied execution: it must not double count.
    let execs = ((sim.Undelivered |> List.rev) @ sim.Late |> List.map (sentNow sim)) @ (sim.Execs |> List.truncate 1)
    positions @ [ at sim.Time PositionsEnded ] @ opens @ [ at sim.Time OpenOrdersEnded ] @ execs @ [ at sim.Time ExecutionsEnded ]

/// What the market quotes a contract at now: the underlying around its price, a leg at its usual 3.00.
let private currentQuote (sim: Sim) (id: ContractId) =
    if id = underlyingId then quote underlyingId (sim.Spot - 0.01) (sim.Spot + 0.01) sim.Time
    else { quote id 2.9 3.1 sim.Time with ImpliedVol = 0.2 }

/// The contract an action names: 0 the underlying, i the i-th leg.
let contractOf (cfg: Config) (i: int) =
    if i <= 0 then underlyingId else (legIds cfg).[(i - 1) % cfg.Strategy.Legs.Length]

/// The broker's side of the engine's commands.
let absorb (sim: Sim) (cmds: Command list) =
    cmds |> List.fold (fun sim cmd ->
        match cmd with
        | PlaceOrder req when sim.Connected -> { sim with Working = sim.Working @ [ { Req = req; Filled = 0; CancelRequested = false } ] }
        | PlaceOrder req -> { sim with Owed = sim.Owed @ [ at sim.Time (OrderErrorReported(req.IbOrderId, 504, "Not connected")) ] }
        // A cancel sent while disconnected is lost (the daemon only logs BrokerUnavailable): the engine must say it again.
        | CancelOrder(ref, _) when sim.Connected -> { sim with Working = sim.Working |> List.map (fun w -> if w.Req.Ref = ref then { w with CancelRequested = true } else w) }
        // A new request for a dead feed brings it back with the current quote, once its unanswered requests are spent.
        | SubscribeMarketData ids when sim.Connected && ids |> List.exists sim.Dead.ContainsKey ->
            let revived = ids |> List.filter (fun id -> sim.Dead.TryFind id = Some 0)
            let dead = ids |> List.fold (fun (d: Map<ContractId, int>) id ->
                           match d.TryFind id with
                           | Some 0 -> d.Remove id
                           | Some n -> d.Add(id, n - 1)
                           | None -> d) sim.Dead
            let quotes = revived |> List.map (fun id -> at sim.Time (QuoteReceived(currentQuote sim id)))
            { sim with Dead = dead; Owed = sim.Owed @ quotes }
        | RequestReconcile _ when sim.Connected ->
            let answers = reconcileAnswers sim |> List.filter (fun e -> not (sim.LoseEnd && e.Payload.IsExecutionsEnded))
            { sim with Owed = sim.Owed @ answers; Undelivered = []; Late = []; LoseEnd = false }
        | _ -> sim) sim

let private fillEvents (sim: Sim) (w: Working) (qty: int) =
    // IB's form (prefix.prefix.sequence.revision), so a correction can name the execution it corrects.
    let execId = $"0000e007.65f0a1b2.{sim.ExecSeq:x2}.01"
    let price = if w.Req.ContractId = underlyingId then sim.Spot + 0.01 * float (Side.sign w.Req.Side) else 3.0
    let exec = at sim.Time (execFor w.Req qty price execId)
    let filled = w.Filled + qty
    let status = statusEvent sim w (if filled >= w.Req.Quantity then FullyFilled else PartFilled) filled
    let broker = sim.Broker |> Map.add w.Req.ContractId ((sim.Broker |> Map.tryFind w.Req.ContractId |> Option.defaultValue 0) + Side.sign w.Req.Side * qty)
    let working = sim.Working |> List.choose (fun x -> if x.Req.Ref <> w.Req.Ref then Some x elif filled >= w.Req.Quantity then None else Some { x with Filled = filled })
    let truth =
        if sim.Misreported.Contains w.Req.Ref then sim.FilledTruth
        else sim.FilledTruth.Add(w.Req.Ref, qty + (sim.FilledTruth.TryFind w.Req.Ref |> Option.defaultValue 0))
    let sim = { sim with ExecSeq = sim.ExecSeq + 1; Broker = broker; Working = working; Execs = exec :: sim.Execs; FilledTruth = truth }
    if sim.Connected then
        sim, [ exec; at sim.Time (CommissionReported(ExecId.create execId |> Result.get, 1.0)); status; at sim.Time (PositionReported(w.Req.ContractId, broker.[w.Req.ContractId], 3.0)) ]
    else { sim with Undelivered = exec :: sim.Undelivered }, []

/// The average cost a LegMovedOutside report carries: the only leg report outside a sync a property must find.
let movedCost = 3.125

/// The events one action produces, before a dead feed swallows its quotes.
let rec private liveEventsOf (cfg: Config) (sim: Sim) (action: Action) : Sim * Event list =
    let first = sim.Working |> List.tryHead
    match action with
    | MoveUnderlying bps ->
        let sim = { sim with Spot = max 1.0 (sim.Spot * (1.0 + float bps / 10_000.0)) }
        sim, (legIds cfg @ [ underlyingId ]) |> List.map (fun id -> at sim.Time (QuoteReceived(currentQuote sim id)))
    | MoveQuietly bps ->
        let sim = { sim with Spot = max 1.0 (sim.Spot * (1.0 + float bps / 10_000.0)) }
        sim, [ at sim.Time (QuoteReceived(currentQuote sim underlyingId)) ]
    | MoveThroughBadQuote(bps, pct) ->
        let sim, events = liveEventsOf cfg sim (MoveUnderlying bps)
        let bad = sim.Spot * (1.0 + float pct / 100.0)
        sim, List.take (events.Length - 1) events @ [ at sim.Time (QuoteReceived(quote underlyingId (bad - 0.01) (bad + 0.01) sim.Time)); List.last events ]
    | BadQuote pct ->
        let bad = sim.Spot * (1.0 + float pct / 100.0)
        sim, [ at sim.Time (QuoteReceived(quote underlyingId (bad - 0.01) (bad + 0.01) sim.Time)) ]
    | QuoteLeg(i, v) ->
        let id = legIds cfg |> List.item (i % cfg.Strategy.Legs.Length)
        sim, [ at sim.Time (QuoteReceived { quote id 2.9 3.1 sim.Time with ImpliedVol = 0.2 + float v / 100.0 }) ]
    | BadLegQuote(i, pct) ->
        let id = legIds cfg |> List.item (i % cfg.Strategy.Legs.Length)
        let mid = 3.0 * (1.0 + float pct / 100.0)
        sim, [ at sim.Time (QuoteReceived { quote id (mid - 0.1) (mid + 0.1) sim.Time with ImpliedVol = 0.2 }) ]
    | Tick ms ->
        let sim = { sim with Time = Timestamp.add (Duration.ofMillis (int64 ms)) sim.Time }
        sim, [ at sim.Time ClockTicked ]
    | QuietFor _ -> // expanded by `quietAsTicks` before a scenario runs
        let sim = { sim with Time = Timestamp.add (Duration.ofSeconds 3.0) sim.Time }
        sim, [ at sim.Time ClockTicked ]
    | Ack ->
        match first with
        | Some w when sim.Connected ->
            let e = statusEvent sim w Acknowledged w.Filled
            { sim with LastStatus = Some e }, [ e ]
        | _ -> sim, []
    | Fill pct ->
        match first with
        | Some w ->
            let qty = max 1 ((w.Req.Quantity - w.Filled) * pct / 100)
            fillEvents sim w qty
        | None -> sim, []
    | FillAll ->
        sim.Working |> List.fold (fun (sim, events) w ->
            let sim, more = fillEvents sim w (w.Req.Quantity - w.Filled)
            sim, events @ more) (sim, [])
    | CancelConfirm ->
        match sim.Working |> List.tryFind (fun w -> w.CancelRequested) with
        | Some w when sim.Connected ->
            let e = statusEvent sim w CancelConfirmed w.Filled
            { sim with Working = sim.Working |> List.filter (fun x -> x.Req.Ref <> w.Req.Ref); LastStatus = Some e }, [ e ]
        | _ -> sim, []
    | CancelRaced openOrderFirst ->
        match sim.Working |> List.tryFind (fun w -> w.CancelRequested) with
        | Some w when sim.Connected ->
            let part = (w.Req.Quantity - w.Filled) / 2
            let sim, fill = if part > 0 then fillEvents sim w part else sim, []
            let filled = w.Filled + part
            let final = statusEvent sim w CancelConfirmed filled
            let first =
                if openOrderFirst then
                    at sim.Time (OpenOrderReported { IbOrderId = w.Req.IbOrderId; PermId = int64 w.Req.IbOrderId + 1000L; ClientId = 7; Ref = OrderRef.value w.Req.Ref
                                                     ContractId = w.Req.ContractId; Side = w.Req.Side; Quantity = w.Req.Quantity; Filled = 0; Status = CancelConfirmed })
                else at sim.Time (OrderErrorReported(w.Req.IbOrderId, 202, "Order Canceled - reason:"))
            { sim with Working = sim.Working |> List.filter (fun x -> x.Req.Ref <> w.Req.Ref); Late = sim.Late @ fill @ [ final ]; LastStatus = Some final },
            [ first ]
        | _ -> sim, []
    | Reject ->
        match first with
        | Some w when sim.Connected && w.Filled = 0 ->
            { sim with Working = sim.Working |> List.tail }, [ at sim.Time (OrderErrorReported(w.Req.IbOrderId, 201, "Order rejected - reason: model")) ]
        | _ -> sim, []
    | CancelRefused code ->
        match sim.Working |> List.tryFind (fun w -> w.CancelRequested) with
        | Some w when sim.Connected ->
            let message =
                if code = 10148 then $"OrderId {w.Req.IbOrderId} that needs to be cancelled cannot be cancelled, state: PendingCancel."
                elif code = 135 then $"Can't find order with ID = {w.Req.IbOrderId}"
                else $"Cancel attempted when order is not in a cancellable state. Order permId = {int64 w.Req.IbOrderId + 1000L}"
            { sim with Working = sim.Working |> List.map (fun x -> if x.Req.Ref = w.Req.Ref then { x with CancelRequested = false } else x) },
            [ at sim.Time (OrderErrorReported(w.Req.IbOrderId, code, message)) ]
        | _ -> sim, []
    | Held ->
        match first with
        | Some w when sim.Connected -> sim, [ at sim.Time (OrderErrorReported(w.Req.IbOrderId, 404, "Order held while securities are located")) ]
        | _ -> sim, []
    | MisreportFill ->
        match first with
        | Some w ->
            let sim, events = fillEvents sim w (w.Req.Quantity - w.Filled)
            let flip (e: Event) =
                match e.Payload with
                | ExecutionReported x -> at e.Received (ExecutionReported { x with Side = (match x.Side with Buy -> Sell | Sell -> Buy) })
                | _ -> e
            // What the broker keeps reporting (reqExecutions) is the misreported line too.
            { sim with Misreported = sim.Misreported.Add w.Req.Ref; FilledTruth = sim.FilledTruth.Remove w.Req.Ref
                       Execs = (match sim.Execs with e :: rest -> flip e :: rest | [] -> []); Undelivered = (match sim.Undelivered with e :: rest when not sim.Connected -> flip e :: rest | u -> u) },
            events |> List.map flip
        | None -> sim, []
    | FillExecLate ->
        match first with
        | Some w when sim.Connected ->
            let sim, events = fillEvents sim w (w.Req.Quantity - w.Filled)
            let late, told = events |> List.partition (fun e -> match e.Payload with ExecutionReported _ -> true | _ -> false)
            { sim with Late = sim.Late @ late }, told
        | _ -> sim, []
    | LateExecArrives -> { sim with Late = [] }, (if sim.Connected then sim.Late |> List.map (sentNow sim) else [])
    | LoseNextReconcileEnd -> { sim with LoseEnd = true }, []
    | CorrectExec ->
        match sim.Execs with
        | { Payload = ExecutionReported x } :: _ when (ExecId.value x.ExecId).EndsWith(".01", System.StringComparison.Ordinal) ->
            let id = ExecId.value x.ExecId
            let c = at sim.Time (ExecutionReported { x with ExecId = ExecId.create (id.Substring(0, id.Length - 2) + "02") |> Result.get; Price = x.Price + 0.05 })
            { sim with Execs = c :: sim.Execs }, (if sim.Connected then [ c ] else [])
        | _ -> sim, []
    | DupExec -> sim, (if sim.Connected then sim.Execs |> List.truncate 1 else [])
    | DupStatus -> sim, (if sim.Connected then Option.toList sim.LastStatus else [])
    | UnknownFill ->
        let e =
            ExecutionReported
                { ExecId = ExecId.create $"ghost{sim.ExecSeq}" |> Result.get; IbOrderId = 9999; PermId = 1L; ClientId = 7
                  Ref = $"oi_r1_ghost{sim.ExecSeq}"; ContractId = underlyingId; Side = Buy; Quantity = 100; Price = sim.Spot }
        { sim with ExecSeq = sim.ExecSeq + 1 }, (if sim.Connected then [ at sim.Time e ] else [])
    | ExternalFill q when q <> 0 && sim.Connected ->
        let execId = ExecId.create $"x{sim.ExecSeq}" |> Result.get
        let broker = sim.Broker |> Map.add underlyingId ((sim.Broker |> Map.tryFind underlyingId |> Option.defaultValue 0) + q)
        { sim with ExecSeq = sim.ExecSeq + 1; Broker = broker },
        [ at sim.Time (ExecutionReported { ExecId = execId; IbOrderId = 1; PermId = 5L; ClientId = 99; Ref = ""; ContractId = underlyingId
                                           Side = Side.ofSignedQuantity q; Quantity = abs q; Price = sim.Spot })
          at sim.Time (PositionReported(underlyingId, broker.[underlyingId], sim.Spot)) ]
    | ExternalFill _ -> sim, []
    | LegMovedOutside(i, q, seen) when q <> 0 ->
        let id = legIds cfg |> List.item (i % cfg.Strategy.Legs.Length)
        let broker = sim.Broker |> Map.add id ((sim.Broker |> Map.tryFind id |> Option.defaultValue 0) + q)
        let exec =
            at sim.Time (ExecutionReported { ExecId = ExecId.create $"mv{sim.ExecSeq}" |> Result.get; IbOrderId = 0; PermId = 7L; ClientId = 0; Ref = ""
                                             ContractId = id; Side = Side.ofSignedQuantity q; Quantity = abs q; Price = 3.0 })
        { sim with ExecSeq = sim.ExecSeq + 1; Broker = broker; Undelivered = (if seen then exec :: sim.Undelivered else sim.Undelivered) },
        (if sim.Connected then [ at sim.Time (PositionReported(id, broker.[id], movedCost)) ] else [])
    | LegMovedOutside _ -> sim, []
    | Ctl c -> { sim with ControlSeq = sim.ControlSeq + 1L }, [ at sim.Time (ControlRequested(c, meta sim.ControlSeq)) ]
    | OperatorCancel byRun ->
        let control =
            match List.tryLast sim.Working with
            | Some w when byRun -> CancelRun w.Req.RunId
            | Some w -> CancelOrderRef(OrderRef.value w.Req.Ref)
            | None -> CancelRun "no-such-run"
        { sim with ControlSeq = sim.ControlSeq + 1L }, [ at sim.Time (ControlRequested(control, meta sim.ControlSeq)) ]
    | Manual(side, qty, bypass, adjusts) ->
        let m = { RunId = $"m{sim.ControlSeq}"; ContractId = underlyingId; Side = side; Quantity = qty; Type = Market; RiskBypass = bypass; Meta = meta sim.ControlSeq; AdjustsStrategy = adjusts }
        { sim with ControlSeq = sim.ControlSeq + 1L }, [ at sim.Time (ManualOrderRequested m) ]
    | ManualLeg(i, side, qty, adjusts) ->
        let id = legIds cfg |> List.item (i % cfg.Strategy.Legs.Length)
        let m = { RunId = $"m{sim.ControlSeq}"; ContractId = id; Side = side; Quantity = qty; Type = Market; RiskBypass = false; Meta = meta sim.ControlSeq; AdjustsStrategy = adjusts }
        { sim with ControlSeq = sim.ControlSeq + 1L }, [ at sim.Time (ManualOrderRequested m) ]
    | RebalanceStock target ->
        let r = { Rebalance.RunId = $"b{sim.ControlSeq}"; Targets = [ underlyingId, target ]; RiskBypass = false; Meta = meta sim.ControlSeq }
        { sim with ControlSeq = sim.ControlSeq + 1L }, [ at sim.Time (RebalanceRequested r) ]
    | StalePeriod seconds ->
        let sim = { sim with Time = Timestamp.add (Duration.ofSeconds (float seconds)) sim.Time }
        sim, [ at sim.Time ClockTicked ]
    // Executions still on their way are lost with the session; reconciliation reports them.
    | Disconnect when sim.Connected ->
        { sim with Connected = false; Owed = []; Undelivered = List.rev sim.Late @ sim.Undelivered; Late = [] }, [ at sim.Time (BrokerDisconnected "model drop") ]
    | Disconnect -> sim, []
    | Reconnect when not sim.Connected -> { sim with Connected = true }, [ at sim.Time (BrokerConnected [ cfg.Account ]) ]
    | Reconnect -> sim, []
    | Lost1100 -> sim, (if sim.Connected then [ at sim.Time ConnectivityLost ] else [])
    | Broken2110 -> sim, (if sim.Connected then [ at sim.Time ServerConnectivityBroken ] else [])
    | FarmOk -> sim, (if sim.Connected then [ at sim.Time (FarmStatusChanged(MarketDataFarm, "usfarm", true)) ] else [])
    | Restored m -> sim, (if sim.Connected then [ at sim.Time (ConnectivityRestored m) ] else [])
    | StoreFail -> sim, [ at sim.Time (StoreFailed "disk full (model)") ]
    | StoreBack -> sim, [ at sim.Time StoreRecovered ]
    | NextId n -> sim, (if sim.Connected then [ at sim.Time (NextValidIdReceived n) ] else [])
    | FeedDies(i, unanswered) -> { sim with Dead = sim.Dead.Add(contractOf cfg i, unanswered) }, []
    | FeedRefused i ->
        let id = contractOf cfg i
        { sim with Dead = sim.Dead.Add(id, 1) },
        (if sim.Connected then [ at sim.Time (MarketDataRefused(id, 10197, "No market data during competing live session")) ] else [])
    | AccountFigure currency ->
        sim, (if sim.Connected then [ at sim.Time (AccountValueReported("NetLiquidation", (if currency = "USD" then 1_000_000.0 else 150_000_000.0), currency)) ] else [])

/// The events one action produces: a dead feed's quotes never reach the engine.
let eventsOf (cfg: Config) (sim: Sim) (action: Action) : Sim * Event list =
    let sim, events = liveEventsOf cfg sim action
    if sim.Dead.IsEmpty then sim, events
    else sim, events |> List.filter (fun e -> match e.Payload with QuoteReceived q -> not (sim.Dead.ContainsKey q.ContractId) | _ -> true)

/// A quiet market as the clock steps it passes in: one Tick 3000 per three seconds, each an action of its own, so the
/// broker answers what the engine asks between them (a new request's quote comes at once).
let quietAsTicks (action: Action) =
    match action with
    | QuietFor seconds -> List.replicate (max 1 (seconds / 3)) (Tick 3000)
    | a -> [ a ]

/// Runs a scenario: start-up, then each action (after the broker's owed answers), recording every step.
let run (cfg: Config) (actions: Action list) : Step list =
    let steps = ResizeArray<Step>()
    let state = ref (State.initial cfg)
    let apply (sim: Sim) (e: Event) =
        let before = state.Value
        let after, cmds = Reducer.step cfg before e
        state.Value <- after
        let sim' = absorb sim cmds
        steps.Add { Before = before; Event = e; After = after; Commands = cmds; BrokerHedgesBefore = brokerHedges sim; BrokerUncancelledAfter = brokerUncancelled sim'; BrokerWorkingAfter = brokerWorking sim'
                    BrokerFilledBefore = sim.FilledTruth }
        sim'
    let initial =
        { Time = sec 0.0; Spot = 100.0; Working = []; ExecSeq = 1; Execs = []; LastStatus = None; Owed = []; Connected = true
          Undelivered = []; Late = []; LoseEnd = false; ControlSeq = 1L; Dead = Map.empty; FilledTruth = Map.empty; Misreported = Set.empty
          Broker = cfg.Strategy.Legs |> List.map (fun l -> l.Option.ContractId, l.Quantity) |> Map.ofList }
    let mutable sim = initial
    // Start-up without the reconcile answers: the model owes them once RequestReconcile is seen.
    for e in [ at (sec 0.0) (EngineStarted Restored.empty); at (sec 0.1) (BrokerConnected [ cfg.Account ]) ] do
        sim <- apply sim e
    for action in actions |> List.collect quietAsTicks do
        sim <- { sim with Time = Timestamp.add (Duration.ofMillis 250L) sim.Time }
        while not sim.Owed.IsEmpty do
            let e = sim.Owed.Head
            sim <- apply { sim with Owed = sim.Owed.Tail } e
        let sim', events = eventsOf cfg sim action
        sim <- sim'
        for e in events do
            sim <- apply sim e
    List.ofSeq steps
