using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Bifrost.Store.Records;
using AlertSeverity = Bifrost.Store.Records.AlertSeverity;
using DomainKind = Bifrost.Domain.Trading.OperationKind;
using StoreKind = Bifrost.Store.Records.OperationKind;

namespace Bifrost.Daemon.Engine;

/// <summary>Domain records → store rows: pure mappings (the store is independent of the domain).</summary>
public static class StoreMapping
{
    public static StoreKind Kind(DomainKind kind) => kind.Tag switch
    {
        DomainKind.Tags.Intent => StoreKind.Intent,
        DomainKind.Tags.OrderSent => StoreKind.Order,
        DomainKind.Tags.OrderStatusChanged => StoreKind.Status,
        DomainKind.Tags.FillApplied => StoreKind.Fill,
        DomainKind.Tags.CancelSent => StoreKind.Cancel,
        DomainKind.Tags.OrderRejected => StoreKind.Reject,
        DomainKind.Tags.ControlReceived => StoreKind.Control,
        DomainKind.Tags.ControlCompleted => StoreKind.ControlDone,
        DomainKind.Tags.GuardBlocked => StoreKind.GuardBlock,
        DomainKind.Tags.HaltRaised => StoreKind.RiskHalt,
        DomainKind.Tags.FsmChanged => StoreKind.State,
        DomainKind.Tags.Reconciled => StoreKind.Reconcile,
        DomainKind.Tags.Anomaly => StoreKind.Anomaly,
        _ => StoreKind.Alert,
    };

    public static TradeSide? Side(string side) => side switch
    {
        "BUY" => TradeSide.Buy,
        "SELL" => TradeSide.Sell,
        _ => null,
    };

    public static TradeSide Side(Side side) => side.IsBuy ? TradeSide.Buy : TradeSide.Sell;

    public static OperationRecord Operation(Operation op) => new(
        op.Time.Nanos,
        Kind(op.Kind),
        Empty(op.RunId),
        Empty(op.OrderRef),
        op.ContractId > 0 ? op.ContractId : null,
        Side(op.Side),
        op.Quantity != 0 ? op.Quantity : null,
        double.IsFinite(op.Price) ? op.Price : null,
        Empty(op.Detail));

    public static AlertRecord Alert(Alert a) => new(
        a.Time.Nanos,
        a.Severity.IsCritical ? AlertSeverity.Critical : a.Severity.IsWarning ? AlertSeverity.Warning : AlertSeverity.Info,
        a.Code,
        a.Message);

    public static string TypeText(OrderType t) => t.IsMarket ? "MKT" : "LMT";

    public static double? LimitOf(OrderType t) => t is OrderType.Limit l ? l.limit : null;

    /// <summary>The order row written (with RecordNow) before the placeOrder bytes are sent.</summary>
    public static OrderRecord OrderRow(OrderRequest o, long nowNanos) => new(
        OrderRefModule.value(o.Ref), o.RunId, OrderPurposeModule.name(o.Purpose), ContractIdModule.value(o.ContractId), Side(o.Side),
        o.Quantity, TypeText(o.Type), LimitOf(o.Type), TimeInForceModule.name(o.Tif), OrderStatusModule.name(OrderStatus.PendingSubmit),
        nowNanos, nowNanos, IbOrderId: o.IbOrderId);

    /// <summary>The engine's current view of an order, after a status change, fill or reject.</summary>
    public static OrderProgress Progress(Order o, long nowNanos) => new(
        OrderRefModule.value(o.Ref), OrderStatusModule.name(o.Status), nowNanos,
        Filled: o.Filled, AvgPrice: o.Filled > 0 ? o.AvgFillPrice : null, IbOrderId: o.IbOrderId,
        PermId: o.PermId != 0 ? o.PermId : null, RejectReason: Empty(o.RejectReason));

    public static FillRecord Fill(ExecutionReport x, long nowNanos, double? commission) => new(
        ExecIdModule.value(x.ExecId), Empty(x.Ref), ContractIdModule.value(x.ContractId), Side(x.Side), x.Quantity, x.Price, nowNanos,
        commission, x.PermId != 0 ? x.PermId : null);

    public static RunKind RunKindOf(OrderPurpose p) =>
        p.IsFlatten ? RunKind.Flatten : p.IsManual ? RunKind.Manual : p.IsRebalance ? RunKind.Rebalance : RunKind.Hedge;

    private static string? Empty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
