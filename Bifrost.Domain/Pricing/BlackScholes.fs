namespace Bifrost.Domain.Pricing

open Bifrost.Domain

/// Inputs of a Black–Scholes–Merton valuation. T in years (ACT/365), rates and yield continuously compounded.
[<Struct>]
type BsInputs =
    { Spot: float
      Strike: float
      Years: float
      Rate: float
      Dividend: float
      Vol: float }

/// Price and sensitivities of one option (per unit of underlying, not per contract).
/// Conventions: Vega per 1.00 (100 points) of volatility; Theta per year of calendar time (ThetaPerDay = /365);
/// Rho per 1.00 of rate.
[<Struct>]
type Greeks =
    { Price: float
      Delta: float
      Gamma: float
      Vega: float
      Theta: float
      Rho: float }
    member g.ThetaPerDay = g.Theta / 365.0

module BlackScholes =
    /// Below this total volatility σ√T the option is valued as its discounted forward intrinsic value.
    let private degenerateTotalVol = 1e-10

    let private degenerate right (i: BsInputs) =
        let t = max i.Years 0.0
        let dq = exp (-i.Dividend * t)
        let dr = exp (-i.Rate * t)
        let fwdS = i.Spot * dq
        let pvK = i.Strike * dr
        let sign = match right with Call -> 1.0 | Put -> -1.0
        let moneyness = sign * (fwdS - pvK)
        if moneyness > 0.0 then
            { Price = moneyness
              Delta = sign * dq
              Gamma = 0.0
              Vega = 0.0
              Theta = sign * (i.Dividend * fwdS - i.Rate * pvK)
              Rho = sign * i.Strike * t * dr }
        else
            // At or out of the forward money: worthless; at exactly the money the delta is the average of the limits.
            let delta = if moneyness = 0.0 then 0.5 * sign * dq else 0.0
            { Price = 0.0; Delta = delta; Gamma = 0.0; Vega = 0.0; Theta = 0.0; Rho = 0.0 }

    /// Price and all greeks in one pass (shared exponentials and CDFs).
    let greeks (right: OptionRight) (i: BsInputs) : Greeks =
        let t = i.Years
        let sigma = i.Vol
        if not (i.Spot > 0.0) || not (i.Strike > 0.0) || System.Double.IsNaN sigma || System.Double.IsNaN t then
            { Price = nan; Delta = nan; Gamma = nan; Vega = nan; Theta = nan; Rho = nan }
        else
        let sqrtT = sqrt (max t 0.0)
        let totalVol = sigma * sqrtT
        if t <= 0.0 || sigma <= 0.0 || totalVol < degenerateTotalVol then degenerate right i
        else
            let dq = if i.Dividend = 0.0 then 1.0 else exp (-i.Dividend * t)
            let dr = exp (-i.Rate * t)
            let d1 = (log (i.Spot / i.Strike) + (i.Rate - i.Dividend + 0.5 * sigma * sigma) * t) / totalVol
            let d2 = d1 - totalVol
            let fwdS = i.Spot * dq
            let pvK = i.Strike * dr
            // One exponential serves n(d1), N(d1) and N(d2): S·e^(−qT)·n(d1) = K·e^(−rT)·n(d2).
            let e1 = exp (-0.5 * d1 * d1)
            let e2 = if e1 > 1e-300 then e1 * fwdS / pvK else exp (-0.5 * d2 * d2)
            let nd1 = 0.398942280401432677939946059934 * e1
            let gamma = dq * nd1 / (i.Spot * totalVol)
            let vega = fwdS * nd1 * sqrtT
            let decay = -fwdS * nd1 * sigma / (2.0 * sqrtT)
            match right with
            | Call ->
                let n1 = Normal.cdfWithExp d1 e1
                let n2 = Normal.cdfWithExp d2 e2
                { Price = fwdS * n1 - pvK * n2
                  Delta = dq * n1
                  Gamma = gamma
                  Vega = vega
                  Theta = decay - i.Rate * pvK * n2 + i.Dividend * fwdS * n1
                  Rho = i.Strike * t * dr * n2 }
            | Put ->
                let m1 = Normal.cdfWithExp -d1 e1
                let m2 = Normal.cdfWithExp -d2 e2
                { Price = pvK * m2 - fwdS * m1
                  Delta = -dq * m1
                  Gamma = gamma
                  Vega = vega
                  Theta = decay + i.Rate * pvK * m2 - i.Dividend * fwdS * m1
                  Rho = -i.Strike * t * dr * m2 }

    let price right inputs = (greeks right inputs).Price

    /// Lower (intrinsic on the forward) and upper no-arbitrage bounds of the option price.
    let bounds right (i: BsInputs) =
        let t = max i.Years 0.0
        let fwdS = i.Spot * exp (-i.Dividend * t)
        let pvK = i.Strike * exp (-i.Rate * t)
        match right with
        | Call -> max (fwdS - pvK) 0.0, fwdS
        | Put -> max (pvK - fwdS) 0.0, pvK
