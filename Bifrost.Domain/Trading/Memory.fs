namespace Bifrost.Domain.Trading

open Bifrost.Domain

/// The operator's say over trading, as it must survive a restart: only the operator resumes.
type OperatorState =
    | OperatorRunning
    | OperatorPaused
    | OperatorHalted of HaltReason

/// Contracts of one leg given to the strategy without a fill of its own: the first adoption of the configured book,
/// or the operator's confirmation after a BOOK_MISMATCH. The strategy's leg = adopted + its own fills.
type AdoptedLeg =
    { ContractId: ContractId
      Quantity: int
      AvgCost: float
      /// What the confirmations realised of it (money): contracts confirmed away (sold in TWS, confirm_book to 0) are
      /// booked as a sale at their mark, and a restart rebuilds the leg from this record, not from the fills it never saw.
      Realized: float }

/// One leg as last reconciled: the strategy's quantity and the account's.
type BookLeg = { ContractId: ContractId; Strategy: int; Account: int }

/// One leg's remembered mark vol (EngineMemory.LegVols).
[<Struct>]
type LegVol = { ContractId: ContractId; Vol: float }

/// One portfolio symbol's remembered price (EngineMemory.PortfolioPrices).
[<Struct>]
type SymbolPrice = { ContractId: ContractId; Price: float }

/// The option book's own memory: what was adopted and how the book last reconciled with the account.
type OptionBookMemory =
    { /// Per leg, what was adopted (a leg absent here was never adopted: the next sync adopts it).
      Adopted: AdoptedLeg list
      /// The book at the last reconciliation; its external part (account − strategy) must not change unexplained.
      Reconciled: BookLeg list
      /// When `Reconciled` was taken (engine time): external fills stored after it explain a change.
      ReconciledAt: Timestamp
      /// Orders (refs) whose unseen fills the operator booked with confirm_book (in `Adopted`): an execution of theirs
      /// that arrives later is already in the book and is not applied again (live, nor by a restart).
      Booked: string list
      /// Per leg (contract id value), its `strategy.legs` quantity when the strategy last took the leg as configured
      /// (its adoption, or a sync finding the configuration saying what the strategy holds: a rebalance written back, a
      /// confirm_book to the configured quantity). A quantity
      /// changed since is not adopted again: the sync halts on it (LEG_QUANTITY_CHANGED) until the configuration and
      /// the strategy agree again. A leg absent here (a memory written before it was kept) is taken as configured.
      Configured: Map<int, int> }

/// What the engine must remember across a restart beyond orders and fills (the store keeps it as one engine_state
/// value, written whenever it changes). Orders and fills stay the truth for positions and the day's trade count;
/// this adds what they cannot tell: the operator's state, the day's P&L baseline, the high-water mark and the
/// option book's adoption and last reconciliation.
type EngineMemory =
    { Operator: OperatorState
      /// A stop was requested and had not finished: a crash while Stopping comes back Paused.
      StopPending: bool
      /// Exchange session day (local date in the calendar's zone, days since 1970-01-01) of the counters below.
      Day: int
      TradesToday: int
      /// Strategy P&L at the start of `Day` (NaN until the book was first valued that day).
      DayStartPnl: float
      HighWater: float
      OptionBook: OptionBookMemory
      /// Why the engine paused itself (a critical alert): an auto-pause comes back Paused with its reason.
      PausedBy: string
      /// Legs already taken out of the book at expiry: contract id value → the price the strategy's holding was closed
      /// at (intrinsic). The store holds the leg's fills, not this close: a restart re-applies it, and LEG_EXPIRED is
      /// not raised again.
      ExpiredLegs: Map<int, float>
      /// `Day`'s last P&L (see DailyCounters.LastPnl; NaN: not recorded): a restart on a later day starts from it.
      DayLastPnl: float
      /// The underlying's last accepted mid, saved again when the price moves `LastSpot.refreshPct` from it (NaN: none
      /// yet): the bad-quote guard judges a restart's first price against it (PriceJump).
      LastSpot: float
      /// Each option leg's mark vol (LegState.MarkVol: the vol its last accepted mid implied; NaN: none yet), in the
      /// book's leg order, saved again when one moves `LegVols.refreshPoints` from it: the guard judges a restart's first
      /// quotes of a leg against its model value at it (PriceJump, MarketData.onLegQuote), as the price against LastSpot.
      LegVols: LegVol array
      /// Each portfolio symbol's last accepted mid (State.PortfolioPrices), saved again when one moves
      /// `LastSpot.refreshPct` from it; symbols that left the universe are forgotten. The guard judges a restart's
      /// first quote of a symbol against it, as the underlying's against LastSpot (MarketData.onPortfolioQuote).
      PortfolioPrices: SymbolPrice array
      /// The IB order id through which a flatten last cleared the rebalance tilt (0: never). A restart rebuilds the
      /// tilt from the later rebalance fills only: a flatten that sent no order leaves no order to say it.
      TiltClearedThrough: int
      /// The terms of every option leg the engine has run with (the configured legs, merged in at each start): a
      /// leg that left `strategy.legs` is still read right from the store — its fills at its multiplier, its expiry's
      /// exercise delivered — and a holding of it is named, never dropped (OptionBook.unconfigured).
      LegTerms: OptionContract list
      /// Hedge orders rejected in a row (State.HedgeRejects): a restart keeps counting toward the pause at
      /// OrderFlow.maxHedgeRejects, so a cause that rejects every hedge cannot go on through a crash loop.
      HedgeRejects: int
      /// When and at what spot the last hedge went out (State.LastHedgeAt / LastHedgeSpot; zero and NaN: none yet): a
      /// restart keeps the cooldown and the hedge triggers (interval, price move) as they were.
      LastHedgeAt: Timestamp
      LastHedgeSpot: float
      /// The strategy's P&L when this engine first valued the book it took (State.TakenPnl; NaN: not yet): the
      /// stop-loss and take-profit judge the P&L since. A memory from before it was kept, with a high-water mark, judges
      /// them from the cost as it did (0), so a restart never re-arms a stop-loss.
      TakenPnl: float }

/// Float equality for remembered values, NaN ("none yet") equal to NaN, so an unchanged memory is not written again.
module internal RememberedFloat =
    let inline same (x: float) (y: float) = x = y || (System.Double.IsNaN x && System.Double.IsNaN y)

/// When the remembered underlying price is saved again: a move of this many percent from it (at most one write per
/// such move; the first price after a restart is judged against a reference at most this far from the last).
module LastSpot =
    let refreshPct = 1.0

    /// The price to remember given the one remembered and the accepted spot now.
    let next (remembered: float) (spot: float) =
        if not (System.Double.IsFinite spot) || spot <= 0.0 then remembered
        elif System.Double.IsNaN remembered || abs (spot / remembered - 1.0) * 100.0 > refreshPct then spot
        else remembered

/// When a leg's remembered mark vol is saved again: a move of this many vol points from it.
module LegVols =
    open Bifrost.Domain.Strategy

    let refreshPoints = 1.0

    /// The remembered mark vol of a leg (NaN: none); `i`, where the book's order puts it.
    let private at (remembered: LegVol array) (i: int) (id: ContractId) =
        if i >= 0 && i < remembered.Length && remembered.[i].ContractId = id then remembered.[i].Vol
        else
            let mutable v = nan
            for r in remembered do
                if r.ContractId = id then v <- r.Vol
            v

    let find (remembered: LegVol array) (id: ContractId) = at remembered -1 id

    /// A leg whose mark vol needs no new write: no quote taken in this run yet (the remembered one stays), or within
    /// the refresh distance. A taken quote that implies no vol (NaN) forgets the remembered one: it is no reference.
    let private keeps (remembered: LegVol array) (i: int) (leg: LegState) =
        System.Double.IsNaN leg.QuoteBasis
        || (let r = at remembered i leg.Option.ContractId
            if System.Double.IsNaN leg.MarkVol then System.Double.IsNaN r else abs (leg.MarkVol - r) * 100.0 <= refreshPoints)

    /// The vols to remember given the ones remembered and the legs now: the very same array when none moved enough.
    /// Legs no longer in the book are forgotten.
    let next (remembered: LegVol array) (legs: LegState array) =
        let mutable same = true
        let mutable i = 0
        while same && i < legs.Length do
            same <- keeps remembered i legs.[i]
            i <- i + 1
        if same then remembered
        else
            legs
            |> Array.mapi (fun i l -> { ContractId = l.Option.ContractId; Vol = if keeps remembered i l then at remembered i l.Option.ContractId else l.MarkVol })
            |> Array.filter (fun r -> System.Double.IsFinite r.Vol)

    /// Market data left the remembered vols as they are: no leg took a quote (no basis or mark vol changed: the hot
    /// path's check), or none moved enough.
    let leftBy (remembered: LegVol array) (before: LegState array) (after: LegState array) =
        let inline same x y = RememberedFloat.same x y
        let mutable changed = before.Length <> after.Length
        let mutable i = 0
        while not changed && i < after.Length do
            changed <- not (same before.[i].MarkVol after.[i].MarkVol && same before.[i].QuoteBasis after.[i].QuoteBasis)
            i <- i + 1
        not changed || LanguagePrimitives.PhysicalEquality (next remembered after) remembered

    let same (a: LegVol array) (b: LegVol array) =
        LanguagePrimitives.PhysicalEquality a b
        || (a.Length = b.Length
            && Array.forall2 (fun (x: LegVol) (y: LegVol) -> x.ContractId = y.ContractId && RememberedFloat.same x.Vol y.Vol) a b)

/// When a portfolio symbol's remembered price is saved again: as the underlying's (LastSpot.refreshPct).
module PortfolioPrices =
    let find (remembered: SymbolPrice array) (id: ContractId) =
        let mutable p = nan
        for r in remembered do
            if r.ContractId = id then p <- r.Price
        p

    /// The prices to remember once `mid` of `id` was accepted: the very same array unless it moved
    /// `LastSpot.refreshPct` from the remembered one (or none was), so an unchanged memory is seen by reference.
    let withMid (remembered: SymbolPrice array) (id: ContractId) (mid: float) =
        let r = find remembered id
        let n = LastSpot.next r mid
        if RememberedFloat.same n r then remembered
        else Array.append (remembered |> Array.filter (fun x -> x.ContractId <> id)) [| { ContractId = id; Price = n } |]

    /// The prices of the universe's symbols only (the very same array when none left it).
    let inUniverse (remembered: SymbolPrice array) (ids: ContractId list) =
        if remembered |> Array.forall (fun r -> List.contains r.ContractId ids) then remembered
        else remembered |> Array.filter (fun r -> List.contains r.ContractId ids)

    let same (a: SymbolPrice array) (b: SymbolPrice array) =
        LanguagePrimitives.PhysicalEquality a b
        || (a.Length = b.Length
            && Array.forall2 (fun (x: SymbolPrice) (y: SymbolPrice) -> x.ContractId = y.ContractId && RememberedFloat.same x.Price y.Price) a b)

module OptionBookMemory =
    let empty = { Adopted = []; Reconciled = []; ReconciledAt = Timestamp.zero; Booked = []; Configured = Map.empty }

module EngineMemory =
    let empty =
        { Operator = OperatorRunning; StopPending = false; Day = -1; TradesToday = 0; DayStartPnl = nan; HighWater = nan
          OptionBook = OptionBookMemory.empty; PausedBy = ""; ExpiredLegs = Map.empty; DayLastPnl = nan; LastSpot = nan; LegVols = [||]
          PortfolioPrices = [||]; TiltClearedThrough = 0; LegTerms = []; HedgeRejects = 0; LastHedgeAt = Timestamp.zero; LastHedgeSpot = nan
          TakenPnl = nan }

    let operatorName = function
        | OperatorRunning -> "running"
        | OperatorPaused -> "paused"
        | OperatorHalted r -> "halted: " + HaltReason.describe r

    /// Equality that treats NaN baselines as equal (so an unchanged memory is not written again).
    let same (a: EngineMemory) (b: EngineMemory) =
        let inline eqF x y = RememberedFloat.same x y
        a.Operator = b.Operator && a.StopPending = b.StopPending && a.Day = b.Day && a.TradesToday = b.TradesToday
        && eqF a.DayStartPnl b.DayStartPnl && eqF a.HighWater b.HighWater
        // Checked on every clock step: the book and the expired legs are usually the very same objects.
        && (LanguagePrimitives.PhysicalEquality a.OptionBook b.OptionBook || a.OptionBook = b.OptionBook)
        && a.PausedBy = b.PausedBy
        && (LanguagePrimitives.PhysicalEquality a.ExpiredLegs b.ExpiredLegs || a.ExpiredLegs = b.ExpiredLegs)
        && eqF a.DayLastPnl b.DayLastPnl && eqF a.LastSpot b.LastSpot && LegVols.same a.LegVols b.LegVols
        && PortfolioPrices.same a.PortfolioPrices b.PortfolioPrices && a.TiltClearedThrough = b.TiltClearedThrough
        && (LanguagePrimitives.PhysicalEquality a.LegTerms b.LegTerms || a.LegTerms = b.LegTerms)
        && a.HedgeRejects = b.HedgeRejects && a.LastHedgeAt = b.LastHedgeAt && eqF a.LastHedgeSpot b.LastHedgeSpot && eqF a.TakenPnl b.TakenPnl
