namespace Bifrost.Domain.Trading

open Bifrost.Domain
open Bifrost.Domain.Strategy
open Bifrost.Domain.PortfolioRuns

/// What the running strategy is doing.
type Activity =
    | Idle
    /// A hedge order is working: no other strategy order until it is done.
    | HedgePending of OrderRef
    /// A manual or rebalance run's orders are working.
    | RunPending of runId: string * ControlMeta

/// Where Syncing goes once reconciliation matches.
type ResumeTarget =
    | ResumeRunning
    | ResumePaused
    | ResumeHalted of HaltReason

type SyncProgress =
    { Positions: bool
      OpenOrders: bool
      Executions: bool
      /// Bifrost order refs the broker listed as open during this sync.
      ListedOpen: Set<string>
      ResumeTo: ResumeTarget
      /// When the broker was last asked (the sync's start, or a stalled sync asking again), and how often it was asked
      /// again.
      AskedAt: Timestamp
      AskedAgain: int }

type FlattenPhase =
    /// Waiting for the strategy's working orders to be cancelled before sizing the flatten order.
    | AwaitingCancels
    | AwaitingFill of OrderRef
    
type FlattenRun =
    { RunId: string
      Meta: ControlMeta
      Phase: FlattenPhase
      Attempts: int
      /// When the operator asked for it: a flatten still going `control.run_timeout_seconds` later is ended.
      StartedAt: Timestamp
      /// The halt the flatten was asked from, when a resume out of it needs more than the limits' judgement (the book
      /// confirmed, the account reconciled again): the flatten ends back in it, never in a Paused that resume leaves.
      Returns: HaltReason option }

/// The trading FSM.
type FsmState =
    | Starting
    | Syncing of SyncProgress
    | Running of Activity
    | Paused
    | Halted of HaltReason
    | Flattening of FlattenRun
    | Stopping of since: Timestamp * Control: ControlMeta
    | Stopped

module FsmState =
    let name = function
        | Starting -> "Starting"
        | Syncing _ -> "Syncing"
        | Running Idle -> "Running/Idle"
        | Running(HedgePending _) -> "Running/HedgePending"
        | Running(RunPending _) -> "Running/RunPending"
        | Paused -> "Paused"
        | Halted r -> $"Halted({HaltReason.describe r})"
        | Flattening _ -> "Flattening"
        | Stopping _ -> "Stopping"
        | Stopped -> "Stopped"

/// A contract the feed watch asked for again, quietly, or told silent (FeedWatch), until its next quote.
type SilentFeed =
    { /// Its last quote when it was asked for (zero: none yet).
      LastQuote: Timestamp
      /// When it was told silent (zero: asked for, not told: its answer may still come).
      ToldAt: Timestamp
      /// When it was last asked for again.
      AskedAt: Timestamp }

type LinkStatus =
    { /// The TCP session to TWS / the gateway.
      SocketUp: bool
      /// TWS's own connection to IB as TWS last said on this session (1100 or 2110 / 1101 / 1102; true until it says
      /// 1100 or 2110).
      IbUp: bool
      /// IbUp is down on TWS's 2110 alone ("broken, restored automatically"): TWS may say it is back by a data farm's
      /// OK (2104, 2158) rather than by 1101/1102. False after a 1100, which only 1101/1102 end.
      ServerBroken: bool
      /// Each farm by kind and TWS's name for it: one farm's OK says nothing of another's (usfarm's 2104 of usopt's 2103).
      Farms: Map<Farm * string, bool>
      /// When the engine last asked for the scalper's market data (a connect, a 1101): silence counts from it at the
      /// earliest (FeedWatch).
      SubscribedAt: Timestamp
      /// The hedger's contracts asked for again while quiet, or told silent (MARKET_DATA_STALE), until their next quote.
      Silent: Map<ContractId, SilentFeed>
      /// IB's refusals of a contract's market data told (MARKET_DATA_REFUSED): code and when, until its next quote.
      Refused: Map<ContractId, struct (int * Timestamp)> }

type DailyCounters =
    { Day: int
      Trades: int
      /// Strategy P&L at the start of the day.
      StartPnl: float
      /// The day's last P&L recorded: at the first valued clock step after the session's close, and at a stop (NaN
      /// until then). A restart on a later day starts its day from it, as a running engine does from the close's marks.
      LastPnl: float
      /// True once `LastPnl` is the close's (this engine saw the session close today): not recorded again.
      Closed: bool }

/// An underlying quote that jumped past `guards.max_jump_pct` from the last accepted one (a bad print, or a real gap):
/// held aside — the book stays valued at the last accepted price, no hedge and no limit judged on it — until quotes at
/// its level have stood for `guards.jump_confirm_seconds` (a real move, accepted) or the price comes back (dropped).
type HeldJump =
    { /// The latest quote seen at the new level (the streamed ticks merge into it).
      Quote: Quote
      /// Receive time of the first held quote.
      Since: Timestamp
      /// The last accepted mid it jumped from.
      From: float
      /// The held level: the first held mid, or a later one that left it (then `Since` starts again). Quotes stand only
      /// where they agree with it, so two unrelated bad quotes never confirm each other.
      Level: float }

type State =
    { Fsm: FsmState
      Now: Timestamp
      Underlying: Quote
      /// An underlying quote held as a possible bad print (see HeldJump); None almost always.
      HeldJump: HeldJump option
      Legs: LegState array
      Book: BookGreeks
      Portfolio: Portfolio
      Orders: Map<OrderRef, Order>
      /// Refs of the orders not yet settled (see isSettled), so "is anything in flight" never scans every order.
      Open: Set<OrderRef>
      RefByIbId: Map<int, OrderRef>
      SeenExecs: Set<ExecId>
      /// Exec id → (order, contract) of applied fills, for their commissions.
      FillIndex: Map<ExecId, ContractId>
      CommissionsApplied: Set<ExecId>
      /// Commissions that arrived before their execution.
      PendingCommissions: Map<ExecId, float>
      NextOrderId: int
      NextOrderSeq: int64
      Connectivity: LinkStatus
      AccountValues: Map<string, float>
      /// When each account value was last received (the engine's clock), for the age a snapshot's cash is noted with.
      AccountValuesAt: Map<string, Timestamp>
      /// Cash the engine's own orders took since the last AvailableFunds report (Funds).
      FundsSpent: FundsSpent
      /// The currency, not USD, the broker reported an account figure in (Funds.onAccountValue): from then on no
      /// account figure is taken as dollars (portfolio runs and the buying-power check refuse, ACCOUNT_CURRENCY).
      AccountCurrency: string option
      /// Shares this engine's own sells took from each contract since the broker last reported its position (OwnSells).
      SoldSincePosition: Map<ContractId, int>
      /// Portfolio work whose orders would sell (operators' run requests, slots' execute phases), held until the broker
      /// answers the positions asked for them (FreshPositions), oldest first.
      HeldForPositions: HeldWork list
      /// True while the held work is handled on that answer.
      PositionsFresh: bool
      Daily: DailyCounters
      HighWater: float
      /// The strategy's P&L when this engine first valued the book it took (NaN: not yet; set with the first high-water
      /// mark): the stop-loss and take-profit judge the P&L since (`takenWith`). Remembered (EngineMemory.TakenPnl).
      TakenPnl: float
      Risk: RiskClass
      LastHedgeAt: Timestamp
      LastHedgeSpot: float
      /// Hedge orders rejected in a row (no hedge fill since): at `maxHedgeRejects` the engine pauses, so a cause that
      /// rejects every hedge (a short-sale restriction, margin) does not send one order per cooldown all day.
      HedgeRejects: int
      /// Working orders whose cancel the broker refused as unknown or not cancellable (10147, 10148), and when: one
      /// that no status or execution settles within `reconcile.execution_wait_seconds` is reconciled (Clock).
      CancelsRefused: Map<OrderRef, Timestamp>
      /// Orders IB said were ended (a 202, an openOrder "Cancelled" or "Inactive": no fill count) before any orderStatus
      /// gave their final count: a partial fill that beat the cancel may still be on its way. Held in flight (`Open`)
      /// until a final status gives the count or a sync has read the day's executions; `reconcile.execution_wait_seconds`
      /// later the account is reconciled.
      CountAwaited: Set<OrderRef>
      /// Orders IB holds while the shares of a short sale are located (404, orderStatus whyHeld "locate"): still working
      /// though IB may report them "Inactive" (OrderFlow.heldForLocate). Not stored: a restart's sync hears it again.
      LocateHeld: Set<OrderRef>
      Attribution: PnlAttribution
      /// When the book was last valued (attribution's Δt runs from here).
      ValuedAt: Timestamp
      /// When the clock last published a status snapshot.
      LastPublishAt: Timestamp
      /// Since when a strategy holding has had no mark in session (zero: every one marked): the P&L limits are not
      /// judged meanwhile (Clock.limitsUnchecked), and whether LIMITS_UNCHECKED has told it.
      UnvaluedSince: Timestamp
      UnvaluedTold: bool
      /// The last guard block recorded, so a standing block is logged once, not on every tick.
      LastBlock: BlockReason list
      StoreOk: bool
      /// Alert channels whose last alert was not delivered, with the last error (the notifier reports them).
      AlertChannelsFailing: Map<string, string>
      Anomalies: int
      /// The engine memory as last saved (see EngineMemory); the reducer saves it again when it changes.
      Memory: EngineMemory
      /// The option book's adoption and last reconciliation (saved as part of the memory).
      OptionBook: OptionBookMemory
      /// Signed external fills per option leg (contract id value) since the book was last reconciled.
      ExternalLegFills: Map<int, int>
      /// Refs of other Bifrost runs seen on this account (open orders, executions): ANOTHER_ENGINE.
      ForeignRefs: Set<string>
      /// Shares added to the target delta by operator rebalances of the stock: the hedger keeps them (it never trades a
      /// rebalance back); Flatten clears it.
      TargetTilt: float
      /// The IB order id through which a flatten last cleared TargetTilt (0: never); remembered (EngineMemory).
      TiltClearedThrough: int
      /// Orders of a run refused before they were sent (e.g. `market_data_error`), for the run's batch status.
      RunRejections: Map<string, string list>
      /// Operator runs (manual, rebalance) followed apart from the FSM: a pause, halt, reconnect or flatten interrupted
      /// their `RunPending` while their orders still worked, or a restart found their orders open (no control left:
      /// None). Their orders end them and run_timeout still cancels them (Runs.keepFollowing).
      DetachedRuns: Map<string, ControlMeta option>
      /// Runs whose command a killed daemon left unanswered, handed back by the restart (Restored.ResumedControls): a
      /// restored portfolio run answers its own control with them (PortfolioFlow.onRestored).
      ResumedControls: Map<string, ControlMeta>
      /// Legs past expiry, already taken out of the book (LEG_EXPIRED is raised once per leg): contract id value → the
      /// intrinsic value the strategy's holding was closed at.
      ExpiredLegs: Map<int, float>
      /// Why the engine paused itself (a critical alert), shown until the operator resumes.
      PausedBy: string
      /// The portfolio section, once its contracts are resolved (None: no portfolio runs).
      PortfolioSetup: PortfolioSetup option
      /// Last accepted quote of each portfolio symbol's contract.
      PortfolioQuotes: Map<ContractId, Quote>
      /// Each portfolio symbol's price to remember across a restart (EngineMemory.PortfolioPrices): its last accepted
      /// mid, moved on from only by 1 % (PortfolioPrices.withMid), so the hot path compares it by reference.
      PortfolioPrices: SymbolPrice array
      /// Quotes of the option legs and the portfolio's symbols held as possible bad quotes (PriceJump), by contract:
      /// a held leg keeps its accepted mark and vol; a held symbol is neither sized nor traded on. Empty almost always.
      HeldQuotes: Map<ContractId, HeldJump>
      /// Contracts the exchange halted (IB's tick 49), with the halt and when it was reported; empty almost always.
      TradingHalts: Map<ContractId, TradingHalt * Timestamp>
      /// Portfolio runs of this session by run id, with the control that asked for each.
      PortfolioRuns: Map<string, Run * ControlMeta>
      /// Finished portfolio runs, oldest first (the fallback's history).
      PortfolioHistory: RunSummary list
      /// Guard blocks of this session by reason code (for the summary at stop).
      SessionBlocks: Map<string, int>
      /// The portfolio schedule's progress (docs/portfolio-runs.md, "Schedule").
      PortfolioSchedule: ScheduleProgress
      /// Frozen snapshots by id (stored ones read back at start, and those frozen since): re-run by id, fallback runs.
      PortfolioSnapshots: Map<string, Snapshot>
      /// Stored snapshots whose content no longer matches their hash: no portfolio trading while any is listed.
      PortfolioCorrupt: string list }

module State =
    /// IB order ids stay below this: the broker adapter's request ids (market data, lookups) start here
    /// (IbProtocol.FirstRequestId), so the id of an IB error names an order or a request, never both.
    let orderIdLimit = 2_000_000_000

    /// Why no order may be sent under `id` (None: it may).
    let orderIdProblem (id: int) =
        if id < orderIdLimit then None
        else Some $"IB order id {id} is in the range kept for request ids (from {orderIdLimit}): an error on such an order could be taken for a market-data error and lost, so no order is sent; use a client id whose order ids are lower (or reset the API order id sequence in TWS) and restart"

    let initial (cfg: Config) =
        let s = cfg.Strategy
        { Fsm = Starting
          Now = Timestamp.zero
          Underlying = Quote.empty s.Underlying.ContractId
          HeldJump = None
          Legs = s.Legs |> List.map (Book.initialLeg s) |> Array.ofList
          Book = Book.zero
          Portfolio = Portfolio.empty
          Orders = Map.empty
          Open = Set.empty
          RefByIbId = Map.empty
          SeenExecs = Set.empty
          FillIndex = Map.empty
          CommissionsApplied = Set.empty
          PendingCommissions = Map.empty
          NextOrderId = 1
          NextOrderSeq = 1L
          Connectivity = { SocketUp = false; IbUp = true; ServerBroken = false; Farms = Map.empty; SubscribedAt = Timestamp.zero; Silent = Map.empty; Refused = Map.empty }
          AccountValues = Map.empty
          AccountValuesAt = Map.empty
          FundsSpent = FundsSpent.none
          AccountCurrency = None
          SoldSincePosition = Map.empty
          HeldForPositions = []
          PositionsFresh = false
          Daily = { Day = -1; Trades = 0; StartPnl = 0.0; LastPnl = nan; Closed = false }
          HighWater = nan
          TakenPnl = nan
          Risk = RiskOk
          LastHedgeAt = Timestamp.zero
          LastHedgeSpot = nan
          HedgeRejects = 0
          CancelsRefused = Map.empty
          CountAwaited = Set.empty
          LocateHeld = Set.empty
          Attribution = Attribution.zero
          ValuedAt = Timestamp.zero
          LastPublishAt = Timestamp.zero
          UnvaluedSince = Timestamp.zero
          UnvaluedTold = false
          LastBlock = []
          StoreOk = true
          AlertChannelsFailing = Map.empty
          Anomalies = 0
          Memory = EngineMemory.empty
          OptionBook = OptionBookMemory.empty
          ExternalLegFills = Map.empty
          ForeignRefs = Set.empty
          TargetTilt = 0.0
          TiltClearedThrough = 0
          RunRejections = Map.empty
          DetachedRuns = Map.empty
          ResumedControls = Map.empty
          ExpiredLegs = Map.empty
          PausedBy = ""
          PortfolioSetup = None
          PortfolioQuotes = Map.empty
          PortfolioPrices = [||]
          HeldQuotes = Map.empty
          TradingHalts = Map.empty
          PortfolioRuns = Map.empty
          PortfolioHistory = []
          SessionBlocks = Map.empty
          PortfolioSchedule = ScheduleProgress.empty
          PortfolioSnapshots = Map.empty
          PortfolioCorrupt = [] }

    let spot (s: State) = Quote.mid s.Underlying
    let underlyingId (cfg: Config) = cfg.Strategy.Underlying.ContractId
    let hedgePosition (cfg: Config) (s: State) = Portfolio.strategyQty (underlyingId cfg) s.Portfolio
    let qtyOf (s: State) conId = Portfolio.strategyQty conId s.Portfolio
    let netDelta (cfg: Config) (s: State) = s.Book.Delta + float (hedgePosition cfg s)
    /// The delta the hedger aims at: the configured target plus the tilt operator rebalances gave it.
    let targetDelta (cfg: Config) (s: State) = cfg.Strategy.TargetDelta + s.TargetTilt
    /// Net delta minus its target, shares.
    let deviation (cfg: Config) (s: State) = netDelta cfg s - targetDelta cfg s

    /// The leg's index by contract id value, -1 when the contract is not a leg (a loop: no closure, no option — the
    /// P&L and risk checks call it per holding on every clock step).
    let legIndexOf (s: State) (key: int) =
        let legs = s.Legs
        let mutable i = 0
        let mutable found = -1
        while found < 0 && i < legs.Length do
            if ContractId.value legs.[i].Option.ContractId = key then found <- i
            i <- i + 1
        found

    let legIndex (s: State) (conId: ContractId) =
        match legIndexOf s (ContractId.value conId) with
        | -1 -> None
        | i -> Some i
    /// The socket and IB's own link both up: requests reach the market.
    let inline brokerUp (s: State) = s.Connectivity.SocketUp && s.Connectivity.IbUp
    let isUniverse (cfg: Config) (s: State) conId = conId = underlyingId cfg || (legIndex s conId).IsSome

    /// An option's terms: the configured leg's, else those the memory kept of a leg that left the configuration
    /// (None: not an option this engine knows — the underlying, a portfolio stock, or a leg from before terms were kept).
    let optionTerms (s: State) conId =
        match legIndex s conId with
        | Some i -> Some s.Legs.[i].Option
        | None -> s.Memory.LegTerms |> List.tryFind (fun o -> o.ContractId = conId)

    let multiplier (s: State) conId =
        match optionTerms s conId with
        | Some o -> o.Multiplier
        | None -> 1

    /// Mark price of a contract: the underlying's mid; a leg's `Attribution.mark` (mid, else the model value at a
    /// market-derived vol, else none: carried at cost), so the attribution explains exactly this P&L.
    let mark (cfg: Config) (s: State) conId =
        if conId = underlyingId cfg then spot s
        else
            match legIndex s conId with
            | Some i -> Attribution.mark s.Legs.[i]
            | None ->
                match s.PortfolioQuotes |> Map.tryFind conId with
                | Some q -> Quote.mid q
                | None -> nan

    /// `mark` and `multiplier` by the portfolio's int key, without building a ContractId (the hot P&L path).
    let private markByKey (cfg: Config) (s: State) (key: int) =
        if key = ContractId.value (underlyingId cfg) then spot s
        else
            match legIndexOf s key with
            | -1 -> mark cfg s (ContractId.create key |> Result.get)
            | i -> Attribution.mark s.Legs.[i]

    let private multiplierByKey (s: State) (key: int) =
        match legIndexOf s key with
        | -1 -> 1
        | i -> s.Legs.[i].Option.Multiplier

    // Sums the holdings in key order, as the map fold it replaced did: the same sum, bit for bit. A loop over the
    // portfolio's derived arrays: no closure, no tail-call helper (a fold passes the Holding struct through one).
    let unrealized cfg (s: State) =
        let keys = s.Portfolio.Keys
        let held = s.Portfolio.Held
        let mutable acc = 0.0
        for i in 0 .. keys.Length - 1 do
            acc <- acc + Holding.unrealized (multiplierByKey s keys.[i]) (markByKey cfg s keys.[i]) held.[i]
        acc

    /// Strategy P&L since start: realised + unrealised − fees (money).
    let totalPnl cfg (s: State) = Portfolio.totalRealized s.Portfolio + unrealized cfg s - Portfolio.totalFees s.Portfolio

    /// True when every strategy holding has a finite mark: only then is the P&L (and so the risk) known.
    let isValued cfg (s: State) =
        let keys = s.Portfolio.Keys
        let held = s.Portfolio.Held
        let mutable ok = true
        let mutable i = 0
        while ok && i < keys.Length do
            ok <- held.[i].Quantity = 0 || System.Double.IsFinite(markByKey cfg s keys.[i])
            i <- i + 1
        ok

    /// True once the engine has taken its book: a sync's book check ended clean (the option book adopted and reconciled
    /// with the account), at the first start or before a restart (remembered with the book). Before it the strategy
    /// holds nothing of the book it is about to adopt, so its P&L is no baseline for anything.
    let bookTaken (s: State) = s.OptionBook.ReconciledAt.Nanos <> 0L

    /// The P&L is a baseline the day's loss, the high-water mark and the close may be taken from: the book taken and
    /// every holding marked. A clock step before the first sync's end (the daemon's clock runs from the start; the
    /// connection, the contract lookups and the sync take seconds) valued the empty book at 0 and took it as the day's
    /// start and the high-water mark: the straddle adopted right after, bought above its marks, was then a drawdown
    /// (MAX_DRAWDOWN at the first start, every hedge blocked) and a day's loss it never had under the engine.
    let pnlKnown cfg (s: State) = bookTaken s && isValued cfg s

    /// The contracts held without a mark (no two-sided quote yet): while any is, P&L and the limits on it are unknown.
    let unmarked cfg (s: State) =
        [ for i in 0 .. s.Portfolio.Keys.Length - 1 do
              if s.Portfolio.Held.[i].Quantity <> 0 && not (System.Double.IsFinite(markByKey cfg s s.Portfolio.Keys.[i])) then
                  s.Portfolio.Keys.[i] ]

    /// A contract as the trader reads it: the underlying's symbol, a leg's terms (`XYZ 20260320 P 100`), a portfolio
    /// symbol; a contract id only for one this engine cannot name.
    let contractName (cfg: Config) (s: State) (key: int) =
        match ContractId.create key with
        | Ok id when id = underlyingId cfg -> cfg.Strategy.Underlying.Symbol
        | Ok id ->
            match optionTerms s id with
            | Some o -> OptionContract.describe o
            | None ->
                match s.PortfolioSetup |> Option.bind (fun p -> PortfolioRuns.PortfolioSetup.symbolOf p id) with
                | Some sym -> sym
                | None -> $"contract {key}"
        | Error _ -> $"contract {key}"

    /// The holdings without a mark, named (`unmarked`), for a refusal or a check's detail.
    let unmarkedText cfg (s: State) = unmarked cfg s |> List.map (contractName cfg s) |> String.concat ", "

    /// Daily counters follow the exchange session day of the calendar's zone, never UTC. A new day starts with no
    /// trades; its P&L baseline is taken once the book is valued (NaN until then: no daily figure rather than a wrong one).
    let rollDay (cfg: Config) (s: State) =
        let day = SessionCalendar.tradingDay cfg.Calendar s.Now
        // Only forward: a session day earlier than the counted one (a host clock gone back across a restart) is still
        // the counted day, so its trades and P&L baseline are not re-armed.
        if day <= s.Daily.Day then
            if System.Double.IsNaN s.Daily.StartPnl && pnlKnown cfg s then { s with Daily = { s.Daily with StartPnl = totalPnl cfg s } }
            else s
        else
            // The new day starts from the recorded close, not the valuation at midnight: after the close the stock
            // re-marks on after-hours quotes while the options keep their 16:00 mid, a mixed total no session traded
            // at (a restart starts from the remembered close too: Restart.restore).
            // A day without a session (a weekend, a holiday) records no close (Clock.recordClose): it ends where it
            // started, the last session's close.
            let start =
                if s.Daily.Closed && System.Double.IsFinite s.Daily.LastPnl then s.Daily.LastPnl
                elif s.Daily.Day >= 0 && not (SessionCalendar.hasSession cfg.Calendar s.Daily.Day) && System.Double.IsFinite s.Daily.StartPnl then s.Daily.StartPnl
                elif pnlKnown cfg s then totalPnl cfg s
                else nan
            { s with Daily = { Day = day; Trades = 0; StartPnl = start; LastPnl = nan; Closed = false } }

    /// The day's P&L, 0 while the baseline is not known yet.
    let dailyPnlOf (s: State) (total: float) =
        let d = total - s.Daily.StartPnl
        if System.Double.IsNaN d then 0.0 else d

    let dailyPnl cfg (s: State) = dailyPnlOf s (totalPnl cfg s)

    /// The P&L the limits judge: out of the session's hours the marks mix after-hours stock quotes with the options'
    /// close (Clock.evaluateRisk judges nothing then), so a resume there is judged on the last close: the day's
    /// recorded close, or before the open the baseline the day started from (the previous close).
    let limitsPnl (cfg: Config) (s: State) =
        if SessionCalendar.inSession cfg.Calendar s.Now then totalPnl cfg s
        elif s.Daily.Closed && System.Double.IsFinite s.Daily.LastPnl then s.Daily.LastPnl
        elif System.Double.IsFinite s.Daily.StartPnl then s.Daily.StartPnl
        else totalPnl cfg s

    /// The day's P&L as the operator reads it (the status, the light, the day's row in the statistics): the session's,
    /// as the limits judge it. Out of the session's hours it is the close's (0 before the open and on a day without a
    /// session): the live figure there read the evening's after-hours drift as the day's loss (a DAILY_LOSS_LIMIT in
    /// the light on a Saturday, a loss the stored day counted and the next session day counted again).
    let dayPnl (cfg: Config) (s: State) = dailyPnlOf s (limitsPnl cfg s)

    /// The high-water mark with `total` in it. None (NaN) until the engine's first valued P&L: the best P&L is the best
    /// this engine has seen since it took the book, so a book adopted below its cost (options bought at 5.00, marked at
    /// 3.00 on the first start) is no drawdown; a mark from 0 halted MAX_DRAWDOWN at the first start, every hedge blocked.
    let highWaterWith (s: State) (total: float) = if System.Double.IsNaN s.HighWater then total else max s.HighWater total

    /// The P&L the engine took the book at, `total` while none is known yet (set with the first high-water mark, the
    /// first valued P&L in session). A straddle bought at 5.00 and adopted at 3.00 (2,000 below its cost) with a stop-loss
    /// of 1,000 halted STOP_LOSS at the first valuation and blocked every hedge, and a resume was refused for good; one
    /// adopted above its cost (or at IB's unknown cost of 0: the whole premium a gain) halted TAKE_PROFIT the same way.
    let takenWith (s: State) (total: float) = if System.Double.IsNaN s.TakenPnl then total else s.TakenPnl

    /// The state with the P&L the engine took the book at, once known: its first P&L in session with the book taken and
    /// every holding marked (after any event: the first quotes value the book before the next clock step). Only
    /// checked while none is (the hot path pays a NaN test).
    let withTaken (cfg: Config) (s: State) =
        if System.Double.IsNaN s.TakenPnl && pnlKnown cfg s && SessionCalendar.inSession cfg.Calendar s.Now then
            let total = totalPnl cfg s
            if System.Double.IsFinite total then { s with TakenPnl = total } else s
        else s

    /// The limits judged now, as the clock judges them (a high-water mark not yet raised by this P&L included).
    let riskNow (cfg: Config) (s: State) =
        let total = limitsPnl cfg s
        Risk.evaluate cfg.Risk { TotalPnl = total; DailyPnl = dailyPnlOf s total; HighWater = highWaterWith s total; TakenPnl = takenWith s total }

    /// The P&L limits' usage as the clock and the light judge them (name, used, limit): the drawdown from the high-water
    /// mark, and the stop-loss and take-profit when set. None while the book is unvalued (no figure rather than a wrong
    /// one; the light's `book_valued` says so). The console showed only the day's loss, so a book 90 % of the way to a
    /// MAX_DRAWDOWN halt looked far from every limit.
    let pnlLimitsUsage (cfg: Config) (s: State) =
        if not (isValued cfg s) then []
        else
            let total = limitsPnl cfg s
            let sinceTaken = total - takenWith s total
            [ "max_drawdown", highWaterWith s total - total, cfg.Risk.MaxDrawdown
              match cfg.Risk.StopLoss with
              | Some sl -> "stop_loss", max 0.0 -sinceTaken, sl
              | None -> ()
              match cfg.Risk.TakeProfit with
              | Some tp -> "take_profit", max 0.0 sinceTaken, tp
              | None -> () ]

    /// The limits judged now for a state leaving a pause or a halt for Running (else the halt's RiskHalted would refuse
    /// every hedge until the next tick). An unvalued book is not judged here: the clock judges it once marked.
    let riskIfValued (cfg: Config) (s: State) = if isValued cfg s then riskNow cfg s else Ok RiskOk

    /// An order still counts as in flight until it is terminal and every fill the broker reported has been applied.
    let isSettled (o: Order) =
        OrderStatus.isTerminal o.Status
        && o.Filled >= o.ReportedFilled
        && (o.Status <> Filled || o.Filled >= o.Quantity)

    /// Records an order's new version, keeping the open set in step: the one way orders change. A cancel whose final
    /// fill count is awaited (CountAwaited) keeps its order open.
    let putOrder (o: Order) (s: State) =
        { s with
            Orders = s.Orders |> Map.add o.Ref o
            Open = if isSettled o && not (s.CountAwaited.Contains o.Ref) then s.Open.Remove o.Ref else s.Open.Add o.Ref }

    /// The final fill count of a cancelled order is known (a final status, or a sync that read the day's executions):
    /// it settles as its fills say.
    let countKnown (r: OrderRef) (s: State) =
        if not (s.CountAwaited.Contains r) then s
        else
            let s = { s with CountAwaited = s.CountAwaited.Remove r }
            match s.Orders |> Map.tryFind r with
            | Some o -> putOrder o s
            | None -> s

    /// Working orders (not terminal): a subset of the open (unsettled) ones.
    let workingOrders (s: State) = [ for r in s.Open do
                                       let o = s.Orders.[r]
                                       if Order.isWorking o then o ]


    let farmsOk (s: State) = s.Connectivity.Farms |> Map.forall (fun _ ok -> ok)
