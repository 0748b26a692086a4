namespace Bifrost.Domain

/// Why trading was halted.
type HaltReason =
    | DailyLossBreached of pnl: float
    | DrawdownBreached of drawdown: float
    | StopLossHit of pnl: float
    | TakeProfitHit of pnl: float
    | ReconcileFailed of detail: string
    | AccountMismatch of detail: string
    /// The strategy's option book differs from the account in a way its own fills do not explain (after a restart).
    | BookMismatch of detail: string
    /// Another Bifrost run's order or execution is on this account.
    | AnotherEngine of detail: string
    /// No order ref can be minted for a run (its refs would break the 40-character rule), or no IB order id below the
    /// request-id range (OrderFlow.orderIdLimit): nothing can be sent.
    | OrderRefExhausted of detail: string
    /// The store holds this run's orders but no engine memory: the operator state, the day's counters and the option
    /// book were not restored (a deleted or lost row). Never a silent first start: the operator checks and resumes.
    | MemoryMissing of detail: string

module HaltReason =
    let describe = function
        | DailyLossBreached p -> $"DAILY_LOSS_LIMIT: day P&L {p:F2}"
        | DrawdownBreached d -> $"MAX_DRAWDOWN: {d:F2} below high-water mark"
        | StopLossHit p -> $"STOP_LOSS: strategy P&L {p:F2} since the engine took the book"
        | TakeProfitHit p -> $"TAKE_PROFIT: strategy P&L {p:F2} since the engine took the book"
        | ReconcileFailed d -> $"RECONCILE_FAILED: {d}"
        | AccountMismatch d -> $"ACCOUNT_MISMATCH: {d}"
        | BookMismatch d -> $"BOOK_MISMATCH: {d}"
        | AnotherEngine d -> $"ANOTHER_ENGINE: {d}"
        | OrderRefExhausted d -> $"ORDER_REF_EXHAUSTED: {d}"
        | MemoryMissing d -> $"MEMORY_MISSING: {d}"

/// A pre-trade limit an order would break.
type RiskViolation =
    | PositionLimitExceeded of projected: int * limit: int
    | NotionalLimitExceeded of notional: float * limit: float
    | DailyTradesExhausted of trades: int * limit: int
    | DailyLossReached of pnl: float * limit: float
    | InsufficientFunds of notional: float * available: float
    /// The account reports its funds in another currency than the dollars the engine trades in: not taken as dollars,
    /// so a buy that needs buying power is not allowed (ACCOUNT_CURRENCY).
    | FundsNotInDollars of currency: string

/// Equity figures the intraday evaluation looks at (money).
type RiskMetrics =
    { /// Strategy P&L since start (realised + unrealised − fees).
      TotalPnl: float
      /// Strategy P&L since the start of the trading day.
      DailyPnl: float
      /// Equity high-water mark (same basis as TotalPnl).
      HighWater: float
      /// TotalPnl when the engine first valued the book it took (same basis): the stop-loss and take-profit judge the
      /// P&L since, as the drawdown judges it from the high-water mark the engine saw (a book bought before the engine
      /// took it, already 4,000 below its cost, is no stop-loss of 3,000 under Bifrost).
      TakenPnl: float }

module Risk =
    /// Pre-trade checks of one order against the limits. Empty list = allowed.
    let preTrade (limits: RiskLimits) (currentPosition: int) (signedQty: int) (price: float)
                 (tradesToday: int) (dailyPnl: float) (availableFunds: BuyingPower) (multiplier: int) =
        let projected = currentPosition + signedQty
        let notional = abs (float signedQty) * price * float multiplier
        [ if abs projected > limits.MaxPosition && abs projected > abs currentPosition then
              PositionLimitExceeded(projected, limits.MaxPosition)
          if not (notional <= limits.MaxOrderNotional) then NotionalLimitExceeded(notional, limits.MaxOrderNotional)
          if tradesToday >= limits.MaxDailyTrades then DailyTradesExhausted(tradesToday, limits.MaxDailyTrades)
          // An unknown (NaN) day's P&L is not within the limit: refused unless the order reduces risk.
          if not (dailyPnl > -limits.DailyLossLimit) then DailyLossReached(dailyPnl, limits.DailyLossLimit)
          match availableFunds with
          | BuyingPower.Dollars funds when limits.CheckBuyingPower && signedQty > 0 && notional > funds -> InsufficientFunds(notional, funds)
          | BuyingPower.NotInDollars currency when limits.CheckBuyingPower && signedQty > 0 -> FundsNotInDollars currency
          | _ -> () ]

    /// The part of an order that keeps the position within ±max_position, in whole lots, when the whole would break the
    /// limit and at least `minShares` of it fits; otherwise the order as it is (within the limit, or refused by it, and
    /// named: a part under the minimum would be blocked as too small, which passes on its own, not as the limit).
    /// Refused whole, a hedge past the limit left all of the delta it was for open — a position over the limit on the
    /// other side, whose sale strictly reduces risk, included.
    let withinPosition (limits: RiskLimits) (lot: int) (minShares: int) (position: int) (signedQty: int) =
        let projected = position + signedQty
        if signedQty = 0 || abs projected <= limits.MaxPosition || abs projected <= abs position then signedQty
        else
            let lot = max 1 lot
            // Whole lots that can go the order's way before the limit.
            let room = (limits.MaxPosition - sign signedQty * position) / lot * lot
            if room < max lot minShares then signedQty else sign signedQty * room

    /// True when an order strictly reduces both |position| (of the contract it trades) and |net delta − target|:
    /// `deltaChange` is the order's effect on net delta in shares.
    let reducesRisk (position: int) (signedQty: int) (deviation: float) (deltaChange: float) =
        signedQty <> 0
        && abs (position + signedQty) < abs position
        && System.Double.IsFinite deltaChange
        && abs (deviation + deltaChange) < abs deviation

    /// The limits that cap risk (position, per-order notional, daily trades) never refuse an order that reduces it;
    /// the notional cap is then met by splitting (see `split`), so it is waived only when the price can size children.
    /// Buying power neither: a reducing buy covers a short, it releases margin rather than using funds. Nor the day's
    /// loss: at the limit the engine stops taking risk (the clock halts it), and the hedge back toward the band is the
    /// trade that lowers the risk the loss came from.
    let exemptWhenReducing (price: float) (v: RiskViolation) =
        match v with
        | PositionLimitExceeded _ | DailyTradesExhausted _ | InsufficientFunds _ | FundsNotInDollars _ | DailyLossReached _ -> true
        | NotionalLimitExceeded _ -> System.Double.IsFinite price && price > 0.0

    /// Pre-trade with the risk-reduction exemption: the violations that stand, and those waived because it reduces risk.
    let preTradeReducing reducing limits currentPosition signedQty price tradesToday dailyPnl availableFunds multiplier =
        let all = preTrade limits currentPosition signedQty price tradesToday dailyPnl availableFunds multiplier
        if reducing then all |> List.partition (exemptWhenReducing price >> not) else all, []

    /// The daily-trade limit counts orders: a decision that sends `orders` orders (a split's children, a rebalance's
    /// targets) needs room for all of them, not only the first.
    let exceedsDailyTrades (limits: RiskLimits) (tradesToday: int) (orders: int) = tradesToday + orders > limits.MaxDailyTrades

    /// At most this many child orders per decision; the rest is decided again once they settle.
    let maxChildren = 10

    /// Splits a signed quantity into child orders of whole lots, each within the per-order notional cap (one lot at
    /// least, when even one lot is over the cap), at most `maxChildren` of them: the children sum to the returned parent
    /// (the quantity itself, or less when more than `maxChildren` children would be needed). Unsplittable → [qty].
    let split (limits: RiskLimits) (price: float) (multiplier: int) (lot: int) (signedQty: int) : int list =
        let perLot = price * float multiplier * float (max 1 lot)
        if signedQty = 0 || not (System.Double.IsFinite perLot) || perLot <= 0.0 then [ signedQty ]
        else
            let lots = max 1.0 (floor (limits.MaxOrderNotional / perLot))
            let per = if lots * float (max 1 lot) >= float (abs signedQty) then abs signedQty else int lots * max 1 lot
            let rec go remaining n acc =
                if remaining = 0 || n = maxChildren then List.rev acc
                else
                    let q = min per remaining
                    go (remaining - q) (n + 1) (q :: acc)
            go (abs signedQty) 0 [] |> List.map (fun q -> sign signedQty * q)

    /// Intraday evaluation: the first limit breached (halt), else near/ok.
    let evaluate (limits: RiskLimits) (m: RiskMetrics) : Result<RiskClass, HaltReason> =
        let drawdown = m.HighWater - m.TotalPnl
        let sinceTaken = m.TotalPnl - m.TakenPnl
        if m.DailyPnl <= -limits.DailyLossLimit then Error(DailyLossBreached m.DailyPnl)
        elif drawdown >= limits.MaxDrawdown then Error(DrawdownBreached drawdown)
        else
            match limits.StopLoss, limits.TakeProfit with
            | Some sl, _ when sinceTaken <= -sl -> Error(StopLossHit sinceTaken)
            | _, Some tp when sinceTaken >= tp -> Error(TakeProfitHit sinceTaken)
            | _ ->
                let near = limits.NearFraction
                let nearLoss = m.DailyPnl <= -near * limits.DailyLossLimit
                let nearDd = drawdown >= near * limits.MaxDrawdown
                let nearSl = match limits.StopLoss with Some sl -> sinceTaken <= -near * sl | None -> false
                if nearLoss || nearDd || nearSl then Ok NearLimit else Ok RiskOk
