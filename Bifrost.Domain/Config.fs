namespace Bifrost.Domain

/// Units of a fixed hedge band.
type BandUnit =
    /// Shares of the underlying.
    | Shares
    /// Option-contract deltas: one unit = one contract multiplier of shares (100 for US equity options).
    | ContractDeltas

/// When the scalper re-hedges. Several rules may be active; any one that fires triggers a hedge.
type HedgeRule =
    /// Hedge when |net delta − target| exceeds the half-width.
    | FixedBand of halfWidth: float * unit: BandUnit
    /// Hedge at a fixed interval, whatever the delta (still subject to the minimum size).
    | TimeInterval of every: Duration
    /// Hedge when the underlying has moved this fraction (e.g. 0.002 = 20 bp) since the last hedge.
    | PriceMove of fraction: float
    /// Whalley–Wilmott half-width w = (3·c·Γ²·S/(2·a))^(1/3), in shares with the book's gamma in shares per $.
    | WhalleyWilmott of proportionalCost: float * riskAversion: float

/// Where a triggered hedge aims.
type HedgeTarget =
    | ToTarget
    /// To the nearer band edge (Whalley–Wilmott's optimal policy): trades less.
    | ToBandEdge

/// One long (or short) option position the strategy scalps.
type LegConfig =
    { Option: OptionContract
      /// The strategy-owned quantity of this leg (contracts), adopted from the account at sync.
      Quantity: int }

type StrategyConfig =
    { Underlying: Stock
      Legs: LegConfig list
      /// Target net delta in shares (0: delta-neutral).
      TargetDelta: float
      Rules: HedgeRule list
      HedgeTo: HedgeTarget
      /// Hedges are rounded (toward zero) to this many shares.
      LotSize: int
      /// threshold_hedge_shares: a hedge smaller than this is blocked as BELOW_MIN_SIZE.
      MinHedgeShares: int
      /// The D1 "drifting" class starts at this fraction of the band half-width.
      DriftFraction: float
      /// Beyond this |delta − target| (shares) the delta class is D3 (hard limit).
      HardDeltaLimit: float
      Cooldown: Duration
      /// A hedge order still working this long after it was sent is cancelled (alert HEDGE_STUCK) and the hedge is
      /// decided again at the current price once the cancel is confirmed.
      HedgeTimeout: Duration
      /// Hedge order type: market, or a marketable limit this many bps through the touch.
      HedgeLimitOffsetBps: float option
      RiskFreeRate: float
      DividendYield: float
      /// Volatility used until an implied volatility is known for a leg.
      FallbackVol: float }

type GuardConfig =
    { /// A quote older than this (receive time) is lagging; older than StaleAfter is stale.
      LagAfter: Duration
      StaleAfter: Duration
      /// A quote whose receive time trails its venue time by more than this is lagging.
      MaxFeedLatency: Duration
      /// Underlying spread above this (bps of mid) is wide.
      MaxSpreadBps: float
      /// An underlying mid this far (percent) from the last accepted one is held as a possible bad quote: not priced,
      /// not hedged on, no limit judged on it, until quotes at its level have stood for JumpConfirm.
      MaxJumpPct: float
      JumpConfirm: Duration
      /// An option leg's mid this many vol points (of its vega) from its model value at its accepted vol — or a quote
      /// wider than twice that — is held the same way: the leg keeps its accepted mark and vol.
      MaxOptionJumpVolPoints: float }

type RiskLimits =
    { /// Max |strategy quantity| per instrument (shares or contracts).
      MaxPosition: int
      MaxOrderNotional: float
      MaxDailyTrades: int
      /// Positive amount: halt when the day's strategy P&L falls to −DailyLossLimit.
      DailyLossLimit: float
      /// Positive amount: halt when equity falls this far below its high-water mark.
      MaxDrawdown: float
      /// Strategy P&L (since start) at or below −StopLoss halts.
      StopLoss: float option
      /// Strategy P&L (since start) at or above TakeProfit halts.
      TakeProfit: float option
      /// Fraction of a limit at which risk is "near limit" (degraded, not blocked).
      NearFraction: float
      /// Require the broker's available funds to cover an order's notional (when the broker has reported them).
      CheckBuyingPower: bool }

type AfterFlatten =
    | PauseAfterFlatten
    | StopAfterFlatten

type FlattenTarget =
    /// Sell or buy the whole strategy-owned hedge to zero shares.
    | FlatZero
    /// Trade the hedge to offset the option book's delta (delta-neutral, hedge kept).
    | FlatBookDelta

type ControlConfig =
    { CancelOnStop: bool
      AfterFlatten: AfterFlatten
      FlattenTarget: FlattenTarget
      /// How long Stopping waits for cancels to be confirmed before exiting anyway.
      StopTimeout: Duration
      /// Expected interval of self-check clock ticks; the heartbeat is older than 3× this → unhealthy.
      SelfCheckEvery: Duration
      /// Other Bifrost run ids that may have orders on this account (`reconcile.expected_other_runs`); any other
      /// run's order or execution at sync is ANOTHER_ENGINE.
      ExpectedOtherRuns: string list
      /// This engine's IB client id (the daemon's connection.client_id; None in a backtest): a ref of this run placed
      /// by another client id is a second engine with the same run_id (a copied configuration or store).
      ClientId: int option
      /// Fat-finger ceiling per manual order (shares or contracts): even a risk bypass cannot pass it.
      MaxManualQuantity: int
      /// Fat-finger ceiling per manual order (money, quantity × price × multiplier): even a risk bypass cannot pass it.
      MaxManualNotional: float
      /// A limit price further than this fraction from the current mid is refused (price-sanity band).
      LimitPriceBand: float
      /// An operator run whose orders are still working after this long has them cancelled and ends partial/failed.
      RunTimeout: Duration
      /// An order the broker reports done whose fills have not all arrived as executions after this long
      /// (`reconcile.execution_wait_seconds`) has the account reconciled (alert EXECUTIONS_OVERDUE): the hedger waits
      /// for it meanwhile, and a fill the broker's executions still do not show halts on ORDER_OUTCOME_UNKNOWN.
      ExecutionWait: Duration }

type Mode =
    | Paper
    | Live

type Config =
    { RunId: string
      Account: string
      Mode: Mode
      Strategy: StrategyConfig
      Guards: GuardConfig
      Risk: RiskLimits
      Calendar: SessionCalendar
      Control: ControlConfig }

module Config =
    /// The configuration with the client id the daemon connects as (C#: the daemon sets it after parsing).
    let WithClientId (clientId: int, cfg: Config) = { cfg with Control = { cfg.Control with ClientId = Some clientId } }

    /// The highest order sequence a run can reach: every order also takes an IB order id, a positive int32.
    let maxOrderSequence = int64 System.Int32.MaxValue

    /// The highest control id the daemon turns into an order run (manual, rebalance): 11 digits, which with a run_id
    /// of at most `maxRunIdLength` keeps every order ref within 40 characters. Larger ids are refused at the queue.
    let maxRunControlId = 99_999_999_999L

    /// Order refs are `oi_{run}_{seq}`; the longest run a config mints is `{run_id}-man{control id}` or
    /// `{run_id}-flat{seq}`, so run_id may use what is left of the 40 characters after those at their longest.
    let derivedRunIds (runId: string) =
        [ runId; $"{runId}-man{maxRunControlId}"; $"{runId}-reb{maxRunControlId}"; $"{runId}-flat{maxOrderSequence}" ]

    /// The longest ref each derived run can mint: `oi_{run}_{seq}` at the highest sequence.
    let private longestRefs (runId: string) = derivedRunIds runId |> List.map (fun run -> $"oi_{run}_{maxOrderSequence}")

    /// The longest run_id whose every order ref fits IB's orderRef (derived from the formats above, not hard-coded).
    let maxRunIdLength = OrderRef.maxLength - (longestRefs "" |> List.map String.length |> List.max)

    /// The first reason this run_id cannot mint every order ref it may need, if any.
    let checkRunId (runId: string) =
        if runId.Length > maxRunIdLength then
            let longest = longestRefs runId |> List.maxBy String.length
            Some(
                $"'{runId}' is {runId.Length} characters; at most {maxRunIdLength} fit: every order ref must fit IB's "
                + $"{OrderRef.maxLength}-character orderRef, and the longest this run_id could mint is '{longest}' "
                + $"({longest.Length} characters: oi_, the run_id, the run's suffix -flat{{n}} or -man/-reb{{control id}}, then _ and "
                + $"the order sequence; n and the sequence go up to {maxOrderSequence} (one per IB order id), control ids to "
                + $"{string maxRunControlId |> String.length} digits)")
        else
            longestRefs runId
            |> List.tryPick (fun ref ->
                match OrderRef.create ref with
                | Ok _ -> None
                | Error e -> Some $"'{runId}' cannot be part of an order ref ({e.Message})")

    /// IB account ids: paper `DU`/`DF` + digits, live `U` + digits.
    let isPaperAccount (account: string) =
        not (isNull account) && account.Length > 2 && (account.StartsWith "DU" || account.StartsWith "DF")
        && account |> Seq.skip 2 |> Seq.forall System.Char.IsAsciiDigit

    let isLiveAccount (account: string) =
        not (isNull account) && account.Length > 1 && account.StartsWith "U" && account |> Seq.skip 1 |> Seq.forall System.Char.IsAsciiDigit

    /// For a run nobody watches (a backtest): no status heartbeat, whose snapshot (with its self-check) would be
    /// built every `self_check_seconds` and discarded; status is still published whenever the FSM moves.
    let withoutHeartbeat (cfg: Config) = { cfg with Control = { cfg.Control with SelfCheckEvery = System.Int64.MaxValue / 4L } }

    let legMultiplier (cfg: Config) =
        match cfg.Strategy.Legs with
        | l :: _ -> l.Option.Multiplier
        | [] -> 100

    /// Bounds on counts, so no product of them overflows downstream.
    let maxShares = 10_000_000
    let maxLegContracts = 100_000
    let maxDailyTrades = 1_000_000

    /// A symbol IB could not look up as written: empty, over 12 characters, a control character, surrounding blanks.
    let private badSymbol (symbol: string) =
        System.String.IsNullOrWhiteSpace symbol || symbol.Length > 12 || symbol.Trim() <> symbol || Seq.exists System.Char.IsControl symbol

    /// The smallest hedge the hedger sends: whole lots, at least min_hedge_shares (lots of 60 with a minimum of 70: 120).
    let private smallestHedge (s: StrategyConfig) =
        let lot = max 1 s.LotSize
        let lots = (max s.MinHedgeShares lot + lot - 1) / lot
        float lot * float lots

    /// A fixed band (shares, or contract deltas at the legs' smallest multiplier) narrower than `shares`.
    let private bandNarrowerThan (s: StrategyConfig) (shares: float) =
        let multiplier = match s.Legs with [] -> 100 | legs -> legs |> List.map (fun l -> l.Option.Multiplier) |> List.min
        s.Rules |> List.exists (function
            | FixedBand(w, Shares) -> w < shares
            | FixedBand(w, ContractDeltas) -> w * float multiplier < shares
            | _ -> false)

    /// A text as the operator can read it in an error: quoted, control characters shown as \uXXXX.
    let private shownText (text: string) =
        let shown = (if isNull text then "" else text) |> String.collect (fun c -> if System.Char.IsControl c then $"\\u{int c:X4}" else string c)
        "'" + shown + "'"

    /// Validates cross-field rules; the first error names the key.
    let validate (cfg: Config) : Result<Config, ValidationError> =
        let s = cfg.Strategy
        let err k m = ValidationError.make k m
        if System.String.IsNullOrWhiteSpace cfg.RunId then err "run_id" "must not be empty"
        elif (checkRunId cfg.RunId).IsSome then err "run_id" (checkRunId cfg.RunId).Value
        elif System.String.IsNullOrEmpty cfg.Account then err "account" "must not be empty"
        elif not (isPaperAccount cfg.Account || isLiveAccount cfg.Account) then
            err "account" $"'{cfg.Account}' is not an IB account id (paper: DU or DF + digits; live: U + digits)"
        elif cfg.Mode = Paper && not (isPaperAccount cfg.Account) then
            err "account" $"'{cfg.Account}' is a live account but mode is paper (paper accounts start with DU or DF)"
        elif cfg.Mode = Live && isPaperAccount cfg.Account then
            err "account" $"'{cfg.Account}' is a paper account but mode is live"
        elif s.Legs |> List.exists (fun l -> abs l.Quantity > maxLegContracts) then err "strategy.legs.quantity" $"must be within ±{maxLegContracts}"
        elif s.LotSize > maxShares then err "strategy.lot_size" $"must be <= {maxShares}"
        elif s.MinHedgeShares > maxShares then err "strategy.min_hedge_shares" $"must be <= {maxShares}"
        elif cfg.Risk.MaxPosition > maxShares then err "risk.max_position" $"must be <= {maxShares}"
        elif cfg.Risk.MaxDailyTrades > maxDailyTrades then err "risk.max_daily_trades" $"must be <= {maxDailyTrades}"
        elif cfg.Control.MaxManualQuantity <= 0 || cfg.Control.MaxManualQuantity > maxShares then
            err "control.max_manual_quantity" $"must be in 1..{maxShares}"
        elif not (cfg.Control.MaxManualNotional > 0.0) then err "control.max_manual_notional" "must be > 0"
        elif not (cfg.Control.LimitPriceBand > 0.0 && cfg.Control.LimitPriceBand <= 1.0) then err "control.limit_price_band" "must be in (0, 1]"
        elif cfg.Control.RunTimeout <= 0L then err "control.run_timeout_seconds" "must be > 0"
        elif cfg.Control.ExecutionWait <= 0L || cfg.Control.ExecutionWait > Duration.ofSeconds 3600.0 then
            err "reconcile.execution_wait_seconds" "must be in (0, 3600] seconds (the hedger waits for the executions meanwhile)"
        elif cfg.Control.StopTimeout <= 0L then err "control.stop_timeout_seconds" "must be > 0"
        elif cfg.Control.SelfCheckEvery <= 0L then err "control.self_check_seconds" "must be > 0"
        elif cfg.Strategy.Cooldown < 0L then err "strategy.cooldown_seconds" "must be >= 0"
        elif cfg.Strategy.HedgeTimeout <= 0L then err "strategy.hedge_timeout_seconds" "must be > 0"
        elif s.LotSize <= 0 then err "strategy.lot_size" $"must be > 0, got {s.LotSize}"
        elif s.MinHedgeShares < 0 then err "strategy.min_hedge_shares" "must be >= 0"
        elif s.Rules.IsEmpty then err "strategy.rules" "at least one hedge rule is required"
        elif s.DriftFraction <= 0.0 || s.DriftFraction > 1.0 then err "strategy.drift_fraction" "must be in (0, 1]"
        elif s.HardDeltaLimit <= 0.0 then err "strategy.hard_delta_limit" "must be > 0"
        elif not (s.FallbackVol > 0.0 && s.FallbackVol <= 5.0) then err "strategy.fallback_vol" "must be in (0, 5] (500 % a year)"
        elif not (s.RiskFreeRate >= -1.0 && s.RiskFreeRate <= 1.0) then err "strategy.risk_free_rate" "must be in [-1, 1] (a fraction a year)"
        elif not (s.DividendYield >= -1.0 && s.DividendYield <= 1.0) then err "strategy.dividend_yield" "must be in [-1, 1] (a fraction a year)"
        elif not (abs s.TargetDelta <= s.HardDeltaLimit) then err "strategy.target_delta" "must be within ±hard_delta_limit"
        // A negative offset prices the hedge away from the market (it never fills); beyond 10 % it is a typo.
        elif s.HedgeLimitOffsetBps |> Option.exists (fun b -> not (b >= 0.0 && b <= 1_000.0)) then
            err "strategy.hedge_limit_offset_bps" "must be in [0, 1000]"
        elif (s.Legs |> List.countBy (fun l -> l.Option.ContractId) |> List.exists (fun (_, n) -> n > 1))
             || (s.Legs |> List.countBy (fun l -> l.Option.Right, l.Option.Strike, l.Option.Expiry) |> List.exists (fun (_, n) -> n > 1)) then
            err "strategy.legs" "the same option is listed twice (one leg per contract: sum the quantities)"
        elif not (cfg.Guards.MaxSpreadBps > 0.0 && cfg.Guards.MaxSpreadBps <= 10_000.0) then
            err "guards.max_spread_bps" "must be in (0, 10000] (0 blocks every hedge; beyond 10,000, a spread as wide as the price, it guards nothing)"
        elif cfg.Risk.StopLoss |> Option.exists (fun v -> not (v > 0.0)) then err "risk.stop_loss" "must be > 0 (a loss amount)"
        elif cfg.Risk.TakeProfit |> Option.exists (fun v -> not (v > 0.0)) then err "risk.take_profit" "must be > 0 (a profit amount)"
        // IB looks the contract up by this text (and the operator reads it in every log line): a control character or
        // surrounding blank is a typo that resolves to nothing, or to another contract.
        elif badSymbol s.Underlying.Symbol then
            err "strategy.underlying.symbol" $"must be 1-12 printable characters without surrounding blanks, got {shownText s.Underlying.Symbol}"
        elif s.Legs |> List.exists (fun l -> l.Option.Underlying <> s.Underlying.Symbol) then
            err "strategy.legs" $"every leg's underlying must be {s.Underlying.Symbol}"
        elif s.Rules |> List.exists (function FixedBand(w, _) -> not (w > 0.0) | _ -> false) then err "strategy.rules.band" "half-width must be > 0"
        // A hedge rounds to whole lots toward zero and waits below min_hedge_shares: a band narrower than the smallest hedge is
        // never kept (delta stands outside it, YELLOW for good, until it is a lot away), whatever the file says.
        elif bandNarrowerThan s (smallestHedge s) then
            err "strategy.rules.band" $"half-width is narrower than a hedge can trade ({smallestHedge s:F0} shares: strategy.lot_size {s.LotSize}, strategy.min_hedge_shares {s.MinHedgeShares}): delta would stand outside the band; widen it or lower those"
        // Every band is clamped to the hard limit (Bands): one below what a hedge can trade leaves delta beyond it, RED for good.
        elif s.HardDeltaLimit < smallestHedge s then
            err "strategy.hard_delta_limit" $"{s.HardDeltaLimit} is narrower than a hedge can trade ({smallestHedge s:F0} shares: strategy.lot_size {s.LotSize}, strategy.min_hedge_shares {s.MinHedgeShares}): every band is clamped to it and delta would stand beyond it; widen it or lower those"
        elif s.Rules |> List.exists (function WhalleyWilmott(c, a) -> not (c > 0.0 && a > 0.0) | _ -> false) then
            err "strategy.rules.whalley_wilmott" "cost and risk aversion must be > 0"
        elif s.Rules |> List.exists (function TimeInterval d -> d <= 0L | _ -> false) then err "strategy.rules.interval" "must be > 0"
        elif s.Rules |> List.exists (function PriceMove f -> not (f > 0.0) | _ -> false) then err "strategy.rules.price_move" "must be > 0"
        elif cfg.Guards.StaleAfter < cfg.Guards.LagAfter then err "guards.stale_after" "must be >= guards.lag_after"
        elif not (cfg.Guards.MaxJumpPct > 0.0 && cfg.Guards.MaxJumpPct <= 100.0) then
            err "guards.max_jump_pct" "must be in (0, 100] (percent of the underlying's mid; 100 holds only a halving or worse)"
        elif not (cfg.Guards.MaxOptionJumpVolPoints > 0.0 && cfg.Guards.MaxOptionJumpVolPoints <= 100.0) then
            err "guards.max_option_jump_vol_points" "must be in (0, 100] (vol points of a leg's vega)"
        elif cfg.Guards.JumpConfirm >= cfg.Guards.StaleAfter then
            err "guards.jump_confirm_seconds" "must be < guards.stale_after (a jump held longer is priced by nothing)"
        elif cfg.Risk.MaxPosition <= 0 then err "risk.max_position" "must be > 0"
        // A hedge past ±max_position is sent only for the part within it, and refused whole when that part is under the
        // smallest hedge: below it, no hedge from flat could ever go and the book stood unhedged (POSITION_LIMIT).
        elif float cfg.Risk.MaxPosition < smallestHedge s then
            err "risk.max_position" $"{cfg.Risk.MaxPosition} is below the smallest hedge ({smallestHedge s:F0} shares: strategy.lot_size {s.LotSize}, strategy.min_hedge_shares {s.MinHedgeShares}): no hedge could open a position; raise it or lower those"
        elif cfg.Risk.MaxOrderNotional <= 0.0 then err "risk.max_order_notional" "must be > 0"
        elif cfg.Risk.MaxDailyTrades <= 0 then err "risk.max_daily_trades" "must be > 0"
        elif cfg.Risk.DailyLossLimit <= 0.0 then err "risk.daily_loss_limit" "must be > 0"
        elif cfg.Risk.MaxDrawdown <= 0.0 then err "risk.max_drawdown" "must be > 0"
        elif cfg.Risk.NearFraction <= 0.0 || cfg.Risk.NearFraction >= 1.0 then err "risk.near_fraction" "must be in (0, 1)"
        elif cfg.Calendar.CloseMinute <= cfg.Calendar.OpenMinute then err "calendar.close" "must be after calendar.open"
        // An early close is a shorter day: after the open, before the usual close.
        elif cfg.Calendar.EarlyCloses |> Map.exists (fun _ m -> m <= cfg.Calendar.OpenMinute || m >= cfg.Calendar.CloseMinute) then
            err "calendar.early_closes" "each early close must be after calendar.open and before calendar.close"
        elif cfg.Control.ExpectedOtherRuns |> List.contains cfg.RunId then
            err "reconcile.expected_other_runs" "must not list this run's own run_id (its orders are this engine's)"
        else Ok cfg
