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

    /// <summary>A venue (engine-clock) time, or null when that clock was not set yet: never a 1970 stamp.</summary>
    public static long? Venue(long nanos) => nanos > 0 ? nanos : null;

    /// <summary>An operations row: <paramref name="wallNanos"/> (receive, wall) in time_ns, the reducer's time in venue_ns.</summary>
    public static OperationRecord Operation(Operation op, long wallNanos) => new(
        wallNanos,
        Kind(op.Kind),
        Empty(op.RunId),
        Empty(op.OrderRef),
        op.ContractId > 0 ? op.ContractId : null,
        Side(op.Side),
        op.Quantity != 0 ? op.Quantity : null,
        double.IsFinite(op.Price) ? op.Price : null,
        Empty(op.Detail))
    {
        VenueNanos = Venue(op.Time.Nanos),
    };

    public static AlertRecord Alert(Alert a, long wallNanos) => new(
        wallNanos,
        a.Severity.IsCritical ? AlertSeverity.Critical : a.Severity.IsWarning ? AlertSeverity.Warning : AlertSeverity.Info,
        a.Code,
        a.Message)
    {
        VenueNanos = Venue(a.Time.Nanos),
    };

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
        PermId: o.PermId != 0 ? o.PermId : null, RejectReason: Empty(o.RejectReason), ReportedFilled: o.ReportedFilled,
        CancelRequested: o.CancelRequested);

    /// <summary>A fill row, with the client ids a restart judges it by (<paramref name="engineClientId"/>: the daemon's own).</summary>
    public static FillRecord Fill(ExecutionReport x, long wallNanos, long venueNanos, double? commission, int? engineClientId = null) => new(
        ExecIdModule.value(x.ExecId), Empty(x.Ref), ContractIdModule.value(x.ContractId), Side(x.Side), x.Quantity, x.Price, wallNanos,
        commission, x.PermId != 0 ? x.PermId : null)
    {
        VenueNanos = Venue(venueNanos),
        ClientId = x.ClientId,
        EngineClientId = engineClientId,
    };

    public static RunKind RunKindOf(OrderPurpose p) =>
        p.IsFlatten ? RunKind.Flatten : p.IsManual || p.IsManualForStrategy ? RunKind.Manual : p.IsRebalance || p.IsPortfolioTrade ? RunKind.Rebalance : RunKind.Hedge;

    /// <summary>A run's parameters as its first order starts it. A flatten's run names the control that asked for it
    /// (<c>{"control_id":7}</c>): its run id is minted from the order sequence, and a restart that finds the control
    /// taken and unanswered (the daemon killed after the order went out) follows this run to answer it (the journal
    /// line carries the row, written before the order is sent).</summary>
    public static string RunParameters(OrderRequest o, State state) =>
        state.Fsm is FsmState.Flattening f && f.Item.RunId == o.RunId && o.Purpose.IsFlatten
            ? $"{{\"control_id\":{f.Item.Meta.ControlId.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}"
            : "{}";

    /// <summary>The batch status a run's completion starts with (<c>done: …</c>, <c>partial: …</c>, <c>failed: …</c>), if any.</summary>
    public static string? BatchStatus(string detail)
    {
        foreach (var status in (string[])["done", "partial", "failed"])
            if (detail.StartsWith(status + ":", StringComparison.Ordinal)) return status;
        return null;
    }

    /// <summary>The run kind of a manual or rebalance run id minted by <c>ControlArgs</c> (<c>{run}-man{id}</c>, <c>{run}-reb{id}</c>).</summary>
    public static RunKind? OperatorRunKind(string runId, string liveRunId) =>
        runId.StartsWith(liveRunId + "-man", StringComparison.Ordinal) ? RunKind.Manual
        : runId.StartsWith(liveRunId + "-reb", StringComparison.Ordinal) ? RunKind.Rebalance
        : null;

    private static string? Empty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
