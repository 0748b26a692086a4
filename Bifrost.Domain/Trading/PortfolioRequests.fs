namespace Bifrost.Domain.Trading

open Bifrost.Domain
open Bifrost.Domain.PortfolioRuns

/// Portfolio requests beside a signals file (docs/portfolio-runs.md): re-running a stored snapshot by id, operator-entered
/// targets, and the stored snapshots read back at start (their hash checked; a mismatch stops portfolio trading).
module PortfolioRequests =
    /// A stored snapshot whose content no longer matches its hash is a decision record someone changed: critical (the
    /// reducer pauses on it), the light goes RED with the reason, and no portfolio run starts while it stands. It
    /// stands until the store is repaired and the daemon restarted (the check runs at every start).
    let onSnapshotsRestored (s: State) (snapshots: RestoredSnapshot list) =
        let intact = snapshots |> List.choose (function SnapshotIntact x -> Some x | SnapshotCorrupt _ -> None)
        let corrupt = snapshots |> List.choose (function SnapshotCorrupt(id, why) -> Some $"{id}: {why}" | SnapshotIntact _ -> None)
        let s =
            { s with
                PortfolioSnapshots = intact |> List.fold (fun m x -> m |> Map.add x.Id x) s.PortfolioSnapshots
                PortfolioCorrupt = s.PortfolioCorrupt @ corrupt }
        let note = Emit.note s OperationKind.FsmChanged "" $"portfolio: {intact.Length} snapshot(s) restored, {corrupt.Length} failed the hash check"
        let alerts =
            if corrupt.IsEmpty then []
            else
                Emit.alertAndRecord s Critical "SNAPSHOT_CORRUPT"
                    $"""{corrupt.Length} stored portfolio snapshot(s) do not match their content hash: {String.concat "; " corrupt}; portfolio trading stopped until the store is repaired and the daemon restarted"""
        s, note :: alerts

    /// `portfolio_run {"snapshot_id"}`: the stored snapshot run again as a new run. An unknown id is refused by name.
    /// Nothing is sent twice: Execution.plan counts the live position and working orders against the frozen target.
    let onRerun (cfg: Config) (s: State) (r: PortfolioRerunRequest) =
        let received = Emit.note s OperationKind.ControlReceived r.RunId $"portfolio run by {r.Meta.RequestedBy}: stored snapshot {r.SnapshotId}"
        let refuse why = PortfolioFlow.refuseControl s r.RunId r.Meta [ received ] why
        match s.PortfolioSetup, PortfolioFlow.refusal cfg s with
        | None, _ -> refuse "no portfolio configured (the configuration has no portfolio section)"
        | _, Some why -> refuse why
        | Some _, None when s.PortfolioRuns.ContainsKey r.RunId -> refuse $"run {r.RunId} exists already"
        | Some setup, None ->
            match s.PortfolioSnapshots |> Map.tryFind r.SnapshotId with
            | None -> refuse $"snapshot_id: no stored snapshot has the id '{r.SnapshotId}' (bifrost-tui portfolio-runs lists them)"
            | Some snapshot -> PortfolioFlow.startRun cfg s setup r.RunId (OperatorRequested r.Meta.RequestedBy) r.Meta snapshot [ received ]

    /// `portfolio_run {"targets": [...]}`: the operator's quantities frozen into a snapshot (source: the operator), then
    /// run like any snapshot (pre-trade, fresh quotes, idempotent refs). Every bad target is named in the refusal.
    let onTargets (cfg: Config) (s: State) (r: PortfolioTargetsRequest) =
        let listed = r.Targets |> List.map (fun t -> $"{t.Symbol}={t.Quantity}") |> String.concat " "
        let received = Emit.note s OperationKind.ControlReceived r.RunId $"portfolio run by {r.Meta.RequestedBy}: targets {listed}"
        let refuse why = PortfolioFlow.refuseControl s r.RunId r.Meta [ received ] why
        match s.PortfolioSetup, PortfolioFlow.refusal cfg s with
        | None, _ -> refuse "no portfolio configured (the configuration has no portfolio section)"
        | _, Some why -> refuse why
        | Some _, None when s.PortfolioRuns.ContainsKey r.RunId -> refuse $"run {r.RunId} exists already"
        | Some _, None when s.PortfolioSnapshots.ContainsKey r.SnapshotId -> refuse $"snapshot_id: snapshot {r.SnapshotId} exists already"
        | Some setup, None ->
            let req =
                { SnapshotId = r.SnapshotId; Now = s.Now; RequestedBy = r.Meta.RequestedBy; Universe = setup.Settings.Universe
                  Targets = r.Targets; Inputs = PortfolioFlow.sizingInputs setup s }
            match OperatorTargets.build setup.Settings.Sizing req with
            | Error es -> refuse ("snapshot refused: " + (es |> List.map (fun e -> $"{e.Field}: {e.Message}") |> String.concat "; "))
            | Ok snapshot ->
                PortfolioFlow.startRun cfg s setup r.RunId (OperatorRequested r.Meta.RequestedBy) r.Meta snapshot
                    (received :: PortfolioFlow.freezeNote s r.RunId snapshot)

    /// A portfolio run the operator's `cancel {"run_id"}` can still stop before anything is sent: queued, or cleared by
    /// pre-trade and waiting for its execution (a schedule slot's, between pre_trade_at and execute_at).
    let awaitsExecution (s: State) (runId: string) =
        match s.PortfolioRuns |> Map.tryFind runId with
        | Some(run, _) -> run.Status = RunStatus.Queued || run.Status = RunStatus.PreTrade
        | None -> false

    /// A portfolio run that has ended without sending anything (a slot's run the restart ended between its pre-trade
    /// and its execution, one blocked, one the operator cancelled already).
    let endedUnsent (s: State) (runId: string) =
        match s.PortfolioRuns |> Map.tryFind runId with
        | Some(run, _) -> RunStatus.isTerminal run.Status && not (run.Orders |> List.exists _.Sent)
        | None -> false

    /// `cancel {"run_id"}` of a run that `endedUnsent`: answered as done, with how it ended. Before, it was refused "no
    /// working orders", the answer that meant the slot would still send its orders at execute_at.
    let onCancelOfEndedRun (s: State) (runId: string) (meta: ControlMeta) =
        let run = fst s.PortfolioRuns.[runId]
        let why = match run.Reasons with [] -> "" | rs -> $""" ({String.concat "; " rs})"""
        let text = $"run {runId}: already ended {RunStatus.name run.Status}{why} before its orders went out: nothing was sent"
        let received = Emit.note s OperationKind.ControlReceived "" $"{Control.name (CancelRun runId)} by {meta.RequestedBy} (#{meta.ControlId})"
        s, [ received; Emit.note s OperationKind.ControlCompleted runId text; CompleteControl(meta.ControlId, Done text) ]

    /// `cancel {"run_id"}` of a run that `awaitsExecution`: it ends failed, cancelled by the operator (no fallback), and
    /// its execution finds it ended. Before, the cancel found no working order and was refused ("no working orders"),
    /// and the slot sent its orders at execute_at all the same.
    let onCancelBeforeExecution (s: State) (runId: string) (meta: ControlMeta) =
        let received = Emit.note s OperationKind.ControlReceived "" $"{Control.name (CancelRun runId)} by {meta.RequestedBy} (#{meta.ControlId})"
        let s', cmds = PortfolioFlow.stepRun s runId [ CancelRequested meta.RequestedBy ]
        let text = $"run {runId}: cancelled before its orders went out"
        s', received :: cmds @ [ Emit.note s OperationKind.ControlCompleted runId text; CompleteControl(meta.ControlId, Done text) ]
