namespace Bifrost.Domain.Trading

open Bifrost.Domain

/// Operator runs: manual BUY/SELL, target-portfolio rebalance, and flatten. Each is a run id with its orders.
module Runs =
    let private refuse (s: State) (meta: ControlMeta) runId (why: string) =
        s, [ Emit.note s OperationKind.ControlCompleted runId $"refused: {why}"; CompleteControl(meta.ControlId, Refused why) ]

    /// The FSM and world gates every operator order passes (risk limits are separate and may be bypassed).
    /// Outside the session (closed, a holiday, a no-trade window such as the TWS restart) an order would wait at the
    /// broker for the next open and fill at whatever the market gaps to: refused, as the hedger and portfolio runs are.
    let private gate (s: State) (c: CompositeState) =
        match s.Fsm with
        | Running Idle when c.OrderInFlight -> Some "an order is in flight"
        | Running Idle when c.Broker = BrokerDown -> Some "broker down"
        | Running Idle when not s.StoreOk -> Some "store unavailable"
        | Running Idle when c.Hours = OutOfHours ->
            Some "outside the session's hours (calendar: closed, a holiday or a no-trade window): the order would wait at the broker for the next open; send it in the session"
        | Running Idle -> None
        | Running _ -> Some "an order is in flight"
        | other -> Some $"state {FsmState.name other} does not accept orders"

    /// The price an operator order's notional is judged at: the mid, or a limit above it. A sell limited far under the
    /// mid fills at the market, near the mid: judged at its limit, 540 × 90.01 passed a 50,000 ceiling it traded ~54,000 of.
    let private referencePrice cfg s conId orderType =
        let mid = State.mark cfg s conId
        match orderType with
        | Limit l when System.Double.IsFinite mid -> max l mid
        | Limit l -> l
        | Market -> mid

    /// Limits no operator order passes, risk bypass or not: the fat-finger ceiling (quantity and notional per order)
    /// and, for limit orders, the price-sanity band around the current mid. Without a price to check against: refused.
    let operatorLimits (cfg: Config) (s: State) conId (qty: int) (orderType: OrderType) =
        let c = cfg.Control
        let mid = State.mark cfg s conId
        let notional = float qty * referencePrice cfg s conId orderType * float (State.multiplier s conId)
        if qty > c.MaxManualQuantity then Some $"FAT_FINGER: quantity {qty} above control.max_manual_quantity {c.MaxManualQuantity}"
        elif not (System.Double.IsFinite mid && mid > 0.0) then Some "FAT_FINGER: no current price to check the order against"
        elif notional > c.MaxManualNotional then
            Some $"FAT_FINGER: notional {notional:F0} above control.max_manual_notional {c.MaxManualNotional:F0}"
        else
            match orderType with
            | Limit l when not (System.Double.IsFinite l) || abs (l - mid) / mid > c.LimitPriceBand ->
                Some $"PRICE_BAND: limit {l} is more than {c.LimitPriceBand * 100.0:F1}%% from the mid {mid:F4}"
            | _ -> None

    /// done (every order filled), partial (some filled) or failed (nothing filled): how an operator run ended.
    let batchStatus (s: State) runId =
        let orders = s.Orders |> Map.toList |> List.map snd |> List.filter (fun o -> o.RunId = runId)
        if not orders.IsEmpty && orders |> List.forall (fun o -> o.Filled >= o.Quantity) then "done"
        elif orders |> List.exists (fun o -> o.Filled > 0) then "partial"
        else "failed"

    /// Requests cancellation of the working orders of one run, or of one order (by ref); the run then ends as its
    /// orders settle (partial or failed). Returns the state, the cancel commands and how many orders it touched.
    let cancelWhere (s: State) (matches: Order -> bool) reason =
        let working = State.workingOrders s |> List.filter (fun o -> matches o && not o.CancelRequested)
        working |> List.fold (fun s o -> State.putOrder { o with CancelRequested = true } s) s,
        [ for o in working do
              CancelOrder(o.Ref, o.IbOrderId)
              Emit.orderOp s OperationKind.CancelSent o nan reason ],
        working.Length

    /// The operator's cancel control (`{"run_id"}` or `{"order_ref"}`).
    let cancel (s: State) (meta: ControlMeta) (control: Control) =
        let matches, what =
            match control with
            | CancelOrderRef r -> (fun (o: Order) -> OrderRef.value o.Ref = r), $"order {r}"
            | CancelRun r -> (fun (o: Order) -> o.RunId = r), $"run {r}"
            | _ -> (fun _ -> false), "nothing"
        let anyWorking = State.workingOrders s |> List.exists matches
        let s', cmds, n = cancelWhere s matches $"cancel requested by {meta.RequestedBy} (#{meta.ControlId})"
        if n = 0 then
            let why = if anyWorking then $"{what}: cancel already requested" else $"{what}: no working orders"
            s', [ Emit.note s OperationKind.ControlCompleted "" $"refused: {why}"; CompleteControl(meta.ControlId, Refused why) ]
        else
            let text = $"{what}: cancel sent for {n} order(s)"
            s', cmds @ [ Emit.note s OperationKind.ControlCompleted "" text; CompleteControl(meta.ControlId, Done text) ]

    let private timeoutRun (cfg: Config) (s: State) runId =
        let mine = State.workingOrders s |> List.filter (fun o -> o.RunId = runId && not o.CancelRequested)
        match mine |> List.map (fun o -> o.PlacedAt) |> List.sort with
        | first :: _ when Timestamp.since first s.Now >= cfg.Control.RunTimeout ->
            let s', cmds, n = cancelWhere s (fun o -> o.RunId = runId) "run timed out"
            s', cmds @ Emit.alertAndRecord s Warning "RUN_TIMEOUT"
                           $"run {runId}: {n} order(s) still working after {Duration.toSeconds cfg.Control.RunTimeout:F0} s; cancelled"
        | _ -> s, []

    /// Portfolio runs with an order still working: a pause, a reconnect or a restart moves the engine off such a run
    /// without ending it (PortfolioFlow follows it to its end, so it is never in DetachedRuns).
    let portfolioWorking (s: State) =
        [ for r in s.Open do
              match s.Orders |> Map.tryFind r with
              | Some o when o.Purpose = PortfolioTrade -> o.RunId
              | _ -> () ] |> List.distinct

    /// `portfolioWorking` is not empty (allocation-free when nothing is open: the clock asks on every step).
    let anyPortfolioWorking (s: State) =
        not s.Open.IsEmpty && s.Open |> Set.exists (fun r -> match s.Orders |> Map.tryFind r with Some o -> o.Purpose = PortfolioTrade | None -> false)

    /// An operator run whose orders are still working `control.run_timeout_seconds` after the first was placed has
    /// them cancelled (alert RUN_TIMEOUT); the run then ends partial or failed as they settle. The FSM's run, the
    /// runs followed apart (DetachedRuns) and portfolio runs off the FSM alike: an interrupted run's resting order no
    /// longer blocks the hedger for good (a portfolio order resting through a pause and resume, or a restart, did).
    let timeout (cfg: Config) (s: State) =
        let pending = match s.Fsm with Running(RunPending(runId, _)) -> [ runId ] | _ -> []
        pending @ [ for KeyValue(runId, _) in s.DetachedRuns -> runId ] @ portfolioWorking s
        |> List.distinct
        |> List.fold (fun (s, cmds) runId -> let s', c = timeoutRun cfg s runId in s', cmds @ c) (s, [])

    /// Every order of the run has settled.
    let ordersSettled (s: State) runId =
        s.Open |> Set.forall (fun r -> s.Orders.[r].RunId <> runId)

    /// The run's batch status and summary: `done` when every order filled and none was refused, `partial` when some
    /// quantity filled, `failed` when nothing did.
    let summary (s: State) runId =
        let orders = s.Orders |> Map.toList |> List.map snd |> List.filter (fun o -> o.RunId = runId)
        let refused = s.RunRejections |> Map.tryFind runId |> Option.defaultValue []
        let status =
            if refused.IsEmpty && orders |> List.forall (fun o -> o.Filled >= o.Quantity) then "done"
            elif orders |> List.exists (fun o -> o.Filled > 0) then "partial"
            else "failed"
        let lines =
            (orders |> List.map (fun o -> $"{OrderRef.value o.Ref} {Side.name o.Side} {o.Filled}/{o.Quantity} {OrderStatus.name o.Status}"))
            @ refused
        status + ": " + String.concat "; " lines

    /// A flatten a restart handed back (its order went out, the daemon was killed before it answered), or a sync
    /// interrupted with its order working (Sync.flattenInterrupted), ends as its orders settle, answered as a flatten ends: done when its last order filled in full (each is sized to what was
    /// left to trade), else incomplete, paged as a flatten left short is. Before, the restart refused it while its sell
    /// filled, and a flatten again met a book already flat. The restart does not carry it on: the engine came back paused.
    let private completeFlatten (s: State) runId (meta: ControlMeta) (orders: Order list) =
        let last = orders |> List.maxBy _.IbOrderId
        let hedge = State.qtyOf s last.ContractId
        let lines = orders |> List.map (fun o -> $"{OrderRef.value o.Ref} {Side.name o.Side} {o.Filled}/{o.Quantity} {OrderStatus.name o.Status}") |> String.concat "; "
        let s = { s with RunRejections = s.RunRejections.Remove runId; DetachedRuns = s.DetachedRuns.Remove runId }
        if last.Filled >= last.Quantity then
            let text = $"strategy hedge at {hedge} (followed to its end after an interruption: {lines})"
            s, [ Emit.note s OperationKind.ControlCompleted runId $"flatten {text}"; CompleteControl(meta.ControlId, Done text) ]
        else
            let text = $"the flatten was interrupted (a restart, a reconnect) before its order ended: {lines}; the hedge at {hedge} shares: flatten again"
            s, [ Emit.note s OperationKind.ControlCompleted runId $"flatten incomplete: {text}"; CompleteControl(meta.ControlId, Refused text) ]
               @ Emit.alertAndRecord s Critical "FLATTEN_INCOMPLETE" $"flatten {text}"

    let private completeRun (s: State) runId (meta: ControlMeta option) =
        let text = summary s runId
        let noted = match meta with Some _ -> text | None -> text + " (followed after a restart, which closed its control)"
        { s with RunRejections = s.RunRejections.Remove runId; DetachedRuns = s.DetachedRuns.Remove runId },
        [ Emit.note s OperationKind.ControlCompleted runId noted
          match meta with
          | Some m -> CompleteControl(m.ControlId, Done text)
          | None -> () ]

    /// Ends an operator run whose orders have settled: its summary noted, its control completed (a run a restart found
    /// open has no control left: the restart closed it).
    let complete (s: State) runId (meta: ControlMeta option) =
        match meta with
        | Some m when s.Orders |> Map.exists (fun _ o -> o.RunId = runId && o.Purpose = Flatten) ->
            completeFlatten s runId m [ for KeyValue(_, o) in s.Orders do if o.RunId = runId && o.Purpose = Flatten then o ]
        | _ -> completeRun s runId meta

    /// The runs followed apart whose orders have all settled end now.
    let settleDetached (s: State) =
        if s.DetachedRuns.IsEmpty then s, []
        else
            s.DetachedRuns
            |> Map.fold (fun (s: State, cmds) runId meta ->
                if ordersSettled s runId then let s', c = complete s runId meta in s', cmds @ c else s, cmds) (s, [])

    /// A step that moved the FSM off an operator run's RunPending (pause, halt, reconnect, flatten, stop) without ending
    /// it: the run is followed apart until its orders settle. Before, it was forgotten — its resting order kept the
    /// hedger waiting (ORDER_IN_FLIGHT) with no run_timeout, and its control stayed taken for good.
    let keepFollowing (before: State) (result: State * Command list) =
        match before.Fsm with
        | Running(RunPending(runId, meta)) ->
            let s, cmds = result
            match s.Fsm with
            | Running(RunPending(r, _)) when r = runId -> result
            | _ when s.PortfolioRuns.ContainsKey runId || s.DetachedRuns.ContainsKey runId -> result
            | _ when cmds |> List.exists (function CompleteControl(id, _) -> id = meta.ControlId | _ -> false) -> result
            | _ when ordersSettled s runId -> let s', c = complete s runId (Some meta) in s', cmds @ c
            | _ ->
                { s with DetachedRuns = s.DetachedRuns.Add(runId, Some meta) },
                cmds @ [ Emit.note s OperationKind.Intent runId
                             $"run {runId} followed on after {FsmState.name s.Fsm}: its working orders end it; run_timeout still cancels them" ]
        | _ -> result
    /// Why an order on this contract may not go out on the data we have: `market_data_error` unless its quote is fresh
    /// (receive-time age within guards.lag_after). A risk bypass never skips this.
    /// A contract the exchange halted: UNDERLYING_HALTED (ExchangeHalts), whatever its quote says (the frozen quote
    /// asked for again is fresh by its receive time).
    let dataProblem (cfg: Config) (s: State) (conId: ContractId) =
        match Composite.freshnessOf cfg s conId with
        | _ when ExchangeHalts.isHalted s conId -> ExchangeHalts.orderProblem cfg s conId
        | Fresh -> PriceJump.orderProblem cfg s conId
        | f ->
            let age =
                match Composite.quoteOf cfg s conId with
                | Some q when q.ReceiveTime <> Timestamp.zero -> $", last quote {Duration.toSeconds (Timestamp.since q.ReceiveTime s.Now):F1} s old"
                | _ -> ", no quote"
            Some $"market_data_error: {State.contractName cfg s (ContractId.value conId)} quote {ClassNames.freshness f}{age}"

    /// Why a market order on this contract may not go into its quote (None: it may). Without two sides (a last trade
    /// standing in for the mid) nothing says where it fills; the underlying wider than guards.max_spread_bps is the
    /// market the hedger refuses (SPREAD_WIDE): a market order there fills half the spread from the mid. (An option
    /// leg's wide quote is held by its jump guard: `dataProblem`.) No risk bypass skips it; a limit order names its own
    /// price, and a flatten — the trade that reduces risk — is not held to it.
    let marketProblem (cfg: Config) (s: State) (conId: ContractId) =
        match Composite.quoteOf cfg s conId with
        | Some q when not (Quote.hasTwoSides q) ->
            Some $"market_data_error: {State.contractName cfg s (ContractId.value conId)} quote is not two-sided (bid {q.Bid}, ask {q.Ask}): a market order has no price to fill near; send a limit order"
        | Some q when conId = State.underlyingId cfg && not (Quote.spreadBps q <= cfg.Guards.MaxSpreadBps) ->
            Some($"SPREAD_WIDE: {State.contractName cfg s (ContractId.value conId)} quote {q.Bid:F2}/{q.Ask:F2} is {Quote.spreadBps q:F0} bps wide, over guards.max_spread_bps {cfg.Guards.MaxSpreadBps}: "
                 + "a market order would fill half of it from the mid; send a limit order")
        | _ -> None

    /// Why an operator order may not go out on the market as it stands: its data (`dataProblem`), and for a market
    /// order its quote (`marketProblem`).
    let orderProblem (cfg: Config) (s: State) (conId: ContractId) (orderType: OrderType) =
        match dataProblem cfg s conId, orderType with
        | Some why, _ -> Some why
        | None, Market -> marketProblem cfg s conId
        | None, Limit _ -> None

    /// Refused for want of a fresh quote: with the broker up, the contracts' quotes are asked for again at once (a quiet
    /// contract's standing quote comes back with the answer, so the operator's next try goes; a dead one is the feed
    /// watch's to tell), and the refusal says so. A price held as a possible bad print is not asked for: it passes on
    /// its own (PRICE_JUMP).
    let private askForQuotes (cfg: Config) (s: State) (ids: ContractId list) =
        let ids = ids |> List.filter (fun id -> Composite.freshnessOf cfg s id <> Fresh)
        if ids.IsEmpty || not (State.brokerUp s) then [], []
        else ids, [ SubscribeMarketData ids ]

    /// A refusal's words, saying when the contract's quote was asked for again.
    let private refusalText (asked: ContractId list) (id: ContractId) (why: string) =
        if List.contains id asked then why + "; its quote asked for again: try again in a moment" else why

    /// Shares of net delta one unit of the contract carries (NaN when the leg has no valuation).
    let private deltaPerUnit (cfg: Config) (s: State) conId =
        if conId = State.underlyingId cfg then 1.0
        else
            match State.legIndex s conId with
            | Some i -> s.Legs.[i].Greeks.Delta * float s.Legs.[i].Option.Multiplier
            | None -> nan

    /// Pre-trade risk of one operator order: the violations that refuse it, and the child quantities to send. An order
    /// that reduces the strategy's risk is exempt from the position / notional / daily-trade limits (an over-notional one
    /// is split); an operator-owned (external) order is not held to the strategy's position limit, which caps only what
    /// the strategy holds. A risk bypass skips the limits and sends the order as it is.
    /// `tradesSoFar` is the day's count plus the orders this run already plans: every child is an order, so a split
    /// or a later target needs room for all of them (or must reduce risk).
    let private riskCheck (cfg: Config) (s: State) (c: CompositeState) owner conId signedQty price bypass tradesSoFar =
        if bypass then [], [ signedQty ], []
        else
            let owned = owner = StrategyOwned
            let position = if owned then State.qtyOf s conId else (Portfolio.view conId s.Portfolio).External
            let reducing = owned && Risk.reducesRisk position signedQty c.DeltaDeviation (float signedQty * deltaPerUnit cfg s conId)
            // Unvalued (a restart before every holding is quoted), the day's P&L is unknown, not the 0 it reads as: the
            // daily-loss limit refuses an order that adds risk (Risk.preTrade) and waives one that reduces it.
            let dailyPnl = if State.isValued cfg s then c.DailyPnl else nan
            let violations, exempt =
                Risk.preTradeReducing reducing cfg.Risk position signedQty price tradesSoFar dailyPnl c.AvailableFunds (State.multiplier s conId)
            let violations = if owned then violations else violations |> List.filter (function PositionLimitExceeded _ -> false | _ -> true)
            let children =
                if exempt |> List.exists (function NotionalLimitExceeded _ -> true | _ -> false) then
                    Risk.split cfg.Risk price (State.multiplier s conId) 1 signedQty
                else [ signedQty ]
            let isDaily = function DailyTradesExhausted _ -> true | _ -> false
            let violations, exempt =
                if not (Risk.exceedsDailyTrades cfg.Risk tradesSoFar children.Length) || List.exists isDaily (violations @ exempt) then violations, exempt
                else
                    let v = DailyTradesExhausted(tradesSoFar + children.Length - 1, cfg.Risk.MaxDailyTrades)
                    if reducing then violations, exempt @ [ v ] else violations @ [ v ], exempt
            let text = function
                | DailyLossReached(pnl, _) when System.Double.IsNaN pnl ->
                    let unmarked = State.unmarkedText cfg s
                    $"DAILY_LOSS_LIMIT (the day's P&L is not known yet: unmarked {unmarked}; an order adding risk waits until every holding is quoted)"
                | FundsNotInDollars c -> $"{Funds.currencyAlert} ({Funds.currencyText c})"
                | v -> BlockReason.code (BlockReason.ofRiskViolation v)
            violations |> List.map text, children,
            exempt |> List.map (BlockReason.ofRiskViolation >> BlockReason.code)

    let private startRun cfg (s: State) runId purpose meta (orders: (ContractId * int * OrderType) list) bypass =
        let s, cmds =
            orders
            |> List.fold (fun (s, acc) (conId, signed, orderType) ->
                let s', c, _ =
                    OrderFlow.place cfg s runId purpose conId (Side.ofSignedQuantity signed) (abs signed) orderType bypass (State.mark cfg s conId)
                s', acc @ c) (s, [])
        match s.Fsm with
        | Halted why -> s, cmds @ [ CompleteControl(meta.ControlId, Refused(HaltReason.describe why)) ]
        | _ -> { s with Fsm = Running(RunPending(runId, meta)) }, cmds

    /// An order of a run refused before it was sent: recorded on the run's operations with its reason.
    let private rejectedOp (s: State) runId conId signed (why: string) =
        Emit.op s OperationKind.OrderRejected runId "" (ContractId.value conId) (Side.name (Side.ofSignedQuantity signed)) (abs signed) nan why

    /// A run none of whose orders could be sent: batch status `failed`.
    let private failRun (s: State) (meta: ControlMeta) runId (rejections: Command list) (why: string) =
        s, rejections @ [ Emit.note s OperationKind.ControlCompleted runId $"failed: {why}"; CompleteControl(meta.ControlId, Refused $"failed: {why}") ]

    /// What a split could not send: at most Risk.maxChildren orders per contract and run. Recorded with the run's
    /// rejections, so it ends `partial` naming the rest — before, it sent ten children and read `done`.
    let private unsent (cfg: Config) (s: State) conId signed (children: int list) =
        let sent = List.sum children
        if sent = signed then None
        else
            let name = State.contractName cfg s (ContractId.value conId)
            Some $"{abs (signed - sent)} of {name} not sent: more than {Risk.maxChildren} orders under risk.max_order_notional (send the rest as another run)"

    let private withUnsent runId (notes: string list) (s: State) =
        if notes.IsEmpty then s
        else { s with RunRejections = s.RunRejections |> Map.add runId ((s.RunRejections |> Map.tryFind runId |> Option.defaultValue []) @ notes) }

    let private exemptionNote (exempt: string list) (children: int list) =
        (if exempt.IsEmpty then "" else " RISK_EXEMPT reduces risk: " + String.concat "," (List.distinct exempt))
        + (if children.Length > 1 then $" split into {children.Length} children" else "")

    /// The run's intent note, if it has anything to say: the exemptions and split, then what was not sent.
    let private intentNote (s: State) runId (exemption: string) (unsentNotes: string list) =
        match (exemption.Trim() :: unsentNotes) |> List.filter (fun p -> p <> "") with
        | [] -> []
        | parts -> [ Emit.note s OperationKind.Intent runId (String.concat "; " parts) ]

    /// An option leg at or past its expiry: no operator order may trade it (it would re-open a closed holding).
    let private expired (s: State) conId =
        match State.legIndex s conId with
        | Some i -> Expiry.isExpired s s.Legs.[i].Option
        | None -> false

    let manual (cfg: Config) (s: State) (m: ManualOrder) =
        let purpose = if m.AdjustsStrategy then ManualForStrategy else Manual
        let received =
            Emit.op s OperationKind.ControlReceived m.RunId "" (ContractId.value m.ContractId) (Side.name m.Side) m.Quantity nan
                ("manual order by " + m.Meta.RequestedBy + (if m.RiskBypass then " RISK_BYPASS" else "")
                 + (if m.AdjustsStrategy then " ADJUSTS_STRATEGY" else " operator-owned"))
        // An operator-owned order takes only what the operator holds of a leg outside the strategy (no bypass skips it).
        // A strategy-adjusting one takes the strategy's no further than zero against what the operator holds outside it.
        let bookProblem =
            if m.AdjustsStrategy then OptionBook.strategyOrderProblem s m.ContractId (Side.sign m.Side * m.Quantity)
            else OptionBook.operatorOrderProblem s m.ContractId (Side.sign m.Side * m.Quantity)
        let s', cmds =
            if not (State.isUniverse cfg s m.ContractId) then refuse s m.Meta m.RunId $"{State.contractName cfg s (ContractId.value m.ContractId)} is not in the configured universe"
            elif expired s m.ContractId then refuse s m.Meta m.RunId $"{State.contractName cfg s (ContractId.value m.ContractId)} has expired: settlement is the broker's, not an order"
            elif m.Quantity <= 0 then refuse s m.Meta m.RunId "quantity must be > 0"
            elif bookProblem.IsSome then refuse s m.Meta m.RunId bookProblem.Value
            else
                let c = Composite.classify cfg s
                let signed = Side.sign m.Side * m.Quantity
                match gate s c with
                | Some why -> refuse s m.Meta m.RunId why
                | None ->
                  match operatorLimits cfg s m.ContractId m.Quantity m.Type with
                  | Some why -> refuse s m.Meta m.RunId why
                  | None ->
                    match orderProblem cfg s m.ContractId m.Type with
                    | Some why ->
                        let asked, ask = askForQuotes cfg s [ m.ContractId ]
                        let why = refusalText asked m.ContractId why
                        let s, cmds = failRun s m.Meta m.RunId [ rejectedOp s m.RunId m.ContractId signed why ] why
                        s, ask @ cmds
                    | None ->
                        match riskCheck cfg s c (OrderPurpose.owner purpose) m.ContractId signed (referencePrice cfg s m.ContractId m.Type) m.RiskBypass c.TradesToday with
                        | [], children, exempt ->
                            let s', placed = startRun cfg s m.RunId purpose m.Meta [ for q in children -> m.ContractId, q, m.Type ] m.RiskBypass
                            let left = unsent cfg s m.ContractId signed children |> Option.toList
                            withUnsent m.RunId left s', intentNote s m.RunId (exemptionNote exempt children) left @ placed
                        | reasons, _, _ -> refuse s m.Meta m.RunId (String.concat "," reasons)
        s', received :: cmds

    let rebalance (cfg: Config) (s: State) (r: Rebalance) =
        let bypass = if r.RiskBypass then " RISK_BYPASS" else ""
        let received = Emit.note s OperationKind.ControlReceived r.RunId $"rebalance by {r.Meta.RequestedBy}: {r.Targets.Length} targets{bypass}"
        let foreign = r.Targets |> List.filter (fun (id, _) -> not (State.isUniverse cfg s id))
        let lapsed = r.Targets |> List.filter (fun (id, _) -> expired s id)
        // Each target is sized from the same current position: a contract given twice would trade the sum of both.
        let repeated = r.Targets |> List.countBy fst |> List.filter (fun (_, n) -> n > 1) |> List.map fst
        let bookProblems = r.Targets |> List.choose (fun (id, target) -> OptionBook.strategyOrderProblem s id (target - State.qtyOf s id))
        let s', cmds =
            if not repeated.IsEmpty then
                refuse s r.Meta r.RunId ("a contract given twice (one target each): " + (repeated |> List.map (ContractId.value >> State.contractName cfg s) |> String.concat ", "))
            elif not foreign.IsEmpty then
                refuse s r.Meta r.RunId ("contracts not in the universe: " + (foreign |> List.map (fst >> ContractId.value >> State.contractName cfg s) |> String.concat ", "))
            elif not lapsed.IsEmpty then
                refuse s r.Meta r.RunId ("contracts expired (settlement is the broker's, not an order): " + (lapsed |> List.map (fst >> ContractId.value >> State.contractName cfg s) |> String.concat ", "))
            elif not bookProblems.IsEmpty then refuse s r.Meta r.RunId (String.concat "; " bookProblems)
            else
                let c = Composite.classify cfg s
                match gate s c with
                | Some why -> refuse s r.Meta r.RunId why
                | None ->
                    let wanted = [ for (id, target) in r.Targets do
                                       let diff = target - State.qtyOf s id
                                       if diff <> 0 then id, diff ]
                    // No fresh quote → that order is rejected with market_data_error; the others still go (batch partial).
                    let judged = wanted |> List.map (fun (id, q) -> id, q, orderProblem cfg s id Market)
                    let fresh = judged |> List.choose (fun (id, q, problem) -> if problem.IsNone then Some(id, q) else None)
                    let asked, ask = askForQuotes cfg s [ for (id, _, problem) in judged do if problem.IsSome then id ]
                    let stale = judged |> List.choose (fun (id, q, problem) -> problem |> Option.map (fun why -> id, q, refusalText asked id why))
                    let rejections = ask @ [ for (id, q, why) in stale -> rejectedOp s r.RunId id q why ]
                    // The buying power a target is held to is what the run's earlier buys leave (Funds counts a working buy
                    // alike): each judged against all of it, 40,000 and 24,000 of buys passed a 60,000 account together.
                    let leftAfter spent =
                        match c.AvailableFunds with
                        | BuyingPower.Dollars funds -> BuyingPower.Dollars(funds - spent)
                        | other -> other
                    let checked' =
                        fresh
                        |> List.mapFold (fun (planned, spent) (id, q) ->
                            let price = referencePrice cfg s id Market
                            let (_, children, _) as checkedOrder =
                                riskCheck cfg s { c with AvailableFunds = leftAfter spent } StrategyOwned id q price r.RiskBypass (c.TradesToday + planned)
                            let cost = if q > 0 then float q * price * float (State.multiplier s id) else 0.0
                            (id, checkedOrder), (planned + children.Length, spent + cost)) (0, 0.0)
                        |> fst
                    let violations = checked' |> List.collect (fun (_, (v, _, _)) -> v) |> List.distinct
                    let orders = [ for (id, (_, children, _)) in checked' do for q in children -> id, q, Market ]
                    let exempt = checked' |> List.collect (fun (_, (_, _, e)) -> e)
                    let ceiling = fresh |> List.tryPick (fun (id, q) -> operatorLimits cfg s id (abs q) Market)
                    if wanted.IsEmpty then
                        s, [ Emit.note s OperationKind.ControlCompleted r.RunId "done: already at target"; CompleteControl(r.Meta.ControlId, Done "done: already at target") ]
                    elif ceiling.IsSome then refuse s r.Meta r.RunId ceiling.Value
                    elif not violations.IsEmpty then refuse s r.Meta r.RunId (String.concat "," violations)
                    elif orders.IsEmpty then failRun s r.Meta r.RunId rejections (stale |> List.map (fun (_, _, why) -> why) |> String.concat "; ")
                    else
                        let s', placed = startRun cfg s r.RunId Rebalance r.Meta orders r.RiskBypass
                        let notes = [ for cmd in rejections do match cmd with RecordOperation o -> o.Detail | _ -> () ]
                        let left = List.map2 (fun (id, q) (_, (_, children, _)) -> unsent cfg s id q children) fresh checked' |> List.choose id
                        let s' = withUnsent r.RunId (notes @ left) s'
                        let exemption = exemptionNote exempt (if orders.Length > fresh.Length then [ 0; 0 ] else [])
                        s', rejections @ intentNote s r.RunId exemption left @ placed
        s', received :: cmds

    /// The strategy-owned hedge quantity Flatten aims for; None when it is the book's delta and that is not known (no
    /// underlying price yet, a held leg unvalued): sized on it as 0, a flatten would unwind the whole hedge.
    let flattenTarget (cfg: Config) (s: State) =
        match cfg.Control.FlattenTarget with
        | FlatZero -> Some 0
        | FlatBookDelta when not (System.Double.IsFinite s.Book.Delta) -> None
        | FlatBookDelta -> Some(Strategy.Bands.roundToLot cfg.Strategy.LotSize (cfg.Strategy.TargetDelta - s.Book.Delta))

    /// Why a book-delta flatten cannot size its order, for its refusal.
    let private unknownDeltaText (cfg: Config) (s: State) =
        let why = if System.Double.IsNaN(State.spot s) then $"no {cfg.Strategy.Underlying.Symbol} price yet" else "a held leg has no valuation"
        $"the option book's delta is not known ({why}): the hedge's target (flatten_target: book_delta) cannot be sized"

    let private maxFlattenAttempts = 3

    /// A flatten's end, however it came: noted, its control completed.
    let flattenEnded (s: State) (run: FlattenRun) (outcome: ControlOutcome) =
        let text = match outcome with Done t -> t | Refused t -> $"incomplete: {t}"
        [ Emit.note s OperationKind.ControlCompleted run.RunId $"flatten {text}"; CompleteControl(run.Meta.ControlId, outcome) ]

    /// Where a flatten that does not stop the daemon leaves the engine: Paused, or the halt it started from.
    let pausedAfter (run: FlattenRun) = match run.Returns with Some r -> Halted r | None -> Paused

    let private finishFlatten (cfg: Config) (s: State) (run: FlattenRun) (outcome: ControlOutcome) =
        let completion = flattenEnded s run outcome
        match cfg.Control.AfterFlatten with
        | PauseAfterFlatten -> { s with Fsm = pausedAfter run }, completion
        | StopAfterFlatten ->
            let s' = { s with Fsm = Stopped }
            s', completion @ [ Emit.publish cfg s'; Exit 0 ]

    /// Moves a flatten run on: cancels first, then one market order for the remaining difference, re-sized after
    /// each order settles, so a late hedge fill can never make it overshoot.
    let rec advanceFlatten (cfg: Config) (s: State) =
        match s.Fsm with
        | Flattening run ->
            // The operator's own working manual orders are theirs: the flatten neither cancels nor waits for them.
            let unsettled = s.Open |> Set.exists (fun r -> OrderFlow.strategyOwned s.Orders.[r])
            match run.Phase with
            | AwaitingFill ref when s.Orders |> Map.tryFind ref |> Option.map State.isSettled |> Option.defaultValue true ->
                advanceFlatten cfg { s with Fsm = Flattening { run with Phase = AwaitingCancels } }
            | AwaitingFill _ -> s, []
            | AwaitingCancels when unsettled -> s, []
            | AwaitingCancels ->
                let hedgeId = State.underlyingId cfg
                match flattenTarget cfg s with
                | None ->
                    // Refused like a flatten outside the session: nothing sent, paused (or back to its halt), loudly.
                    let text = unknownDeltaText cfg s
                    let s' = { s with Fsm = pausedAfter run }
                    s', flattenEnded s run (Refused $"{text}; nothing sent; flatten again once the book is valued")
                        @ Emit.alertAndRecord s Critical "FLATTEN_INCOMPLETE" $"flatten refused: {text}; nothing sent"
                | Some target ->
                    let diff = target - State.qtyOf s hedgeId
                    if diff = 0 then finishFlatten cfg s run (Done $"strategy hedge at {State.qtyOf s hedgeId}")
                    elif run.Attempts >= maxFlattenAttempts then
                        let s', c = finishFlatten cfg s run (Refused $"{diff} shares still to trade after {run.Attempts} orders")
                        s', c @ Emit.alertAndRecord s Critical "FLATTEN_INCOMPLETE" $"flatten left {diff} shares untraded"
                    // Outside the session a market order would rest at IB overnight (or over a holiday), sized on the last
                    // close, and fill at whatever the open gaps to — unwatched if the daemon is down by then; the run's
                    // timeout cancelled it after five minutes anyway. Refused at once instead, loudly, with nothing sent.
                    // It pauses (or goes back to its halt) whatever `after_flatten` says: a stop would leave the hedge where it
                    // is with nobody watching at the open; paused, the daemon reconciles, alerts and waits for the operator.
                    elif not (SessionCalendar.isOpen cfg.Calendar s.Now) then
                        let left = $"""{abs diff} shares of the hedge still to {if diff > 0 then "buy" else "sell"}"""
                        let s' = { s with Fsm = pausedAfter run }
                        s', flattenEnded s run (Refused $"outside the session's hours (calendar: closed, a holiday or a no-trade window): {left}; nothing sent (a market order would wait at the broker for the next open); flatten again in the session")
                            @ Emit.alertAndRecord s Critical "FLATTEN_INCOMPLETE" $"flatten refused outside the session: {left}; nothing sent"
                    else
                        // Flatten is the exit: it still goes when the quote is not fresh, as an explicit, recorded exception
                        // (a market order that only moves the strategy's own hedge toward its target). Nothing else does.
                        let staleException =
                            match dataProblem cfg s hedgeId with
                            | Some why ->
                                Emit.note s OperationKind.Intent run.RunId $"STALE_DATA_EXCEPTION flatten sent on stale data ({why})"
                                :: Emit.alertAndRecord s Warning "FLATTEN_ON_STALE_DATA" $"flatten order sent without a fresh quote: {why}"
                            | None -> []
                        let s', cmds, placed =
                            OrderFlow.place cfg s run.RunId Flatten hedgeId (Side.ofSignedQuantity diff) (abs diff) Market false (State.spot s)
                        match placed with
                        | Some ref -> { s' with Fsm = Flattening { run with Phase = AwaitingFill ref; Attempts = run.Attempts + 1 } }, staleException @ cmds
                        | None -> s', staleException @ cmds
        | _ -> s, []

    /// A flatten still going `control.run_timeout_seconds` after the operator asked (its order resting unfilled — held
    /// for a locate, a halted stock — or a cancel never confirmed) stayed Flattening for good: pause and resume
    /// refused, no alert. It ends incomplete instead, as a run times out: its working orders are cancelled (a fill that
    /// beats the cancel still counts: the order is the strategy's), the critical FLATTEN_INCOMPLETE names what is left,
    /// and the engine goes where a finished flatten goes: Paused, the halt it came from, or — `after_flatten: stop` —
    /// stopping as a stop does (`stop`: the Stop control's own path), its cancels confirmed or `stop_timeout_seconds`
    /// passed (an exit at once would leave the cancelled order unconfirmed at the broker).
    let flattenTimeout (cfg: Config) (stop: State -> State * Command list) (s: State) =
        match s.Fsm with
        | Flattening run when s.Connectivity.SocketUp && Timestamp.since run.StartedAt s.Now >= cfg.Control.RunTimeout ->
            let secs = Duration.toSeconds cfg.Control.RunTimeout
            let s, cancels = OrderFlow.cancelWorkingWhere OrderFlow.strategyOwned s $"flatten timed out after {secs:F0} s"
            let hedgeId = State.underlyingId cfg
            let left =
                match flattenTarget cfg s with
                | None -> $"{unknownDeltaText cfg s}; "
                | Some target ->
                    let diff = target - State.qtyOf s hedgeId
                    let side = if diff > 0 then "buy" else "sell"
                    if diff = 0 then "the hedge at its target; " else $"{abs diff} shares still to {side}; "
            let pending = if cancels.IsEmpty then "" else "its working orders cancelled (a fill before the cancel still counts)"
            let text = $"timed out after {secs:F0} s: {left}{pending}".TrimEnd(' ', ';')
            let alert = Emit.alertAndRecord s Critical "FLATTEN_INCOMPLETE" $"flatten {text}"
            match cfg.Control.AfterFlatten with
            | StopAfterFlatten ->
                let s', stopping = stop s
                s', cancels @ flattenEnded s run (Refused text) @ alert @ stopping
            | PauseAfterFlatten ->
                let s', finished = finishFlatten cfg s run (Refused text)
                s', cancels @ finished @ alert
        | _ -> s, []

    let startFlatten (cfg: Config) (s: State) (meta: ControlMeta) =
        let runId = $"{cfg.RunId}-flat{s.NextOrderSeq}"
        let s, cancels = OrderFlow.cancelWorkingWhere OrderFlow.strategyOwned s "flatten requested"
        // Flatten ends any delta tilt a rebalance gave the hedger: afterwards it aims at the configured target again.
        // A halt whose way out is not the limits' judgement (confirm_book, a new reconciliation) outlives the flatten.
        // Every halt reason is named here, so a new one must be classified (no wildcard).
        let returns =
            match s.Fsm with
            | Halted(BookMismatch _ | AnotherEngine _ | ReconcileFailed _ | AccountMismatch _ | OrderRefExhausted _ | MemoryMissing _ as r) -> Some r
            | Halted(DailyLossBreached _ | DrawdownBreached _ | StopLossHit _ | TakeProfitHit _) -> None
            | Starting | Syncing _ | Running _ | Paused | Flattening _ | Stopping _ | Stopped -> None
        let s = { s with Fsm = Flattening { RunId = runId; Meta = meta; Phase = AwaitingCancels; Attempts = 0; StartedAt = s.Now; Returns = returns }; TargetTilt = 0.0; TiltClearedThrough = s.NextOrderId - 1 }
        let s', cmds = advanceFlatten cfg s
        s', cancels @ cmds

    /// A step that moved the FSM off a flatten without ending it (a stop, a halt: another engine, a risk limit, a book
    /// mismatch) left its control unanswered: the operator's `flatten-all --wait` waited on it for good, and its row stayed
    /// taken. It ends refused in that step, naming what interrupted it (a flatten that ended, timed out or was interrupted
    /// by a sync answers on its own path).
    let answerInterruptedFlatten (cfg: Config) (before: State) (result: State * Command list) =
        match before.Fsm with
        | Flattening run ->
            let s, cmds = result
            match s.Fsm with
            | Flattening _ -> result
            | _ when cmds |> List.exists (function CompleteControl(id, _) -> id = run.Meta.ControlId | _ -> false) -> result
            // Followed apart (a sync interrupted it with its order working): that order answers it.
            | _ when s.DetachedRuns.ContainsKey run.RunId -> result
            | fsm ->
                let why =
                    match fsm with
                    | Stopping _ | Stopped when cfg.Control.CancelOnStop -> "a stop came during the flatten (the stop cancels its working orders)"
                    | Stopping _ | Stopped -> "a stop came during the flatten (its working orders left at the broker: control.cancel_on_stop is false)"
                    | Halted r -> $"halted during the flatten: {HaltReason.describe r}"
                    | other -> $"interrupted by {FsmState.name other}"
                s, cmds @ flattenEnded s run (Refused $"{why}; the hedge at {State.qtyOf s (State.underlyingId cfg)} shares")
        | _ -> result
