namespace Bifrost.Domain.Trading

open Bifrost.Domain
open Bifrost.Domain.Strategy

/// Syncing: reconcile positions, open orders (all clients) and executions with the broker before any order.
/// Fails closed: anything that cannot be matched halts.
module Sync =
    let scopes = [ Positions; OpenOrders; Executions; AccountValues ]

    let resumeTargetOf (fsm: FsmState) =
        match fsm with
        | Paused | Flattening _ -> ResumePaused
        | Halted r -> ResumeHalted r
        | Syncing p -> p.ResumeTo
        | Starting | Running _ | Stopping _ | Stopped -> ResumeRunning

    let start (s: State) (resumeTo: ResumeTarget) =
        { s with Fsm = Syncing { Positions = false; OpenOrders = false; Executions = false; ListedOpen = Set.empty; ResumeTo = resumeTo } },
        [ RequestReconcile scopes; Emit.note s OperationKind.Reconciled "" "reconciliation requested" ]

    /// Adopts the configured option book on first sync and checks the strategy's option holdings against the account.
    /// The stock hedge is not checked: the operator may trade the same stock from another client id, so the account's
    /// quantity says nothing about ours; the hedge is reconciled through today's executions instead.
    let private reconcileHoldings (cfg: Config) (s: State) =
        let adoptLeg (s: State, problems: string list, notes: string list) (leg: LegConfig) =
            let id = leg.Option.ContractId
            let broker = Portfolio.brokerQty id s.Portfolio
            if Portfolio.strategyQty id s.Portfolio <> 0 || leg.Quantity = 0 then s, problems, notes
            elif sign broker = sign leg.Quantity && abs broker >= abs leg.Quantity then
                let cost = Portfolio.brokerCost id s.Portfolio |> Option.defaultValue 0.0
                let h = { Holding.empty with Quantity = leg.Quantity; AvgCost = cost }
                { s with Portfolio = Portfolio.adopt id h s.Portfolio }, problems, $"adopted {leg.Quantity} of {ContractId.value id} @ {cost:F4}" :: notes
            else s, $"leg {ContractId.value id}: account holds {broker}, the strategy needs {leg.Quantity}" :: problems, notes
        let s, problems, notes = cfg.Strategy.Legs |> List.fold adoptLeg (s, [], [])
        let legIds = cfg.Strategy.Legs |> List.map (fun l -> l.Option.ContractId) |> Set.ofList
        let mismatched =
            Portfolio.holdings s.Portfolio
            |> List.filter (fun (id, _) -> legIds.Contains id)
            |> List.choose (fun (id, h) ->
                let broker = Portfolio.brokerQty id s.Portfolio
                if h.Quantity <> 0 && (sign broker <> sign h.Quantity || abs broker < abs h.Quantity) then
                    Some $"{ContractId.value id}: strategy owns {h.Quantity}, account holds {broker}"
                else None)
        s, problems @ mismatched, notes

    /// Orders we believe working that the broker does not list are settled from executions, or made inactive.
    let private reconcileOrders (s: State) (listed: Set<string>) =
        let missing = State.workingOrders s |> List.filter (fun o -> not (listed.Contains(OrderRef.value o.Ref)))
        let s, cmds =
            missing |> List.fold (fun (s: State, acc) o ->
                let update = if o.Filled >= o.Quantity then FullyFilled else MadeInactive
                match OrderLifecycle.transition o.Status update with
                | Ok next ->
                    let o' = { o with Status = next; ReportedFilled = o.Filled }
                    State.putOrder o' s,
                    acc @ [ Emit.orderOp s OperationKind.OrderStatusChanged o' nan $"not open at the broker after reconnect: {OrderStatus.name next}" ]
                | Error _ -> s, acc) (s, [])
        // Terminal orders whose reported fills never arrived as executions (reconcile has asked for all of today's).
        let lost = s.Orders |> Map.toList |> List.map snd |> List.filter (fun o -> OrderStatus.isTerminal o.Status && o.Filled < o.ReportedFilled)
        let s = lost |> List.fold (fun (s: State) o -> { State.putOrder { o with ReportedFilled = o.Filled } s with Anomalies = s.Anomalies + 1 }) s
        s, cmds @ [ for o in lost -> Emit.orderOp s OperationKind.Anomaly o nan $"broker reported {o.ReportedFilled} filled but executions show {o.Filled}" ]

    let private finish (cfg: Config) (s: State) (p: SyncProgress) =
        let known = s.Orders |> Map.toSeq |> Seq.map (fun (r, _) -> OrderRef.value r) |> Set.ofSeq
        let unknown = p.ListedOpen - known
        let s, holdingProblems, notes = reconcileHoldings cfg s
        let s, orderCmds = reconcileOrders s p.ListedOpen
        let s = { s with Book = Book.aggregate s.Legs s.Portfolio }
        let problems = holdingProblems @ [ for r in unknown -> $"open order {r} is not known to this engine" ]
        let before = s.Fsm
        let s, outcome =
            if not problems.IsEmpty then
                let reason = ReconcileFailed(String.concat "; " problems)
                { s with Fsm = Halted reason }, Emit.alertAndRecord s Critical "RECONCILE_FAILED" (HaltReason.describe reason)
            else
                let pendingHedge = State.workingOrders s |> List.tryFind (fun o -> o.Purpose = Hedge)
                let fsm =
                    match p.ResumeTo with
                    | ResumeRunning -> Running(match pendingHedge with Some o -> HedgePending o.Ref | None -> Idle)
                    | ResumePaused -> Paused
                    | ResumeHalted r -> Halted r
                { s with Fsm = fsm }, [ Emit.note s OperationKind.Reconciled "" ("reconciled" + (notes |> List.map (fun n -> "; " + n) |> String.concat "")) ]
        s, orderCmds @ outcome @ Emit.fsmChange s before @ [ Emit.publish cfg s ]

    let private tryFinish cfg (s: State) =
        match s.Fsm with
        | Syncing p when p.Positions && p.OpenOrders && p.Executions -> finish cfg s p
        | _ -> s, []

    let onPositionsEnded cfg (s: State) =
        match s.Fsm with
        | Syncing p -> tryFinish cfg { s with Fsm = Syncing { p with Positions = true } }
        | _ -> s, []

    let onOpenOrdersEnded cfg (s: State) =
        match s.Fsm with
        | Syncing p -> tryFinish cfg { s with Fsm = Syncing { p with OpenOrders = true } }
        | _ -> s, []

    let onExecutionsEnded cfg (s: State) =
        match s.Fsm with
        | Syncing p -> tryFinish cfg { s with Fsm = Syncing { p with Executions = true } }
        | _ -> s, []

    /// An open order as listed by the broker: noted during sync, and its status applied when it is ours.
    let onOpenOrder (s: State) (r: OpenOrderReport) =
        let s =
            match s.Fsm with
            | Syncing p when OrderRef.isBifrost r.Ref -> { s with Fsm = Syncing { p with ListedOpen = p.ListedOpen.Add r.Ref } }
            | _ -> s
        if OrderRef.isBifrost r.Ref then
            match OrderRef.create r.Ref |> Result.toOption |> Option.bind (fun ref -> s.Orders |> Map.tryFind ref) with
            | Some _ ->
                OrderFlow.onStatus s { IbOrderId = r.IbOrderId; PermId = r.PermId; Ref = r.Ref; Status = r.Status; Filled = r.Filled; AvgFillPrice = 0.0; Reason = "openOrder" }
            | None -> s, [] // unknown: judged when the sync finishes
        else s, []
