namespace Bifrost.Domain.Trading

open Bifrost.Domain
open Bifrost.Domain.Strategy
open Bifrost.Domain.PortfolioRuns

/// An order the shell must send, fully decided: ids, refs, type, account.
type OrderRequest =
    { Ref: OrderRef
      IbOrderId: int
      RunId: string
      Purpose: OrderPurpose
      ContractId: ContractId
      Side: Side
      Quantity: int
      Type: OrderType
      Tif: TimeInForce
      Account: string
      RiskBypass: bool }

type ReconcileScope =
    | Positions
    | OpenOrders
    | Executions
    | AccountValues

[<RequireQualifiedAccess>]
type OperationKind =
    | Intent
    | OrderSent
    | OrderStatusChanged
    | FillApplied
    | CancelSent
    | OrderRejected
    | ControlReceived
    | ControlCompleted
    | GuardBlocked
    | HaltRaised
    | FsmChanged
    | Reconciled
    | Anomaly
    | AlertRaised

module OperationKind =
    let name = function
        | OperationKind.Intent -> "intent"
        | OperationKind.OrderSent -> "order"
        | OperationKind.OrderStatusChanged -> "status"
        | OperationKind.FillApplied -> "fill"
        | OperationKind.CancelSent -> "cancel"
        | OperationKind.OrderRejected -> "reject"
        | OperationKind.ControlReceived -> "control"
        | OperationKind.ControlCompleted -> "control_done"
        | OperationKind.GuardBlocked -> "guard_block"
        | OperationKind.HaltRaised -> "risk_halt"
        | OperationKind.FsmChanged -> "state"
        | OperationKind.Reconciled -> "reconcile"
        | OperationKind.Anomaly -> "anomaly"
        | OperationKind.AlertRaised -> "alert"

/// One line of the operations log (R-M4): what happened, to what, and why.
type Operation =
    { Time: Timestamp
      Kind: OperationKind
      RunId: string
      OrderRef: string
      ContractId: int
      Side: string
      Quantity: int
      Price: float
      /// The state or reason behind it (FSM state, guard reasons, broker message).
      Detail: string }

type AlertSeverity =
    | Info
    | Warning
    | Critical

type Alert = { Time: Timestamp; Severity: AlertSeverity; Code: string; Message: string }

/// One self-check: `Blocking` says whether its failure blocks (RED) or only degrades (YELLOW).
type CheckResult = { Name: string; Passed: bool; Blocking: bool; Detail: string }

[<RequireQualifiedAccess>]
type Health =
    | Healthy
    | Degraded
    | Blocked

module Health =
    let name = function Health.Healthy -> "ok" | Health.Degraded -> "degraded" | Health.Blocked -> "blocked"

type SelfCheckReport =
    { Health: Health
      Checks: CheckResult list
      BlockReasons: BlockReason list }

/// The status the monitor shows; published on change and on the self-check timer.
type StatusSnapshot =
    { Time: Timestamp
      FsmState: string
      Report: SelfCheckReport
      Positions: PositionView list
      Book: BookGreeks
      NetDelta: float
      BandHalfWidth: float
      Spot: float
      RealizedPnl: float
      UnrealizedPnl: float
      Fees: float
      /// 0 when not known (see DailyPnlKnown): what the limits take then.
      DailyPnl: float
      /// False while the day's P&L is not known (the book without a valuation, the day without its baseline): the day's
      /// stored row must not read as a flat day.
      DailyPnlKnown: bool
      Attribution: PnlAttribution
      TradesToday: int
      WorkingOrders: int }

type ControlOutcome =
    | Done of string
    | Refused of string

type Command =
    | PlaceOrder of OrderRequest
    | CancelOrder of OrderRef * ibOrderId: int
    | RequestReconcile of ReconcileScope list
    | SubscribeMarketData of ContractId list
    | RecordOperation of Operation
    | RaiseAlert of Alert
    | PublishStatus of StatusSnapshot
    | CompleteControl of controlId: int64 * ControlOutcome
    /// Store the engine's memory (it changed): what a restart needs beyond orders and fills.
    | SaveMemory of EngineMemory
    | Exit of code: int
    /// Store a frozen decision snapshot (insert only: a snapshot is never changed).
    | RecordPortfolioSnapshot of Snapshot
    /// Store a portfolio run as it now is (status, reasons, orders, fallback): an upsert by run id.
    | RecordPortfolioRun of Run
    /// Read the newest signals file of `dir` for a slot's snapshot; the answer is PortfolioSignalsLoaded.
    | LoadPortfolioSignals of slotId: string * dir: string
    /// Store the schedule's state (an upsert by schedule name): the only thing a restart needs to decide each phase once.
    | PersistPortfolioSchedule of name: string * ScheduleState
