namespace Bifrost.Domain.Trading

open Bifrost.Domain

/// Operator runs: manual BUY/SELL, target-portfolio rebalance, and flatten. Each is a run id with its orders.
module Runs =
    let private refuse (s: State) (meta: ControlMeta) runId (why: string) =
        s, [ Emit.note s OperationKind.ControlCompleted runId $"refused: {why}"; CompleteControl(meta.ControlId, Refused why) ]

    /// The FSM and world gates every operator order passes (risk limits are separate and may be bypassed).
    let private gate (s: State) (c: CompositeState) =
        match s.Fsm with
        | Running Idle when c.OrderInFlight -> Some "an order is in flight"
        | Running Idle when c.Broker = BrokerDown -> Some "broker down"
        | Running Idle when not s.StoreOk -> Some "store unavailable"
        | Running Idle -> None
        | Running _ -> Some "an order is in flight"
        | other -> Some $"state {FsmState.name other} does not accept orders"

    let private riskCheck (cfg: Config) (s: State) (c: CompositeState) conId signedQty price bypass =
        if bypass then []
        else
            Risk.preTrade cfg.Risk (State.qtyOf s conId) signedQty price c.TradesToday c.DailyPnl c.AvailableFunds (State.multiplier s conId)
            |> List.map (BlockReason.ofRiskViolation >> BlockReason.code)

    let private referencePrice cfg s conId orderType =
        match orderType with
        | Limit l -> l
        | Market -> State.mark cfg s conId

    let private startRun cfg (s: State) runId purpose meta (orders: (ContractId * int * OrderType) list) bypass =
        let s, cmds =
            orders
            |> List.fold (fun (s, acc) (conId, signed, orderType) ->
                let s', c, _ =
                    OrderFlow.place cfg s runId purpose conId (Side.ofSignedQuantity signed) (abs signed) orderType bypass (State.mark cfg s conId)
                s', acc @ c) (s, [])
        { s with Fsm = Running(RunPending(runId, meta)) }, cmds

    let manual (cfg: Config) (s: State) (m: ManualOrder) =
        let received =
            Emit.op s OperationKind.ControlReceived m.RunId "" (ContractId.value m.ContractId) (Side.name m.Side) m.Quantity nan
                ("manual order by " + m.Meta.RequestedBy + (if m.RiskBypass then " RISK_BYPASS" else ""))
        let s', cmds =
            if not (State.isUniverse cfg s m.ContractId) then refuse s m.Meta m.RunId $"contract {ContractId.value m.ContractId} is not in the configured universe"
            elif m.Quantity <= 0 then refuse s m.Meta m.RunId "quantity must be > 0"
            else
                let c = Composite.classify cfg s
                match gate s c with
                | Some why -> refuse s m.Meta m.RunId why
                | None ->
                    let signed = Side.sign m.Side * m.Quantity
                    match riskCheck cfg s c m.ContractId signed (referencePrice cfg s m.ContractId m.Type) m.RiskBypass with
                    | [] -> startRun cfg s m.RunId Manual m.Meta [ m.ContractId, signed, m.Type ] m.RiskBypass
                    | reasons -> refuse s m.Meta m.RunId (String.concat "," reasons)
        s', received :: cmds

    let rebalance (cfg: Config) (s: State) (r: Rebalance) =
        let bypass = if r.RiskBypass then " RISK_BYPASS" else ""
        let received = Emit.note s OperationKind.ControlReceived r.RunId $"rebalance by {r.Meta.RequestedBy}: {r.Targets.Length} targets{bypass}"
        let foreign = r.Targets |> List.filter (fun (id, _) -> not (State.isUniverse cfg s id))
        let s', cmds =
            if not foreign.IsEmpty then
                refuse s r.Meta r.RunId ("contracts not in the universe: " + (foreign |> List.map (fst >> ContractId.value >> string) |> String.concat ","))
            else
                let c = Composite.classify cfg s
                match gate s c with
                | Some why -> refuse s r.Meta r.RunId why
                | None ->
                    let orders = [ for (id, target) in r.Targets do
                                       let diff = target - State.qtyOf s id
                                       if diff <> 0 then id, diff, Market ]
                    let violations =
                        orders |> List.collect (fun (id, q, t) -> riskCheck cfg s c id q (referencePrice cfg s id t) r.RiskBypass) |> List.distinct
                    if orders.IsEmpty then
                        s, [ Emit.note s OperationKind.ControlCompleted r.RunId "already at target"; CompleteControl(r.Meta.ControlId, Done "already at target") ]
                    elif not violations.IsEmpty then refuse s r.Meta r.RunId (String.concat "," violations)
                    else startRun cfg s r.RunId Rebalance r.Meta orders r.RiskBypass
        s', received :: cmds

    /// The strategy-owned hedge quantity Flatten aims for.
    let flattenTarget (cfg: Config) (s: State) =
        match cfg.Control.FlattenTarget with
        | FlatZero -> 0
        | FlatBookDelta -> Strategy.Bands.roundToLot cfg.Strategy.LotSize (cfg.Strategy.TargetDelta - s.Book.Delta)

    let private maxFlattenAttempts = 3

    let private finishFlatten (cfg: Config) (s: State) (run: FlattenRun) (outcome: ControlOutcome) =
        let text = match outcome with Done t -> t | Refused t -> $"incomplete: {t}"
        let completion = [ Emit.note s OperationKind.ControlCompleted run.RunId $"flatten {text}"; CompleteControl(run.Meta.ControlId, outcome) ]
        match cfg.Control.AfterFlatten with
        | PauseAfterFlatten -> { s with Fsm = Paused }, completion
        | StopAfterFlatten ->
            let s' = { s with Fsm = Stopped }
            s', completion @ [ Emit.publish cfg s'; Exit 0 ]

    /// Moves a flatten run on: cancels first, then one market order for the remaining difference, re-sized after
    /// each order settles, so a late hedge fill can never make it overshoot.
    let rec advanceFlatten (cfg: Config) (s: State) =
        match s.Fsm with
        | Flattening run ->
            let unsettled = not s.Open.IsEmpty
            match run.Phase with
            | AwaitingFill ref when s.Orders |> Map.tryFind ref |> Option.map State.isSettled |> Option.defaultValue true ->
                advanceFlatten cfg { s with Fsm = Flattening { run with Phase = AwaitingCancels } }
            | AwaitingFill _ -> s, []
            | AwaitingCancels when unsettled -> s, []
            | AwaitingCancels ->
                let hedgeId = State.underlyingId cfg
                let diff = flattenTarget cfg s - State.qtyOf s hedgeId
                if diff = 0 then finishFlatten cfg s run (Done $"strategy hedge at {State.qtyOf s hedgeId}")
                elif run.Attempts >= maxFlattenAttempts then
                    let s', c = finishFlatten cfg s run (Refused $"{diff} shares still to trade after {run.Attempts} orders")
                    s', c @ Emit.alertAndRecord s Critical "FLATTEN_INCOMPLETE" $"flatten left {diff} shares untraded"
                else
                    let s', cmds, placed =
                        OrderFlow.place cfg s run.RunId Flatten hedgeId (Side.ofSignedQuantity diff) (abs diff) Market false (State.spot s)
                    match placed with
                    | Some ref -> { s' with Fsm = Flattening { run with Phase = AwaitingFill ref; Attempts = run.Attempts + 1 } }, cmds
                    | None -> s', cmds
        | _ -> s, []

    let startFlatten (cfg: Config) (s: State) (meta: ControlMeta) =
        let runId = $"{cfg.RunId}-flat{s.NextOrderSeq}"
        let s, cancels = OrderFlow.cancelWorking s "flatten requested"
        let s = { s with Fsm = Flattening { RunId = runId; Meta = meta; Phase = AwaitingCancels; Attempts = 0 } }
        let s', cmds = advanceFlatten cfg s
        s', cancels @ cmds
