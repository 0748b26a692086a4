namespace Bifrost.Domain.Strategy

open Bifrost.Domain

/// Cumulative P&L explained by the greeks, in money. Residual = actual − (delta + gamma + theta + vega).
[<Struct>]
type PnlAttribution =
    { Delta: float
      Gamma: float
      Theta: float
      Vega: float
      Residual: float }

module Attribution =
    let zero = { Delta = 0.0; Gamma = 0.0; Theta = 0.0; Vega = 0.0; Residual = 0.0 }

    /// One step of attribution from `before` to `after` legs, with the greeks taken at the start of the step
    /// (gamma ½Γ(ΔS)², theta ΘΔt, vega ν·Δσ, delta ΔΔS incl. the stock hedge) and an explicit residual.
    let step (before: LegState array) (after: LegState array) (portfolio: Portfolio) (hedgeShares: int)
             (spot0: float) (spot1: float) (years: float) (acc: PnlAttribution) =
        if not (System.Double.IsFinite spot0 && System.Double.IsFinite spot1) then acc
        else
        let dS = spot1 - spot0
        let mutable d = float hedgeShares * dS
        let mutable g = 0.0
        let mutable t = 0.0
        let mutable v = 0.0
        let mutable actual = float hedgeShares * dS
        for i in 0 .. before.Length - 1 do
            let b = before.[i]
            let a = after.[i]
            let w = float (Portfolio.strategyQty b.Option.ContractId portfolio * b.Option.Multiplier)
            if w <> 0.0 && System.Double.IsFinite b.Greeks.Price && System.Double.IsFinite a.Greeks.Price then
                d <- d + w * b.Greeks.Delta * dS
                g <- g + w * 0.5 * b.Greeks.Gamma * dS * dS
                t <- t + w * b.Greeks.Theta * years
                v <- v + w * b.Greeks.Vega * (a.Vol - b.Vol)
                actual <- actual + w * (a.Greeks.Price - b.Greeks.Price)
        { Delta = acc.Delta + d
          Gamma = acc.Gamma + g
          Theta = acc.Theta + t
          Vega = acc.Vega + v
          Residual = acc.Residual + (actual - d - g - t - v) }
