namespace Bifrost.Domain.Trading

open Bifrost.Domain
open Bifrost.Domain.PortfolioRuns

// The portfolio's parts of the engine state: the schedule's progress, the cash the engine's own orders took since the
// broker's report, and the work held for the account's positions.

/// The schedule inside the engine: its persisted state (None until restored or armed at the first tick after start),
/// and what each slot of this session has produced so far. Only `State` survives a restart (PersistPortfolioSchedule).
type ScheduleProgress =
    { /// False until the store's answer (PortfolioScheduleRestored) arrived: no decision before it.
      Loaded: bool
      State: ScheduleState option
      /// Slots that cannot go on (no signals file, a refused snapshot, …): reported once, later phases only noted.
      Failed: Map<string, string>
      /// Slots whose build asked for the signals file and has no answer yet, with the phases that came due meanwhile.
      Awaiting: Map<string, (SlotPhase * bool) list> }

module ScheduleProgress =
    let empty = { Loaded = false; State = None; Failed = Map.empty; Awaiting = Map.empty }

/// What this engine's own orders have taken from the cash since the broker last reported AvailableFunds. IB re-sends a
/// changed account value only every few minutes, so a report read as current lets two runs seconds apart spend the same
/// cash twice (Funds.available subtracts this). A new AvailableFunds report starts it again from zero.
type FundsSpent =
    { /// Price × quantity × multiplier of the engine's buys filled since the report, plus the fees of its fills since.
      Filled: float
      /// Fills counted since the report whose commission has not come yet: it is added when it does (once).
      AwaitingFee: Set<ExecId> }

module FundsSpent =
    let none = { Filled = 0.0; AwaitingFee = Set.empty }

/// Work that would sell, held until the broker answers the account's positions asked for it (FreshPositions).
type HeldWork =
    /// An operator's portfolio run, rerun or targets request: handled again on the answer.
    | HeldRequest of Event
    /// A scheduled slot's execute phase (late: run under run_late), held at `heldAt`: run again on the answer.
    | HeldSlotExecute of slot: SlotPhase * late: bool * heldAt: Timestamp
