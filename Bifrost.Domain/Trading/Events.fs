namespace Bifrost.Domain.Trading

open Bifrost.Domain
open Bifrost.Domain.Strategy
open Bifrost.Domain.PortfolioRuns

/// A single field of a streaming quote (IB sends bid, ask, sizes and last as separate ticks).
type TickField =
    | BidPrice
    | AskPrice
    | LastPrice
    | BidSize
    | AskSize

/// Who asked for a control and its id in the control queue (so the outcome can be written back).
type ControlMeta = { ControlId: int64; RequestedBy: string }

/// What the store had when the engine (re)started: crash recovery and normal start share one path.
type Restored =
    { /// Highest IB order id ever used by this client id (persisted), so ids are never reused after a restart.
      OrderIdHighWater: int
      /// Next sequence number for this run's order refs.
      NextOrderSeq: int64
      Orders: Order list
      Holdings: (ContractId * Holding) list
      SeenExecIds: ExecId list
      /// The strategy's equity high-water mark (NaN: none yet, taken at the first valued P&L).
      HighWater: float
      /// The engine's stored memory (operator state, day counters, adopted and reconciled book); None on a new store.
      /// When present, `Holdings` already include its adopted legs.
      Memory: EngineMemory option
      /// Signed quantities of external (not strategy-owned) fills on option legs stored after `Memory.SyncedAt`:
      /// they explain a change of the account's external option quantity while the engine was down.
      ExternalLegFills: (ContractId * int) list
      /// Stored executions of the engine's refs that the live engine refused as not that order's (FillRule): left out
      /// of the book, and named when the engine starts.
      RefusedFills: (ExecId * OrderRef * FillRefusal) list
      /// Strategy fills in `Holdings` whose commission the store lacks (the stop came before IB's report): the report
      /// the sync's reqExecutions brings is their fee, counted once.
      FeesOwed: (ExecId * ContractId) list
      /// Operator runs (manual, rebalance) whose command a killed daemon took and never answered, with orders in the
      /// store: the engine answers the command with what those orders did once they settle. (One that sent nothing is
      /// refused by the restart.)
      ResumedControls: (string * ControlMeta) list }

module Restored =
    let empty =
        { OrderIdHighWater = 0; NextOrderSeq = 1L; Orders = []; Holdings = []; SeenExecIds = []; HighWater = nan
          Memory = None; ExternalLegFills = []; RefusedFills = []; FeesOwed = []; ResumedControls = [] }

    /// The same, with the runs whose unanswered command the engine is to answer (the shell finds them in the queue).
    let withResumedControls (controls: (string * ControlMeta) list) (r: Restored) = { r with ResumedControls = controls }

/// IB's normalised order status report (orderStatus / openOrder); may repeat or never come.
type OrderStatusReport =
    { IbOrderId: int
      PermId: int64
      /// The orderRef, when the report carries one (openOrder does, orderStatus does not).
      Ref: string
      Status: OrderUpdate
      Filled: int
      AvgFillPrice: float
      Reason: string }

/// An open order as the broker lists it (all client ids).
type OpenOrderReport =
    { IbOrderId: int
      PermId: int64
      ClientId: int
      Ref: string
      ContractId: ContractId
      Side: Side
      Quantity: int
      Filled: int
      Status: OrderUpdate }

/// One execution as the broker reports it (execDetails); the truth for fills.
type ExecutionReport =
    { ExecId: ExecId
      IbOrderId: int
      PermId: int64
      ClientId: int
      Ref: string
      ContractId: ContractId
      Side: Side
      Quantity: int
      Price: float }

/// IB's halted tick (tickGeneric 49) on a contract: 1 a general halt (news, regulatory), 2 a volatility halt (a
/// limit-up-limit-down pause). A halted stock trades nothing until its reopening auction: an order sent meanwhile
/// waits for it and fills at whatever price the auction gaps to.
type TradingHalt =
    | GeneralHalt
    | VolatilityHalt

module TradingHalt =
    let name = function GeneralHalt -> "general halt" | VolatilityHalt -> "volatility halt"

type Farm =
    | MarketDataFarm
    | HistoricalFarm
    | SecurityDefinitionFarm

module Farm =
    let name = function
        | MarketDataFarm -> "market_data_farm" | HistoricalFarm -> "historical_farm" | SecurityDefinitionFarm -> "sec_def_farm"

    /// The kind and TWS's name of the farm ("market_data_farm usopt").
    let label (farm: Farm) (farmName: string) = if farmName = "" then name farm else name farm + " " + farmName

type Control =
    | Stop
    | Pause
    | Resume
    | FlattenExposure
    | RunSelfCheck
    /// Cancel the working orders of one run (manual, rebalance, flatten or the hedger's run id).
    | CancelRun of runId: string
    /// Cancel one working order by its `oi_` ref.
    | CancelOrderRef of orderRef: string

module Control =
    let name = function
        | Stop -> "stop" | Pause -> "pause" | Resume -> "resume" | FlattenExposure -> "flatten" | RunSelfCheck -> "self_check"
        | CancelRun r -> $"cancel run {r}" | CancelOrderRef r -> $"cancel order {r}"

/// An operator's BUY/SELL run on one contract of the universe.
type ManualOrder =
    { RunId: string
      ContractId: ContractId
      Side: Side
      Quantity: int
      Type: OrderType
      /// Skips the pre-trade risk limits (never the FSM gates nor the fresh-quote check); recorded.
      RiskBypass: bool
      Meta: ControlMeta
      /// false (default): the operator's own trade, external to the strategy and never hedged or flattened;
      /// true: its fills change the strategy's holdings, which the hedger then hedges like any other.
      AdjustsStrategy: bool }

/// A target-portfolio rebalance run: strategy-owned quantity per contract after the run.
type Rebalance =
    { RunId: string
      Targets: (ContractId * int) list
      RiskBypass: bool
      Meta: ControlMeta }

/// The operator's confirmation of the strategy's option book after a BOOK_MISMATCH: quantity per leg.
type BookConfirmation =
    { Legs: (ContractId * int) list
      Meta: ControlMeta }

/// An operator's portfolio run: freeze a snapshot from this signals text, pre-trade it, execute it.
type PortfolioRunRequest =
    { RunId: string
      SnapshotId: string
      /// The signals file's name (the snapshot's source, with the SHA-256 of Text).
      FileName: string
      Text: string
      Meta: ControlMeta }

/// The daemon's answer to LoadPortfolioSignals: the newest signals file of `portfolio.signals_dir`, or why there is none.
type PortfolioSignalsLoad =
    { SlotId: string
      /// (file name, exact text), or the reason no file could be read (no file, unreadable).
      File: Result<string * string, string> }

/// Re-running a stored snapshot by id (a retry, or the same decision again): a new run on the frozen snapshot.
type PortfolioRerunRequest =
    { RunId: string
      SnapshotId: string
      Meta: ControlMeta }

/// Operator-entered targets (strategy-owned shares per symbol) frozen into a snapshot (`OperatorTargets who`), then run.
type PortfolioTargetsRequest =
    { RunId: string
      SnapshotId: string
      Targets: OperatorTarget list
      Meta: ControlMeta }

/// A stored snapshot read back at start: restored (its hash matched) or refused (why).
type RestoredSnapshot =
    | SnapshotIntact of Snapshot
    | SnapshotCorrupt of snapshotId: string * reason: string

type EventPayload =
    | EngineStarted of Restored
    | QuoteReceived of Quote
    | TickReceived of ContractId * TickField * float
    /// IB's tickOptionComputation (model) for an option: implied vol, NaN when unset.
    | OptionComputationReceived of ContractId * impliedVol: float
    | ClockTicked
    /// The host's clock moved this far against the engine's own time (a step: NTP, an operator, a suspend). The engine's
    /// time is monotonic: it follows a step forward and not one back, so no timer freezes and no day's limits re-arm.
    | ClockStepped of stepNanos: int64
    | BrokerConnected of accounts: string list
    | BrokerDisconnected of reason: string
    /// 1100: TWS lost its connection to IB.
    | ConnectivityLost
    /// 2110: TWS's connection to IB's servers is broken, "restored automatically": TWS may say so by 1101/1102 or
    /// only by its data farms' OK (2104, 2158).
    | ServerConnectivityBroken
    /// 1101 (data lost: resubscribe) / 1102 (data maintained).
    | ConnectivityRestored of dataMaintained: bool
    /// A farm as TWS names it in the message (usfarm the stocks, usopt the options, …; empty when it names none).
    | FarmStatusChanged of Farm * name: string * ok: bool
    /// IB refused or ended a contract's market data: an errMsg on its ticker (10197 a competing live session, 354 or
    /// 10089 not subscribed, 200 no such contract, …).
    | MarketDataRefused of ContractId * code: int * message: string
    /// IB's halted tick on a contract: halted (which halt), or trading again (None, tick 49 = 0). An unknown value
    /// (−1, other) is not posted: the halt last reported stands.
    | TradingHaltReported of ContractId * TradingHalt option
    | NextValidIdReceived of int
    | OrderStatusReported of OrderStatusReport
    | OpenOrderReported of OpenOrderReport
    | OpenOrdersEnded
    | ExecutionReported of ExecutionReport
    | ExecutionsEnded
    | CommissionReported of ExecId * commission: float
    /// Account-wide position; average cost per unit of underlying price (the shell divides IB's by the multiplier).
    | PositionReported of ContractId * quantity: int * avgCost: float
    | PositionsEnded
    /// An account figure (accountSummary) and the currency IB reported it in: the account's base currency for the tags
    /// the daemon asks for. Only a USD one is taken (Funds.onAccountValue).
    | AccountValueReported of key: string * value: float * currency: string
    /// An errMsg naming one of our order ids (201 reject, 202 cancelled, 103 duplicate id, …).
    | OrderErrorReported of ibOrderId: int * code: int * message: string
    | StoreFailed of reason: string
    | StoreRecovered
    /// The notifier could not deliver an alert on this channel after its retries (reason: the last error).
    | AlertChannelFailed of channel: string * reason: string
    /// The channel delivered an alert again.
    | AlertChannelRecovered of channel: string
    | ControlRequested of Control * ControlMeta
    | ManualOrderRequested of ManualOrder
    | RebalanceRequested of Rebalance
    | BookConfirmRequested of BookConfirmation
    /// The portfolio section of the configuration with its contract ids resolved (posted once at start).
    | PortfolioConfigured of PortfolioSetup
    | PortfolioRunRequested of PortfolioRunRequest
    /// The portfolio runs the store has (oldest first), read at start: history for the fallback, and runs a crash left
    /// running, which the broker's reports then finish.
    | PortfolioRunsRestored of Run list
    /// The schedule's stored state, read at start (None: never stored; the schedule arms at its first tick).
    | PortfolioScheduleRestored of ScheduleState option
    | PortfolioSignalsLoaded of PortfolioSignalsLoad
    /// The daemon's watch of `portfolio.signals_dir` saw a new newest file: (file name, exact text) or why it could not
    /// be read. Checked at once, so a bad file is known when it lands, not when a slot builds from it.
    | PortfolioSignalsArrived of file: Result<string * string, string>

    | PortfolioRerunRequested of PortfolioRerunRequest
    | PortfolioTargetsRequested of PortfolioTargetsRequest
    /// Every stored snapshot, read at start and checked by Snapshot.restore (posted before the runs).
    | PortfolioSnapshotsRestored of RestoredSnapshot list

/// Every event carries the venue's time and the time it was received; the reducer's "now" is the receive time.
type Event =
    { Venue: Timestamp
      Received: Timestamp
      Payload: EventPayload }

module Event =
    let at (t: Timestamp) payload = { Venue = t; Received = t; Payload = payload }
