namespace Bifrost.Domain.Trading

open Bifrost.Domain
open Bifrost.Domain.Strategy

/// The bad-quote guard on the underlying. One quote far from the last (a bad print, a feed glitch) would otherwise
/// revalue the book at a price that never traded: a hedge sized on a fake delta, a STOP_LOSS or MAX_DRAWDOWN halt on a
/// fake P&L, an expiry judged in the money. A mid more than `guards.max_jump_pct` from the last accepted one is held
/// (State.HeldJump): the book stays at the accepted price, hedges wait with PRICE_JUMP, until quotes at the new level
/// have stood for `guards.jump_confirm_seconds` (a real move: accepted) or the price comes back (dropped). Standing
/// means agreeing with the held level (within max_jump_pct of it): a quote far from both the accepted price and the
/// held one starts its own wait. The portfolio's symbols are judged the same way (State.HeldQuotes): a held one is
/// neither sized nor traded on. The option legs are judged against their model value (`judgeLeg`), held in the same map.
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
    /// a silence (a lost feed, overnight, a restart: the remembered one) a price far from it stands for the confirmation
    /// time too, as any other; only the first price of all (a new store) has nothing to be judged against. While a jump is held, a
    /// quote that is not two-sided (one side missing, or crossed: its mid is then the last trade's) proves nothing
    /// either way: the jump stays held. Nor does a quote whose two sides are themselves a jump apart (a stub ask of a
    /// pulled market, IB's unset MAX_DBL) confirm a level: its mid is no price. IB streams each side only when it
    /// changes, so such a side stands while the other ticks under it: at 100.01 / 200.00 the mid 150 stood after
    /// jump_confirm_seconds and priced the book 50 % up. It may still bring the price back (its mid within the band).
    let judgeQuote (cfg: Config) (accepted: Quote) (held: HeldJump option) (now: Timestamp) (q: Quote) =
        let mid = Quote.mid q
        let from = Quote.mid accepted
        match held with
        | None when beyond cfg from mid -> Hold { Quote = q; Since = now; From = from; Level = mid }
        | None -> Accept
        // One-sided or crossed (a side of the bad quote still standing: its mid is the last trade's) proves nothing.
        | Some h when not (Quote.hasTwoSides q) -> Hold { h with Quote = q }
        | Some h when not (beyond cfg h.From mid) -> CameBack { h with Quote = q }
        | Some h when beyond cfg q.Bid q.Ask -> Hold { h with Quote = q }
        | Some h when beyond cfg h.Level mid -> Hold { h with Quote = q; Since = now; Level = mid } // another level: its own wait
        | Some h when Timestamp.since h.Since now >= cfg.Guards.JumpConfirm -> Stood { h with Quote = q }
        | Some h -> Hold { h with Quote = q }

    /// The accepted quote as a reference, or before the first of this run (a restart) the remembered price.
    let private orRemembered (accepted: Quote) (remembered: float) =
        if System.Double.IsNaN(Quote.mid accepted) && System.Double.IsFinite remembered then { accepted with Bid = remembered; Ask = remembered }
        else accepted

    /// The underlying's quote (the scalper's price). Before the first price of this run (a restart), the reference is
    /// the one the engine remembered (EngineMemory.LastSpot); only a store that never saw a price has none.
    let judge (cfg: Config) (s: State) (now: Timestamp) (q: Quote) =
        judgeQuote cfg (orRemembered s.Underlying s.Memory.LastSpot) s.HeldJump now q

    /// A portfolio symbol's quote, judged as the underlying's: before its first accepted quote of this run (a
    /// restart), against the price the engine remembered for it (EngineMemory.PortfolioPrices).
    let judgeSymbol (cfg: Config) (s: State) (now: Timestamp) (q: Quote) =
        let id = q.ContractId
        let accepted = orRemembered s.PortfolioQuotes.[id] (PortfolioPrices.find s.PortfolioPrices id)
        judgeQuote cfg accepted (s.HeldQuotes |> Map.tryFind id) now q

    /// The least band a leg's mid is allowed (money per share): ten cents, $10 a contract, so a far out-of-the-money
    /// leg whose vega is next to nothing is not held on every tick.
    let private minLegBand = 0.10

    /// How far a leg's mid may sit from its expected one (judgeLeg) without being held: `guards.max_option_jump_vol_points` of its
    /// vega but never more than half its value (out of the money vega can exceed the price: a quote at a tenth of the
    /// value would pass), at least `max_jump_pct` of its value (deep in the money vega says little), never under
    /// `minLegBand`.
    let legBand (cfg: Config) (leg: LegState) =
        let value = abs leg.Greeks.Price
        let vol = min (cfg.Guards.MaxOptionJumpVolPoints / 100.0 * abs leg.Greeks.Vega) (0.5 * value)
        max vol (max (cfg.Guards.MaxJumpPct / 100.0 * value) minLegBand)

    /// A two-sided quote wider than the whole band (twice it) carries no price: its mid is anywhere in it.
    let isWide (band: float) (q: Quote) = Quote.hasTwoSides q && q.Ask - q.Bid > 2.0 * band

    /// The verdict on an option leg's quote. The reference is the leg's last accepted mid carried by its model since:
    /// its model value at its accepted vol and the accepted price (revalued on every underlying quote: a leg follows the
    /// underlying without being held) plus the basis the mid had to it (LegState.QuoteBasis). A quote off it by
    /// more than `legBand`, or wider than twice the band, is held: the leg keeps its accepted quote (its mark) and vol.
    /// Quotes at a new level stand as the underlying's do; a wide quote never stands (a leg quoted only wide keeps
    /// its last narrow mark) and restarts the wait. Nothing is judged without a reference: before the leg's vol came
    /// from the market (its first quotes; after a restart the caller passes the leg at its remembered mark vol), or
    /// while the underlying's own price is held (`unjudged`: the legs' quotes then follow a price that may stand; a
    /// leg already held is released to it), or for a leg its model does not price to within the band.
    let judgeLeg (cfg: Config) (leg: LegState) (held: HeldJump option) (unjudged: bool) (now: Timestamp) (q: Quote) =
        let reference = leg.Greeks.Price + leg.QuoteBasis
        let band = legBand cfg leg
        // A leg the model does not price to within its band (an implied vol at the solver's bound, a large early-
        // exercise premium) has no reference its quotes could be judged against.
        if unjudged || leg.VolSource = FallbackVol || not (System.Double.IsFinite reference) || not (abs leg.QuoteBasis <= band) then
            match held with
            | None -> Accept
            | Some h -> CameBack { h with Quote = q }
        else
            let mid = Quote.mid q
            let wide = isWide band q
            let off level = abs (mid - level) > band
            match held with
            | None when Quote.hasTwoSides q && (wide || off reference) -> Hold { Quote = q; Since = now; From = reference; Level = mid }
            | None -> Accept
            | Some h when not (Quote.hasTwoSides q) -> Hold { h with Quote = q }
            | Some h when not wide && not (off reference) -> CameBack { h with Quote = q }
            | Some h when wide || off h.Level -> Hold { h with Quote = q; Since = now; Level = mid }
            | Some h when Timestamp.since h.Since now >= cfg.Guards.JumpConfirm -> Stood { h with Quote = q }
            | Some h -> Hold { h with Quote = q }

    /// The leg a quote of it is judged as (judgeLeg's `leg`): itself once a quote of it was taken in this run. After a
    /// restart none was (no basis): its first is judged against the model at the vol the leg was last marked at
    /// (EngineMemory.LegVols), at the accepted price (else the remembered one); with neither, the leg as it is (its
    /// vol a fallback: not judged).
    let legAsJudged (cfg: Config) (s: State) (now: Timestamp) (leg: LegState) =
        if not (System.Double.IsNaN leg.QuoteBasis) then leg
        else
            let vol = LegVols.find s.Memory.LegVols leg.Option.ContractId
            let spot = let p = State.spot s in if System.Double.IsFinite p then p else s.Memory.LastSpot
            if System.Double.IsFinite vol && System.Double.IsFinite spot then
                Book.revalue cfg.Strategy now spot { leg with Vol = vol; VolSource = ImpliedFromMid; QuoteBasis = 0.0; MarkVol = vol }
            else leg

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

    /// What the operator reads when a held leg quote is released unjudged: the underlying's own price became held, and
    /// the legs then follow a price that may stand (neither dropped nor confirmed: taken as it comes).
    let releasedNote (underlying: string) (h: HeldJump) (now: Timestamp) =
        let held = Duration.toSeconds (Timestamp.since h.Since now)
        $"PRICE_JUMP released unjudged after {held:F1} s ({moveText h}): {underlying}'s own price is held, the legs follow it; priced from this quote"

    /// What the operator reads when a leg's quote is first held: a jump (a warning, as the underlying's) or a quote
    /// too wide to carry a price (an info: option market makers widen, at the close above all).
    let legHeldAlert (cfg: Config) (name: string) (band: float) (h: HeldJump) =
        if isWide band h.Quote then
            Info, "WIDE_QUOTE",
            $"{name} quoted {h.Quote.Bid:F2} / {h.Quote.Ask:F2}, wider than twice its band ±{band:F2} (guards.max_option_jump_vol_points "
            + $"{cfg.Guards.MaxOptionJumpVolPoints}): no price in it; the leg stays marked at its last narrow quote and its vol"
        else
            Warning, "PRICE_JUMP",
            $"{name} mid {moveText h}, beyond its band ±{band:F2} from the expected mid (guards.max_option_jump_vol_points "
            + $"{cfg.Guards.MaxOptionJumpVolPoints}): held, the leg keeps its accepted mark and vol until it stands "
            + $"{Duration.toSeconds cfg.Guards.JumpConfirm:F1} s"

    /// The held jump as the light shows it (the underlying by its symbol).
    let describe (cfg: Config) (s: State) =
        s.HeldJump |> Option.map (fun h -> $"{cfg.Strategy.Underlying.Symbol} mid {moveText h} held until it stands")

    /// A portfolio symbol's name as the operator reads it (its contract id when the universe does not name it).
    let symbolName (s: State) (id: ContractId) =
        s.PortfolioSetup |> Option.bind (fun setup -> PortfolioRuns.PortfolioSetup.symbolOf setup id)
        |> Option.defaultWith (fun () -> string (ContractId.value id))

    /// The portfolio symbols whose quote is held, by symbol, as the light shows them.
    let heldSymbols (s: State) =
        if s.HeldQuotes.IsEmpty then []
        else
            [ for KeyValue(id, h) in s.HeldQuotes do
                  if s.PortfolioQuotes.ContainsKey id then $"{symbolName s id} mid {moveText h} held until it stands or comes back" ]

    /// Why an order on a contract may not go out while its quote is held (no risk bypass skips it).
    let orderProblem (cfg: Config) (s: State) (conId: ContractId) =
        if conId = State.underlyingId cfg then describe cfg s |> Option.map (fun d -> "price_jump: " + d)
        else
            s.HeldQuotes |> Map.tryFind conId
            |> Option.map (fun h -> $"price_jump: {State.contractName cfg s (ContractId.value conId)} mid {moveText h} held until it stands or comes back")
