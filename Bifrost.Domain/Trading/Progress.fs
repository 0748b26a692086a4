namespace Bifrost.Domain.Trading

open Bifrost.Domain

/// After an order event: does the current activity, flatten run or stop complete?
module Progress =
    let private runOrdersSettled (s: State) runId =
        s.Open |> Set.forall (fun r -> s.Orders.[r].RunId <> runId)

    /// The run's batch status and summary: `done` when every order filled and none was refused, `partial` when some
    /// quantity filled, `failed` when nothing did.
    let private runSummary (s: State) runId =
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

    /// Stopping ends once every order of ours is settled (or at once when cancels are not awaited).
    let checkStopping (cfg: Config) (s: State) =
        match s.Fsm with
        | Stopping(_, meta) when not cfg.Control.CancelOnStop || s.Open.IsEmpty ->
            let s' = { s with Fsm = Stopped }
            s', [ Emit.note s' OperationKind.ControlCompleted "" "stopped"; CompleteControl(meta.ControlId, Done "stopped")
                  Emit.publish cfg s'; Exit 0 ]
        | _ -> s, []

    let afterOrders (cfg: Config) (s: State) =
        match s.Fsm with
        // A hedge split into children is in flight until every child has settled.
        | Running(HedgePending _) when s.Open |> Set.forall (fun r -> s.Orders.[r].Purpose <> Hedge) ->
            Hedging.evaluate cfg { s with Fsm = Running Idle }
        // A portfolio run ends by its own state machine (PortfolioFlow), not by this summary.
        | Running(RunPending(runId, meta)) when runOrdersSettled s runId && not (s.PortfolioRuns.ContainsKey runId) ->
            let summary = runSummary s runId
            { s with Fsm = Running Idle; RunRejections = s.RunRejections.Remove runId },
            [ Emit.note s OperationKind.ControlCompleted runId summary; CompleteControl(meta.ControlId, Done summary) ]
        | Flattening _ -> Runs.advanceFlatten cfg s
        | Stopping _ -> checkStopping cfg s
        | _ -> s, []
