namespace Bifrost.Domain.Trading

open Bifrost.Domain

/// After an order event: does the current activity, flatten run or stop complete?
module Progress =
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
        | Running(RunPending(runId, meta)) when Runs.ordersSettled s runId && not (s.PortfolioRuns.ContainsKey runId) ->
            Runs.complete { s with Fsm = Running Idle } runId (Some meta)
        | Flattening _ -> Runs.advanceFlatten cfg s
        | Stopping _ -> checkStopping cfg s
        | _ -> s, []
