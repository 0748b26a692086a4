namespace Bifrost.Domain.Strategy

open Bifrost.Domain

/// Hedge band arithmetic: how wide the no-trade band is, and how much to trade when it is left.
module Bands =
    /// Whalley–Wilmott half-width w = (3·c·Γ²·S / (2·a))^(1/3) (Whalley & Wilmott 1997; pfhedge's `ww.py`).
    let whalleyWilmott (proportionalCost: float) (riskAversion: float) (gamma: float) (spot: float) =
        System.Math.Cbrt(3.0 * proportionalCost * gamma * gamma * spot / (2.0 * riskAversion))

    /// The band half-width in shares: the narrowest of the configured band rules; the hard limit when none is set.
    let halfWidth (cfg: StrategyConfig) (multiplier: int) (bookGamma: float) (spot: float) =
        let mutable w = infinity
        for rule in cfg.Rules do
            match rule with
            | FixedBand(width, Shares) -> w <- min w width
            | FixedBand(width, ContractDeltas) -> w <- min w (width * float multiplier)
            | WhalleyWilmott(c, a) when System.Double.IsFinite spot ->
                // Never narrower than one lot: a band thinner than the tradeable unit would churn.
                w <- min w (max (float cfg.LotSize) (whalleyWilmott c a (abs bookGamma) spot))
            | WhalleyWilmott _
            | TimeInterval _
            | PriceMove _ -> ()
        if System.Double.IsFinite w then min w cfg.HardDeltaLimit else cfg.HardDeltaLimit

    /// Rounds a share quantity toward zero to whole lots: a hedge never trades past its aim.
    let roundToLot (lot: int) (shares: float) =
        if not (System.Double.IsFinite shares) then 0
        else int (System.Math.Truncate(shares / float lot)) * lot

    /// Signed shares to trade so that net delta goes from `netDelta` to the aim of the hedge policy. To the band's edge,
    /// the part past the edge is taken up in whole lots (and min_hedge_shares) rounded away from zero, so delta comes
    /// back inside the band, and never past the target: rounded toward zero, delta up to a lot past the edge was no lot
    /// at all and stood there (BELOW_MIN_SIZE) until it moved a lot further — beyond the hard limit too, RED, when a
    /// wide band is clamped to it.
    let hedgeQuantity (cfg: StrategyConfig) (halfWidth: float) (netDelta: float) =
        let deviation = netDelta - cfg.TargetDelta
        let toTarget = roundToLot cfg.LotSize -deviation
        match cfg.HedgeTo with
        | ToTarget -> toTarget
        // Not past the edge, or no number (NaN, ∞): nothing to trade.
        | ToBandEdge when not (abs deviation > halfWidth) || toTarget = 0 -> 0
        | ToBandEdge ->
            let lot = float cfg.LotSize
            let past = max (abs deviation - halfWidth) (float cfg.MinHedgeShares)
            sign toTarget * int (min (ceil (past / lot) * lot) (float (abs toTarget)))
