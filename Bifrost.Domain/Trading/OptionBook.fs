namespace Bifrost.Domain.Trading

open System.Globalization
open Bifrost.Domain
open Bifrost.Domain.Strategy

/// The strategy's option book across restarts. A leg is adopted once (its first sync: the configured quantity, when
/// the account holds it); afterwards only the strategy's own fills and the operator's `confirm_book` change it. Every
/// sync compares it with the account: the strategy must be covered by the account, and the external part (account −
/// strategy) may change only by the external fills seen since the last reconciliation. Anything else is a
/// BOOK_MISMATCH: hedging halts until the operator confirms a book. Never re-adopted silently.
module OptionBook =
    /// A leg as the trader reads it: `XYZ 20260320 P 100`.
    let describe (o: OptionContract) = OptionContract.describe o

    let private covered (strategy: int) (account: int) = strategy = 0 || (sign account = sign strategy && abs account >= abs strategy)

    let private adoptedOf (b: OptionBookMemory) id = b.Adopted |> List.tryFind (fun a -> a.ContractId = id)
    let private reconciledOf (b: OptionBookMemory) id = b.Reconciled |> List.tryFind (fun l -> l.ContractId = id)

    let private withAdopted (a: AdoptedLeg) (b: OptionBookMemory) =
        { b with Adopted = (b.Adopted |> List.filter (fun x -> x.ContractId <> a.ContractId)) @ [ a ] }

    /// An adopted leg against the account (None: it matches): the account covers the strategy, and the external part
    /// (account − strategy) moved only by the external fills seen since the last reconciliation.
    let private unexplained (s: State) (id: ContractId) (name: string) =
        let account = Portfolio.brokerQty id s.Portfolio
        let own = Portfolio.strategyQty id s.Portfolio
        let moved = s.ExternalLegFills |> Map.tryFind (ContractId.value id) |> Option.defaultValue 0
        match reconciledOf s.OptionBook id with
        | _ when not (covered own account) -> Some $"{name}: stored {own}, account {account}"
        | Some r when account - own <> (r.Account - r.Strategy) + moved ->
            let seen = if moved <> 0 then $", external fills since {moved}" else ""
            Some $"{name}: stored {own}, account {account} (external was {r.Account - r.Strategy}{seen}, is {account - own})"
        | _ -> None

    /// What the operator holds of a leg outside the strategy (account − strategy), read the way less in the strategy's
    /// favour: from the account's last report, or from the last reconciliation plus the external fills seen since (a
    /// position report lags a fill, or leads it).
    let private externalPart (s: State) (id: ContractId) (own: int) =
        let fromAccount = Portfolio.brokerQty id s.Portfolio - own
        let moved = s.ExternalLegFills |> Map.tryFind (ContractId.value id) |> Option.defaultValue 0
        match reconciledOf s.OptionBook id with
        | Some r when own >= 0 -> min fromAccount (r.Account - r.Strategy + moved)
        | Some r -> max fromAccount (r.Account - r.Strategy + moved)
        | None -> fromAccount

    /// Judges an order of `signedQty` on a leg (None for another contract) by the leg's name, what the strategy holds of
    /// it and what the operator holds outside it.
    let private judgeLegOrder (s: State) (id: ContractId) (judge: string -> int -> int -> string option) =
        match State.legIndex s id with
        | None -> None
        | Some i ->
            let own = Portfolio.strategyQty id s.Portfolio
            judge (describe s.Legs.[i].Option) own (externalPart s id own)

    let private sideOf (signedQty: int) = if signedQty < 0 then "sell" else "buy"

    /// Why an operator-owned order on a leg may not go (None: it may): it would take more than the operator holds outside
    /// the strategy, so its fill leaves the account short of the strategy's contracts and the book check halts on
    /// BOOK_MISMATCH. The strategy's own contracts are traded as the strategy's (`adjusts_strategy`).
    let operatorOrderProblem (s: State) (id: ContractId) (signedQty: int) =
        judgeLegOrder s id (fun name own external ->
            if own <> 0 && sign signedQty = -(sign own) && sign (external + signedQty) = -(sign own) then
                let over = min (abs signedQty) (abs (external + signedQty))
                Some($"{name}: an operator-owned {sideOf signedQty} of {abs signedQty} would take {over} of the strategy's {own} "
                     + $"(the operator holds {external} outside it) and its fill would halt the engine on BOOK_MISMATCH; to trade the strategy's own contracts send it with adjusts_strategy")
            else None)

    /// Why a strategy-owned order on a leg (`adjusts_strategy`, a rebalance) may not go (None: it may): it would take the
    /// strategy past zero to the other side of what the operator holds outside it, so after its fill the account no
    /// longer covers the strategy (a strategy short 1 in an account long 4) and the book check halts on BOOK_MISMATCH.
    /// The mirror of `operatorOrderProblem`: the strategy's sell stops at zero; the rest is the operator's to trade.
    let strategyOrderProblem (s: State) (id: ContractId) (signedQty: int) =
        judgeLegOrder s id (fun name own external ->
            let after = own + signedQty
            if signedQty <> 0 && not (covered after (after + external)) && covered own (own + external) then
                Some($"{name}: a strategy {sideOf signedQty} of {abs signedQty} would take the strategy from {own} to {after} while the operator "
                     + $"holds {external} outside it (the account {after + external}): its fill would halt the engine on BOOK_MISMATCH; take the strategy to 0 at most "
                     + "and trade the operator's contracts as the operator's (without adjusts_strategy)")
            else None)

    /// One leg at sync: adopt it (first time) or check it. Returns the state and a problem for the alert.
    let private checkLeg (s: State, problems: string list, notes: string list) (leg: LegConfig) =
        let id = leg.Option.ContractId
        let name = describe leg.Option
        let account = Portfolio.brokerQty id s.Portfolio
        let own = Portfolio.strategyQty id s.Portfolio
        match adoptedOf s.OptionBook id with
        // An expired leg is neither adopted nor checked: what the account still shows of it is the broker's settlement.
        | None when Expiry.isExpired s leg.Option -> s, problems, $"{name} expired: not adopted" :: notes
        | Some _ when Expiry.isExpired s leg.Option -> s, problems, notes
        | None when own <> 0 && own <> account ->
            // Own fills but no adoption stored (a store from before the book was kept): what was adopted is unknown.
            s, $"{name}: stored {own}, account {account} (no adopted book on record)" :: problems, notes
        | None when own <> 0 ->
            { s with OptionBook = s.OptionBook |> withAdopted { ContractId = id; Quantity = 0; AvgCost = 0.0; Realized = 0.0 } }, problems, notes
        | None when leg.Quantity = 0 ->
            { s with OptionBook = s.OptionBook |> withAdopted { ContractId = id; Quantity = 0; AvgCost = 0.0; Realized = 0.0 } }, problems, notes
        | None when covered leg.Quantity account ->
            let cost = Portfolio.brokerCost id s.Portfolio |> Option.filter System.Double.IsFinite |> Option.defaultValue 0.0
            let h = { Portfolio.holding id s.Portfolio with Quantity = leg.Quantity; AvgCost = cost }
            { s with
                Portfolio = Portfolio.adopt id h s.Portfolio
                OptionBook = s.OptionBook |> withAdopted { ContractId = id; Quantity = leg.Quantity; AvgCost = cost; Realized = 0.0 } },
            problems, $"adopted {leg.Quantity} of {name} @ {cost:F4}" :: notes
        | None -> s, $"{name}: configured {leg.Quantity} to adopt, account {account}" :: problems, notes
        | Some _ ->
            match unexplained s id name with
            | Some problem -> s, problem :: problems, notes
            | None -> s, problems, notes

    /// How long before its expiry a leg's position is taken to be settling.
    let private settlementLead = 60L * 1_000_000_000L

    /// What a leg's position reported between syncs says that the book cannot explain (None: nothing). IB streams every
    /// change of the account's positions; the option book is compared with the account only by a sync, so a short leg
    /// assigned, a leg sold in TWS (its execution reaches only its own client until the next reqExecutions) or closed
    /// by IB's margin liquidation left the hedger hedging options the account no longer holds, under a GREEN light,
    /// until the next reconnect. The same test as a sync's: the account covers the strategy, and the external part
    /// moved only by the external fills seen. (A position that leads an execution of ours fails it too: the sync it
    /// starts lists the execution, and passes.) From a minute before its expiry a leg's moves are the broker's
    /// settlement, which the expiry closes (a report a moment ahead of the engine's clock is not a mismatch).
    let movedOutside (cfg: Config) (s: State) (id: ContractId) =
        let settling (o: OptionContract) = s.Now.Nanos >= o.Expiry.Nanos - settlementLead
        match cfg.Strategy.Legs |> List.tryFind (fun l -> l.Option.ContractId = id) with
        | Some leg when not (settling leg.Option) && (adoptedOf s.OptionBook id).IsSome -> unexplained s id (describe leg.Option)
        | _ -> None

    /// The reconciled book as it stands now.
    let private reconciled (cfg: Config) (s: State) =
        { s.OptionBook with
            Reconciled =
                [ for leg in cfg.Strategy.Legs ->
                      let id = leg.Option.ContractId
                      { ContractId = id; Strategy = Portfolio.strategyQty id s.Portfolio; Account = Portfolio.brokerQty id s.Portfolio } ]
            ReconciledAt = s.Now }

    /// True when the configuration describes the contract: the underlying, a configured leg, a portfolio symbol.
    let describes (cfg: Config) (s: State) (id: ContractId) =
        id = State.underlyingId cfg || (State.legIndex s id).IsSome
        || s.PortfolioSetup |> Option.exists (fun p -> (PortfolioRuns.PortfolioSetup.symbolOf p id).IsSome)

    /// What the strategy holds of a contract the configuration does not describe — not the underlying, not a
    /// configured leg, not a portfolio symbol: a leg taken out of `strategy.legs` while the strategy still held it.
    /// The hedger would trade as if it were not there (its delta unhedged, its P&L and risk unseen), so every sync
    /// names it (LEG_UNCONFIGURED) and ends halted, and every way out of the halt syncs again, until it is back in the
    /// configuration. A leg leaves the configuration once the strategy holds none of it.
    let unconfigured (cfg: Config) (s: State) =
        let keys, held = s.Portfolio.Keys, s.Portfolio.Held
        [ for i in 0 .. keys.Length - 1 do
              let id = ContractId.create keys.[i] |> Result.get
              if held.[i].Quantity <> 0 && not (describes cfg s id) then
                  let name =
                      match State.optionTerms s id with
                      | Some o -> $"{describe o} ({keys.[i]})"
                      | None -> $"contract {keys.[i]} (neither a leg on record nor a portfolio.universe symbol)"
                  $"{name}: the strategy holds {held.[i].Quantity}" ]

    /// What LEG_UNCONFIGURED says: the legs (from `unconfigured`) and the way out.
    let unconfiguredText (unlisted: string list) =
        "the strategy holds contracts the configuration no longer lists (a leg's delta would go unhedged, a stock's risk unseen): "
        + String.concat "; " unlisted
        + ". Put them back in strategy.legs (or portfolio.universe) and restart; take one out only once the strategy holds none of it (a rebalance or a portfolio run to 0)"

    /// Configured legs past their expiry that the strategy never took and the account does not hold: no adoption on
    /// record, none held by either, none settled. Every leg is adopted at its first sync, so one that had expired before
    /// it, and that the account does not show either, is a typo in its expiry (2026 for 2027): the broker still
    /// describes the expired option (the lookup by terms includes expired contracts), the sync noted "expired: not
    /// adopted", and the engine ran GREEN on an empty book while the account's real options went unhedged. Every sync
    /// names them (LEG_ALREADY_EXPIRED) and ends halted until the configuration is fixed. (One the account still shows,
    /// just expired, is the broker's settlement: LEG_EXPIRED.)
    let expiredNeverHeld (cfg: Config) (s: State) =
        cfg.Strategy.Legs |> List.indexed |> List.choose (fun (i, leg) ->
            let id = leg.Option.ContractId
            if Expiry.isExpired s leg.Option && (adoptedOf s.OptionBook id).IsNone
               && Portfolio.strategyQty id s.Portfolio = 0 && Portfolio.brokerQty id s.Portfolio = 0
               && not (s.ExpiredLegs.ContainsKey(ContractId.value id)) then
                Some $"strategy.legs[{i}].expiry: {describe leg.Option} expired before the strategy ever held it"
            else None)

    /// What LEG_ALREADY_EXPIRED says: the legs (from `expiredNeverHeld`) and the way out.
    let expiredNeverHeldText (lapsed: string list) =
        String.concat "; " lapsed
        + " (a typo in its year or month? the strategy would hedge an empty book while the account's options went unhedged). "
        + "Fix the expiry, or take the leg out of strategy.legs, and restart"

    /// Each adopted leg's `strategy.legs` quantity against the one on record (OptionBookMemory.Configured). The
    /// configured quantity is adopted at a leg's first sync only: a quantity changed since (raised after the operator
    /// bought more in TWS, lowered) was ignored silently, the hedger trading another book than the configuration says
    /// under a GREEN light. A configuration that says what the strategy holds (a rebalance written back, a confirm_book
    /// to the new quantity) is taken and remembered; any other change is a problem, every sync, until the two agree.
    /// A leg with nothing on record (a memory written before) is remembered as configured now. A leg out of the
    /// configuration is configured at 0 (the strategy holds none of it, or LEG_UNCONFIGURED halts): put back at its old
    /// quantity, it is not adopted again (a leg is adopted once), so that quantity is a change too.
    let configuredChanges (cfg: Config) (s: State) =
        let listed = cfg.Strategy.Legs |> List.map (fun l -> ContractId.value l.Option.ContractId) |> Set.ofList
        let unlisted = s.OptionBook.Configured |> Map.filter (fun id q -> q <> 0 && not (listed.Contains id))
        let s =
            if unlisted.IsEmpty then s
            else { s with OptionBook = { s.OptionBook with Configured = unlisted |> Map.fold (fun m id _ -> m |> Map.add id 0) s.OptionBook.Configured } }
        cfg.Strategy.Legs |> List.fold (fun (s: State, problems: string list, notes: string list) leg ->
            let id = leg.Option.ContractId
            let own = Portfolio.strategyQty id s.Portfolio
            let remember () = { s with OptionBook = { s.OptionBook with Configured = s.OptionBook.Configured |> Map.add (ContractId.value id) leg.Quantity } }
            match s.OptionBook.Configured |> Map.tryFind (ContractId.value id) with
            | _ when (adoptedOf s.OptionBook id).IsNone || Expiry.isExpired s leg.Option -> s, problems, notes
            | Some q when q = leg.Quantity -> s, problems, notes
            | None -> remember (), problems, notes
            | Some q when leg.Quantity = own -> remember (), problems, $"{describe leg.Option}: strategy.legs quantity {leg.Quantity} (was {q}), as the strategy holds" :: notes
            | Some q ->
                let problem = $"{describe leg.Option}: strategy.legs quantity {leg.Quantity}, {q} when the strategy last took it; the strategy holds {own}, the account {Portfolio.brokerQty id s.Portfolio}"
                s, problem :: problems, notes) (s, [], [])
        |> fun (s, problems, notes) -> s, List.rev problems, List.rev notes

    /// What LEG_QUANTITY_CHANGED says: the legs (from `configuredChanges`) and the ways out.
    let configuredChangesText (changed: string list) =
        "a leg's quantity in strategy.legs changed since the strategy took the leg (it is adopted at the leg's first sync only; "
        + "the hedger would trade another book than the configuration says): " + String.concat "; " changed
        + ". To give the strategy the configured quantity, confirm_book it (the account must hold it); to keep the strategy's book, "
        + "set the quantity back, or to what the strategy holds, and restart"

    /// The legs `after` adopted at a cost the broker did not give (0: IB's avgCost unset or none), named with their
    /// quantity: the strategy's P&L counts such a leg's whole value as a gain (and its sale's realised P&L). The limits
    /// judge from the P&L the engine took the book at (State.takenWith), not from the cost, so nothing trades on it;
    /// the operator is told which figures to read with care.
    let adoptedAtUnknownCost (cfg: Config) (before: State) (after: State) =
        [ for leg in cfg.Strategy.Legs do
              match adoptedOf before.OptionBook leg.Option.ContractId, adoptedOf after.OptionBook leg.Option.ContractId with
              | None, Some a when a.Quantity <> 0 && a.AvgCost = 0.0 -> $"{describe leg.Option} ({a.Quantity})"
              | _ -> () ]

    /// What ADOPTED_AT_UNKNOWN_COST says.
    let adoptedAtUnknownCostText (legs: string list) =
        "adopted at an unknown cost (the broker reported none, taken as 0): " + String.concat "; " legs
        + ". The strategy's P&L counts these legs' whole value as a gain, and their sale's realised P&L too; the risk limits "
        + "judge the P&L since the engine took the book, not the cost. Check the cost in TWS"

    /// At the end of a sync: adopts new legs, checks the others. A clean book becomes the new reconciled book.
    let reconcile (cfg: Config) (s: State) =
        let s, problems, notes = cfg.Strategy.Legs |> List.fold checkLeg (s, [], [])
        if problems.IsEmpty then { s with OptionBook = reconciled cfg s; ExternalLegFills = Map.empty }, [], List.rev notes
        else s, List.rev problems, List.rev notes

    let private reply (s: State) (meta: ControlMeta) outcome =
        let text = match outcome with Done t -> t | Refused t -> $"refused: {t}"
        [ Emit.note s OperationKind.ControlCompleted "" text; CompleteControl(meta.ControlId, outcome) ]

    /// Orders whose end the engine could not see: made inactive by a sync (vanished) or reported filled short of
    /// their executions; cancelled and rejected orders ended for sure.
    let private inDoubt (s: State) =
        s.Orders |> Map.toList |> List.map snd
        |> List.filter (fun o ->
            (o.Status = Inactive || o.Status = Filled) && o.Filled < o.Quantity && OrderFlow.strategyOwned o)

    /// What the in-doubt orders on a contract would have paid: their limits (weighted by what is missing), or the mark
    /// when one was a market order; None when none is in doubt there.
    let private doubtPrice (cfg: Config) (s: State) (doubtful: Order list) (id: ContractId) =
        match doubtful |> List.filter (fun o -> o.ContractId = id) with
        | [] -> None
        | os ->
            let limits = os |> List.choose (fun o -> match o.Type with Limit px -> Some(px, float (o.Quantity - o.Filled)) | Market -> None)
            let mark =
                match State.legIndex s id with
                | Some i -> Quote.mid s.Legs.[i].Quote
                | None -> State.mark cfg s id // the underlying's mid, a portfolio stock's
            if limits.Length = os.Length then Some((limits |> List.sumBy (fun (p, q) -> p * q)) / (limits |> List.sumBy snd))
            elif System.Double.IsFinite mark then Some mark
            else None

    /// An adopted leg as a holding: its quantity at its cost, what its confirmations realised.
    let private adoptedHolding (a: AdoptedLeg option) =
        match a with
        | Some a -> { Holding.empty with Quantity = a.Quantity; AvgCost = a.AvgCost; Realized = a.Realized }
        | None -> Holding.empty

    let private toAdopted (id: ContractId) (h: Holding) : AdoptedLeg =
        { ContractId = id; Quantity = h.Quantity; AvgCost = h.AvgCost; Realized = h.Realized }

    let private signedText (n: int) = if n > 0 then $"+{n}" else string n

    /// `h` with `signed` contracts booked as a fill at `px`: added ones averaged in at `px`, taken away ones realised at it.
    let private bookAt (multiplier: int) (signed: int) (px: float) (h: Holding) =
        if signed = 0 then h else Holding.applyFill multiplier (Side.ofSignedQuantity signed) (abs signed) px h

    /// A contract as the trader names it: a leg's description, the underlying's symbol, a portfolio symbol, else its id.
    let contractName (cfg: Config) (s: State) (id: ContractId) =
        match State.legIndex s id with
        | Some i -> describe s.Legs.[i].Option
        | None when id = State.underlyingId cfg -> cfg.Strategy.Underlying.Symbol
        | None ->
            match s.PortfolioSetup |> Option.bind (fun setup -> PortfolioRuns.PortfolioSetup.symbolOf setup id) with
            | Some symbol -> symbol
            | None -> string (ContractId.value id)

    /// `confirm_book`: the operator states the strategy's quantity per leg (and of the underlying: the hedge; of a
    /// portfolio stock: a run's holding) after a BOOK_MISMATCH or a reconciliation halt (ORDER_OUTCOME_UNKNOWN: a hedge
    /// or a run's order that filled unseen is booked without trading, so neither is traded a second time). Each must be
    /// held by the account; unlisted contracts keep their quantity. After a BOOK_MISMATCH the book becomes the
    /// reconciled one and the engine is Paused; after a reconciliation halt `resync` checks the account again and ends
    /// Paused. The operator resumes.
    let confirm (cfg: Config) (s: State) (c: BookConfirmation) (resync: State -> State * Command list) =
        let received = Emit.note s OperationKind.ControlReceived "" $"confirm_book by {c.Meta.RequestedBy} (#{c.Meta.ControlId})"
        let legName = contractName cfg s
        let bad =
            c.Legs |> List.choose (fun (id, q) ->
                if not (describes cfg s id) then Some $"{ContractId.value id} is neither a configured leg, the underlying nor a portfolio.universe symbol"
                elif not (covered q (Portfolio.brokerQty id s.Portfolio)) then Some $"{legName id}: {q} confirmed but the account holds {Portfolio.brokerQty id s.Portfolio}"
                else None)
        let s', cmds =
            match s.Fsm with
            | Halted(BookMismatch _ | ReconcileFailed _) when c.Legs.IsEmpty -> s, reply s c.Meta (Refused "no legs given")
            | Halted(BookMismatch _ | ReconcileFailed _) when not bad.IsEmpty -> s, reply s c.Meta (Refused(String.concat "; " bad))
            | Halted(BookMismatch _ | ReconcileFailed _) ->
                let doubtful = match s.Fsm with Halted(ReconcileFailed _) -> inDoubt s | _ -> []
                let apply (s: State) (id, q) =
                    let h = Portfolio.holding id s.Portfolio
                    let multiplier = State.multiplier s id
                    // The in-doubt orders on this contract are booked: a restart skips every fill of a booked order
                    // (its unseen rest is in the adopted quantity), so the fills the book applied before are moved into
                    // the adopted quantity, at what they paid (once: not again for an order booked before). Left out, a
                    // restart lost them (a hedge partly filled, then in doubt: the shares seen before the booking gone
                    // from the book and bought or sold again).
                    let was =
                        doubtful
                        |> List.filter (fun o -> o.ContractId = id && o.Filled > 0 && not (List.contains (OrderRef.value o.Ref) s.OptionBook.Booked))
                        |> List.fold (fun was o -> bookAt multiplier (Side.sign o.Side * o.Filled) o.AvgFillPrice was) (adoptedHolding (adoptedOf s.OptionBook id))
                    let added = q - h.Quantity
                    let mark = State.mark cfg s id
                    let price =
                        match doubtPrice cfg s doubtful id with
                        | Some px -> Some px
                        | None when System.Double.IsFinite mark -> Some mark
                        | None -> None
                    match price with
                    | Some px ->
                        // The contracts confirmed are booked as a fill: an unseen fill of an order in doubt at what it
                        // would have paid (the limit; the mark for a market order), any other (bought or sold in TWS, a
                        // fill lost) at the mark. Added contracts cost their price, not the leg's old average (12 calls
                        // confirmed where the strategy held 10 at 2.00, marked 3.00: the two at 2.00 were a gain of 200
                        // that never happened); contracts taken away realise their P&L (10 calls sold in TWS, confirmed
                        // at 0: their unrealised P&L vanished, neither realised nor kept, and the day's P&L, the drawdown
                        // and the stop-loss saw a jump that did not happen). At the mark the P&L does not move at the
                        // confirm. The adopted record takes the same fill, so a restart rebuilds the same P&L.
                        let booked = bookAt multiplier added px h
                        { s with
                            Portfolio = Portfolio.adopt id booked s.Portfolio
                            OptionBook = s.OptionBook |> withAdopted (toAdopted id (bookAt multiplier added px was)) },
                        if added = 0 then $"{legName id} {q}" else $"{legName id} {q} ({signedText added} at {px:F2})"
                    | None ->
                        // No price to book them at (no mark): the strategy's cost, else the broker's (the reply says so).
                        let cost =
                            if h.Quantity <> 0 && sign h.Quantity = sign q then h.AvgCost
                            else Portfolio.brokerCost id s.Portfolio |> Option.filter System.Double.IsFinite |> Option.defaultValue 0.0
                        { s with
                            Portfolio = Portfolio.adopt id { h with Quantity = q; AvgCost = cost } s.Portfolio
                            OptionBook = s.OptionBook |> withAdopted { toAdopted id was with Quantity = was.Quantity + added; AvgCost = cost } },
                        if added = 0 then $"{legName id} {q}" else $"{legName id} {q} ({signedText added} at the cost {cost:F2}: no mark to book them at, their P&L not realised)"
                let s, texts = c.Legs |> List.fold (fun (s, texts) leg -> let s, t = apply s leg in s, texts @ [ t ]) (s, [])
                // Legs the operator did not list and that were never adopted count as confirmed at what the strategy holds.
                let s =
                    cfg.Strategy.Legs |> List.fold (fun (s: State) leg ->
                        let id = leg.Option.ContractId
                        match adoptedOf s.OptionBook id with
                        | Some _ -> s
                        // Not one past its expiry: that would take LEG_ALREADY_EXPIRED's typo for a leg once held.
                        | None when Expiry.isExpired s leg.Option -> s
                        | None -> { s with OptionBook = s.OptionBook |> withAdopted { ContractId = id; Quantity = 0; AvgCost = 0.0; Realized = 0.0 } }) s
                let text = String.concat ", " texts
                match s.Fsm with
                | Halted(ReconcileFailed _) ->
                    // The book is confirmed; the account is checked again before anything trades. The orders in doubt on
                    // the confirmed contracts are booked: should their executions still arrive, they are in the book.
                    let confirmed = c.Legs |> List.map fst |> Set.ofList
                    let booked = doubtful |> List.filter (fun o -> confirmed.Contains o.ContractId) |> List.map (fun o -> OrderRef.value o.Ref)
                    let s = { s with OptionBook = { reconciled cfg s with Booked = (s.OptionBook.Booked @ booked) |> List.distinct } }
                    let s = { s with ExternalLegFills = Map.empty; Book = Book.aggregate s.Legs s.Portfolio }
                    let s', sync = resync s
                    s', Emit.note s OperationKind.Reconciled "" $"book confirmed by {c.Meta.RequestedBy}: {text}"
                        :: reply s c.Meta (Done $"book confirmed ({text}); reconciling again, then paused: resume to trade") @ sync
                | _ ->
                    let s = { s with OptionBook = reconciled cfg s; ExternalLegFills = Map.empty; Fsm = Paused }
                    let s = { s with Book = Book.aggregate s.Legs s.Portfolio }
                    s, Emit.note s OperationKind.Reconciled "" $"book confirmed by {c.Meta.RequestedBy}: {text}" :: reply s c.Meta (Done $"book confirmed ({text}); paused: resume to trade")
            | other -> s, reply s c.Meta (Refused $"no book mismatch or reconciliation halt to confirm (state {FsmState.name other})")
        s', received :: cmds @ Emit.fsmChange s' s.Fsm
