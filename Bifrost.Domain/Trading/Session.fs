namespace Bifrost.Domain.Trading

open Bifrost.Domain
open Bifrost.Domain.PortfolioRuns

/// The trading session's summary when the engine stops (issue 13, "Sessions"): orders by status, fills, P&L, fees,
/// portfolio runs by status and blocks by reason, as one operation line. Pure: a view of the state.
module Session =
    /// Guard blocks recorded in these commands (a standing block is recorded once), counted by reason code.
    let countBlocks (s: State) (cmds: Command list) =
        let codes =
            cmds |> List.collect (function
                | RecordOperation o when o.Kind = OperationKind.GuardBlocked ->
                    (o.Detail.Split('|').[0]).Split(',', System.StringSplitOptions.RemoveEmptyEntries ||| System.StringSplitOptions.TrimEntries) |> List.ofArray
                | _ -> [])
        if codes.IsEmpty then s
        else { s with SessionBlocks = codes |> List.fold (fun m c -> m |> Map.change c (fun n -> Some(defaultArg n 0 + 1))) s.SessionBlocks }

    let private counts (xs: string list) =
        xs |> List.countBy id |> List.sortBy fst |> List.map (fun (k, n) -> $"{k} {n}") |> String.concat ", "

    let summary (cfg: Config) (s: State) =
        let orders = s.Orders |> Map.toList |> List.map snd
        let runs = s.PortfolioRuns |> Map.toList |> List.map (fun (_, (r, _)) -> r)
        // Portfolio blocks: the reason's code (text before ':'), e.g. POSITION_LIMIT, connection_unavailable.
        let runBlocks =
            runs |> List.filter (fun r -> r.Status = RunStatus.Blocked)
            |> List.collect (fun r -> r.Reasons |> List.map (fun x -> "portfolio:" + (x.Split(':').[0]).Trim()))
        let blocks = (s.SessionBlocks |> Map.toList |> List.collect (fun (k, n) -> List.replicate n k)) @ runBlocks
        let f (x: float) = x.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)
        let realized = Portfolio.totalRealized s.Portfolio
        let fees = Portfolio.totalFees s.Portfolio
        $"session summary: orders {orders.Length}"
        + (if orders.IsEmpty then "" else $" ({counts (orders |> List.map (fun o -> OrderStatus.name o.Status))})")
        + $"; fills {s.SeenExecs.Count}; P&L total {f (State.totalPnl cfg s)} realized {f realized} unrealized {f (State.unrealized cfg s)} fees {f fees}"
        + $"; day P&L {f (State.dayPnl cfg s)}, trades today {s.Daily.Trades}"
        + $"; portfolio runs {runs.Length}" + (if runs.IsEmpty then "" else $" ({counts (runs |> List.map (fun r -> RunStatus.name r.Status))})")
        + $"; blocks {blocks.Length}" + (if blocks.IsEmpty then "" else $" ({counts blocks})")

    /// The summary goes out once, when the engine reaches Stopped, before its Exit.
    let atStop (cfg: Config) (before: State) (s: State, cmds: Command list) =
        match before.Fsm, s.Fsm with
        | Stopped, _ -> s, cmds
        | _, Stopped ->
            let note = Emit.note s OperationKind.ControlCompleted "" (summary cfg s)
            let beforeExit, rest = cmds |> List.partition (function Exit _ -> false | _ -> true)
            s, beforeExit @ [ note ] @ rest
        | _ -> s, cmds
