namespace Bifrost.Domain.Strategy

open Bifrost.Domain

/// Cumulative P&L in parts, in money. At every valuation the parts add up to the strategy's marked P&L
/// (realised + unrealised − fees, each holding at `Attribution.mark`):
/// Delta + Gamma + Theta + Vega + Spread + Opening + Basis + Residual + Fees = total (`Attribution.total`).
[<Struct>]
type PnlAttribution =
    { /// ΔΔS of the legs (greeks of the previous valuation) plus the stock hedge's q·ΔS.
      Delta: float
      /// ½Γ(ΔS)².
      Gamma: float
      /// Θ·Δt, calendar time.
      Theta: float
      /// ν·Δσ between two market-derived vols (never the jump from `fallback_vol` to the data's).
      Vega: float
      /// Trading against the mark: Σ signed quantity × (mark − fill price) × multiplier (half-spreads, slippage).
      Spread: float
      /// A holding's first mark against its cost, and holdings restored before the first valuation: P&L carried in,
      /// not explained by this run's market moves. Zero in a backtest (the book is seeded at its first mid).
      Opening: float
      /// Commissions, as a negative number.
      Fees: float
      /// The change of the legs' mark against their model value at their own (market) vol: quote rounding, stale
      /// quotes, mids off the model. It telescopes: over a run it is (mark − model) at the end minus at the start.
      Basis: float
      /// The rest: the model's Taylor remainder (higher-order and cross terms), and whole moves of a leg whose vol was
      /// not market-derived or whose greeks were not finite.
      Residual: float
      /// Realised + unrealised (before fees) at the last valuation: the reference the next step starts from.
      Gross: float }

module Attribution =
    let zero =
        { Delta = 0.0; Gamma = 0.0; Theta = 0.0; Vega = 0.0; Spread = 0.0; Opening = 0.0; Fees = 0.0; Basis = 0.0; Residual = 0.0; Gross = 0.0 }

    /// The parts' sum: the marked P&L after fees as of the last valuation.
    let total (a: PnlAttribution) =
        a.Delta + a.Gamma + a.Theta + a.Vega + a.Spread + a.Opening + a.Basis + a.Residual + a.Fees

    /// A leg's mark: the mid when two-sided; else its model value once its vol came from the market; else none (NaN,
    /// carried at cost): a leg never quoted has no value the data vouches for, only one guessed from `fallback_vol`.
    let mark (leg: LegState) =
        if Quote.hasTwoSides leg.Quote then Quote.mid leg.Quote
        elif leg.VolSource <> FallbackVol then leg.Greeks.Price
        else nan

    let private finite (x: float) = System.Double.IsFinite x

    /// One valuation step from the `before` legs (the previous valuation: marks, greeks, vols) to the `after` legs.
    /// First, trades (and adoptions) since the previous valuation are priced at the previous marks (Spread; Opening
    /// before the first valuation). Then the current holdings' marked move is split by the greeks of the previous
    /// valuation; whatever they do not explain is the residual. A holding's first mark sets its reference (Opening).
    let step (before: LegState array) (after: LegState array) (portfolio: Portfolio) (underlying: ContractId)
             (spot0: float) (spot1: float) (years: float) (firstValuation: bool) (acc: PnlAttribution) =
        let hedge = Portfolio.holding underlying portfolio
        let mutable atOld = Portfolio.totalRealized portfolio + Holding.unrealized 1 spot0 hedge
        for b in before do
            atOld <- atOld + Holding.unrealized b.Option.Multiplier (mark b) (Portfolio.holding b.Option.ContractId portfolio)
        let traded = atOld - acc.Gross
        let dS = spot1 - spot0
        let mutable d = 0.0
        let mutable g = 0.0
        let mutable t = 0.0
        let mutable v = 0.0
        let mutable opening = 0.0
        let mutable residual = 0.0
        let mutable basis = 0.0
        let mutable moved = 0.0
        let hedgeMove = Holding.unrealized 1 spot1 hedge - Holding.unrealized 1 spot0 hedge
        moved <- moved + hedgeMove
        if finite spot0 then d <- d + hedgeMove else opening <- opening + hedgeMove
        for i in 0 .. before.Length - 1 do
            let b = before.[i]
            let a = after.[i]
            let h = Portfolio.holding b.Option.ContractId portfolio
            if h.Quantity <> 0 then
                let m = b.Option.Multiplier
                let m0 = mark b
                let move = Holding.unrealized m (mark a) h - Holding.unrealized m m0 h
                moved <- moved + move
                if not (finite m0) then opening <- opening + move
                elif b.VolSource <> FallbackVol && finite dS && finite b.Greeks.Delta && finite b.Greeks.Gamma && finite b.Greeks.Vega
                     && finite b.Greeks.Theta && finite b.Greeks.Price && finite a.Greeks.Price && finite a.Vol then
                    let w = float (h.Quantity * m)
                    let pd = w * b.Greeks.Delta * dS
                    let pg = w * 0.5 * b.Greeks.Gamma * dS * dS
                    let pt = w * b.Greeks.Theta * years
                    let pv = w * b.Greeks.Vega * (a.Vol - b.Vol)
                    d <- d + pd
                    g <- g + pg
                    t <- t + pt
                    v <- v + pv
                    let modelMove = w * (a.Greeks.Price - b.Greeks.Price)
                    basis <- basis + (move - modelMove)
                    residual <- residual + (modelMove - pd - pg - pt - pv)
                else residual <- residual + move
        { Delta = acc.Delta + d
          Gamma = acc.Gamma + g
          Theta = acc.Theta + t
          Vega = acc.Vega + v
          Spread = if firstValuation then acc.Spread else acc.Spread + traded
          Opening = acc.Opening + opening + (if firstValuation then traded else 0.0)
          Fees = -(Portfolio.totalFees portfolio)
          Basis = acc.Basis + basis
          Residual = acc.Residual + residual
          Gross = atOld + moved }
