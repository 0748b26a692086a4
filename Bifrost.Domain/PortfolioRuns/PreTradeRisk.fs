namespace Bifrost.Domain.PortfolioRuns

open System
open Bifrost.Domain

/// Portfolio pre-trade limits. Constrained: built only through `PortfolioRiskLimits.create`.
type PortfolioRiskLimits =
    private
        { maxPositionFraction: float
          maxPositionShares: int
          maxOrderNotional: float
          maxDailyTrades: int
          dailyLossLimit: float
          maxDrawdown: float
          maxSectorWeight: float option
          sectors: Map<string, string>
          maxGrossWeight: float }
    /// Largest |position| value as a fraction of portfolio value, (0, 1].
    member l.MaxPositionFraction = l.maxPositionFraction
    member l.MaxPositionShares = l.maxPositionShares
    member l.MaxOrderNotional = l.maxOrderNotional
    member l.MaxDailyTrades = l.maxDailyTrades
    /// Positive amount: no new exposure once the day's P&L is at −DailyLossLimit.
    member l.DailyLossLimit = l.dailyLossLimit
    /// Positive amount: no new exposure once equity is this far below its high-water mark.
    member l.MaxDrawdown = l.maxDrawdown
    /// Largest gross weight of one sector, (0, 1]; None = no sector check.
    member l.MaxSectorWeight = l.maxSectorWeight
    /// Symbol → sector.
    member l.Sectors = l.sectors
    /// Largest gross exposure (Σ |shares| × price over the portfolio's holdings) as a multiple of NetLiquidation,
    /// (0, 10]. AvailableFunds in a margin account is buying power, not cash: without this, each run could add leverage.
    member l.MaxGrossWeight = l.maxGrossWeight

module PortfolioRiskLimits =
    let create maxPositionFraction maxPositionShares maxOrderNotional maxDailyTrades dailyLossLimit maxDrawdown
               (maxSectorWeight: float option) (sectors: Map<string, string>) (maxGrossWeight: float) =
        let positive (v: float) = Double.IsFinite v && v > 0.0
        if not (maxPositionFraction > 0.0 && maxPositionFraction <= 1.0) then
            ValidationError.make "portfolio.risk.max_position_fraction" $"must be in (0, 1], got {maxPositionFraction}"
        elif maxPositionShares <= 0 then ValidationError.make "portfolio.risk.max_position_shares" "must be > 0"
        elif not (positive maxOrderNotional) then ValidationError.make "portfolio.risk.max_order_notional" "must be > 0"
        elif maxDailyTrades <= 0 then ValidationError.make "portfolio.risk.max_daily_trades" "must be > 0"
        elif not (positive dailyLossLimit) then ValidationError.make "portfolio.risk.daily_loss_limit" "must be > 0"
        elif not (positive maxDrawdown) then ValidationError.make "portfolio.risk.max_drawdown" "must be > 0"
        elif maxSectorWeight |> Option.exists (fun w -> not (w > 0.0 && w <= 1.0)) then
            ValidationError.make "portfolio.risk.max_sector_weight" $"must be in (0, 1], got {maxSectorWeight.Value}"
        elif not (maxGrossWeight > 0.0 && maxGrossWeight <= 10.0) then
            ValidationError.make "portfolio.risk.max_gross_weight" $"must be in (0, 10], got {maxGrossWeight}"
        elif sectors |> Map.exists (fun s sec -> String.IsNullOrWhiteSpace s || String.IsNullOrWhiteSpace sec) then
            ValidationError.make "portfolio.sectors" "symbols and sector names must not be empty"
        else
            Ok { maxPositionFraction = maxPositionFraction; maxPositionShares = maxPositionShares; maxOrderNotional = maxOrderNotional
                 maxDailyTrades = maxDailyTrades; dailyLossLimit = dailyLossLimit; maxDrawdown = maxDrawdown
                 maxSectorWeight = maxSectorWeight; sectors = sectors; maxGrossWeight = maxGrossWeight }

/// The account and the day, as pre-trade sees them.
type PreTradeContext =
    { PortfolioValue: float
      CashAvailable: float
      TradesToday: int
      DailyPnl: float
      /// High-water mark minus equity (>= 0); NaN when the P&L is unknown (then no new exposure).
      Drawdown: float
      /// Current strategy-owned shares per symbol (all symbols, not only the snapshot's).
      Positions: Map<string, int>
      /// Current prices: held symbols outside the snapshot are valued at them (sector weights), and a snapshot line at
      /// the higher of its frozen price and this one (`PreTradeRisk.priceOf`).
      Prices: Map<string, float> }

/// A named reason a snapshot may not run. Stored with the run.
[<RequireQualifiedAccess>]
type PreTradeBlock =
    | PositionLimit of symbol: string * weight: float * max: float
    | PositionSharesLimit of symbol: string * shares: int * max: int
    | OrderNotionalLimit of symbol: string * notional: float * max: float
    | InsufficientCash of needed: float * available: float
    | DailyTradesLimit of projected: int * max: int
    | DailyLossLimit of pnl: float * limit: float
    | DrawdownLimit of drawdown: float * max: float
    | SectorConcentration of sector: string * weight: float * max: float
    | SectorUnmapped of symbol: string
    | UnpricedPosition of symbol: string
    | NoPortfolioValue of value: float
    | GrossLimit of gross: float * max: float * portfolioValue: float

module PreTradeBlock =
    let code = function
        | PreTradeBlock.PositionLimit _ -> "POSITION_LIMIT" | PreTradeBlock.PositionSharesLimit _ -> "POSITION_SHARES_LIMIT"
        | PreTradeBlock.OrderNotionalLimit _ -> "NOTIONAL_LIMIT" | PreTradeBlock.InsufficientCash _ -> "INSUFFICIENT_CASH"
        | PreTradeBlock.DailyTradesLimit _ -> "DAILY_TRADES_LIMIT" | PreTradeBlock.DailyLossLimit _ -> "DAILY_LOSS_LIMIT" | PreTradeBlock.DrawdownLimit _ -> "MAX_DRAWDOWN"
        | PreTradeBlock.SectorConcentration _ -> "SECTOR_CONCENTRATION" | PreTradeBlock.SectorUnmapped _ -> "SECTOR_UNMAPPED"
        | PreTradeBlock.UnpricedPosition _ -> "NO_PRICE" | PreTradeBlock.NoPortfolioValue _ -> "NO_PORTFOLIO_VALUE"
        | PreTradeBlock.GrossLimit _ -> "GROSS_LIMIT"

    let describe (b: PreTradeBlock) =
        let detail =
            match b with
            | PreTradeBlock.PositionLimit(s, w, m) -> $"{s} target {w:P1} of portfolio > {m:P1}"
            | PreTradeBlock.PositionSharesLimit(s, q, m) -> $"{s} target {q} shares > {m}"
            | PreTradeBlock.OrderNotionalLimit(s, n, m) -> $"{s} order {n:F2} > {m:F2}"
            | PreTradeBlock.InsufficientCash(n, a) -> $"additions cost {n:F2} > cash {a:F2}"
            | PreTradeBlock.DailyTradesLimit(p, m) -> $"{p} trades today with this snapshot > {m}"
            | PreTradeBlock.DailyLossLimit(p, l) when Double.IsNaN p -> $"day P&L unknown (a holding has no mark), limit -{l:F2}"
            | PreTradeBlock.DailyLossLimit(p, l) -> $"day P&L {p:F2} at or below -{l:F2}"
            | PreTradeBlock.DrawdownLimit(d, m) when Double.IsNaN d -> $"drawdown unknown (a holding has no mark), limit {m:F2}"
            | PreTradeBlock.DrawdownLimit(d, m) -> $"drawdown {d:F2} >= {m:F2}"
            | PreTradeBlock.SectorConcentration(s, w, m) -> $"sector {s} at {w:P1} > {m:P1}"
            | PreTradeBlock.SectorUnmapped s -> $"{s} has no sector in the sector map"
            | PreTradeBlock.UnpricedPosition s -> $"{s} has no price to value it"
            | PreTradeBlock.NoPortfolioValue v -> $"NetLiquidation {v} is not a positive amount"
            | PreTradeBlock.GrossLimit(g, m, v) -> $"gross exposure {g:F2}x > max_gross_weight {m:F2}x NetLiquidation {v:F2}"
        $"{code b}: {detail}"

/// Pre-trade checks of a snapshot, per order and as a whole. Limits cap risk: an order that only reduces |position|
/// is never blocked by them, and the account-level limits (daily loss, drawdown, trades) only stop new exposure.
/// Any block stops the whole run (a half-executed rebalance is a portfolio nobody decided on).
module PreTradeRisk =
    /// High-water mark minus equity, at least 0, NaN when either is unknown (F#'s `max 0.0 nan` is 0.0: "no drawdown").
    let drawdown (highWater: float) (equity: float) =
        let d = highWater - equity
        if Double.IsNaN d then nan else max 0.0 d

    let private position (ctx: PreTradeContext) symbol = ctx.Positions |> Map.tryFind symbol |> Option.defaultValue 0

    /// The price a line is judged at: the higher of the price it was sized at and the current one. A snapshot re-run
    /// days later, or a slot executing minutes after its build, trades at today's price; judged at the frozen price
    /// alone, a risen stock passed the position and notional limits it breaks when the order fills.
    let priceOf (ctx: PreTradeContext) (line: SnapshotLine) =
        let valid p = Double.IsFinite p && p > 0.0
        match ctx.Prices |> Map.tryFind line.Symbol with
        | Some now when valid now && not (valid line.Price && line.Price >= now) -> now
        | _ -> line.Price

    /// Blocks of one line of the snapshot, with the order taken from the live position.
    let checkLine (limits: PortfolioRiskLimits) (ctx: PreTradeContext) (line: SnapshotLine) =
        let current = position ctx line.Symbol
        let order = line.Target - current
        let adds = Sizing.exposureAdded current line.Target > 0
        let price = priceOf ctx line
        if not (Snapshot.isTrading line) || order = 0 || not adds then []
        elif not (Double.IsFinite price && price > 0.0) then [ PreTradeBlock.UnpricedPosition line.Symbol ]
        else
            let weight = float (abs line.Target) * price / ctx.PortfolioValue
            let notional = float (abs order) * price
            [ if weight > limits.MaxPositionFraction then PreTradeBlock.PositionLimit(line.Symbol, weight, limits.MaxPositionFraction)
              if abs line.Target > limits.MaxPositionShares then PreTradeBlock.PositionSharesLimit(line.Symbol, abs line.Target, limits.MaxPositionShares)
              if notional > limits.MaxOrderNotional then PreTradeBlock.OrderNotionalLimit(line.Symbol, notional, limits.MaxOrderNotional) ]

    /// Gross weight per sector with the given positions (symbol → shares) and prices.
    let sectorWeights (limits: PortfolioRiskLimits) (portfolioValue: float) (holdings: (string * int * float) list) =
        holdings
        |> List.choose (fun (sym, q, px) -> limits.Sectors |> Map.tryFind sym |> Option.map (fun sec -> sec, float (abs q) * px))
        |> List.groupBy fst
        |> List.map (fun (sec, xs) -> sec, (xs |> List.sumBy snd) / portfolioValue)
        |> Map.ofList

    /// A holding's price for weights: its snapshot line's (`priceOf`), else the current price (NaN: none).
    let private holdingPrice (ctx: PreTradeContext) (snapshot: Snapshot) sym =
        match snapshot.Lines |> List.tryFind (fun l -> l.Symbol = sym) with
        | Some l when Double.IsFinite(priceOf ctx l) -> priceOf ctx l
        | _ -> ctx.Prices |> Map.tryFind sym |> Option.defaultValue nan

    let private sectorBlocks (limits: PortfolioRiskLimits) (ctx: PreTradeContext) (snapshot: Snapshot) (adding: SnapshotLine list) =
        match limits.MaxSectorWeight with
        | None -> []
        | Some maxW ->
            let unmapped = adding |> List.filter (fun l -> not (limits.Sectors.ContainsKey l.Symbol)) |> List.map (fun l -> PreTradeBlock.SectorUnmapped l.Symbol)
            let priceOf = holdingPrice ctx snapshot
            let symbols = Seq.append ctx.Positions.Keys (snapshot.Lines |> Seq.map _.Symbol) |> Seq.distinct |> List.ofSeq
            let before = symbols |> List.map (fun s -> s, position ctx s, priceOf s)
            let after = symbols |> List.map (fun s -> s, Snapshot.target s snapshot |> Option.defaultValue (position ctx s), priceOf s)
            // A held symbol without a price cannot be valued: its sector's weight is unknown, so adding to it is refused.
            let unpriced =
                after |> List.filter (fun (s, q, px) -> q <> 0 && not (Double.IsFinite px) && limits.Sectors.ContainsKey s)
                |> List.map (fun (s, _, _) -> PreTradeBlock.UnpricedPosition s)
            let wBefore = sectorWeights limits ctx.PortfolioValue before
            let wAfter = sectorWeights limits ctx.PortfolioValue after
            let addedSectors = adding |> List.choose (fun l -> limits.Sectors |> Map.tryFind l.Symbol) |> Set.ofList
            let concentrated =
                wAfter
                |> Map.toList
                |> List.filter (fun (sec, w) ->
                    addedSectors.Contains sec && w > maxW && w > (wBefore |> Map.tryFind sec |> Option.defaultValue 0.0))
                |> List.map (fun (sec, w) -> PreTradeBlock.SectorConcentration(sec, w, maxW))
            let unpricedInAdded =
                unpriced |> List.filter (function
                    | PreTradeBlock.UnpricedPosition s -> addedSectors.Contains limits.Sectors.[s]
                    | _ -> false)
            unmapped @ unpricedInAdded @ concentrated

    /// Gross exposure after the snapshot over before it, as multiples of the portfolio value: every held symbol and every
    /// snapshot line, at the snapshot's target or the held position, valued as the sector check values them. A run
    /// that adds exposure may not take gross above max_gross_weight, unless it leaves gross lower than it found it (a
    /// rebalance out of an over-levered book is a reduction). A holding without a price makes gross unknown: NO_PRICE.
    let private grossBlocks (limits: PortfolioRiskLimits) (ctx: PreTradeContext) (snapshot: Snapshot) =
        let priceOf = holdingPrice ctx snapshot
        let symbols = Seq.append ctx.Positions.Keys (snapshot.Lines |> Seq.map _.Symbol) |> Seq.distinct |> List.ofSeq
        let gross qtyOf =
            symbols |> List.sumBy (fun s -> match qtyOf s with 0 -> 0.0 | q -> float (abs q) * priceOf s) |> fun g -> g / ctx.PortfolioValue
        let before = gross (position ctx)
        let after = gross (fun s -> Snapshot.target s snapshot |> Option.defaultValue (position ctx s))
        if Double.IsNaN after then
            symbols |> List.filter (fun s -> (Snapshot.target s snapshot |> Option.defaultValue (position ctx s)) <> 0 && Double.IsNaN(priceOf s))
            |> List.map PreTradeBlock.UnpricedPosition
        elif after > limits.MaxGrossWeight && not (after < before) then [ PreTradeBlock.GrossLimit(after, limits.MaxGrossWeight, ctx.PortfolioValue) ]
        else []

    /// The lines that add exposure (every limit judges these only).
    let private adding (ctx: PreTradeContext) (snapshot: Snapshot) =
        Snapshot.tradingLines snapshot
        |> List.filter (fun l -> l.Target <> position ctx l.Symbol && Sizing.exposureAdded (position ctx l.Symbol) l.Target > 0)

    let private checkValued (limits: PortfolioRiskLimits) (ctx: PreTradeContext) (snapshot: Snapshot) =
        let adding = adding ctx snapshot
        let perLine = snapshot.Lines |> List.collect (checkLine limits ctx)
        let addCost = adding |> List.sumBy (fun l -> float (Sizing.exposureAdded (position ctx l.Symbol) l.Target) * priceOf ctx l)
        let whole =
            if adding.IsEmpty then []
            else
                // Unknown cash (NaN: no AvailableFunds reported since the start) fails closed; `addCost > NaN` alone
                // would pass it. An unpriced line's unknown cost is NO_PRICE's to block.
                [ if Double.IsNaN ctx.CashAvailable || addCost > ctx.CashAvailable then PreTradeBlock.InsufficientCash(addCost, ctx.CashAvailable)
                  if ctx.TradesToday + adding.Length > limits.MaxDailyTrades then PreTradeBlock.DailyTradesLimit(ctx.TradesToday + adding.Length, limits.MaxDailyTrades)
                  // Unknown (NaN: a holding without a mark) fails closed; `NaN <= -limit` alone would pass it.
                  if not (ctx.DailyPnl > -limits.DailyLossLimit) then PreTradeBlock.DailyLossLimit(ctx.DailyPnl, limits.DailyLossLimit)
                  if not (ctx.Drawdown < limits.MaxDrawdown) then PreTradeBlock.DrawdownLimit(ctx.Drawdown, limits.MaxDrawdown) ]
        let gross = if adding.IsEmpty then [] else grossBlocks limits ctx snapshot
        perLine @ whole @ gross @ sectorBlocks limits ctx snapshot adding |> List.distinct // an unpriced holding: one NO_PRICE

    /// Every block of the snapshot; empty = it may run. Without a portfolio value no weight can be judged, so nothing
    /// may add exposure; a snapshot that only reduces needs no weight and goes (limits never block the reducing trade).
    let check (limits: PortfolioRiskLimits) (ctx: PreTradeContext) (snapshot: Snapshot) : PreTradeBlock list =
        if Double.IsFinite ctx.PortfolioValue && ctx.PortfolioValue > 0.0 then checkValued limits ctx snapshot
        elif (adding ctx snapshot).IsEmpty then []
        else [ PreTradeBlock.NoPortfolioValue ctx.PortfolioValue ]
