namespace Bifrost.Domain.Trading

open Bifrost.Domain
open Bifrost.Domain.Strategy

/// A single field of a streaming quote (IB sends bid, ask, sizes and last as separate ticks).
type TickField =
    | BidPrice
    | AskPrice
    | LastPrice
    | BidSize
    | AskSize

/// What the store had when the engine (re)started: crash recovery and normal start share one path.
type Restored =
    { /// Highest IB order id ever used by this client id (persisted), so ids are never reused after a restart.
      OrderIdHighWater: int
      /// Next sequence number for this run's order refs.
      NextOrderSeq: int64
      Orders: Order list
      Holdings: (ContractId * Holding) list
      SeenExecIds: ExecId list
      /// The strategy's equity high-water mark and the day's starting P&L, if this is a restart within the day.
      HighWater: float }

module Restored =
    let empty = { OrderIdHighWater = 0; NextOrderSeq = 1L; Orders = []; Holdings = []; SeenExecIds = []; HighWater = 0.0 }

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

type Farm =
    | MarketDataFarm
    | HistoricalFarm
    | SecurityDefinitionFarm

module Farm =
    let name = function
        | MarketDataFarm -> "market_data_farm" | HistoricalFarm -> "historical_farm" | SecurityDefinitionFarm -> "sec_def_farm"

type Control =
    | Stop
    | Pause
    | Resume
    | FlattenExposure
    | RunSelfCheck

module Control =
    let name = function
        | Stop -> "stop" | Pause -> "pause" | Resume -> "resume" | FlattenExposure -> "flatten" | RunSelfCheck -> "self_check"

/// Who asked for a control and its id in the control queue (so the outcome can be written back).
type ControlMeta = { ControlId: int64; RequestedBy: string }

/// An operator's BUY/SELL run on one contract of the universe.
type ManualOrder =
    { RunId: string
      ContractId: ContractId
      Side: Side
      Quantity: int
      Type: OrderType
      /// Skips the pre-trade risk limits (never the FSM gates); recorded.
      RiskBypass: bool
      Meta: ControlMeta }

/// A target-portfolio rebalance run: strategy-owned quantity per contract after the run.
type Rebalance =
    { RunId: string
      Targets: (ContractId * int) list
      RiskBypass: bool
      Meta: ControlMeta }

type EventPayload =
    | EngineStarted of Restored
    | QuoteReceived of Quote
    | TickReceived of ContractId * TickField * float
    /// IB's tickOptionComputation (model) for an option: implied vol, NaN when unset.
    | OptionComputationReceived of ContractId * impliedVol: float
    | ClockTicked
    | BrokerConnected of accounts: string list
    | BrokerDisconnected of reason: string
    /// 1100: TWS lost its connection to IB.
    | ConnectivityLost
    /// 1101 (data lost: resubscribe) / 1102 (data maintained).
    | ConnectivityRestored of dataMaintained: bool
    | FarmStatusChanged of Farm * ok: bool
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
    | AccountValueReported of key: string * value: float
    /// An errMsg naming one of our order ids (201 reject, 202 cancelled, 103 duplicate id, …).
    | OrderErrorReported of ibOrderId: int * code: int * message: string
    | StoreFailed of reason: string
    | StoreRecovered
    | ControlRequested of Control * ControlMeta
    | ManualOrderRequested of ManualOrder
    | RebalanceRequested of Rebalance

/// Every event carries the venue's time and the time it was received; the reducer's "now" is the receive time.
type Event =
    { Venue: Timestamp
      Received: Timestamp
      Payload: EventPayload }

module Event =
    let at (t: Timestamp) payload = { Venue = t; Received = t; Payload = payload }
