namespace Bifrost.Domain.Trading

open Bifrost.Domain
open Bifrost.Domain.Pricing
open Bifrost.Domain.Strategy

/// Quotes in: revalue the book (greeks on every underlying tick), attribute P&L, then let the scalper decide.
module MarketData =
    let private yearsBetween (a: Timestamp) (b: Timestamp) =
        if a = Timestamp.zero then 0.0 else max 0.0 (Duration.toSeconds (Timestamp.since a b) / (365.0 * 86_400.0))

    /// Re-values the legs at `now` and the underlying quote's mid, attributing the step's P&L from `before`'s
    /// valuation; builds the new state in one copy (this runs on every tick).
    let revalueAt (cfg: Config) (before: State) (now: Timestamp) (underlying: Quote) (legs: LegState array) =
        let spot1 = Quote.mid underlying
        let revalued = Array.zeroCreate legs.Length
        for i in 0 .. legs.Length - 1 do
            revalued.[i] <- Book.revalue cfg.Strategy now spot1 legs.[i]
        let attribution =
            Attribution.step before.Legs revalued before.Portfolio (State.underlyingId cfg) (State.spot before) spot1
                (yearsBetween before.ValuedAt now) (before.ValuedAt = Timestamp.zero) before.Attribution
        { before with
            Now = now
            Underlying = underlying
            Legs = revalued
            Book = Book.aggregate revalued before.Portfolio
            Attribution = attribution
            ValuedAt = now }

    let private legVol (cfg: Config) (now: Timestamp) (spot: float) (leg: LegState) (q: Quote) =
        if System.Double.IsFinite q.ImpliedVol && q.ImpliedVol > 0.0 then q.ImpliedVol, FromData
        elif Quote.hasTwoSides q && System.Double.IsFinite spot then
            match ImpliedVol.solve leg.Option.Right (Book.inputs cfg.Strategy now spot leg) (Quote.mid q) with
            | Ok v -> v, ImpliedFromMid
            | Error _ -> leg.Vol, leg.VolSource
        else leg.Vol, leg.VolSource

    /// A quote at `now` (the reducer's clock, set here so the hot path copies the state once).
    let onQuote (cfg: Config) (s: State) (now: Timestamp) (q: Quote) : State * Command list =
        if q.ContractId = State.underlyingId cfg then
            Hedging.evaluate cfg (revalueAt cfg s now q s.Legs)
        else
            match State.legIndex s q.ContractId with
            | None when s.PortfolioQuotes.ContainsKey q.ContractId ->
                // A portfolio symbol: kept for sizing and the fresh-quote rule; the scalper has nothing to decide.
                { s with Now = now; PortfolioQuotes = s.PortfolioQuotes |> Map.add q.ContractId q }, []
            | None -> s, [] // not in the book: nothing to decide
            | Some i ->
                let leg = s.Legs.[i]
                let vol, source = legVol cfg now (State.spot s) leg q
                let legs = Array.copy s.Legs
                legs.[i] <- { leg with Quote = q; Vol = vol; VolSource = source }
                Hedging.evaluate cfg (revalueAt cfg s now s.Underlying legs)

    /// Merges one streamed tick into the contract's last quote.
    let onTick (cfg: Config) (s: State) (venue: Timestamp) (conId: ContractId) (field: TickField) (value: float) =
        match Composite.quoteOf cfg s conId with
        | None -> s, []
        | Some q ->
            let q = { q with VenueTime = venue; ReceiveTime = s.Now }
            let q =
                match field with
                | BidPrice -> { q with Bid = value }
                | AskPrice -> { q with Ask = value }
                | LastPrice -> { q with Last = value }
                | BidSize -> { q with BidSize = value }
                | AskSize -> { q with AskSize = value }
            onQuote cfg s s.Now q

    let onOptionComputation (cfg: Config) (s: State) (conId: ContractId) (iv: float) =
        match State.legIndex s conId with
        | Some i when System.Double.IsFinite iv && iv > 0.0 ->
            let legs = Array.copy s.Legs
            legs.[i] <- { s.Legs.[i] with Vol = iv; VolSource = FromBroker }
            Hedging.evaluate cfg (revalueAt cfg s s.Now s.Underlying legs)
        | _ -> s, []
