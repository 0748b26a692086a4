namespace Bifrost.Domain.PortfolioRuns

open System
open Bifrost.Domain

/// An operator's target: strategy-owned shares of one symbol after the run.
type OperatorTarget = { Symbol: string; Quantity: int }

/// What freezing operator-entered targets needs; the shell supplies the account, the clock and who asked.
type TargetsRequest =
    { SnapshotId: string
      Now: Timestamp
      RequestedBy: string
      Universe: string list
      Targets: OperatorTarget list
      Inputs: SizingInputs }

/// Operator-entered targets → a frozen snapshot (source `OperatorTargets who`). The operator decides the quantity, so
/// no sizing rule applies; what still applies: the universe, whole lots, no short unless allowed, one line per symbol.
/// Symbols not named keep their position (no line). A symbol without a price keeps its target but carries NO_PRICE,
/// and pre-trade blocks it (it cannot be valued against the limits). Risk limits are pre-trade's, as for signals.
module OperatorTargets =
    let operatorNote = "OPERATOR"

    /// The largest |target| accepted (pre-trade's max_position_shares is the real cap; this one keeps the arithmetic whole).
    let maxShares = 1_000_000_000

    /// Every bad target, each naming its field (`targets[i].symbol`, `targets[i].quantity`).
    let validate (sizing: SizingConfig) (universe: string list) (targets: OperatorTarget list) : ValidationError list =
        if targets.IsEmpty then [ { Field = "targets"; Message = "at least one target is required" } ]
        else
            let seen = Collections.Generic.HashSet<string>(StringComparer.Ordinal)
            targets
            |> List.mapi (fun i t ->
                let sym = if isNull t.Symbol then "" else t.Symbol.ToUpperInvariant()
                [ if not (List.contains sym universe) then
                      { Field = $"targets[{i}].symbol"; Message = $"'{t.Symbol}' is not in portfolio.universe ({String.Join(',', universe)})" }
                  elif not (seen.Add sym) then { Field = $"targets[{i}].symbol"; Message = $"{sym} is given twice" }
                  // Far beyond any position, and room for target − position arithmetic: Int32.MinValue made `abs` throw.
                  if t.Quantity < -maxShares || t.Quantity > maxShares then
                      { Field = $"targets[{i}].quantity"; Message = $"{t.Quantity}: at most {maxShares} shares either way" }
                  elif t.Quantity < 0 && not sizing.AllowShort then
                      { Field = $"targets[{i}].quantity"; Message = $"{t.Quantity}: a short target needs portfolio.allow_short" }
                  elif t.Quantity % sizing.LotSize <> 0 then
                      { Field = $"targets[{i}].quantity"; Message = $"{t.Quantity} is not a whole number of lots of {sizing.LotSize}" } ])
            |> List.concat

    /// Freezes the targets into a snapshot; every problem is reported at once.
    let build (sizing: SizingConfig) (req: TargetsRequest) : Result<Snapshot, ValidationError list> =
        match validate sizing req.Universe req.Targets with
        | _ :: _ as errors -> Error errors
        | [] ->
            let value = req.Inputs.PortfolioValue
            let lines =
                req.Targets
                |> List.map (fun t ->
                    let sym = t.Symbol.ToUpperInvariant()
                    let price = req.Inputs.Prices |> Map.tryFind sym |> Option.filter (fun p -> Double.IsFinite p && p > 0.0)
                    let current = req.Inputs.Positions |> Map.tryFind sym |> Option.defaultValue 0
                    { Symbol = sym
                      Price = price |> Option.defaultValue nan
                      Current = current
                      Target = t.Quantity
                      Weight = (match price with Some p when Double.IsFinite value && value > 0.0 -> float t.Quantity * p / value | _ -> 0.0)
                      Notes = operatorNote :: (if price.IsNone then [ SizingNote.code NoPrice ] else []) })
            Snapshot.ofLines req.SnapshotId req.Now (OperatorTargets req.RequestedBy) value req.Inputs.CashAvailable lines
            |> Result.mapError List.singleton
