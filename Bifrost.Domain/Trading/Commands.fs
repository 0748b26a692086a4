namespace Bifrost.Domain.Trading

open Bifrost.Domain
open Bifrost.Domain.Strategy

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

type CheckResult = { Name: string; Passed: bool; Detail: string }

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
      DailyPnl: float
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
    | Exit of code: int
