namespace Bifrost.Domain.Trading

open Bifrost.Domain

/// The operator's say over trading, as it must survive a restart: only the operator resumes.
type OperatorState =
    | OperatorRunning
    | OperatorPaused
    | OperatorHalted of HaltReason

/// Contracts of one leg given to the strategy without a fill of its own: the first adoption of the configured book,
/// or the operator's confirmation after a BOOK_MISMATCH. The strategy's leg = adopted + its own fills.
type AdoptedLeg = { ContractId: ContractId; Quantity: int; AvgCost: float }

/// One leg as last reconciled: the strategy's quantity and the account's.
type BookLeg = { ContractId: ContractId; Strategy: int; Account: int }

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
      Booked: string list }

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
      LastSpot: float }

/// When the remembered underlying price is saved again: a move of this many percent from it (at most one write per
/// such move; the first price after a restart is judged against a reference at most this far from the last).
module LastSpot =
    let refreshPct = 1.0

    /// The price to remember given the one remembered and the accepted spot now.
    let next (remembered: float) (spot: float) =
        if not (System.Double.IsFinite spot) || spot <= 0.0 then remembered
        elif System.Double.IsNaN remembered || abs (spot / remembered - 1.0) * 100.0 > refreshPct then spot
        else remembered

module OptionBookMemory =
    let empty = { Adopted = []; Reconciled = []; ReconciledAt = Timestamp.zero; Booked = [] }

module EngineMemory =
    let empty =
        { Operator = OperatorRunning; StopPending = false; Day = -1; TradesToday = 0; DayStartPnl = nan; HighWater = 0.0
          OptionBook = OptionBookMemory.empty; PausedBy = ""; ExpiredLegs = Map.empty; DayLastPnl = nan; LastSpot = nan }

    let operatorName = function
        | OperatorRunning -> "running"
        | OperatorPaused -> "paused"
        | OperatorHalted r -> "halted: " + HaltReason.describe r

    /// Equality that treats NaN baselines as equal (so an unchanged memory is not written again).
    let same (a: EngineMemory) (b: EngineMemory) =
        let eqF (x: float) (y: float) = x = y || (System.Double.IsNaN x && System.Double.IsNaN y)
        a.Operator = b.Operator && a.StopPending = b.StopPending && a.Day = b.Day && a.TradesToday = b.TradesToday
        && eqF a.DayStartPnl b.DayStartPnl && eqF a.HighWater b.HighWater
        // Checked on every clock step: the book and the expired legs are usually the very same objects.
        && (LanguagePrimitives.PhysicalEquality a.OptionBook b.OptionBook || a.OptionBook = b.OptionBook)
        && a.PausedBy = b.PausedBy
        && (LanguagePrimitives.PhysicalEquality a.ExpiredLegs b.ExpiredLegs || a.ExpiredLegs = b.ExpiredLegs)
        && eqF a.DayLastPnl b.DayLastPnl && eqF a.LastSpot b.LastSpot
