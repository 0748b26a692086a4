namespace Bifrost.Domain.Trading

open Bifrost.Domain

/// The bad-quote guard on the underlying. One quote far from the last (a bad print, a feed glitch) would otherwise
/// revalue the book at a price that never traded: a hedge sized on a fake delta, a STOP_LOSS or MAX_DRAWDOWN halt on a
/// fake P&L, an expiry judged in the money. A mid more than `guards.max_jump_pct` from the last accepted one is held
/// (State.HeldJump): the book stays at the accepted price, hedges wait with PRICE_JUMP, until quotes at the new level
/// have stood for `guards.jump_confirm_seconds` (a real move: accepted) or the price comes back (dropped). Standing
/// means agreeing with the held level (within max_jump_pct of it): a quote far from both the accepted price and the
/// held one starts its own wait. The portfolio's symbols are judged the same way (State.PortfolioHeld): a held one is
/// neither sized nor traded on.
module PriceJump =
    type Verdict =
        /// An ordinary quote: priced as it is.
        | Accept
        /// Held aside (the first of a jump, or a later quote still at its level within the confirmation time).
        | Hold of HeldJump
        /// The price came back within the band of the accepted one: the held quotes were bad, this one is priced.
        | CameBack of HeldJump
        /// Quotes at the new level stood for the confirmation time: a real move, priced from this quote.
        | Stood of HeldJump

    let private beyond (cfg: Config) (from: float) (mid: float) =
        from > 0.0 && System.Double.IsFinite from && System.Double.IsFinite mid && abs (mid / from - 1.0) > cfg.Guards.MaxJumpPct / 100.0

    /// The verdict on an underlying quote received at `now`. The reference is the last accepted price however old: after
    /// a silence (a lost feed, overnight) a price far from it stands for the confirmation time too, as any other; only
    /// the first price of all (at start, after a restart) has nothing to be judged against. While a jump is held, a
    /// quote that is not two-sided (one side missing, or crossed: its mid is then the last trade's) proves nothing
    /// either way: the jump stays held.
    let judgeQuote (cfg: Config) (accepted: Quote) (held: HeldJump option) (now: Timestamp) (q: Quote) =
        let mid = Quote.mid q
        let from = Quote.mid accepted
        match held with
        | None when beyond cfg from mid -> Hold { Quote = q; Since = now; From = from; Level = mid }
        | None -> Accept
        // One-sided or crossed (a side of the bad quote still standing: its mid is the last trade's) proves nothing.
        | Some h when not (Quote.hasTwoSides q) -> Hold { h with Quote = q }
        | Some h when not (beyond cfg h.From mid) -> CameBack { h with Quote = q }
        | Some h when beyond cfg h.Level mid -> Hold { h with Quote = q; Since = now; Level = mid } // another level: its own wait
        | Some h when Timestamp.since h.Since now >= cfg.Guards.JumpConfirm -> Stood { h with Quote = q }
        | Some h -> Hold { h with Quote = q }

    /// The underlying's quote (the scalper's price).
    let judge (cfg: Config) (s: State) (now: Timestamp) (q: Quote) = judgeQuote cfg s.Underlying s.HeldJump now q

    let private moveText (h: HeldJump) =
        let mid = Quote.mid h.Quote
        let shown = if System.Double.IsFinite mid then $"{mid:F2}" else "no mid"
        let pct = if System.Double.IsFinite mid then " (" + ((mid / h.From - 1.0) * 100.0).ToString("+0.0;-0.0", System.Globalization.CultureInfo.InvariantCulture) + " %)" else ""
        $"{h.From:F2} → {shown}{pct}"

    /// What the operator reads when a jump is first held (a warning: it passes on its own within seconds).
    let heldAlert (cfg: Config) (symbol: string) (h: HeldJump) =
        $"{symbol} mid jumped {moveText h}, beyond guards.max_jump_pct {cfg.Guards.MaxJumpPct} %%: held, not priced or hedged on, "
        + $"until it stands {Duration.toSeconds cfg.Guards.JumpConfirm:F1} s"

    /// The operations-log line when a hold ends.
    let endedNote (h: HeldJump) (now: Timestamp) (stood: bool) =
        let held = Duration.toSeconds (Timestamp.since h.Since now)
        if stood then $"PRICE_JUMP stood: {moveText h} held {held:F1} s, priced from now"
        else $"PRICE_JUMP dropped as a bad quote: {moveText h} for {held:F1} s, the price came back"

    /// The held jump as the light shows it.
    let describe (s: State) =
        s.HeldJump |> Option.map (fun h -> $"{ContractId.value s.Underlying.ContractId} mid {moveText h} held until it stands")

    /// Why an order on the underlying may not go out while a jump is held (no risk bypass skips it).
    let orderProblem (s: State) = describe s |> Option.map (fun d -> "price_jump: " + d)
