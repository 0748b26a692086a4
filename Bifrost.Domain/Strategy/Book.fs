namespace Bifrost.Domain.Strategy

open Bifrost.Domain
open Bifrost.Domain.Pricing

/// Where a leg's volatility came from.
type VolSource =
    | FallbackVol
    | FromData
    | FromBroker
    | ImpliedFromMid

/// One option leg of the scalped book and its current valuation (a struct: legs are re-valued on every tick).
[<Struct>]
type LegState =
    { Option: OptionContract
      Quote: Quote
      Vol: float
      VolSource: VolSource
      /// Per-unit greeks at the last valuation (per share of underlying).
      Greeks: Greeks
      /// The accepted quote's mid less the leg's model value when it was accepted (NaN before any): the leg's next
      /// quote is judged against its model value then plus this (PriceJump.judgeLeg), so a vol source that does not
      /// reproduce the mid (the data's, the broker's: American exercise, dividends) is not taken for a jump.
      QuoteBasis: float
      /// The vol the accepted mid implies (to first order: the vol plus the basis over vega), taken with the basis; NaN
      /// while the vol is not the market's. Remembered across a restart (EngineMemory.LegVols).
      MarkVol: float
      /// When the broker last sent the leg's model vol (Timestamp.zero: never). While recent it stands over the vol its
      /// quotes' mids imply (MarketData.legVol): the two differ, and a leg flipping between them churns the hedge.
      BrokerVolAt: Timestamp }

/// Aggregate greeks of the strategy's option book, in money and share units (multipliers and quantities applied).
[<Struct>]
type BookGreeks =
    { /// Shares-equivalent delta.
      Delta: float
      /// Shares per $ of underlying move.
      Gamma: float
      /// $ per 1.00 of volatility.
      Vega: float
      /// $ per year.
      Theta: float
      /// $ model value.
      Value: float }

module Book =
    let zero = { Delta = 0.0; Gamma = 0.0; Vega = 0.0; Theta = 0.0; Value = 0.0 }

    let inputs (cfg: StrategyConfig) (now: Timestamp) (spot: float) (leg: LegState) : BsInputs =
        { Spot = spot
          Strike = leg.Option.Strike
          Years = OptionContract.yearsToExpiry now leg.Option
          Rate = cfg.RiskFreeRate
          Dividend = cfg.DividendYield
          Vol = leg.Vol }

    /// Re-values one leg at a new spot and time (its volatility unchanged).
    let revalue cfg now spot (leg: LegState) =
        if System.Double.IsNaN spot then leg
        else { leg with Greeks = BlackScholes.greeks leg.Option.Right (inputs cfg now spot leg) }

    let initialLeg (cfg: StrategyConfig) (leg: LegConfig) =
        let nanGreeks = { Price = nan; Delta = nan; Gamma = nan; Vega = nan; Theta = nan; Rho = nan }
        { Option = leg.Option
          Quote = Quote.empty leg.Option.ContractId
          Vol = cfg.FallbackVol
          VolSource = FallbackVol
          Greeks = nanGreeks
          QuoteBasis = nan
          MarkVol = nan
          BrokerVolAt = Timestamp.zero }

    /// How much of the leg's value a new mark vol must be worth to replace the last one.
    let markVolValue = 0.05

    /// The leg with its quote basis and mark vol taken at this valuation (kept when it has no two-sided quote or no
    /// value).
    let withQuoteBasis (leg: LegState) =
        let basis = Quote.mid leg.Quote - leg.Greeks.Price
        if Quote.hasTwoSides leg.Quote && System.Double.IsFinite basis then
            let v = leg.Vol + basis / leg.Greeks.Vega
            // A leg with next to no vega (deep in or out of the money) implies no vol worth remembering. A move worth
            // under five cents on the leg's value keeps the last one: a cheap leg's mid-implied vol flickers by points on
            // a one-cent move, and each change may be a write of the engine memory (the guard's band is never under $0.10).
            let markVol =
                if leg.VolSource = FallbackVol || not (ImpliedVol.isPlausible v) then nan
                elif System.Double.IsFinite leg.MarkVol && abs (v - leg.MarkVol) * abs leg.Greeks.Vega <= markVolValue then leg.MarkVol
                else v
            { leg with QuoteBasis = basis; MarkVol = markVol }
        else leg

    /// Sums the legs weighted by the strategy-owned signed quantity × multiplier.
    let aggregate (legs: LegState array) (portfolio: Portfolio) =
        let mutable d = 0.0
        let mutable g = 0.0
        let mutable v = 0.0
        let mutable t = 0.0
        let mutable value = 0.0
        for leg in legs do
            let w = float (Portfolio.strategyQty leg.Option.ContractId portfolio * leg.Option.Multiplier)
            if w <> 0.0 then
                d <- d + w * leg.Greeks.Delta
                g <- g + w * leg.Greeks.Gamma
                v <- v + w * leg.Greeks.Vega
                t <- t + w * leg.Greeks.Theta
                value <- value + w * leg.Greeks.Price
        { Delta = d; Gamma = g; Vega = v; Theta = t; Value = value }

    /// True when every leg has finite greeks (a valuation exists).
    let greeksOk (legs: LegState array) =
        legs |> Array.forall (fun l -> System.Double.IsFinite l.Greeks.Delta && System.Double.IsFinite l.Greeks.Gamma)
