namespace Bifrost.Domain

/// Put or call.
type OptionRight =
    | Call
    | Put

/// A stock (the hedge instrument and the options' underlying).
type Stock = { ContractId: ContractId; Symbol: string }

/// A listed equity option.
type OptionContract =
    { ContractId: ContractId
      Underlying: string
      Right: OptionRight
      Strike: float
      /// Expiry instant (the session close of the expiry date), an input like every timestamp.
      Expiry: Timestamp
      Multiplier: int }

type Instrument =
    | StockInstrument of Stock
    | OptionInstrument of OptionContract

module Instrument =
    let contractId = function
        | StockInstrument s -> s.ContractId
        | OptionInstrument o -> o.ContractId
    let multiplier = function
        | StockInstrument _ -> 1
        | OptionInstrument o -> o.Multiplier

module OptionContract =
    let create conId underlying right strike expiry multiplier =
        if not (strike > 0.0) || System.Double.IsInfinity strike then ValidationError.make "strike" $"must be > 0, got {strike}"
        elif multiplier <= 0 then ValidationError.make "multiplier" $"must be > 0, got {multiplier}"
        elif System.String.IsNullOrWhiteSpace underlying then ValidationError.make "underlying" "must not be empty"
        else Ok { ContractId = conId; Underlying = underlying; Right = right; Strike = strike; Expiry = expiry; Multiplier = multiplier }

    /// The option as a trader reads it: `XYZ 20260320 P 100`.
    let describe (o: OptionContract) =
        let right = match o.Right with Call -> "C" | Put -> "P"
        let expiry = (Timestamp.toDateTimeUtc o.Expiry).ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture)
        let strike = o.Strike.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)
        $"{o.Underlying} {expiry} {right} {strike}"

    /// Years to expiry on an ACT/365 basis, floored at zero.
    let yearsToExpiry (now: Timestamp) (o: OptionContract) =
        let secs = Duration.toSeconds (Timestamp.since now o.Expiry)
        if secs <= 0.0 then 0.0 else secs / (365.0 * 86_400.0)

/// A top-of-book quote with the venue's timestamp and the time we received it.
type Quote =
    { ContractId: ContractId
      Bid: float
      Ask: float
      Last: float
      BidSize: float
      AskSize: float
      /// Implied volatility carried by the data source, NaN when absent.
      ImpliedVol: float
      VenueTime: Timestamp
      ReceiveTime: Timestamp }

module Quote =
    let empty conId =
        { ContractId = conId; Bid = nan; Ask = nan; Last = nan; BidSize = 0.0; AskSize = 0.0; ImpliedVol = nan
          VenueTime = Timestamp.zero; ReceiveTime = Timestamp.zero }
    /// Both sides quoted, finite and not crossed. An infinite side is none: its mid would price the book at infinity
    /// (a P&L of −∞ halts on a loss that never happened; one of NaN passes every limit).
    let inline twoSided (bid: float) (ask: float) = bid > 0.0 && ask >= bid && ask < infinity
    let hasTwoSides (q: Quote) = twoSided q.Bid q.Ask
    /// Mid when both sides are valid, else last trade, else NaN.
    let mid (q: Quote) =
        if hasTwoSides q then 0.5 * (q.Bid + q.Ask)
        elif q.Last > 0.0 && q.Last < infinity then q.Last
        else nan
    /// Relative spread in basis points of mid (infinite without two sides).
    let spreadOf (bid: float) (ask: float) =
        if twoSided bid ask then (ask - bid) / (0.5 * (bid + ask)) * 10_000.0 else infinity
    let spreadBps (q: Quote) = spreadOf q.Bid q.Ask
