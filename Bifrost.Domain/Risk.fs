namespace Bifrost.Domain

/// Why trading was halted.
type HaltReason =
    | DailyLossBreached of pnl: float
    | DrawdownBreached of drawdown: float
    | StopLossHit of pnl: float
    | TakeProfitHit of pnl: float
    | ReconcileFailed of detail: string
    | AccountMismatch of detail: string

module HaltReason =
    let describe = function
        | DailyLossBreached p -> $"DAILY_LOSS_LIMIT: day P&L {p:F2}"
        | DrawdownBreached d -> $"MAX_DRAWDOWN: {d:F2} below high-water mark"
        | StopLossHit p -> $"STOP_LOSS: strategy P&L {p:F2}"
        | TakeProfitHit p -> $"TAKE_PROFIT: strategy P&L {p:F2}"
        | ReconcileFailed d -> $"RECONCILE_FAILED: {d}"
        | AccountMismatch d -> $"ACCOUNT_MISMATCH: {d}"

/// A pre-trade limit an order would break.
type RiskViolation =
    | PositionLimitExceeded of projected: int * limit: int
    | NotionalLimitExceeded of notional: float * limit: float
    | DailyTradesExhausted of trades: int * limit: int
    | DailyLossReached of pnl: float * limit: float
    | InsufficientFunds of notional: float * available: float

/// Equity figures the intraday evaluation looks at (money).
type RiskMetrics =
    { /// Strategy P&L since start (realised + unrealised − fees).
      TotalPnl: float
      /// Strategy P&L since the start of the trading day.
      DailyPnl: float
      /// Equity high-water mark (same basis as TotalPnl).
      HighWater: float }

module Risk =
    /// Pre-trade checks of one order against the limits. Empty list = allowed.
    let preTrade (limits: RiskLimits) (currentPosition: int) (signedQty: int) (price: float)
                 (tradesToday: int) (dailyPnl: float) (availableFunds: float option) (multiplier: int) =
        let projected = currentPosition + signedQty
        let notional = abs (float signedQty) * price * float multiplier
        [ if abs projected > limits.MaxPosition && abs projected > abs currentPosition then
              PositionLimitExceeded(projected, limits.MaxPosition)
          if not (notional <= limits.MaxOrderNotional) then NotionalLimitExceeded(notional, limits.MaxOrderNotional)
          if tradesToday >= limits.MaxDailyTrades then DailyTradesExhausted(tradesToday, limits.MaxDailyTrades)
          if dailyPnl <= -limits.DailyLossLimit then DailyLossReached(dailyPnl, limits.DailyLossLimit)
          match availableFunds with
          | Some funds when limits.CheckBuyingPower && signedQty > 0 && notional > funds -> InsufficientFunds(notional, funds)
          | _ -> () ]

    /// Intraday evaluation: the first limit breached (halt), else near/ok.
    let evaluate (limits: RiskLimits) (m: RiskMetrics) : Result<RiskClass, HaltReason> =
        let drawdown = m.HighWater - m.TotalPnl
        if m.DailyPnl <= -limits.DailyLossLimit then Error(DailyLossBreached m.DailyPnl)
        elif drawdown >= limits.MaxDrawdown then Error(DrawdownBreached drawdown)
        else
            match limits.StopLoss, limits.TakeProfit with
            | Some sl, _ when m.TotalPnl <= -sl -> Error(StopLossHit m.TotalPnl)
            | _, Some tp when m.TotalPnl >= tp -> Error(TakeProfitHit m.TotalPnl)
            | _ ->
                let near = limits.NearFraction
                let nearLoss = m.DailyPnl <= -near * limits.DailyLossLimit
                let nearDd = drawdown >= near * limits.MaxDrawdown
                let nearSl = match limits.StopLoss with Some sl -> m.TotalPnl <= -near * sl | None -> false
                if nearLoss || nearDd || nearSl then Ok NearLimit else Ok RiskOk
