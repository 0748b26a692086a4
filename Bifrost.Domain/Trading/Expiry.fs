namespace Bifrost.Domain.Trading

open Bifrost.Domain

/// Legs past expiry leave the book: the strategy's holding is closed at intrinsic value (greeks zero, never hedged),
/// `LEG_EXPIRED` is raised once, and what the account holds afterwards (exercise, assignment, delivered stock) is the
/// broker's settlement — external to the strategy — as the account's positions report it.
module Expiry =
    // Compared as int64: F#'s generic comparison of the Timestamp struct boxes both sides (every leg, every clock step).
    let isExpired (s: State) (o: OptionContract) = s.Now.Nanos >= o.Expiry.Nanos

    let private intrinsic (o: OptionContract) (spot: float) =
        if not (System.Double.IsFinite spot) then 0.0
        else
            match o.Right with
            | Call -> max 0.0 (spot - o.Strike)
            | Put -> max 0.0 (o.Strike - spot)

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

    let private settleDue (s: State) =
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
                let s' =
                    { s with
                        Portfolio = portfolio
                        ExpiredLegs = s.ExpiredLegs.Add(ContractId.value id, value)
                        Book = Strategy.Book.aggregate s.Legs portfolio }
                let account = Portfolio.brokerQty id s.Portfolio
                let message =
                    $"{o.Underlying} {o.Strike} {(match o.Right with Call -> 'C' | Put -> 'P')} ({ContractId.value id}) expired: strategy held {held}, closed at intrinsic {value:F2} (spot {spot:F2}); "
                    + $"account holds {account} — settlement (exercise, assignment, delivered stock) is external until the operator acts"
                s', cmds @ Emit.alertAndRecord s' Warning "LEG_EXPIRED" message) (s, [])

    /// Takes every expired leg the strategy or the account still holds out of the book (once per leg).
    let settle (s: State) = if anyPast s then settleDue s else s, []

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
                let s' = { s with Portfolio = portfolio; Book = Strategy.Book.aggregate s.Legs portfolio }
                s', Emit.alertAndRecord s' Warning "LEG_EXPIRED"
                        $"{ContractId.value conId}: a fill of {held} reported after the leg expired, closed at the expiry's intrinsic {price:F2}"
