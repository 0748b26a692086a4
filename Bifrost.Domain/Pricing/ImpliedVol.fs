namespace Bifrost.Domain.Pricing

open Bifrost.Domain

/// Why an implied volatility could not be found.
type ImpliedVolError =
    | InvalidInputs of string
    | Expired
    | BelowIntrinsic of price: float * lowerBound: float
    | AboveUpperBound of price: float * upperBound: float
    | NoConvergence of iterations: int

module ImpliedVolError =
    let describe = function
        | InvalidInputs what -> $"invalid inputs: {what}"
        | Expired -> "option has expired (T <= 0): volatility is undefined"
        | BelowIntrinsic(p, lb) -> $"price {p} is at or below the no-arbitrage lower bound {lb}"
        | AboveUpperBound(p, ub) -> $"price {p} is at or above the no-arbitrage upper bound {ub}"
        | NoConvergence n -> $"no convergence after {n} iterations"

module ImpliedVol =
    /// The range a vol the engine is given (the data's, the broker's) or remembers must lie in, exclusive: 1 % to 500 %.
    /// Outside it the number is not a vol as the model takes it (an `iv` column in percent: 25 for 0.25).
    let plausibleMin = 0.01
    let plausibleMax = 5.0
    let isPlausible (v: float) = v > plausibleMin && v < plausibleMax

    let private maxIterations = 100
    let private maxVol = 20.0

    /// Corrado–Miller (1996) closed-form estimate, a good Newton start across moneyness.
    let private initialGuess right (i: BsInputs) (target: float) =
        let fwdS = i.Spot * exp (-i.Dividend * i.Years)
        let pvK = i.Strike * exp (-i.Rate * i.Years)
        let call = match right with Call -> target | Put -> target + fwdS - pvK
        let half = call - 0.5 * (fwdS - pvK)
        let disc = half * half - (fwdS - pvK) * (fwdS - pvK) / System.Math.PI
        let guess = sqrt (2.0 * System.Math.PI / i.Years) / (fwdS + pvK) * (half + sqrt (max disc 0.0))
        if System.Double.IsFinite guess && guess > 1e-4 && guess < maxVol then guess else 0.3

    /// Implied volatility by safeguarded Newton: Newton steps on vega, falling back to bisection whenever a step
    /// would leave the bracket that is known to contain the root (price is increasing in σ).
    let solve (right: OptionRight) (inputs: BsInputs) (price: float) : Result<float, ImpliedVolError> =
        if not (inputs.Spot > 0.0) || not (inputs.Strike > 0.0) || not (System.Double.IsFinite price) then
            Error(InvalidInputs $"spot {inputs.Spot}, strike {inputs.Strike}, price {price}")
        elif not (inputs.Years > 0.0) then Error Expired
        else
            let lower, upper = BlackScholes.bounds right inputs
            let tol = 1e-12 * max 1.0 price
            if price <= lower + tol then Error(BelowIntrinsic(price, lower))
            elif price >= upper - tol then Error(AboveUpperBound(price, upper))
            else
                let valueAt s = BlackScholes.greeks right { inputs with Vol = s }
                let mutable lo = 0.0
                let mutable hi = maxVol
                let mutable sigma = initialGuess right inputs price
                let mutable result = Error(NoConvergence maxIterations)
                let mutable iter = 0
                while iter < maxIterations do
                    let g = valueAt sigma
                    let diff = g.Price - price
                    if abs diff <= tol then
                        result <- Ok sigma
                        iter <- maxIterations
                    else
                        if diff > 0.0 then hi <- sigma else lo <- sigma
                        let newton = if g.Vega > 1e-300 then sigma - diff / g.Vega else nan
                        let next = if newton > lo && newton < hi then newton else 0.5 * (lo + hi)
                        if abs (next - sigma) <= 1e-15 * max 1.0 sigma then
                            result <- Ok next
                            iter <- maxIterations
                        else
                            sigma <- next
                            iter <- iter + 1
                result
