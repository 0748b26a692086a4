namespace Bifrost.Domain.Trading

open Bifrost.Domain

/// After an order event: does the current activity, flatten run or stop complete?
module Progress =
    let private runOrdersSettled (s: State) runId =
        s.Open |> Set.forall (fun r -> s.Orders.[r].RunId <> runId)

    let private runSummary (s: State) runId =
        s.Orders |> Map.toList |> List.map snd |> List.filter (fun o -> o.RunId = runId)
        |> List.map (fun o -> $"{OrderRef.value o.Ref} {Side.name o.Side} {o.Filled}/{o.Quantity} {OrderStatus.name o.Status}")
        |> String.concat "; "

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
        | Running(HedgePending ref) when s.Orders |> Map.tryFind ref |> Option.map State.isSettled |> Option.defaultValue true ->
            Hedging.evaluate cfg { s with Fsm = Running Idle }
        | Running(RunPending(runId, meta)) when runOrdersSettled s runId ->
            let summary = runSummary s runId
            { s with Fsm = Running Idle },
            [ Emit.note s OperationKind.ControlCompleted runId summary; CompleteControl(meta.ControlId, Done summary) ]
        | Flattening _ -> Runs.advanceFlatten cfg s
        | Stopping _ -> checkStopping cfg s
        | _ -> s, []
