namespace Bifrost.Domain.PortfolioRuns

open System
open Bifrost.Domain

/// How signals become share quantities. Constrained: built only through `SizingConfig.create`.
type SizingConfig =
    private
        { maxPositionSize: float
          lotSize: int
          minOrderShares: int
          minOrderNotional: float
          allowShort: bool }
    /// max_position_size: the largest target of one symbol as a fraction of portfolio value (NetLiquidation), (0, 1].
    member c.MaxPositionSize = c.maxPositionSize
    /// Targets are whole lots of this many shares.
    member c.LotSize = c.lotSize
    /// An order smaller than this many shares is not sent (the position is left as it is).
    member c.MinOrderShares = c.minOrderShares
    /// An order worth less than this (money) is not sent.
    member c.MinOrderNotional = c.minOrderNotional
    /// When false, a sell signal aims at a flat position, never a short one.
    member c.AllowShort = c.allowShort

module SizingConfig =
    let create (maxPositionSize: float) (lotSize: int) (minOrderShares: int) (minOrderNotional: float) (allowShort: bool) =
        if not (maxPositionSize > 0.0 && maxPositionSize <= 1.0) then
            ValidationError.make "portfolio.max_position_size" $"must be in (0, 1], got {maxPositionSize}"
        elif lotSize <= 0 then ValidationError.make "portfolio.lot_size" $"must be > 0, got {lotSize}"
        elif minOrderShares < 0 then ValidationError.make "portfolio.min_order_shares" $"must be >= 0, got {minOrderShares}"
        elif not (Double.IsFinite minOrderNotional && minOrderNotional >= 0.0) then
            ValidationError.make "portfolio.min_order_notional" $"must be a finite amount >= 0, got {minOrderNotional}"
        else
            Ok { maxPositionSize = maxPositionSize; lotSize = lotSize; minOrderShares = minOrderShares
                 minOrderNotional = minOrderNotional; allowShort = allowShort }

/// What the account looks like when sizing (all figures frozen into the snapshot).
type SizingInputs =
    { /// NetLiquidation: the portfolio value every weight is a fraction of.
      PortfolioValue: float
      /// Cash / buying power available for orders that add exposure.
      CashAvailable: float
      /// Price each symbol is sized at (a fresh mid or last).
      Prices: Map<string, float>
      /// Current strategy-owned shares per symbol.
      Positions: Map<string, int> }

/// Why a sized quantity differs from the plain rule.
type SizingNote =
    | Held
    | NoPrice
    | ShortNotAllowed
    | RoundedToLot
    | CappedByCash
    | BelowMinimumOrder

module SizingNote =
    let code = function
        | Held -> "HOLD" | NoPrice -> "NO_PRICE" | ShortNotAllowed -> "SHORT_NOT_ALLOWED" | RoundedToLot -> "ROUNDED_TO_LOT"
        | CappedByCash -> "CAPPED_BY_CASH" | BelowMinimumOrder -> "BELOW_MIN_ORDER"

/// One symbol's sized target.
type SizedLine =
    { Symbol: string
      Action: SignalAction
      /// Target weight from the rule (signed fraction of portfolio value), before rounding and caps.
      Weight: float
      /// Price sized at (NaN when none was known).
      Price: float
      Current: int
      Target: int
      Notes: SizingNote list }
    member l.Order = l.Target - l.Current

/// The sizing rule (docs/portfolio-runs.md, "Sizing"):
///   weight  = direction × score × confidence × max_position_size   (buy +1, sell −1; hold keeps the position;
///             a sell without allow_short aims at 0)
///   target  = weight × NetLiquidation / price, rounded toward zero to whole lots (never to the far side of the
///             holding: lot rounding does not sell on a buy or buy on a sell)
///   cash    = the orders that add exposure together cost at most the cash available; when they would cost more,
///             every addition is scaled down by the same factor (then rounded down to lots); sells free no cash
///             for this snapshot (they may fill after the buys)
///   minimum = an order below min_order_shares or min_order_notional is dropped (the position stays as it is)
/// So |target| × price never exceeds max_position_size × NetLiquidation, and no addition is bought without cash.
module Sizing =
    let private roundDownToLot (lot: int) (shares: float) =
        let whole = Math.Floor(abs shares / float lot) * float lot
        int (Math.Min(whole, float Int32.MaxValue)) * sign shares

    /// Shares of exposure a move from current to target adds (0 when it only reduces).
    let exposureAdded (current: int) (target: int) =
        if current = 0 || sign current = sign target then max 0 (abs target - abs current) else abs target

    let private ruleLine (cfg: SizingConfig) (inputs: SizingInputs) (s: Signal) =
        let current = inputs.Positions |> Map.tryFind s.Symbol |> Option.defaultValue 0
        let line = { Symbol = s.Symbol; Action = s.Action; Weight = 0.0; Price = nan; Current = current; Target = current; Notes = [] }
        match s.Action, inputs.Prices |> Map.tryFind s.Symbol with
        | HoldSignal, price -> { line with Price = Option.defaultValue nan price; Notes = [ Held ] }
        | _, None -> { line with Notes = [ NoPrice ] }
        | _, Some p when not (Double.IsFinite p && p > 0.0) -> { line with Notes = [ NoPrice ] }
        | action, Some price ->
            let direction = if action = BuySignal then 1.0 else -1.0
            let weight = direction * s.Score * s.Confidence * cfg.MaxPositionSize
            let shortRefused = weight < 0.0 && not cfg.AllowShort
            let effective = if shortRefused then 0.0 else weight
            let raw = effective * inputs.PortfolioValue / price
            let mutable target = roundDownToLot cfg.LotSize raw
            // Floating point must not let a rounded target cross the cap by a hair.
            let cap = cfg.MaxPositionSize * inputs.PortfolioValue
            while float (abs target) * price > cap do target <- target - sign target * cfg.LotSize
            // Rounding never trades against the signal: over a holding off the lots (a partial fill, a capped sell, a
            // lot_size raised) a buy of 90 in lots of 50 rounded to 50 sold 25 of the 75 held. The holding stays (it is
            // nearer the rule's target, so within the cap).
            if (float target - float current) * (raw - float current) < 0.0 then target <- current
            let notes = [ if shortRefused then ShortNotAllowed
                          if float target <> raw then RoundedToLot ]
            { line with Weight = weight; Price = price; Target = target; Notes = notes }

    /// Scales every exposure-adding line down so that together they cost at most the cash available.
    let private fitCash (cfg: SizingConfig) (cash: float) (lines: SizedLine list) =
        let cost (l: SizedLine) = float (exposureAdded l.Current l.Target) * l.Price
        let total = lines |> List.sumBy (fun l -> if Double.IsFinite l.Price then cost l else 0.0)
        if total <= cash then lines
        else
            let k = if cash > 0.0 then cash / total else 0.0
            lines
            |> List.map (fun l ->
                let added = exposureAdded l.Current l.Target
                if added = 0 then l
                else
                    let keep = if l.Current <> 0 && sign l.Current = sign l.Target then abs l.Current else 0
                    let allowed = Math.Floor(float added * k)
                    let rounded = abs (roundDownToLot cfg.LotSize (float keep + allowed))
                    // Rounding may fall below an odd current position: then leave it as it is rather than sell.
                    let target = if keep > 0 && rounded <= keep then l.Current else sign l.Target * rounded
                    { l with Target = target; Notes = l.Notes @ [ CappedByCash ] })

    let private applyMinimum (cfg: SizingConfig) (l: SizedLine) =
        let q = abs l.Order
        if q = 0 then l
        elif q < cfg.MinOrderShares || float q * l.Price < cfg.MinOrderNotional then
            { l with Target = l.Current; Notes = l.Notes @ [ BelowMinimumOrder ] }
        else l

    /// Sizes a batch of signals together (one cash budget). Refused when the portfolio value is not a positive amount.
    let sizeBatch (cfg: SizingConfig) (inputs: SizingInputs) (signals: Signal list) : Result<SizedLine list, ValidationError> =
        if not (Double.IsFinite inputs.PortfolioValue && inputs.PortfolioValue > 0.0) then
            ValidationError.make "net_liquidation" $"portfolio value must be a positive amount, got {inputs.PortfolioValue}"
        elif not (Double.IsFinite inputs.CashAvailable) then
            ValidationError.make "cash_available" $"must be finite, got {inputs.CashAvailable}"
        else
            signals
            |> List.map (ruleLine cfg inputs)
            |> fitCash cfg (max 0.0 inputs.CashAvailable)
            |> List.map (applyMinimum cfg)
            |> Ok

    /// Sizes one signal on its own.
    let sizeOne (cfg: SizingConfig) (inputs: SizingInputs) (signal: Signal) =
        sizeBatch cfg inputs [ signal ] |> Result.map List.head
