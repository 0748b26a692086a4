namespace Bifrost.Domain.Trading

open Bifrost.Domain
open Bifrost.Domain.Strategy

/// The gamma scalper's decision: is a hedge due, how large, and does the guard allow it.
module Hedging =
    // A loop rather than List.tryPick: no closure on the per-tick path.
    let rec private ruleFires (s: State) (spot: float) (rules: HedgeRule list) =
        match rules with
        | [] -> None
        | TimeInterval every :: _ when Timestamp.since s.LastHedgeAt s.Now >= every -> Some "interval"
        | PriceMove f :: _ when System.Double.IsNaN s.LastHedgeSpot || abs (spot / s.LastHedgeSpot - 1.0) >= f -> Some "price_move"
        | _ :: rest -> ruleFires s spot rest

    /// Which rule (if any) says a hedge is due now.
    let trigger (cfg: Config) (s: State) (delta: DeltaClass) =
        match delta with
        | D2 | D3 -> Some "band"
        | D0 | D1 -> ruleFires s (State.spot s) cfg.Strategy.Rules

    let private hedgeable (s: State) =
        match s.Fsm with
        | Starting | Stopped | Flattening _ -> false
        | Syncing _ | Running _ | Paused | Halted _ | Stopping _ -> true

    let private limitPrice (cfg: Config) (s: State) side =
        match cfg.Strategy.HedgeLimitOffsetBps with
        | None -> Market
        | Some bps ->
            let q = s.Underlying
            let raw = match side with Buy -> q.Ask * (1.0 + bps / 10_000.0) | Sell -> q.Bid * (1.0 - bps / 10_000.0)
            // Round away from the touch to whole cents so the order stays marketable. Counted on the nearest millionth
            // of a cent first: 150.00 less 20 bps is 149.69999999999999 in binary, and floored as it stood it sent 149.69,
            // a cent through the price the offset allows (at 0 bps, ~4.6 % of cent prices).
            let exact = System.Math.Round(raw * 100.0, 6)
            let cents = match side with Buy -> ceil exact | Sell -> floor exact
            Limit(cents / 100.0)

    /// Limits that stop the hedger with no other alert telling of them (a halt, a pause, a dead feed, the store, the
    /// link and the account's currency raise their own): the light turned RED, delta outside the band for the rest of
    /// the day (DAILY_TRADE_LIMIT) or until the operator acted, and nobody was paged.
    let private unpagedLimits =
        set [ BlockReason.DailyTradeLimit; BlockReason.PositionLimit; BlockReason.NotionalLimit; BlockReason.InsufficientFunds ]

    /// Records a block only when its reasons differ from the last one recorded (a standing block is logged once). A
    /// limit newly standing in front of a hedge delta needs (outside the band) raises HEDGE_BLOCKED, once until delta is
    /// back in the band or a hedge goes.
    let private recordBlock (s: State) (reasons: BlockReason list) (intent: HedgeIntent) (deviation: float) (half: float) =
        if reasons = s.LastBlock then s, []
        else
            let codes = reasons |> List.map BlockReason.code |> String.concat ","
            let side = Side.name (Side.ofSignedQuantity intent.SignedShares)
            let newly = reasons |> List.filter (fun r -> unpagedLimits.Contains r && not (List.contains r s.LastBlock))
            { s with LastBlock = reasons },
            [ Emit.op s OperationKind.GuardBlocked "" "" (ContractId.value s.Underlying.ContractId) side
                  (abs intent.SignedShares) intent.ReferencePrice $"{codes} | trigger {intent.Trigger} deviation {deviation:F1}" ]
            // Running only: paused, halted or syncing, the engine's own state already stops the hedge and was told.
            @ (if newly.IsEmpty || not (abs deviation > half) || not (match s.Fsm with Running _ -> true | _ -> false) then []
               else
                   Emit.alertAndRecord s Warning "HEDGE_BLOCKED"
                       $"hedge {side} {abs intent.SignedShares} blocked by {codes}: delta {deviation:F1} outside the band ±{half:F1}, not hedged until the limit allows it (flatten, or a risk-bypassed run, is the operator's)")

    /// Places the hedge: one order, or — when it reduces risk and one order would exceed the per-order notional cap —
    /// child orders each within the cap, all in the live run and sent together in one decision (one price, one
    /// intent; the hedge stays in flight until every child is settled). Waived limits are recorded on the intent.
    let private place (cfg: Config) (s: State) (intent: HedgeIntent) (exempt: BlockReason list) (detail: string) =
        let shares = intent.SignedShares
        let side = Side.ofSignedQuantity shares
        let children =
            if exempt |> List.contains BlockReason.NotionalLimit then Risk.split cfg.Risk intent.ReferencePrice 1 cfg.Strategy.LotSize shares
            else [ shares ]
        let parent = List.sum children
        // Children are orders: past the day's trade limit they go only because the hedge reduces risk (a split implies
        // it does), and the intent says so.
        let exempt =
            if children.Length > 1 && Risk.exceedsDailyTrades cfg.Risk s.Daily.Trades children.Length
               && not (exempt |> List.contains BlockReason.DailyTradeLimit) then exempt @ [ BlockReason.DailyTradeLimit ]
            else exempt
        let s1 = { s with LastBlock = []; LastHedgeAt = s.Now; LastHedgeSpot = State.spot s }
        let s2, cmds, refs =
            children |> List.fold (fun (st: State, acc, refs) q ->
                match st.Fsm with
                | Halted _ -> st, acc, refs // a child found no order id: the rest is not sent (one halt, one alert)
                | _ ->
                    let st', c, placed =
                        OrderFlow.place cfg st cfg.RunId Hedge cfg.Strategy.Underlying.ContractId side (abs q) (limitPrice cfg st side) false (State.spot s)
                    st', acc @ c, refs @ Option.toList placed) (s1, [], [])
        let exemption =
            if exempt.IsEmpty then ""
            else " | RISK_EXEMPT reduces risk: " + (exempt |> List.map BlockReason.code |> String.concat ",")
        let splitText = if children.Length > 1 then $" | split into {children.Length} children of at most {abs children.Head} (max order notional {cfg.Risk.MaxOrderNotional:F0})" else ""
        let intentOp =
            Emit.op s OperationKind.Intent cfg.RunId "" (ContractId.value cfg.Strategy.Underlying.ContractId) (Side.name side) (abs parent) (State.spot s)
                (detail + exemption + splitText)
        // A halt a child's placement raised (ORDER_REF_EXHAUSTED) stands: HedgePending over it, then the critical alert's
        // pause, made it a Paused a plain resume lifted, or left it running.
        match s2.Fsm, refs with
        | Halted _, _ | _, [] -> s2, intentOp :: cmds
        | _, first :: _ -> { s2 with Fsm = Running(HedgePending first) }, intentOp :: cmds

    /// Evaluates the hedge after anything that moves delta or the world (quotes, fills, clock).
    let evaluate (cfg: Config) (s: State) : State * Command list =
        if not (hedgeable s) || System.Double.IsNaN(State.spot s) then s, []
        else
            let half = Composite.bandHalfWidth cfg s
            let target = State.targetDelta cfg s
            let deviation = State.netDelta cfg s - target
            let delta = Classifier.delta cfg.Strategy.DriftFraction half cfg.Strategy.HardDeltaLimit deviation
            match trigger cfg s delta with
            | None -> (if s.LastBlock.IsEmpty then s else { s with LastBlock = [] }), []
            | Some why ->
                let due =
                    match why with
                    | "band" -> Bands.hedgeQuantity { cfg.Strategy with TargetDelta = target } half (State.netDelta cfg s)
                    | _ -> Bands.roundToLot cfg.Strategy.LotSize -deviation
                let shares = Risk.withinPosition cfg.Risk cfg.Strategy.LotSize cfg.Strategy.MinHedgeShares (State.hedgePosition cfg s) due
                let held = if shares = due then "" else $" | held to risk.max_position {cfg.Risk.MaxPosition}: {abs due} due"
                let intent = { SignedShares = shares; ReferencePrice = State.spot s; Trigger = why }
                let composite = Composite.classify cfg s
                match ExecutionGuard.evaluate composite intent with
                | Block(r, rs) -> recordBlock s (r :: rs) intent deviation half
                | Allow ->
                    match s.Fsm with
                    | Running Idle ->
                        place cfg s intent (ExecutionGuard.exempted composite intent)
                            $"hedge {why}: delta {deviation:F1} band ±{half:F1} ({ClassNames.delta delta}){held}"
                    | _ ->
                        // The guard's Control class already blocks every other state; this arm keeps the match total.
                        s, []
