namespace Bifrost.Domain.Trading

open Bifrost.Domain

/// Order bookkeeping: minting ids, sending, and applying what the broker reports. Fills come only from executions,
/// keyed by exec id; status reports move the lifecycle but never positions.
module OrderFlow =
    /// IB order ids stay below this (State.orderIdLimit: the request ids start there).
    let orderIdLimit = State.orderIdLimit

    /// Why no order may be sent under `id` (None: it may).
    let orderIdProblem (id: int) = State.orderIdProblem id

    /// Sends an order under a ref decided elsewhere (a portfolio run's idempotent `oi_p…` ref): a new IB order id,
    /// the same PlaceOrder and journal path as every other order.
    let placeRef (cfg: Config) (s: State) (ref: OrderRef) runId purpose conId side qty orderType riskBypass decisionMid =
        match orderIdProblem s.NextOrderId with
        | Some why ->
            // As for a ref that cannot be minted: nothing can be sent until the operator acts, so halt (RED) and alert.
            let s' = match s.Fsm with Stopping _ | Stopped -> s | _ -> { s with Fsm = Halted(OrderRefExhausted why) }
            s', Emit.alertAndRecord s Critical "ORDER_IDS_EXHAUSTED" why, None
        | None ->
            // The day is rolled before counting (idempotent), so the order counts in its own session day.
            let s = State.rollDay cfg s
            let order =
                { Ref = ref; IbOrderId = s.NextOrderId; PermId = 0L; RunId = runId; Purpose = purpose; ContractId = conId
                  Side = side; Quantity = qty; Type = orderType; Tif = Day; Status = PendingSubmit; Filled = 0
                  ReportedFilled = 0; AvgFillPrice = 0.0; CancelRequested = false; LastInvalid = None; RejectReason = ""
                  DecisionMid = decisionMid; PlacedAt = s.Now; DoneAt = Timestamp.zero }
            let request =
                { Ref = ref; IbOrderId = order.IbOrderId; RunId = runId; Purpose = purpose; ContractId = conId; Side = side
                  Quantity = qty; Type = orderType; Tif = Day; Account = cfg.Account; RiskBypass = riskBypass }
            let s' =
                { State.putOrder order s with
                    RefByIbId = s.RefByIbId |> Map.add order.IbOrderId ref
                    NextOrderId = s.NextOrderId + 1
                    Daily = { s.Daily with Trades = s.Daily.Trades + 1 } }
            let price = match orderType with Limit l -> l | Market -> decisionMid
            let typeText = match orderType with Market -> "MKT" | Limit l -> sprintf "LMT %.4f" l
            let detail = $"{OrderPurpose.name purpose} {typeText} ib_id={order.IbOrderId}" + (if riskBypass then " RISK_BYPASS" else "")
            s', [ PlaceOrder request; Emit.orderOp s' OperationKind.OrderSent order price detail ], Some ref

    /// Mints the next order ref and IB order id and emits PlaceOrder. IB ids only ever go up.
    let place (cfg: Config) (s: State) runId purpose conId side qty orderType riskBypass decisionMid =
        // The day is rolled before counting, so an order before the first clock tick counts in its session day.
        let s = State.rollDay cfg s
        match OrderRef.forRun runId s.NextOrderSeq with
        | Error e ->
            // Never a silent anomaly: nothing can be sent until the operator fixes run_id, so halt (RED) and alert.
            let why = $"cannot mint an order ref for run {runId} (sequence {s.NextOrderSeq}): {e.Message}"
            let s' = match s.Fsm with Stopping _ | Stopped -> s | _ -> { s with Fsm = Halted(OrderRefExhausted why) }
            s', Emit.alertAndRecord s Critical "ORDER_REF_EXHAUSTED" why, None
        | Ok ref ->
            match placeRef cfg s ref runId purpose conId side qty orderType riskBypass decisionMid with
            | s', cmds, (Some _ as placed) -> { s' with NextOrderSeq = s.NextOrderSeq + 1L }, cmds, placed
            | refused -> refused

    /// The cancel of each order, with its operation.
    let private cancelsOf (s: State) reason (orders: Order list) =
        [ for o in orders do
              CancelOrder(o.Ref, o.IbOrderId)
              Emit.orderOp s OperationKind.CancelSent o nan reason ]

    /// Requests cancellation of this engine's working orders that `which` selects (never foreign orders: we only
    /// know our own).
    let cancelWorkingWhere (which: Order -> bool) (s: State) reason =
        let working = State.workingOrders s |> List.filter (fun o -> not o.CancelRequested && which o)
        working |> List.fold (fun s o -> State.putOrder { o with CancelRequested = true } s) s, cancelsOf s reason working

    /// The cancels this engine asked for whose orders are still working, sent again. A cancel sent while the socket was
    /// down never reached the broker (the shell only logs it), and CancelRequested keeps every later path (hedge
    /// timeout, stop, flatten, halt) from asking again: once the broker can be reached and its open orders are known
    /// (a sync's end, a reconnect while stopping), the engine's intent stands and is said again. A cancel that did
    /// arrive is refused harmlessly (10148, 161).
    let resendCancels (s: State) (reason: string) =
        State.workingOrders s |> List.filter (fun o -> o.CancelRequested) |> cancelsOf s reason

    /// Requests cancellation of every working order of this engine (stop, halts: the engine stands down).
    let cancelWorking (s: State) reason = cancelWorkingWhere (fun _ -> true) s reason

    /// True for an order whose fills are the strategy's: a flatten cancels and waits for those, and leaves the
    /// operator's own working manual orders alone.
    let strategyOwned (o: Order) = OrderPurpose.owner o.Purpose = StrategyOwned

    /// What a halt cancels. A risk limit judges the strategy's P&L, which an operator-owned manual order's fills are not
    /// part of (they are external, as a fill from the operator's own TWS): a risk halt cancels the strategy's orders and
    /// leaves the operator's own working, as a flatten does (before, it cancelled them too: the operator's discretionary
    /// trade undone by a limit that does not cover it). A halt that says the engine cannot be sure of the account
    /// (a mismatch, another engine, a failed reconciliation, a lost memory) stands everything of this engine down.
    /// Nor does a risk halt cancel a flatten's order: it only moves the strategy's hedge toward its target, the trade
    /// that reduces the risk the limit caps (one left working across a restart — the engine back Paused and the limit
    /// still breached — was cancelled, the exit undone by the limit it was the way out of).
    /// Every reason is named, so a new one must be classified.
    let cancelForHalt (reason: HaltReason) (s: State) label =
        match reason with
        | DailyLossBreached _ | DrawdownBreached _ | StopLossHit _ | TakeProfitHit _ ->
            cancelWorkingWhere (fun o -> strategyOwned o && o.Purpose <> Flatten) s label
        | ReconcileFailed _ | AccountMismatch _ | BookMismatch _ | AnotherEngine _ | OrderRefExhausted _ | MemoryMissing _ ->
            cancelWorking s label

    /// A risk limit breached: halted with its reason, the strategy's working orders cancelled (cancelForHalt), the halt
    /// recorded and alerted.
    let haltOnRisk (s: State) (reason: HaltReason) =
        let s, cancels = cancelForHalt reason { s with Fsm = Halted reason; Risk = RiskHalted } "risk halt"
        s, cancels @ [ Emit.note s OperationKind.HaltRaised "" (HaltReason.describe reason) ] @ Emit.alertAndRecord s Critical "RISK_HALT" (HaltReason.describe reason)

    let private findOrder (s: State) (ibOrderId: int) (ref: string) =
        match s.RefByIbId |> Map.tryFind ibOrderId with
        | Some r -> s.Orders |> Map.tryFind r
        | None ->
            match OrderRef.create ref with
            | Ok r -> s.Orders |> Map.tryFind r
            | Error _ -> None

    /// Moves an order along the lifecycle table; an impossible edge becomes an anomaly, never an exception.
    let private advance (s: State) (o: Order) (update: OrderUpdate) (detail: string) =
        match OrderLifecycle.transition o.Status update with
        | Ok next when next = o.Status -> s, o, []
        | Ok next ->
            let doneAt = if OrderStatus.isTerminal next && not (OrderStatus.isTerminal o.Status) then s.Now else o.DoneAt
            let o' = { o with Status = next; DoneAt = doneAt }
            State.putOrder o' s, o', [ Emit.orderOp s OperationKind.OrderStatusChanged o' o'.AvgFillPrice ($"{OrderStatus.name o.Status} -> {OrderStatus.name next} {detail}".Trim()) ]
        | Error _ when o.LastInvalid = Some update -> s, o, []
        | Error bad ->
            let o = { o with LastInvalid = Some update }
            { State.putOrder o s with Anomalies = s.Anomalies + 1 }, o,
            [ Emit.orderOp s OperationKind.Anomaly o nan ($"invalid transition {OrderStatus.name bad.From} on {OrderUpdate.name bad.Update}: {detail}".Trim()) ]

    /// Hedge orders refused in a row before the engine pauses (alert HEDGE_REJECTED).
    let maxHedgeRejects = 3

    /// A hedge that ends unfilled without a cancel of ours behind it — rejected, made inactive, cancelled by the broker
    /// — was refused, whatever said so (an error code, orderStatus, openOrder, in any order): counted once, on its edge
    /// into the ending, toward the pause at `maxHedgeRejects`. Counting only 201-type rejects let a hedge ending
    /// Inactive or cancelled by IB be sent again every cooldown until the day's trades ran out. An ending not already
    /// told as ORDER_REJECTED is warned (HEDGE_ENDED).
    let private onEnding (s: State) (before: Order) (after: Order) (why: string) =
        let refused =
            after.Purpose = Hedge && not (OrderStatus.isTerminal before.Status)
            && (match after.Status with
                | Rejected -> true
                | Inactive | Cancelled -> not after.CancelRequested && after.Filled = 0 && after.ReportedFilled = 0
                | PendingSubmit | Submitted | PartiallyFilled | Filled -> false)
        if not refused then s, []
        else
            let s = { s with HedgeRejects = s.HedgeRejects + 1 }
            let name = OrderRef.value after.Ref
            let warned =
                if after.Status = Rejected && after.RejectReason <> "" then []
                else
                    Emit.alertAndRecord s Warning "HEDGE_ENDED"
                        $"hedge {name} ended {OrderStatus.name after.Status} by the broker with nothing filled and no cancel of ours ({why}): counted as refused ({s.HedgeRejects}/{maxHedgeRejects})"
            if s.HedgeRejects = maxHedgeRejects then
                // Critical: the step pauses before the hedger decides again (Reducer.afterOrders).
                s, warned @ Emit.alertAndRecord s Critical "HEDGE_REJECTED"
                                $"{maxHedgeRejects} hedge orders in a row rejected or ended unfilled by the broker (last {name} {OrderStatus.name after.Status}: {why}): paused; resume once the cause is fixed"
            else s, warned

    /// An order the broker ended without saying how much of it filled (IB's 202; an openOrder "Cancelled" or
    /// "Inactive", which carries no count): a partial fill that beat the ending may still be on its way, so it stays in
    /// flight (CountAwaited) until a final orderStatus or a sync gives the count.
    let private awaitCount (s: State) (o: Order) (update: OrderUpdate) =
        match update with
        | CancelConfirmed | MadeInactive when Order.isWorking o -> { s with CountAwaited = s.CountAwaited.Add o.Ref }
        | _ -> s

    /// IB's whyHeld "locate": a short sale held while the shares are located (with error 404) is reported as "Inactive"
    /// though it still works, and fills once they are found. Taken as an ending, the hedger sent the hedge again
    /// (HEDGE_ENDED), each one held and left live at IB — no stop, timeout or halt cancels an order it thinks ended — to
    /// fill together later: the short sold twice. It is a hold, as the 404 says: the order stays working (no second
    /// hedge). An openOrder "Inactive" carries no whyHeld: on an order known held it is the same hold; one that came
    /// first (a restart's sync lists the order before its status) is undone by the status that says it is held.
    let private locateHold (countKnown: bool) (s: State) (r: OrderStatusReport) =
        match r.Status with
        | MadeInactive | Acknowledged when countKnown ->
            // whyHeld may list several reasons ("child,locate").
            r.Reason.Split(',') |> Array.exists (fun w -> w.Trim().Equals("locate", System.StringComparison.OrdinalIgnoreCase))
        | MadeInactive ->
            match findOrder s r.IbOrderId r.Ref with
            | Some o -> s.LocateHeld.Contains o.Ref
            | None -> false
        | _ -> false

    /// An order an openOrder "Inactive" ended, awaiting its count, that the final status says is held: working again,
    /// and not counted as a refused hedge.
    let private revive (s: State) (o: Order) =
        let counted = o.Purpose = Hedge && not o.CancelRequested && o.Filled = 0 && o.ReportedFilled = 0
        let o' = { o with Status = (if o.Filled > 0 then PartiallyFilled else Submitted); DoneAt = Timestamp.zero }
        let s = { s with CountAwaited = s.CountAwaited.Remove o.Ref; HedgeRejects = (if counted then max 0 (s.HedgeRejects - 1) else s.HedgeRejects) }
        State.putOrder o' s, [ Emit.orderOp s OperationKind.OrderStatusChanged o' nan $"{OrderStatus.name o.Status} -> {OrderStatus.name o'.Status} held while shares are located (whyHeld locate): still working" ]

    /// orderStatus (`countKnown`: its filled is the broker's cumulative count) or openOrder (no count).
    let private applyStatus (countKnown: bool) (s: State) (r: OrderStatusReport) =
        let held = locateHold countKnown s r
        let r = if held then { r with Status = Acknowledged; Reason = "held while shares are located (locate)" } else r
        match findOrder s r.IbOrderId r.Ref with
        | None ->
            if OrderRef.isBifrost r.Ref then
                { s with Anomalies = s.Anomalies + 1 },
                [ Emit.note s OperationKind.Anomaly "" $"status {OrderUpdate.name r.Status} for unknown Bifrost order {r.Ref} (ib id {r.IbOrderId})" ]
            else s, [] // a foreign (manual) order: not ours to track
        | Some o when r.PermId <> 0L && o.PermId <> 0L && r.PermId <> o.PermId ->
            // IB order ids are per client: another client's order (the operator's TWS, client 0) may share our id.
            // Its permId (account-wide) tells it apart; applying it would cancel or fill our order in our books.
            { s with Anomalies = s.Anomalies + 1 },
            [ Emit.orderOp s OperationKind.Anomaly o nan
                  $"status {OrderUpdate.name r.Status} of another client's order id {r.IbOrderId} (permId {r.PermId}, ours {o.PermId}): not applied" ]
        | Some o ->
            // Held; or ended for good by a final orderStatus (an "Inactive" without whyHeld "locate" among them).
            let s =
                match r.Status with
                | _ when held -> { s with LocateHeld = s.LocateHeld.Add o.Ref }
                | FullyFilled | CancelConfirmed | RejectedByBroker | MadeInactive when countKnown -> { s with LocateHeld = s.LocateHeld.Remove o.Ref }
                | _ -> s
            let o = { o with PermId = (if r.PermId <> 0L then r.PermId else o.PermId); ReportedFilled = max o.ReportedFilled r.Filled }
            if held && countKnown && o.Status = Inactive && s.CountAwaited.Contains o.Ref then revive s o else
            // A final orderStatus carries the order's final fill count: a 202 that came first waited for it.
            let s =
                if not countKnown then awaitCount s o r.Status
                else
                    match r.Status with
                    | CancelConfirmed | FullyFilled | MadeInactive | RejectedByBroker -> { s with CountAwaited = s.CountAwaited.Remove o.Ref }
                    | Acknowledged | PartFilled -> s
            let s = State.putOrder o s
            let s, o', cmds = advance s o r.Status r.Reason
            let s, ended = onEnding s o o' ($"status {OrderUpdate.name r.Status} {r.Reason}".Trim())
            s, cmds @ ended

    /// orderStatus: the lifecycle moves, and its filled count is the broker's.
    let onStatus (s: State) (r: OrderStatusReport) = applyStatus true s r

    /// openOrder's status: the lifecycle moves; it carries no fill count (an ending waits for one).
    let onOpenOrderStatus (s: State) (r: OrderStatusReport) = applyStatus false s r

    /// Codes that mean the order is not working: refused by IB or the exchange (201, 203, 110 tick size, 200 no
    /// contract, 320–322 a request TWS could not read), or never sent (0 and 504, the daemon's own). Only these
    /// reject; any other code leaves the order as it is, since IB attaches warnings to orders that keep working (404
    /// held while shares are located, 399): calling those rejected would free the hedger to send a second order.
    let rejectCodes = set [ 0; 110; 200; 201; 203; 320; 321; 322; 504 ]

    /// Errors about a cancel (or modify) that did not happen: the order is already done or unknown to IB; its
    /// executions and status will tell, so the order is left as it is.
    let cancelRefusedCodes = set [ 104; 135; 161; 10147; 10148 ]

    /// Of those, the refusals of our cancel that say the broker does not know the order (10147, 135) or will not cancel it
    /// (10148: filled, cancelled, or being cancelled; 161: not in a cancellable state, as an order still pending at the
    /// exchange, which then works on): if no status or execution settles it within the execution wait, the account is
    /// reconciled (Clock), since an order IB never acknowledged sends nothing ever again, and one it works is cancelled
    /// again. A 161 only noted left such a hedge in flight for good, the hedger blocked behind it, nothing told.
    let cancelDoubtCodes = set [ 135; 161; 10147; 10148 ]

    let onOrderError (s: State) (ibOrderId: int) (code: int) (message: string) =
        match s.RefByIbId |> Map.tryFind ibOrderId |> Option.bind (fun r -> s.Orders |> Map.tryFind r) with
        | None -> s, []
        | Some o ->
            match code with
            | 202 ->
                // IB's 202 carries no fill count. Its orderStatus usually comes first and says how much filled; when the
                // 202 comes first, a partial fill that beat the cancel may still be on its way, and a hedger deciding now
                // would hedge those shares again: the order stays in flight until a final status or a sync gives it.
                let s = awaitCount s o CancelConfirmed
                let s, o', c = advance s o CancelConfirmed $"202 {message}"
                let s, ended = onEnding s o o' $"202 {message}"
                let awaited = if s.CountAwaited.Contains o.Ref then [ Emit.orderOp s OperationKind.OrderStatusChanged o' nan "cancelled (202) before its final status: held in flight until the broker says how much filled" ] else []
                s, c @ ended @ awaited
            | c when cancelDoubtCodes.Contains c && o.CancelRequested && Order.isWorking o ->
                // The first refusal starts the wait: a repeat must not put it off.
                let s = if s.CancelsRefused.ContainsKey o.Ref then s else { s with CancelsRefused = s.CancelsRefused.Add(o.Ref, s.Now) }
                s, [ Emit.orderOp s OperationKind.OrderStatusChanged o nan $"cancel refused {code}: {message}; reconciled unless a status or execution settles it" ]
            | c when cancelRefusedCodes.Contains c ->
                s, [ Emit.orderOp s OperationKind.OrderStatusChanged o nan $"cancel refused {code}: {message}" ]
            | 103 ->
                // Duplicate id: never reuse it; the next order takes a higher id.
                let s = { s with NextOrderId = max s.NextOrderId (ibOrderId + 1) }
                let s, o, c = advance s { o with RejectReason = $"103 {message}" } RejectedByBroker "103 duplicate order id"
                s, c @ [ Emit.orderOp s OperationKind.OrderRejected o nan $"103 {message}" ] @ Emit.alertAndRecord s Warning "ORDER_REJECTED" $"{OrderRef.value o.Ref}: 103 {message}"
            | c when c >= 2100 && c < 2200 -> s, [] // warnings about the order (e.g. 2109 outside RTH) change nothing
            | c when rejectCodes.Contains c ->
                let before = { o with RejectReason = $"{code} {message}" }
                let s = State.putOrder before s
                let s, o, c = advance s before RejectedByBroker $"{code} {message}"
                let rejected = [ Emit.orderOp s OperationKind.OrderRejected o nan $"{code} {message}" ] @ Emit.alertAndRecord s Warning "ORDER_REJECTED" $"{OrderRef.value o.Ref}: {code} {message}"
                let s, ended = onEnding s before o $"{code} {message}"
                s, c @ rejected @ ended
            | 399 -> s, [ Emit.orderOp s OperationKind.OrderStatusChanged o nan $"{code} {message}" ]
            | 404 ->
                // Held until shares are located: it may fill much later, or never; the operator should know. An
                // "Inactive" IB reports for it meanwhile is that hold (locateHold), not its end.
                let s = if Order.isWorking o then { s with LocateHeld = s.LocateHeld.Add o.Ref } else s
                s, [ Emit.orderOp s OperationKind.OrderStatusChanged o nan $"{code} {message}" ]
                   @ Emit.alertAndRecord s Warning "ORDER_ERROR" $"{OrderRef.value o.Ref}: {code} {message}; kept as working (no second hedge) until it fills or is cancelled"
            | _ ->
                // Not known to end the order: it stays in flight (no second hedge) until a status or execution says
                // what became of it, and the operator is told, since an unknown code on a live order needs a look.
                s, [ Emit.orderOp s OperationKind.OrderStatusChanged o nan $"error {code} (order kept working until IB reports its status): {message}" ]
                   @ Emit.alertAndRecord s Warning "ORDER_ERROR" $"{OrderRef.value o.Ref}: {code} {message}; kept as working until IB reports its status"

    let private applyCommission (s: State) (execId: ExecId) (conId: ContractId) (commission: float) =
        if s.CommissionsApplied.Contains execId then s
        else
            { s with
                Portfolio = Portfolio.addFee conId commission s.Portfolio
                CommissionsApplied = s.CommissionsApplied.Add execId
                PendingCommissions = s.PendingCommissions.Remove execId }

    /// The client id is judged before (Restart.onExecution: another client's report comes here without its ref).
    let private facts (e: ExecutionReport) =
        { FillContract = e.ContractId; FillSide = e.Side; FillPermId = e.PermId; FillClient = e.ClientId; EngineClient = None }

    /// Applies one execution exactly once. A fill for a Bifrost ref that was never placed is reported, not absorbed.
    let onExecution (s: State) (e: ExecutionReport) =
        if s.SeenExecs.Contains e.ExecId then s, []
        else
            let s = { s with SeenExecs = s.SeenExecs.Add e.ExecId }
            let idText = ExecId.value e.ExecId
            // Matched by our own orderRef only: IB order ids are per client id, so a manual order may share one.
            let ours = if OrderRef.isBifrost e.Ref then findOrder s -1 e.Ref else None
            let refused = ours |> Option.bind (fun o -> FillRule.refusal o (facts e))
            match ours with
            | None when OrderRef.isBifrost e.Ref ->
                { s with Anomalies = s.Anomalies + 1 },
                Emit.alertAndRecord s Critical "UNKNOWN_FILL"
                    $"execution {idText} ({Side.name e.Side} {e.Quantity} @ {e.Price}) for order ref '{e.Ref}' that this engine never placed: not applied"
            | None ->
                s, [ Emit.op s OperationKind.FillApplied "" e.Ref (ContractId.value e.ContractId) (Side.name e.Side) e.Quantity e.Price $"external fill {idText} (client {e.ClientId}): not strategy-owned" ]
            | Some o when strategyOwned o && List.contains (OrderRef.value o.Ref) s.OptionBook.Booked ->
                // The operator booked this order's unseen fill with confirm_book: it is in the book already. Its
                // commission was not booked (confirm_book takes quantities): it is the strategy's fee, counted when it
                // comes (or now, when it came first). Before, it was taken for another client's and never counted.
                let s = { s with FillIndex = s.FillIndex |> Map.add e.ExecId e.ContractId }
                let s = match s.PendingCommissions |> Map.tryFind e.ExecId with Some c -> applyCommission s e.ExecId e.ContractId c | None -> s
                s, [ Emit.orderOp s OperationKind.FillApplied o e.Price $"exec {idText} qty {e.Quantity}: already booked by confirm_book, not applied again" ]
            | Some o when refused.IsSome ->
                { s with Anomalies = s.Anomalies + 1 },
                match refused with
                | Some UnlikeItsOrder ->
                    // IB never fills an order in another contract or direction; if it ever says so, neither the order nor
                    // the book can be trusted to follow: nothing is applied, and the operator checks the account.
                    Emit.alertAndRecord s Critical "EXECUTION_MISMATCH"
                        $"execution {idText} ({Side.name e.Side} {e.Quantity} of {ContractId.value e.ContractId} @ {e.Price}) does not match order {OrderRef.value o.Ref} ({Side.name o.Side} {o.Quantity} of {ContractId.value o.ContractId}): not applied; check the account"
                | _ ->
                    // Same ref, another order (IB's permId is account-wide): a second engine's fill, never ours to count.
                    Emit.alertAndRecord s Critical "EXECUTION_MISMATCH"
                        $"execution {idText} ({Side.name e.Side} {e.Quantity} @ {e.Price}, client {e.ClientId}) is of order permId {e.PermId}, not of {OrderRef.value o.Ref} (permId {o.PermId}): not applied; check the account"
            | Some o ->
                let mult = State.multiplier s e.ContractId
                let filled = o.Filled + e.Quantity
                let avg = (o.AvgFillPrice * float o.Filled + e.Price * float e.Quantity) / float filled
                let o' = { o with Filled = filled; AvgFillPrice = avg; PermId = (if e.PermId <> 0L then e.PermId else o.PermId) }
                let strategyOwned = OrderPurpose.owner o.Purpose = StrategyOwned
                // A rebalance's stock fills become a delta tilt the hedger keeps (it never trades a rebalance back).
                // Orders only ever trade the universe, so a contract that is not a leg is the underlying. A flatten
                // cleared the tilt of every order sent before it: a late fill of one (it beat its cancel) does not bring
                // it back, the rule a restart rebuilds the tilt by (Restart.restoredTilt).
                let tilt =
                    if o.Purpose = Rebalance && (State.legIndex s e.ContractId).IsNone && o.IbOrderId > s.TiltClearedThrough then
                        float (Side.sign e.Side * e.Quantity)
                    else 0.0
                let s =
                    if strategyOwned then
                        { State.putOrder o' s with
                            HedgeRejects = (if o.Purpose = Hedge then 0 else s.HedgeRejects)
                            Portfolio = Portfolio.applyFill e.ContractId mult e.Side e.Quantity e.Price s.Portfolio
                            FillIndex = s.FillIndex |> Map.add e.ExecId e.ContractId
                            TargetTilt = s.TargetTilt + tilt }
                    else State.putOrder o' s // the operator's own trade: external, like any other client's
                let s, lateClose = if strategyOwned then Expiry.closeLateFill s e.ContractId else s, []
                let s =
                    match s.PendingCommissions |> Map.tryFind e.ExecId with
                    | Some c when strategyOwned -> applyCommission s e.ExecId e.ContractId c
                    | Some _ -> { s with PendingCommissions = s.PendingCommissions.Remove e.ExecId }
                    | None -> s
                let slippage = if System.Double.IsFinite o.DecisionMid then float (Side.sign e.Side) * (e.Price - o.DecisionMid) else nan
                let owner = if strategyOwned then "" else " (operator-owned: external)"
                let fillOp = Emit.orderOp s OperationKind.FillApplied o' e.Price $"exec {idText} qty {e.Quantity} filled {filled}/{o.Quantity} slippage {slippage:F4}{owner}"
                let overfill =
                    if filled > o.Quantity then Emit.alertAndRecord s Critical "OVERFILL" $"{OrderRef.value o.Ref} filled {filled} of {o.Quantity}" else []
                let s, _, statusCmds =
                    if filled >= o.Quantity then advance s o' FullyFilled "by executions"
                    elif o'.Status = PendingSubmit || o'.Status = Submitted then advance s o' PartFilled "by executions"
                    else s, o', []
                s, fillOp :: overfill @ lateClose @ statusCmds

    /// Another revision of an execution already applied (IB's correction ".02" of ".01": a re-priced or busted trade;
    /// or the ".01" after its correction). It is never added on top (the fill would count twice): the book keeps the
    /// revision it saw first, the operator is told (critical: the engine pauses) and the account is reconciled
    /// (Reducer): a leg whose quantity changed halts on BOOK_MISMATCH with its way out (confirm_book); a hedge's
    /// difference the operator checks with the broker. Another client's execution revised (the operator's own trade
    /// in TWS) is only noted: it is not in the strategy's book (a leg's external quantity is the book check's).
    let onCorrection (s: State) (e: ExecutionReport) (original: ExecId) (contract: string) =
        let s = { s with SeenExecs = s.SeenExecs.Add e.ExecId }
        if not (OrderRef.isBifrost e.Ref) then
            s, [ Emit.op s OperationKind.FillApplied "" e.Ref (ContractId.value e.ContractId) (Side.name e.Side) e.Quantity e.Price
                     $"external execution {ExecId.value e.ExecId} (client {e.ClientId}) revises {ExecId.value original}: not applied again" ]
        else
            let s = { s with Anomalies = s.Anomalies + 1 }
            s, Emit.alertAndRecord s Critical "EXECUTION_CORRECTED"
                ($"execution {ExecId.value e.ExecId} revises {ExecId.value original} ({Side.name e.Side} {e.Quantity} {contract} @ {e.Price}, "
                 + $"order ref '{e.Ref}'): not applied, the book keeps {ExecId.value original}'s fill; the account is reconciled: check the fill's price and quantity with the broker")

    let onCommission (s: State) (execId: ExecId) (commission: float) =
        if s.CommissionsApplied.Contains execId || not (System.Double.IsFinite commission) then s, []
        else
            match s.FillIndex |> Map.tryFind execId with
            | Some conId -> applyCommission s execId conId commission, []
            | None when s.SeenExecs.Contains execId -> s, [] // an external fill's commission: not ours
            | None -> { s with PendingCommissions = s.PendingCommissions |> Map.add execId commission }, []
