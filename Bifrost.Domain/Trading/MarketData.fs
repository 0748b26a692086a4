namespace Bifrost.Domain.Trading

open Bifrost.Domain
open Bifrost.Domain.Pricing
open Bifrost.Domain.Strategy

/// Quotes in: revalue the book (greeks on every underlying tick), attribute P&L, then let the scalper decide.
module MarketData =
    /// Re-values `before`'s legs — with leg `changed` replaced by `leg` (no leg when `changed` is -1) — at `now` and
    /// the underlying quote's mid, attributing the step's P&L from `before`'s valuation; builds the new legs in one
    /// array and the new state in one copy (this runs on every tick).
    let revalueWith (cfg: Config) (before: State) (now: Timestamp) (underlying: Quote) (changed: int) (leg: LegState) =
        let spot1 = Quote.mid underlying
        let legs = before.Legs
        let revalued = Array.zeroCreate legs.Length
        for i in 0 .. legs.Length - 1 do
            revalued.[i] <- Book.revalue cfg.Strategy now spot1 (if i = changed then leg else legs.[i])
        // A leg's new quote or vol: the basis its next quote is judged against (PriceJump.judgeLeg).
        if changed >= 0 then revalued.[changed] <- Book.withQuoteBasis revalued.[changed]
        let attribution =
            Attribution.step cfg.Strategy before.ValuedAt now before.Legs revalued before.Portfolio (State.underlyingId cfg)
                (State.spot before) spot1 before.Attribution
        { before with
            Now = now
            Underlying = underlying
            Legs = revalued
            Book = Book.aggregate revalued before.Portfolio
            Attribution = attribution
            ValuedAt = now }

    /// Re-values the legs as they are (a new underlying quote, or time passing).
    let revalueAt (cfg: Config) (before: State) (now: Timestamp) (underlying: Quote) =
        revalueWith cfg before now underlying -1 Unchecked.defaultof<LegState>

    /// The state at `now` when a handler changed nothing (a handler that changes it sets Now in its own copy).
    let private atNow (s: State) (now: Timestamp) = if now.Nanos = s.Now.Nanos then s else { s with Now = now }

    /// The leg's broker vol is still the one to use: its model tick came within stale_after (the broker sends one
    /// whenever its inputs move; past that it may be stale while the quotes move on).
    let private brokerVolFresh (cfg: Config) (now: Timestamp) (leg: LegState) =
        leg.VolSource = FromBroker && Timestamp.since leg.BrokerVolAt now <= cfg.Guards.StaleAfter

    /// A leg's vol at its quote `q`, in one fixed order: the data's, the broker's (while fresh), the one its mid implies.
    /// A fixed order, not the latest source: the broker's vol and the mid's differ (American exercise, dividends), and
    /// a leg re-valued at each in turn swings its delta with nothing moving, so the hedger trades both ways.
    let private legVol (cfg: Config) (now: Timestamp) (spot: float) (leg: LegState) (q: Quote) =
        // A struct pair: this runs on every option quote.
        // A given vol outside the plausible range (in percent, say) is no vol: the mid is solved instead.
        if ImpliedVol.isPlausible q.ImpliedVol then struct (q.ImpliedVol, FromData)
        elif brokerVolFresh cfg now leg then struct (leg.Vol, FromBroker)
        elif Quote.hasTwoSides q && System.Double.IsFinite spot then
            match ImpliedVol.solve leg.Option.Right (Book.inputs cfg.Strategy now spot leg) (Quote.mid q) with
            | Ok v -> struct (v, ImpliedFromMid)
            | Error _ -> struct (leg.Vol, leg.VolSource)
        else struct (leg.Vol, leg.VolSource)

    /// Legs whose vol waits for a price (`stale`: quoted before the first one, at fallback_vol; or solved from their
    /// mid against a price a jump has since left behind) are solved again from their last two-sided quote at the new one.
    let private resolveVols (cfg: Config) (s: State) (now: Timestamp) (underlying: Quote) (stale: LegState -> bool) =
        let spot = Quote.mid underlying
        let waiting (l: LegState) = stale l && Quote.hasTwoSides l.Quote
        if not (System.Double.IsFinite spot) || not (s.Legs |> Array.exists waiting) then s
        else
            let legs =
                s.Legs |> Array.map (fun l ->
                    if waiting l then let struct (vol, source) = legVol cfg now spot l l.Quote in { l with Vol = vol; VolSource = source } else l)
            { s with Legs = legs }

    /// An accepted underlying quote: revalue, settle an expiry that waited for a price, then let the scalper decide.
    /// `stoodSince`: a held jump stood, held since then; the legs quoted meanwhile were valued at the price it left
    /// (their quotes were not judged: PriceJump.judgeLeg) and are valued again at this one; a leg quoted before it keeps
    /// its vol and basis (its quote was at the old price, as they were).
    let private priceUnderlying (cfg: Config) (s: State) (now: Timestamp) (q: Quote) (stoodSince: Timestamp option) =
        let unpriced = System.Double.IsNaN(State.spot s)
        let quotedSince (l: LegState) = match stoodSince with Some t -> l.Quote.ReceiveTime >= t | None -> false
        let s =
            if unpriced then resolveVols cfg s now q (fun l -> l.VolSource = FallbackVol)
            elif stoodSince.IsSome then resolveVols cfg s now q (fun l -> (l.VolSource = FallbackVol || l.VolSource = ImpliedFromMid) && quotedSince l)
            else s
        let s = revalueAt cfg s now q
        // The legs' quotes valued without a price, or at one the jump left: their bases are taken at this one.
        let s =
            if unpriced then { s with Legs = s.Legs |> Array.map Book.withQuoteBasis }
            elif stoodSince.IsSome then { s with Legs = s.Legs |> Array.map (fun l -> if quotedSince l then Book.withQuoteBasis l else l) }
            else s
        // The first price after a restart across an expiry settles the leg that waited for it, before the hedger
        // looks at the book (with a price already known, the clock step settles expiries as before).
        if unpriced && Expiry.anyPastAt now s && (match s.Fsm with Starting | Syncing _ -> false | _ -> true) then
            let before = s.Fsm
            let s, expired = Expiry.settle cfg s
            // Valued again with what the settlement closed and delivered, as the clock step does (the attribution's
            // parts then add up to the marked P&L at this valuation too).
            let s = revalueAt cfg s now q
            let s, cmds = Hedging.evaluate cfg s
            s, expired @ cmds @ Emit.fsmChange s before
        else Hedging.evaluate cfg s

    /// The underlying's quote through the bad-quote guard (PriceJump): held, priced, or priced ending a hold.
    let private judgeUnderlying (cfg: Config) (s: State) (now: Timestamp) (q: Quote) =
        match PriceJump.judge cfg s now q with
        | PriceJump.Accept -> priceUnderlying cfg s now q None
        | PriceJump.Hold h ->
            let first = s.HeldJump.IsNone
            let s = { s with Now = now; HeldJump = Some h }
            s, (if first then Emit.alertAndRecord s Warning "PRICE_JUMP" (PriceJump.heldAlert cfg cfg.Strategy.Underlying.Symbol h) else [])
        | PriceJump.CameBack h ->
            let s, cmds = priceUnderlying cfg { s with HeldJump = None } now q None
            s, Emit.alertAndRecord s Info "BAD_QUOTE_DROPPED" (PriceJump.endedNote h now false) @ cmds
        | PriceJump.Stood h ->
            let s, cmds = priceUnderlying cfg { s with HeldJump = None } now q (Some h.Since)
            s, Emit.alertAndRecord s Info "PRICE_JUMP_STOOD" (PriceJump.endedNote h now true) @ cmds

    /// The underlying's quote: a leg whose expiry it crosses settled first, then the quote through the bad-quote guard.
    let private onUnderlying (cfg: Config) (s: State) (now: Timestamp) (q: Quote) =
        // A quote received past a leg's expiry, before the clock's next step, is after the close's (the stock quotes on
        // after hours, several times a second): the leg is settled first, on the last price before the close, as the
        // clock step at the expiry would have. Settled on this quote, a clearly worthless leg read "priced after the
        // close" and paused the engine at every expiry it ran through.
        if Expiry.pricedBeforeExpiryOf now s && (match s.Fsm with Starting | Syncing _ -> false | _ -> true) then
            let s, expired = Expiry.settle cfg { s with Now = now }
            let s, cmds = judgeUnderlying cfg s now q
            s, expired @ cmds
        else judgeUnderlying cfg s now q

    /// A portfolio symbol's quote: kept for sizing and the fresh-quote rule (the scalper has nothing to decide), through
    /// the same bad-quote guard: a held one is neither sized nor traded on until it stands or comes back.
    let private onPortfolioQuote (cfg: Config) (s: State) (now: Timestamp) (q: Quote) =
        let id = q.ContractId
        // Named only in an alert (an ordinary quote looks nothing up).
        let symbol () = PriceJump.symbolName s id
        let accept (s: State) =
            { s with
                Now = now; PortfolioQuotes = s.PortfolioQuotes |> Map.add id q
                HeldQuotes = (if s.HeldQuotes.IsEmpty then s.HeldQuotes else s.HeldQuotes |> Map.remove id)
                // Remembered from two-sided quotes only: the last trade standing in for a one-sided book's mid is no
                // price to size at (PortfolioFlow.prices falls back on this one).
                PortfolioPrices = if Quote.hasTwoSides q then PortfolioPrices.withMid s.PortfolioPrices id (Quote.mid q) else s.PortfolioPrices }
        match PriceJump.judgeSymbol cfg s now q with
        | PriceJump.Accept -> accept s, []
        | PriceJump.Hold h ->
            let first = not (s.HeldQuotes.ContainsKey id)
            let s = { s with Now = now; HeldQuotes = s.HeldQuotes |> Map.add id h }
            s, (if first then Emit.alertAndRecord s Warning "PRICE_JUMP" (PriceJump.heldAlert cfg (symbol ()) h) else [])
        | PriceJump.CameBack h ->
            let s = accept s
            s, Emit.alertAndRecord s Info "BAD_QUOTE_DROPPED" $"{symbol ()}: {PriceJump.endedNote h now false}"
        | PriceJump.Stood h ->
            let s = accept s
            s, Emit.alertAndRecord s Info "PRICE_JUMP_STOOD" $"{symbol ()}: {PriceJump.endedNote h now true}"

    /// An accepted leg quote: its mark, and its vol (from the data, else implied from its mid), then the scalper decides.
    let private priceLeg (cfg: Config) (s: State) (now: Timestamp) (i: int) (q: Quote) =
        let leg = s.Legs.[i]
        let struct (vol, source) = legVol cfg now (State.spot s) leg q
        Hedging.evaluate cfg (revalueWith cfg s now s.Underlying i { leg with Quote = q; Vol = vol; VolSource = source })

    /// An option leg's quote through the bad-quote guard (PriceJump.judgeLeg): priced, or held with the leg kept at its
    /// accepted mark and vol (the hedge goes on at them: the greeks at the accepted vol are the best there is).
    let private onLegQuote (cfg: Config) (s: State) (now: Timestamp) (i: int) (q: Quote) =
        let leg = s.Legs.[i]
        let id = q.ContractId
        let held = if s.HeldQuotes.IsEmpty then None else s.HeldQuotes |> Map.tryFind id
        let judged = PriceJump.legAsJudged cfg s now leg
        let ended (s: State) code text =
            let s, cmds = priceLeg cfg { s with HeldQuotes = s.HeldQuotes |> Map.remove id } now i q
            s, Emit.alertAndRecord s Info code $"{OptionBook.describe leg.Option}: {text}" @ cmds
        match PriceJump.judgeLeg cfg judged held s.HeldJump.IsSome now q with
        | PriceJump.Accept -> priceLeg cfg s now i q
        | PriceJump.Hold h ->
            let s = { s with Now = now; HeldQuotes = s.HeldQuotes |> Map.add id h }
            // Held against the remembered vol: the leg is carried at it (marked and hedged at the model there, as a
            // leg held live keeps its accepted vol), not at fallback_vol.
            let s, cmds =
                if System.Double.IsNaN leg.QuoteBasis && not (System.Double.IsNaN judged.QuoteBasis) then
                    Hedging.evaluate cfg (revalueWith cfg s now s.Underlying i judged)
                else s, []
            if held.IsSome then s, cmds
            else
                let severity, code, text = PriceJump.legHeldAlert cfg (OptionBook.describe leg.Option) (PriceJump.legBand cfg judged) h
                s, Emit.alertAndRecord s severity code text @ cmds
        | PriceJump.CameBack _ when held |> Option.exists (fun p -> PriceJump.isWide (PriceJump.legBand cfg judged) p.Quote) ->
            ended s "BAD_QUOTE_DROPPED" "WIDE_QUOTE ended: quoted narrow again, priced from this quote"
        // Not that the quote came back: with the underlying's own price in doubt there is nothing to judge it against.
        | PriceJump.CameBack h when s.HeldJump.IsSome -> ended s "PRICE_JUMP_RELEASED" (PriceJump.releasedNote cfg.Strategy.Underlying.Symbol h now)
        | PriceJump.CameBack h -> ended s "BAD_QUOTE_DROPPED" (PriceJump.endedNote h now false)
        | PriceJump.Stood h -> ended s "PRICE_JUMP_STOOD" (PriceJump.endedNote h now true)

    /// A quote at `now` (the reducer's clock, set here so the hot path copies the state once).
    let onQuote (cfg: Config) (s: State) (now: Timestamp) (q: Quote) : State * Command list =
        if q.ContractId = State.underlyingId cfg then onUnderlying cfg s now q
        else
            match State.legIndex s q.ContractId with
            | None when s.PortfolioQuotes.ContainsKey q.ContractId -> onPortfolioQuote cfg s now q
            | None -> atNow s now, [] // not in the book: nothing to decide (the clock still moves)
            | Some i -> onLegQuote cfg s now i q

    /// Merges one streamed tick into the contract's last quote, at `now` (the reducer's clock: the live hot path, where
    /// the revaluation's copy of the state is the only one).
    let onTick (cfg: Config) (s: State) (now: Timestamp) (venue: Timestamp) (conId: ContractId) (field: TickField) (value: float) =
        match Composite.quoteOf cfg s conId with
        | None -> atNow s now, []
        | Some q ->
            let q = { q with VenueTime = venue; ReceiveTime = now }
            let q =
                match field with
                | BidPrice -> { q with Bid = value }
                | AskPrice -> { q with Ask = value }
                | LastPrice -> { q with Last = value }
                | BidSize -> { q with BidSize = value }
                | AskSize -> { q with AskSize = value }
            onQuote cfg s now q

    /// The broker's model vol for a leg. Not while the leg's quote is held: the broker computes it from that quote; nor
    /// over a vol from the data (legVol's order); nor one outside the plausible range (the leg keeps its vol).
    let onOptionComputation (cfg: Config) (s: State) (now: Timestamp) (conId: ContractId) (iv: float) =
        match State.legIndex s conId with
        | Some i when ImpliedVol.isPlausible iv && not (s.HeldQuotes.ContainsKey conId) && s.Legs.[i].VolSource <> FromData ->
            Hedging.evaluate cfg (revalueWith cfg s now s.Underlying i { s.Legs.[i] with Vol = iv; VolSource = FromBroker; BrokerVolAt = now })
        | _ -> atNow s now, []

    /// IB's halted tick (ExchangeHalts): a halt is told once when it starts (a warning) and once when it ends (a note);
    /// a repeat, or a halt that changes its kind, tells nothing new. At its end the hedger looks at once: a hedge that
    /// came due during the halt goes without the operator (the halt was the exchange's, not a fault).
    let onTradingHalt (cfg: Config) (s: State) (now: Timestamp) (id: ContractId) (halt: TradingHalt option) =
        let s = atNow s now
        let name = State.contractName cfg s (ContractId.value id)
        let isUnderlying = id = State.underlyingId cfg
        match halt, s.TradingHalts |> Map.tryFind id with
        | Some h, Some(h0, _) when h = h0 -> s, []
        | Some h, Some(_, since) -> { s with TradingHalts = s.TradingHalts |> Map.add id (h, since) }, []
        | Some h, None ->
            let s = { s with TradingHalts = s.TradingHalts |> Map.add id (h, now) }
            let text =
                if isUnderlying then
                    $"{name} halted by the exchange ({TradingHalt.name h}): no hedge sent until it trades again (an order already working stays at IB for the reopening auction); the hedger goes on by itself when IB reports it trading"
                else $"{name} halted by the exchange ({TradingHalt.name h}): no order sent to it until it trades again (one already working stays at IB for the reopening auction)"
            s, Emit.alertAndRecord s Warning (if isUnderlying then "UNDERLYING_HALTED" else "CONTRACT_HALTED") text
        | None, Some(h0, since) ->
            let s = { s with TradingHalts = s.TradingHalts |> Map.remove id }
            let ended = Emit.alertAndRecord s Info "HALT_ENDED" $"{name} trading again after its {TradingHalt.name h0} of {Duration.toSeconds (Timestamp.since since now):F0} s"
            if isUnderlying then
                let s, cmds = Hedging.evaluate cfg s
                s, ended @ cmds
            else s, ended
        | None, None -> s, []
