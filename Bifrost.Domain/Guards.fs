namespace Bifrost.Domain

/// A named reason a hedge (or any strategy order) was blocked. Reasons are data: the backtest counts them and
/// the monitor shows them.
[<RequireQualifiedAccess>]
type BlockReason =
    | DataLag
    | SpreadWide
    /// The underlying's price jumped past guards.max_jump_pct: held as a possible bad quote until it stands.
    | PriceJump
    /// The exchange halted the underlying (IB's tick 49): passes when IB reports it trading again.
    | UnderlyingHalted
    | Cooldown
    | BelowMinSize
    | OrderInFlight
    | OutsideHours
    | RiskHalt
    | DailyTradeLimit
    | PositionLimit
    | NotionalLimit
    | DailyLossLimit
    | BrokerDown
    | Paused
    | Stopping
    | NotReconciled
    | InsufficientFunds
    /// The account reports its funds in another currency than USD: not taken as dollars (Funds).
    | AccountCurrency
    | StoreUnavailable
    /// Halts that are not risk limits, named by their own code so the operator (and the console) knows the way out.
    | BookMismatch
    | ReconcileFailed
    | AnotherEngine
    | AccountMismatch
    | OrderRefExhausted
    | MemoryMissing
    /// A stored portfolio snapshot fails its hash check: every portfolio run refused until the store is repaired.
    | SnapshotCorrupt

module BlockReason =
    let code = function
        | BlockReason.DataLag -> "DATA_LAG" | BlockReason.SpreadWide -> "SPREAD_WIDE" | BlockReason.PriceJump -> "PRICE_JUMP" | BlockReason.UnderlyingHalted -> "UNDERLYING_HALTED" | BlockReason.Cooldown -> "COOLDOWN" | BlockReason.BelowMinSize -> "BELOW_MIN_SIZE"
        | BlockReason.OrderInFlight -> "ORDER_IN_FLIGHT" | BlockReason.OutsideHours -> "OUTSIDE_HOURS" | BlockReason.RiskHalt -> "RISK_HALT"
        | BlockReason.DailyTradeLimit -> "DAILY_TRADE_LIMIT" | BlockReason.PositionLimit -> "POSITION_LIMIT" | BlockReason.NotionalLimit -> "NOTIONAL_LIMIT"
        | BlockReason.DailyLossLimit -> "DAILY_LOSS_LIMIT" | BlockReason.BrokerDown -> "BROKER_DOWN" | BlockReason.Paused -> "PAUSED" | BlockReason.Stopping -> "STOPPING"
        | BlockReason.NotReconciled -> "NOT_RECONCILED" | BlockReason.InsufficientFunds -> "INSUFFICIENT_FUNDS" | BlockReason.StoreUnavailable -> "STORE_UNAVAILABLE"
        | BlockReason.BookMismatch -> "BOOK_MISMATCH" | BlockReason.ReconcileFailed -> "RECONCILE_FAILED" | BlockReason.AnotherEngine -> "ANOTHER_ENGINE"
        | BlockReason.AccountMismatch -> "ACCOUNT_MISMATCH" | BlockReason.OrderRefExhausted -> "ORDER_REF_EXHAUSTED"
        | BlockReason.MemoryMissing -> "MEMORY_MISSING" | BlockReason.AccountCurrency -> "ACCOUNT_CURRENCY" | BlockReason.SnapshotCorrupt -> "SNAPSHOT_CORRUPT"

    let all =
        [ BlockReason.DataLag; BlockReason.SpreadWide; BlockReason.PriceJump; BlockReason.UnderlyingHalted; BlockReason.Cooldown; BlockReason.BelowMinSize; BlockReason.OrderInFlight; BlockReason.OutsideHours; BlockReason.RiskHalt; BlockReason.DailyTradeLimit; BlockReason.PositionLimit
          BlockReason.NotionalLimit; BlockReason.DailyLossLimit; BlockReason.BrokerDown; BlockReason.Paused; BlockReason.Stopping; BlockReason.NotReconciled; BlockReason.InsufficientFunds; BlockReason.StoreUnavailable
          BlockReason.BookMismatch; BlockReason.ReconcileFailed; BlockReason.AnotherEngine; BlockReason.AccountMismatch; BlockReason.OrderRefExhausted
          BlockReason.MemoryMissing; BlockReason.AccountCurrency; BlockReason.SnapshotCorrupt ]

    /// The block reason a halt shows as: its own code, or RISK_HALT for the risk limits.
    let ofHalt = function
        | HaltReason.BookMismatch _ -> BlockReason.BookMismatch
        | HaltReason.ReconcileFailed _ -> BlockReason.ReconcileFailed
        | HaltReason.AnotherEngine _ -> BlockReason.AnotherEngine
        | HaltReason.AccountMismatch _ -> BlockReason.AccountMismatch
        | HaltReason.OrderRefExhausted _ -> BlockReason.OrderRefExhausted
        | HaltReason.MemoryMissing _ -> BlockReason.MemoryMissing
        | HaltReason.DailyLossBreached _ | HaltReason.DrawdownBreached _ | HaltReason.StopLossHit _ | HaltReason.TakeProfitHit _ -> BlockReason.RiskHalt

    let ofRiskViolation = function
        | PositionLimitExceeded _ -> BlockReason.PositionLimit
        | NotionalLimitExceeded _ -> BlockReason.NotionalLimit
        | DailyTradesExhausted _ -> BlockReason.DailyTradeLimit
        | DailyLossReached _ -> BlockReason.DailyLossLimit
        | RiskViolation.InsufficientFunds _ -> BlockReason.InsufficientFunds
        | FundsNotInDollars _ -> BlockReason.AccountCurrency

/// What the scalper wants to do: trade `SignedShares` of the hedge instrument at about `ReferencePrice`.
type HedgeIntent =
    { SignedShares: int
      ReferencePrice: float
      Trigger: string }

type GuardDecision =
    | Allow
    /// At least one reason, always (the first is not optional by construction).
    | Block of BlockReason * BlockReason list

module GuardDecision =
    let reasons = function
        | Allow -> []
        | Block(r, rs) -> r :: rs

module ExecutionGuard =
    /// Reasons that hold whatever the order: the state of the world and of the FSM.
    let standingReasons (c: CompositeState) =
        [ match c.Control with
          | PausedControl -> BlockReason.Paused
          | StoppingControl -> BlockReason.Stopping
          | HaltedControl -> BlockReason.RiskHalt
          | NotSynced -> BlockReason.NotReconciled
          | Trading -> ()
          if c.Risk = RiskHalted && c.Control <> HaltedControl then BlockReason.RiskHalt
          if c.Broker = BrokerClass.BrokerDown then BlockReason.BrokerDown
          if not c.StoreOk then BlockReason.StoreUnavailable
          if c.Data <> Fresh then BlockReason.DataLag
          if c.Spread = SpreadClass.SpreadWide then BlockReason.SpreadWide
          if c.PriceJump then BlockReason.PriceJump
          if c.UnderlyingHalted then BlockReason.UnderlyingHalted
          if c.Hours = OutOfHours then BlockReason.OutsideHours
          if c.OrderInFlight then BlockReason.OrderInFlight
          if c.CoolingDown then BlockReason.Cooldown ]

    /// The one gate every strategy hedge passes: total over every input, Block always names ≥ 1 reason.
    /// A hedge that shrinks both the strategy's stock position and |net delta − target| reduces risk: the limits that
    /// cap risk do not apply to it (see Risk.exemptWhenReducing), and an over-notional one is split into children.
    let reducesRisk (c: CompositeState) (intent: HedgeIntent) =
        Risk.reducesRisk c.HedgePosition intent.SignedShares c.DeltaDeviation (float intent.SignedShares)

    /// The risk limits the hedge would break that are waived because it reduces risk (recorded with the order).
    let exempted (c: CompositeState) (intent: HedgeIntent) =
        Risk.preTradeReducing (reducesRisk c intent) c.Limits c.HedgePosition intent.SignedShares intent.ReferencePrice
            c.TradesToday c.DailyPnl c.AvailableFunds 1
        |> snd |> List.map BlockReason.ofRiskViolation

    let evaluate (c: CompositeState) (intent: HedgeIntent) : GuardDecision =
        let sizeReasons =
            [ if abs intent.SignedShares < max 1 c.MinHedgeShares then BlockReason.BelowMinSize
              yield!
                  Risk.preTradeReducing (reducesRisk c intent) c.Limits c.HedgePosition intent.SignedShares intent.ReferencePrice
                      c.TradesToday c.DailyPnl c.AvailableFunds 1
                  |> fst |> List.map BlockReason.ofRiskViolation ]
        match standingReasons c @ sizeReasons |> List.distinct with
        | [] -> Allow
        | r :: rs -> Block(r, rs)
