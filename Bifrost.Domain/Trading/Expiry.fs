namespace Bifrost.Domain.Trading

open Bifrost.Domain

/// Legs past expiry leave the book: the strategy's holding is closed at intrinsic value (greeks zero, never hedged),
/// and a holding in the money is exercised (long) or assigned (short): the stock it delivers is booked as the
/// strategy's, at the expiry's spot, so the hedge it offsets is not traded back (buying back a −1,000 hedge the
/// exercise of 10 calls already closed leaves the account long 1,000). The broker settles overnight and decides
/// (the official close, lapse instructions), so such an expiry, and one near the money either way, raises the critical
/// `EXPIRY_SETTLEMENT` and pauses until the operator has checked the account, as does one priced on a spot that cannot
/// be trusted at the expiry (received after it, older than `guards.stale_after_seconds` at it, or with a price jump
/// held); a leg clearly out of the money raises `LEG_EXPIRED` (a warning). What the account holds of the legs
/// afterwards is the broker's, never adopted again.
module Expiry =
    // Compared as int64: F#'s generic comparison of the Timestamp struct boxes both sides (every leg, every clock step).
    let isExpired (s: State) (o: OptionContract) = s.Now.Nanos >= o.Expiry.Nanos

    let private intrinsic (o: OptionContract) (spot: float) =
        if not (System.Double.IsFinite spot) then 0.0
        else
            match o.Right with
            | Call -> max 0.0 (spot - o.Strike)
            | Put -> max 0.0 (o.Strike - spot)

    /// OCC exercises by exception a holding in the money by $0.01 or more at the close.
    let exerciseThreshold = 0.01
    /// Within this fraction of the strike the official close (not our last mid) may fall either side of it.
    let pinFraction = 0.01

    /// The stock an expiring holding delivers (signed: long calls and short puts receive shares) and the spot it is
    /// booked at (strike ± intrinsic), or None when it expires worthless.
    let delivery (o: OptionContract) (held: int) (intrinsic: float) =
        if held = 0 || not (intrinsic >= exerciseThreshold) then None
        else
            match o.Right with
            | Call -> Some(held * o.Multiplier, o.Strike + intrinsic)
            | Put -> Some(-held * o.Multiplier, o.Strike - intrinsic)

    let private signed (n: int) = if n > 0 then $"+{n}" else string n

    /// Books a delivery (from `delivery`) as the strategy's stock (an exercise, not an order: no fee, no trade counted).
    let deliver (underlying: ContractId) (delivered: (int * float) option) (p: Portfolio) =
        match delivered with
        | Some(shares, px) -> Portfolio.applyFill underlying 1 (Side.ofSignedQuantity shares) (abs shares) px p
        | None -> p

    /// True when any leg's expiry has passed at `now` (a loop: most clock steps have none, and pay nothing more).
    let anyPastAt (now: Timestamp) (s: State) =
        let legs = s.Legs
        let mutable i = 0
        let mutable past = false
        while not past && i < legs.Length do
            past <- now.Nanos >= legs.[i].Option.Expiry.Nanos
            i <- i + 1
        past

    let private anyPast (s: State) = anyPastAt s.Now s

    /// True when an underlying quote at `now` is the first past the expiry of a leg not yet settled: the price the
    /// engine holds was received at or before the expiry (an event at the very instant still belongs to the session),
    /// so it is the last before the close; the quote at `now` is after it.
    let pricedBeforeExpiryOf (now: Timestamp) (s: State) =
        let legs = s.Legs
        let last = s.Underlying.ReceiveTime.Nanos
        let mutable i = 0
        let mutable crossed = false
        while not crossed && i < legs.Length do
            let e = legs.[i].Option.Expiry.Nanos
            crossed <- last <= e && e < now.Nanos && not (s.ExpiredLegs.ContainsKey(ContractId.value legs.[i].Option.ContractId))
            i <- i + 1
        crossed

    /// Why the spot the expiry is priced at may not be the close's (None: it is trusted): a quote received after the
    /// expiry (the daemon was down over it), one already stale at the expiry (a feed that died before the close: a
    /// call booked worthless at its last price may have closed in the money), or a jump held unconfirmed.
    let private doubtfulSpot (cfg: Config) (s: State) (o: OptionContract) =
        let q = s.Underlying
        if q.ReceiveTime.Nanos > o.Expiry.Nanos then Some "priced after the close (down over it): the close decides exercise"
        elif Classifier.freshness cfg.Guards o.Expiry q = Stale then
            let age = Duration.toSeconds (Timestamp.since q.ReceiveTime o.Expiry)
            Some $"the underlying's last quote was {age:F0} s old at the expiry (guards.stale_after_seconds {Duration.toSeconds cfg.Guards.StaleAfter:F0}): the close decides exercise"
        else
            match s.HeldJump with
            | Some h -> Some $"a price jump of the underlying to {Quote.mid h.Quote:F2} was held unconfirmed at the expiry: the close decides exercise"
            | None -> None

    let private settleDue (cfg: Config) (s: State) =
        let due =
            s.Legs
            |> Array.filter (fun l ->
                let id = l.Option.ContractId
                isExpired s l.Option
                && not (s.ExpiredLegs.ContainsKey(ContractId.value id))
                && (Portfolio.strategyQty id s.Portfolio <> 0 || Portfolio.brokerQty id s.Portfolio <> 0))
        let spot = State.spot s
        // Without a price the intrinsic value is unknown: the leg waits for the first underlying quote (a restart
        // across its expiry, before any quote) rather than being closed at 0 and remembered so.
        if due.Length = 0 || not (System.Double.IsFinite spot && spot > 0.0) then s, []
        else
            due |> Array.fold (fun (s: State, cmds) l ->
                let o = l.Option
                let id = o.ContractId
                let held = Portfolio.strategyQty id s.Portfolio
                let value = intrinsic o spot
                let portfolio =
                    if held = 0 then s.Portfolio
                    else Portfolio.applyFill id o.Multiplier (Side.ofSignedQuantity -held) (abs held) value s.Portfolio
                let delivered = delivery o held value
                let portfolio = deliver s.Underlying.ContractId delivered portfolio
                // By its terms, expiry included: two legs of one strike and right (a calendar) differ by it alone.
                let name = $"{OptionContract.describe o} ({ContractId.value id})"
                let account = Portfolio.brokerQty id s.Portfolio
                let closed = $"{name} expired: strategy held {held}, closed at intrinsic {value:F2} (spot {spot:F2}); account holds {account}"
                // Settled at a price that may not be the close's: the broker settled at the close, which may have been on
                // the other side of the strike.
                let doubt = doubtfulSpot cfg s o
                let unsure = held <> 0 && (value >= exerciseThreshold || abs (spot - o.Strike) <= pinFraction * o.Strike || doubt.IsSome)
                let doubtText = match doubt with Some why -> $"; {why}" | None -> ""
                let severity, code, message =
                    match delivered with
                    | Some(shares, _) ->
                        Critical, "EXPIRY_SETTLEMENT",
                        $"{closed}; in the money: {signed shares} {o.Underlying} delivered by exercise, booked as the strategy's (its hedge is not traded back){doubtText}. "
                        + "Paused: check the account after the broker's settlement; if the stock was not delivered, square the difference in your own client, then resume"
                    | None when unsure ->
                        let why = match doubt with Some why -> why | None -> $"within {pinFraction:P0} of the strike: the official close decides exercise"
                        Critical, "EXPIRY_SETTLEMENT",
                        $"{closed}; {why}, booked as worthless. "
                        + "Paused: check the account after the broker's settlement; if stock was delivered, square it in your own client, then resume"
                    | None -> Warning, "LEG_EXPIRED", $"{closed} — what the account still shows of it is the broker's settlement, external until the operator acts"
                let s' =
                    { s with
                        Portfolio = portfolio
                        ExpiredLegs = s.ExpiredLegs.Add(ContractId.value id, value)
                        Book = Strategy.Book.aggregate s.Legs portfolio }
                // Paused here, before the same step's hedge decision (the reducer's critical-alert pause runs after it).
                let s' =
                    match s'.Fsm with
                    | Running _ when severity = Critical -> { s' with Fsm = Paused; PausedBy = $"critical alert {code}" }
                    | _ -> s'
                s', cmds @ Emit.alertAndRecord s' severity code message) (s, [])

    /// Takes every expired leg the strategy or the account still holds out of the book (once per leg).
    let settle (cfg: Config) (s: State) = if anyPast s then settleDue cfg s else s, []

    /// A strategy fill on a leg already taken out at expiry (an order that was working across the expiry, reported
    /// late): the fill happened before the expiry close, so it is closed at the same remembered price — the leg
    /// never re-enters the book.
    let closeLateFill (s: State) (conId: ContractId) =
        match s.ExpiredLegs |> Map.tryFind (ContractId.value conId) with
        | None -> s, []
        | Some price ->
            let held = Portfolio.strategyQty conId s.Portfolio
            if held = 0 then s, []
            else
                let portfolio = Portfolio.applyFill conId (State.multiplier s conId) (Side.ofSignedQuantity -held) (abs held) price s.Portfolio
                // Filled before the close: exercised with the rest of the holding when it was in the money.
                let delivered = State.optionTerms s conId |> Option.bind (fun o -> delivery o held price)
                let portfolio = deliver s.Underlying.ContractId delivered portfolio
                let s' = { s with Portfolio = portfolio; Book = Strategy.Book.aggregate s.Legs portfolio }
                let also = match delivered with Some(shares, _) -> $"; in the money: {signed shares} shares delivered by exercise, booked as the strategy's" | None -> ""
                let name = match State.optionTerms s conId with Some o -> $"{OptionContract.describe o} ({ContractId.value conId})" | None -> $"contract {ContractId.value conId}"
                s', Emit.alertAndRecord s' Warning "LEG_EXPIRED"
                        $"{name}: a fill of {held} reported after the leg expired, closed at the expiry's intrinsic {price:F2}{also}"
