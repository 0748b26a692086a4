namespace Bifrost.Domain.PortfolioRuns

open Bifrost.Domain

/// A portfolio run's life: queued → pre_trade → running → done | partial | failed | blocked.
[<RequireQualifiedAccess>]
type RunStatus =
    | Queued
    | PreTrade
    | Running
    /// Every order filled (or nothing to do).
    | Done
    /// Some orders filled, some rejected or cancelled.
    | Partial
    /// Nothing filled.
    | Failed
    /// Never traded: pre-trade refused it or the broker was unreachable.
    | Blocked

module RunStatus =
    let name = function
        | RunStatus.Queued -> "queued"
        | RunStatus.PreTrade -> "pre_trade"
        | RunStatus.Running -> "running"
        | RunStatus.Done -> "done"
        | RunStatus.Partial -> "partial"
        | RunStatus.Failed -> "failed"
        | RunStatus.Blocked -> "blocked"
    let isTerminal = function
        | RunStatus.Done | RunStatus.Partial | RunStatus.Failed | RunStatus.Blocked -> true
        | RunStatus.Queued | RunStatus.PreTrade | RunStatus.Running -> false
    let all = [ RunStatus.Queued; RunStatus.PreTrade; RunStatus.Running; RunStatus.Done; RunStatus.Partial; RunStatus.Failed; RunStatus.Blocked ]

/// Reason codes of the requirements' error mapping.
module RunReason =
    let connectionUnavailable = "connection_unavailable"
    let marketDataError = Execution.marketDataError
    let cancelled = "cancelled"

/// Why the run exists.
type RunPurpose =
    | ScheduledSlot of slotId: string
    | OperatorRequested of requestedBy: string
    /// A run of the last good snapshot after the run `failedRunId` failed (see Fallback).
    | FallbackAfter of failedRunId: string

[<RequireQualifiedAccess>]
type RunOrderStatus =
    /// Decided, not yet on the wire.
    | Planned
    | Working
    | Filled
    | Rejected
    | Cancelled

module RunOrderStatus =
    let name = function
        | RunOrderStatus.Planned -> "planned"
        | RunOrderStatus.Working -> "working"
        | RunOrderStatus.Filled -> "filled"
        | RunOrderStatus.Rejected -> "rejected"
        | RunOrderStatus.Cancelled -> "cancelled"
    let isTerminal = function
        | RunOrderStatus.Filled | RunOrderStatus.Rejected | RunOrderStatus.Cancelled -> true
        | RunOrderStatus.Planned | RunOrderStatus.Working -> false

/// One execution of a run's order, with IB's ids and the commission when it is reported.
type RunFill =
    { ExecId: string
      Quantity: int
      Price: float
      Commission: float option
      VenueTime: Timestamp
      ReceivedAt: Timestamp }

type RunOrder =
    { Ref: string
      Key: OrderKey
      Quantity: int
      Filled: int
      Status: RunOrderStatus
      /// True once the order went on the wire (an order rejected for market data never did).
      Sent: bool
      /// market_data_error, connection_unavailable, or IB's reject text.
      Reason: string option
      IbOrderId: int option
      PermId: int64 option
      Fills: RunFill list
      /// Each status with its venue and receive time, oldest first.
      StatusTimes: (RunOrderStatus * Timestamp * Timestamp) list }

/// The target a failed run fell back to (recorded on that run).
type FallbackRecord =
    { TargetSnapshotId: string
      Reason: string
      At: Timestamp }

type Run =
    { Id: string
      SnapshotId: string
      SnapshotHash: string
      Purpose: RunPurpose
      Status: RunStatus
      /// Block reasons, or the reasons orders failed; stored with the run.
      Reasons: string list
      /// When pre-trade cleared the snapshot (execution needs it).
      ClearedAt: Timestamp option
      Orders: RunOrder list
      Fallback: FallbackRecord option
      /// Who asked to cancel the run, if anyone did.
      CancelRequestedBy: string option
      CreatedAt: Timestamp
      UpdatedAt: Timestamp }

type RunEvent =
    | PreTradeStarted
    | PreTradeCleared
    | PreTradeBlocked of reasons: string list
    /// Execution began with this plan (Execution.plan at execution time, with fresh quotes).
    | ExecutionStarted of plan: PlannedLine list
    | BrokerUnavailable
    | OrderSubmitted of ref: string
    | OrderAcknowledged of ref: string * ibOrderId: int * permId: int64
    | FillReceived of ref: string * fill: RunFill
    | FillCommissionReported of ref: string * execId: string * commission: float
    | OrderRejectedByBroker of ref: string * reason: string
    | OrderCancelConfirmed of ref: string
    | CancelRequested of requestedBy: string

module RunEvent =
    let name = function
        | PreTradeStarted -> "PreTradeStarted" | PreTradeCleared -> "PreTradeCleared" | PreTradeBlocked _ -> "PreTradeBlocked"
        | ExecutionStarted _ -> "ExecutionStarted" | BrokerUnavailable -> "BrokerUnavailable" | OrderSubmitted _ -> "OrderSubmitted"
        | OrderAcknowledged _ -> "OrderAcknowledged" | FillReceived _ -> "FillReceived" | FillCommissionReported _ -> "FillCommissionReported"
        | OrderRejectedByBroker _ -> "OrderRejectedByBroker" | OrderCancelConfirmed _ -> "OrderCancelConfirmed" | CancelRequested _ -> "CancelRequested"

/// An event with the venue's time and the time we received it.
type RunInput =
    { Event: RunEvent
      VenueTime: Timestamp
      ReceivedAt: Timestamp }

/// An edge the machine does not have; reported as data, never thrown.
type RunTransitionError =
    { RunId: string
      From: RunStatus
      Event: string
      Detail: string }

module RunMachine =
    /// A run always references a frozen snapshot: there is no way to make one without.
    let queue (runId: string) (snapshot: Snapshot) (purpose: RunPurpose) (at: Timestamp) =
        if System.String.IsNullOrWhiteSpace runId || runId.Length > 64 then ValidationError.make "run_id" "must be 1–64 characters"
        else
            Ok { Id = runId; SnapshotId = snapshot.Id; SnapshotHash = snapshot.ContentHash; Purpose = purpose; Status = RunStatus.Queued
                 Reasons = []; ClearedAt = None; Orders = []; Fallback = None; CancelRequestedBy = None; CreatedAt = at; UpdatedAt = at }

    let private invalid (run: Run) (input: RunInput) detail =
        Error { RunId = run.Id; From = run.Status; Event = RunEvent.name input.Event; Detail = detail }

    /// done when every order filled (or there were none), partial when some shares filled, failed when none did.
    let outcome (orders: RunOrder list) =
        if orders |> List.forall (fun o -> o.Status = RunOrderStatus.Filled) then RunStatus.Done
        elif orders |> List.exists (fun o -> o.Filled > 0) then RunStatus.Partial
        else RunStatus.Failed

    let private failureReasons (orders: RunOrder list) =
        orders |> List.choose (fun o -> o.Reason |> Option.map (fun r -> $"{o.Key.Symbol}: {r}")) |> List.distinct

    /// Ends a running run once every order is terminal; a late fill re-settles a finished one (failed → partial…).
    /// Public for a run read back from the store whose orders all settled before its own row caught up.
    let settle (run: Run) =
        match run.Status with
        | RunStatus.Running | RunStatus.Done | RunStatus.Partial | RunStatus.Failed when run.Orders |> List.forall (fun o -> RunOrderStatus.isTerminal o.Status) ->
            { run with Status = outcome run.Orders; Reasons = failureReasons run.Orders }
        | _ -> run

    let private withStatus (input: RunInput) status (o: RunOrder) =
        { o with Status = status; StatusTimes = o.StatusTimes @ [ status, input.VenueTime, input.ReceivedAt ] }

    let rec private orderOf (plan: PlannedLine) (input: RunInput) : RunOrder option =
        let make ref key qty status sent reason =
            Some { Ref = OrderRef.value ref; Key = key; Quantity = qty; Filled = 0; Status = status; Sent = sent; Reason = reason
                   IbOrderId = None; PermId = None; Fills = []; StatusTimes = [ status, input.VenueTime, input.ReceivedAt ] }
        match plan with
        | Place(ref, key, qty, _) -> make ref key qty RunOrderStatus.Planned false None
        | NoFreshQuote(ref, key, qty) -> make ref key qty RunOrderStatus.Rejected false (Some RunReason.marketDataError)
        | UnfitQuote(ref, key, qty, why) -> make ref key qty RunOrderStatus.Rejected false (Some why)
        // The cut order, if any is left (the cut itself is noted by the flow).
        | CappedSell(line, _) -> orderOf line input
        // Already in this run (a retry or restart of it): the existing order is kept, not duplicated.
        | AlreadySent _ | AtTarget _ -> None

    /// Applies an order-level change to the order with this ref; an unknown ref or a change it cannot take is an error.
    let private updateOrder (run: Run) (input: RunInput) (ref: string) (change: RunOrder -> Result<RunOrder, string>) =
        match run.Orders |> List.tryFind (fun o -> o.Ref = ref) with
        | None -> invalid run input $"no order {ref} in run {run.Id}"
        | Some o ->
            match change o with
            | Error why -> invalid run input $"{ref}: {why}"
            | Ok o' -> Ok(settle { run with Orders = run.Orders |> List.map (fun x -> if x.Ref = ref then o' else x) })

    let private applyFill (input: RunInput) (fill: RunFill) (o: RunOrder) =
        if o.Fills |> List.exists (fun f -> f.ExecId = fill.ExecId) then Ok o // a repeated execDetails
        elif not o.Sent && o.Status <> RunOrderStatus.Planned then Error "a fill for an order that was never sent"
        elif fill.Quantity <= 0 then Error $"fill quantity {fill.Quantity}"
        elif o.Filled + fill.Quantity > o.Quantity then Error $"overfill: {o.Filled} + {fill.Quantity} > {o.Quantity}"
        else
            let o = { o with Sent = true; Filled = o.Filled + fill.Quantity; Fills = o.Fills @ [ fill ] }
            if o.Filled = o.Quantity then Ok(withStatus input RunOrderStatus.Filled o)
            elif o.Status = RunOrderStatus.Planned then Ok(withStatus input RunOrderStatus.Working o)
            else Ok o

    /// Orders still only planned end here (they will not go on the wire).
    let private endUnsent (input: RunInput) status reason (orders: RunOrder list) =
        orders |> List.map (fun o -> if o.Status = RunOrderStatus.Planned then { withStatus input status o with Reason = Some reason } else o)

    /// The run table: one flat match of status × event. Repeats that change nothing are accepted; everything the
    /// table does not list is reported as an invalid transition.
    let step (run: Run) (input: RunInput) : Result<Run, RunTransitionError> =
        let touched (r: Run) = { r with UpdatedAt = input.ReceivedAt }
        let result =
            match run.Status, input.Event with
            | RunStatus.Queued, PreTradeStarted -> Ok { run with Status = RunStatus.PreTrade }
            | RunStatus.PreTrade, PreTradeStarted -> Ok run
            | RunStatus.PreTrade, PreTradeCleared -> Ok { run with ClearedAt = Some input.ReceivedAt }
            | RunStatus.PreTrade, PreTradeBlocked [] -> invalid run input "a block needs at least one reason"
            | RunStatus.PreTrade, PreTradeBlocked reasons -> Ok { run with Status = RunStatus.Blocked; Reasons = reasons }
            | RunStatus.PreTrade, ExecutionStarted _ when run.ClearedAt.IsNone -> invalid run input "pre-trade has not cleared the snapshot"
            | RunStatus.PreTrade, ExecutionStarted plan ->
                Ok(settle { run with Status = RunStatus.Running; Orders = plan |> List.choose (fun p -> orderOf p input) })
            // Broker unreachable before anything was sent: the run never traded.
            | (RunStatus.Queued | RunStatus.PreTrade), BrokerUnavailable -> Ok { run with Status = RunStatus.Blocked; Reasons = [ RunReason.connectionUnavailable ] }
            | RunStatus.Running, BrokerUnavailable when run.Orders |> List.forall (fun o -> not o.Sent) ->
                Ok { run with Status = RunStatus.Blocked; Reasons = [ RunReason.connectionUnavailable ]
                              Orders = endUnsent input RunOrderStatus.Rejected RunReason.connectionUnavailable run.Orders }
            // Orders already at the broker live on (they may still fill); the unsent ones will not go out.
            | RunStatus.Running, BrokerUnavailable ->
                Ok(settle { run with Orders = endUnsent input RunOrderStatus.Rejected RunReason.connectionUnavailable run.Orders })
            | RunStatus.Blocked, BrokerUnavailable -> Ok run
            | (RunStatus.Queued | RunStatus.PreTrade), CancelRequested who ->
                Ok { run with Status = RunStatus.Failed; Reasons = [ $"{RunReason.cancelled} by {who}" ]; CancelRequestedBy = Some who }
            // Unsent orders are dropped; working ones end when the broker confirms their cancel.
            | RunStatus.Running, CancelRequested who ->
                Ok(settle { run with Orders = endUnsent input RunOrderStatus.Cancelled $"{RunReason.cancelled} by {who}" run.Orders; CancelRequestedBy = Some who })
            | RunStatus.Running, OrderSubmitted ref ->
                updateOrder run input ref (fun o ->
                    match o.Status with
                    | RunOrderStatus.Planned -> Ok(withStatus input RunOrderStatus.Working { o with Sent = true })
                    | RunOrderStatus.Working -> Ok o
                    | s -> Error $"cannot submit an order that is {RunOrderStatus.name s}")
            // Acks, fills and commissions may arrive after the run ended (a fill racing a cancel): they are applied.
            | (RunStatus.Running | RunStatus.Done | RunStatus.Partial | RunStatus.Failed), OrderAcknowledged(ref, ibId, permId) ->
                updateOrder run input ref (fun o ->
                    if not o.Sent && o.Status <> RunOrderStatus.Planned then Error "an acknowledgement for an order that was never sent"
                    else Ok { o with IbOrderId = Some ibId; PermId = Some permId; Sent = true })
            | (RunStatus.Running | RunStatus.Done | RunStatus.Partial | RunStatus.Failed), FillReceived(ref, fill) -> updateOrder run input ref (applyFill input fill)
            | (RunStatus.Running | RunStatus.Done | RunStatus.Partial | RunStatus.Failed), FillCommissionReported(ref, execId, fee) ->
                updateOrder run input ref (fun o ->
                    if o.Fills |> List.exists (fun f -> f.ExecId = execId) then
                        Ok { o with Fills = o.Fills |> List.map (fun f -> if f.ExecId = execId then { f with Commission = Some fee } else f) }
                    else Error $"commission for unknown execution {execId}")
            | RunStatus.Running, OrderRejectedByBroker(ref, reason) ->
                updateOrder run input ref (fun o ->
                    match o.Status with
                    | RunOrderStatus.Planned | RunOrderStatus.Working -> Ok { withStatus input RunOrderStatus.Rejected { o with Sent = true } with Reason = Some reason }
                    | RunOrderStatus.Rejected -> Ok o
                    | s -> Error $"a reject for an order that is {RunOrderStatus.name s}")
            | RunStatus.Running, OrderCancelConfirmed ref ->
                updateOrder run input ref (fun o ->
                    match o.Status with
                    | RunOrderStatus.Working -> Ok { withStatus input RunOrderStatus.Cancelled o with Reason = Some(defaultArg o.Reason RunReason.cancelled) }
                    // TWS follows a reject with "Cancelled": the same ending, said twice.
                    | RunOrderStatus.Cancelled | RunOrderStatus.Rejected -> Ok o
                    | s -> Error $"a cancel for an order that is {RunOrderStatus.name s}")
            | (RunStatus.Done | RunStatus.Partial | RunStatus.Failed), (OrderRejectedByBroker _ | OrderCancelConfirmed _) -> Ok run // late repeats of an ended order
            | RunStatus.Queued, (PreTradeCleared | PreTradeBlocked _ | ExecutionStarted _) -> invalid run input "pre-trade has not started"
            | (RunStatus.Queued | RunStatus.PreTrade), OrderSubmitted _
            | (RunStatus.Queued | RunStatus.PreTrade), OrderAcknowledged _
            | (RunStatus.Queued | RunStatus.PreTrade), FillReceived _
            | (RunStatus.Queued | RunStatus.PreTrade), FillCommissionReported _
            | (RunStatus.Queued | RunStatus.PreTrade), OrderRejectedByBroker _
            | (RunStatus.Queued | RunStatus.PreTrade), OrderCancelConfirmed _ -> invalid run input "no order has been planned"
            | RunStatus.Running, (PreTradeStarted | PreTradeCleared | PreTradeBlocked _ | ExecutionStarted _) -> invalid run input "the run is already executing"
            | (RunStatus.Done | RunStatus.Partial | RunStatus.Failed), (PreTradeStarted | PreTradeCleared | BrokerUnavailable | CancelRequested _)
            | (RunStatus.Done | RunStatus.Partial | RunStatus.Failed), PreTradeBlocked _
            | (RunStatus.Done | RunStatus.Partial | RunStatus.Failed), ExecutionStarted _
            | (RunStatus.Done | RunStatus.Partial | RunStatus.Failed), OrderSubmitted _ -> invalid run input "the run has ended"
            | RunStatus.Blocked, (PreTradeStarted | PreTradeCleared | CancelRequested _)
            | RunStatus.Blocked, PreTradeBlocked _
            | RunStatus.Blocked, ExecutionStarted _
            | RunStatus.Blocked, OrderSubmitted _
            | RunStatus.Blocked, OrderAcknowledged _
            | RunStatus.Blocked, FillReceived _
            | RunStatus.Blocked, FillCommissionReported _
            | RunStatus.Blocked, OrderRejectedByBroker _
            | RunStatus.Blocked, OrderCancelConfirmed _ -> invalid run input "the run was blocked and never traded"
        result |> Result.map touched

    /// Folds events; the first invalid one stops the fold and is returned with the run as it was.
    let replay (run: Run) (inputs: RunInput list) =
        inputs |> List.fold (fun acc i -> acc |> Result.bind (fun r -> step r i)) (Ok run)
