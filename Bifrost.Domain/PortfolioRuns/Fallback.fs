namespace Bifrost.Domain.PortfolioRuns

open Bifrost.Domain

/// An alert a portfolio decision raises (the shell maps it onto the engine's alerts and notifiers).
type PortfolioAlert =
    { Critical: bool
      /// Stable upper-case code: FALLBACK, FALLBACK_UNAVAILABLE, FALLBACK_FAILED.
      Code: string
      Message: string }

/// A finished run as the fallback history sees it, oldest first.
type RunSummary =
    { RunId: string
      SnapshotId: string
      Status: RunStatus }

/// What happens to the portfolio's target after a run ends.
type FallbackDecision =
    /// The run completed, or never traded (blocked: the portfolio is as it was), or was cancelled by the operator.
    | NoFallback
    /// The target reverts to the last snapshot whose run completed `done`; recorded on the failed run, alerted.
    | FallBackTo of FallbackRecord * PortfolioAlert
    /// Nothing ever completed: no target to revert to (critical: the operator decides).
    | NoGoodSnapshot of PortfolioAlert
    /// The failed run was itself a fallback: no further fallback, never a retry loop (critical).
    | FallbackExhausted of PortfolioAlert

/// Fallback to the last good snapshot. The decision only names a target and raises an alert; executing that target is
/// a new run (purpose FallbackAfter) that the schedule or the operator starts, and a failed fallback run does not fall
/// back again. So a failing market cannot turn into a silent retry loop.
module Fallback =
    let private isMarketDataError (o: RunOrder) = o.Reason |> Option.exists Execution.isMarketDataError

    /// A run falls back when it failed (nothing filled, not by the operator's cancel) or any of its orders met invalid
    /// market data (its snapshot can no longer be carried out as decided).
    let needed (run: Run) =
        match run.Status with
        | RunStatus.Failed | RunStatus.Partial when run.Orders |> List.exists isMarketDataError -> true
        | RunStatus.Failed -> run.CancelRequestedBy.IsNone
        | RunStatus.Done | RunStatus.Partial | RunStatus.Blocked | RunStatus.Queued | RunStatus.PreTrade | RunStatus.Running -> false

    let summary (run: Run) = { RunId = run.Id; SnapshotId = run.SnapshotId; Status = run.Status }

    /// Critical alerts about the stock portfolio alone: delivered as critical, but they do not pause the engine. The
    /// scalper's book is as certain as before a stock run failed, and pausing its hedger would leave the options' delta
    /// open; the failed run already traded nothing more, and a fallback is never retried on its own.
    let runOnlyAlerts = set [ "FALLBACK_UNAVAILABLE"; "FALLBACK_FAILED" ]

    /// The snapshot of the newest run that completed `done`.
    let lastGood (history: RunSummary list) =
        history |> List.filter (fun r -> r.Status = RunStatus.Done) |> List.tryLast |> Option.map _.SnapshotId

    /// Decides the fallback of a run that has just ended, from the history of the runs before it (oldest first).
    let decide (history: RunSummary list) (run: Run) (at: Timestamp) : FallbackDecision =
        if run.Fallback.IsSome || not (needed run) then NoFallback
        else
            let why = match run.Reasons with [] -> RunStatus.name run.Status | rs -> String.concat "; " rs
            match run.Purpose with
            | FallbackAfter failed ->
                FallbackExhausted
                    { Critical = true; Code = "FALLBACK_FAILED"
                      Message = $"fallback run {run.Id} (after {failed}) ended {RunStatus.name run.Status}: {why}; no further fallback, operator action needed" }
            | ScheduledSlot _ | OperatorRequested _ ->
                match history |> List.filter (fun r -> r.RunId <> run.Id) |> lastGood with
                | None ->
                    NoGoodSnapshot
                        { Critical = true; Code = "FALLBACK_UNAVAILABLE"
                          Message = $"run {run.Id} on snapshot {run.SnapshotId} ended {RunStatus.name run.Status} ({why}) and no earlier run completed" }
                | Some good ->
                    FallBackTo(
                        { TargetSnapshotId = good; Reason = why; At = at },
                        { Critical = false; Code = "FALLBACK"
                          Message = $"run {run.Id} on snapshot {run.SnapshotId} ended {RunStatus.name run.Status} ({why}); target reverts to snapshot {good} (to execute it: bifrost-tui portfolio-run --snapshot {good})" })

    /// Records the decision on the run (only a fallback target is recorded; the other outcomes are alerts only).
    let record (decision: FallbackDecision) (run: Run) =
        match decision with
        | FallBackTo(r, _) -> { run with Fallback = Some r }
        | NoFallback | NoGoodSnapshot _ | FallbackExhausted _ -> run

    let alert = function
        | NoFallback -> None
        | FallBackTo(_, a) | NoGoodSnapshot a | FallbackExhausted a -> Some a
