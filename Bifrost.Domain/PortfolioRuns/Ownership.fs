namespace Bifrost.Domain.PortfolioRuns

open Bifrost.Domain

/// One owner per contract. The gamma scalper's hedge owns its underlying's shares and trades them on every tick; a
/// portfolio target in the same stock would be undone by the next hedge (or undo it). Composing the two targets
/// would make every portfolio run depend on the option book's delta at that instant, so Bifrost refuses the overlap
/// at config time instead: the portfolio universe never contains the scalper's underlying.
module Ownership =
    /// Validates the portfolio universe against the scalper's underlying; the error names the key and the symbol.
    let validateUniverse (scalperUnderlying: string) (universe: string list) =
        let normalised = universe |> List.map (fun s -> if isNull s then "" else s.Trim().ToUpperInvariant())
        let dupes = normalised |> List.countBy id |> List.filter (fun (_, n) -> n > 1) |> List.map fst
        match normalised |> List.tryFindIndex (fun s -> s = scalperUnderlying.Trim().ToUpperInvariant()) with
        | Some i ->
            ValidationError.make $"portfolio.universe[{i}]"
                $"{normalised.[i]} is the gamma scalper's underlying (strategy.underlying): one owner per contract, the hedge owns it"
        | None when not dupes.IsEmpty -> ValidationError.make "portfolio.universe" $"""symbols listed twice: {String.concat ", " dupes}"""
        | None ->
            match normalised |> List.tryFindIndex (fun s -> Signals.parseSymbol s |> Result.isError) with
            | Some i -> ValidationError.make $"portfolio.universe[{i}]" $"'{universe.[i]}' is not a symbol"
            | None -> Ok normalised

    /// Signals for symbols outside the universe are refused by row (never traded, never silently dropped).
    let checkSignals (universe: string list) (signals: Signal list) : SignalError list =
        let allowed = Set.ofList universe
        signals
        |> List.mapi (fun i s ->
            if allowed.Contains s.Symbol then None
            else Some { Row = i + 1; Field = "symbol"; Message = $"{s.Symbol} is not in the portfolio universe" })
        |> List.choose id
