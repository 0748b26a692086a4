namespace Bifrost.Domain.PortfolioRuns

open Bifrost.Domain

/// What building a snapshot from a signals file needs; the shell reads the file, the account and the clock.
type BuildRequest =
    { SnapshotId: string
      Now: Timestamp
      FileName: string
      Text: string
      /// Signals older than this (or from the future) are refused.
      MaxSignalAge: Duration
      /// The validated portfolio universe (Ownership.validateUniverse).
      Universe: string list
      Inputs: SizingInputs }

type BuildError =
    | BadSignals of SignalError list
    | SizingRefused of ValidationError
    | SnapshotRefused of ValidationError

module BuildError =
    let describe = function
        | BadSignals es -> es |> List.map SignalError.describe |> String.concat "; "
        | SizingRefused e | SnapshotRefused e -> $"{e.Field}: {e.Message}"

/// The decisions of one portfolio run, composed in the order a schedule slot takes them. Each step is pure; the shell
/// stores each result (snapshot, run events) before acting on it.
module Workflow =
    /// Parse → universe → age → size → freeze. Any bad row refuses the whole file: a partial signal set is a
    /// portfolio nobody decided on.
    let buildSnapshot (sizing: SizingConfig) (req: BuildRequest) : Result<Snapshot, BuildError> =
        match Signals.parse req.FileName req.Text with
        | Error es -> Error(BadSignals es)
        | Ok signals ->
            match Ownership.checkSignals req.Universe signals @ Signals.checkAge req.MaxSignalAge req.Now signals with
            | _ :: _ as es -> Error(BadSignals(es |> List.sortBy (fun e -> e.Row)))
            | [] ->
                match Sizing.sizeBatch sizing req.Inputs signals with
                | Error e -> Error(SizingRefused e)
                | Ok sized ->
                    Snapshot.create req.SnapshotId req.Now (SignalsFile(req.FileName, Signals.sourceHash req.Text)) req.Inputs sized
                    |> Result.mapError SnapshotRefused

    /// Pre-trade as a run event: cleared, or blocked with every named reason.
    let preTrade (limits: PortfolioRiskLimits) (ctx: PreTradeContext) (snapshot: Snapshot) : RunEvent =
        match PreTradeRisk.check limits ctx snapshot with
        | [] -> PreTradeCleared
        | blocks -> PreTradeBlocked(blocks |> List.map PreTradeBlock.describe)

    /// A scheduled slot's snapshot and run are named after the slot, so a restart mid-slot finds them again and the
    /// order refs (run:symbol:side:snapshot) come out the same: nothing is sent twice.
    let slotSnapshotId (slotId: string) = slotId
    let slotRunId (slotId: string) = $"{slotId}-run"
