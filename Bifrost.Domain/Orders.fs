namespace Bifrost.Domain

type OrderType =
    | Market
    | Limit of limit: float

type TimeInForce =
    | Day
    | Ioc
    | Gtc

module TimeInForce =
    let name = function Day -> "DAY" | Ioc -> "IOC" | Gtc -> "GTC"

/// Why the strategy sent an order: every order belongs to a run (hedge, manual, flatten, rebalance).
type OrderPurpose =
    | Hedge
    /// The operator's own trade sent through Bifrost: its fills are the operator's (external), never the strategy's.
    | Manual
    /// A manual trade the operator marked `adjusts_strategy`: its fills change the strategy's holdings.
    | ManualForStrategy
    | Flatten
    | Rebalance
    /// An order of a portfolio run (docs/portfolio-runs.md): strategy-owned, on a portfolio symbol, never the hedge's.
    | PortfolioTrade

module OrderPurpose =
    let name = function
        | Hedge -> "hedge" | Manual -> "manual" | ManualForStrategy -> "manual_strategy" | Flatten -> "flatten" | Rebalance -> "rebalance"
        | PortfolioTrade -> "portfolio"
    /// Who owns the fills of an order with this purpose.
    let owner = function Manual -> External | Hedge | ManualForStrategy | Flatten | Rebalance | PortfolioTrade -> StrategyOwned

/// Order lifecycle, as IB reports it.
type OrderStatus =
    | PendingSubmit
    | Submitted
    | PartiallyFilled
    | Filled
    | Cancelled
    | Rejected
    | Inactive

module OrderStatus =
    let isTerminal = function
        | Filled | Cancelled | Rejected | Inactive -> true
        | PendingSubmit | Submitted | PartiallyFilled -> false
    let name = function
        | PendingSubmit -> "PendingSubmit" | Submitted -> "Submitted" | PartiallyFilled -> "PartiallyFilled"
        | Filled -> "Filled" | Cancelled -> "Cancelled" | Rejected -> "Rejected" | Inactive -> "Inactive"

/// What the broker said happened to an order (normalised from orderStatus / errMsg / execDetails).
type OrderUpdate =
    | Acknowledged
    | PartFilled
    | FullyFilled
    | CancelConfirmed
    | RejectedByBroker
    | MadeInactive

module OrderUpdate =
    let name = function
        | Acknowledged -> "Acknowledged" | PartFilled -> "PartFilled" | FullyFilled -> "FullyFilled"
        | CancelConfirmed -> "CancelConfirmed" | RejectedByBroker -> "RejectedByBroker" | MadeInactive -> "MadeInactive"

/// An edge of the lifecycle that cannot happen; reported as data, never thrown.
type InvalidTransition = { From: OrderStatus; Update: OrderUpdate }

module OrderLifecycle =
    /// The whole lifecycle as one flat table. Repeats of the current status are accepted unchanged (IB repeats
    /// orderStatus freely); anything out of a terminal state other than its own repeat is invalid.
    let transition (status: OrderStatus) (update: OrderUpdate) : Result<OrderStatus, InvalidTransition> =
        match status, update with
        | PendingSubmit, Acknowledged -> Ok Submitted
        | Submitted, Acknowledged -> Ok Submitted
        // openOrder/orderStatus "Submitted" after a partial fill must not roll the order back (nautilus #3476).
        | PartiallyFilled, Acknowledged -> Ok PartiallyFilled
        | (PendingSubmit | Submitted | PartiallyFilled), PartFilled -> Ok PartiallyFilled
        | (PendingSubmit | Submitted | PartiallyFilled), FullyFilled -> Ok Filled
        | (PendingSubmit | Submitted | PartiallyFilled), CancelConfirmed -> Ok Cancelled
        | (PendingSubmit | Submitted), RejectedByBroker -> Ok Rejected
        | (PendingSubmit | Submitted | PartiallyFilled), MadeInactive -> Ok Inactive
        | Filled, (FullyFilled | PartFilled | Acknowledged) -> Ok Filled // late or repeated reports of a done order
        | Cancelled, CancelConfirmed -> Ok Cancelled
        | Rejected, RejectedByBroker -> Ok Rejected
        // TWS follows a 201 reject with orderStatus "Cancelled" or "Inactive": the same ending, said twice.
        | Rejected, (CancelConfirmed | MadeInactive) -> Ok Rejected
        | Inactive, MadeInactive -> Ok Inactive
        // A live status arriving after the order ended is a late, reordered report (orderStatus races execDetails).
        | (Cancelled | Rejected | Inactive), (Acknowledged | PartFilled) -> Ok status
        | PartiallyFilled, RejectedByBroker
        | Filled, (CancelConfirmed | RejectedByBroker | MadeInactive)
        | Cancelled, (FullyFilled | RejectedByBroker | MadeInactive)
        | Rejected, FullyFilled
        | Inactive, (FullyFilled | CancelConfirmed | RejectedByBroker) ->
            Error { From = status; Update = update }

/// An order the strategy sent, and what is known of it.
type Order =
    { Ref: OrderRef
      IbOrderId: int
      PermId: int64
      RunId: string
      Purpose: OrderPurpose
      ContractId: ContractId
      Side: Side
      Quantity: int
      Type: OrderType
      Tif: TimeInForce
      Status: OrderStatus
      /// Quantity filled by applied executions (the truth for positions).
      Filled: int
      /// Highest filled quantity the broker reported in orderStatus (executions may still be on their way).
      ReportedFilled: int
      AvgFillPrice: float
      CancelRequested: bool
      /// The last impossible update reported for this order, so a repeat of it is not reported again.
      LastInvalid: OrderUpdate option
      RejectReason: string
      /// Mid of the instrument when the order was decided, for slippage.
      DecisionMid: float
      PlacedAt: Timestamp
      /// When the broker reported the order done (its first terminal status); zero while it works, and for an order
      /// restored from the store (the restart's sync settles those). The wait for the executions of a fill the broker
      /// reported counts from here (`reconcile.execution_wait_seconds`).
      DoneAt: Timestamp }

module Order =
    let remaining (o: Order) = o.Quantity - o.Filled
    let isWorking (o: Order) = not (OrderStatus.isTerminal o.Status)
    let signedRemaining (o: Order) = Side.sign o.Side * remaining o

/// One execution, keyed by IB's exec id.
type Fill =
    { ExecId: ExecId
      OrderRef: OrderRef
      ContractId: ContractId
      Side: Side
      Quantity: int
      Price: float
      Commission: float
      VenueTime: Timestamp }
