using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Bifrost.Sim.Broker;

namespace Bifrost.Sim.Backtest;

/// <summary>Small pure translations between the engine's commands/events and the simulated broker's requests/reports,
/// the backtest's counterpart of the daemon's IB adapter.</summary>
public static class BrokerTranslation
{
    public static SimOrderRequest ToSimOrder(OrderRequest r, int clientId)
    {
        var isLimit = r.Type is OrderType.Limit;
        var limit = r.Type is OrderType.Limit l ? l.limit : double.NaN;
        return new SimOrderRequest(clientId, r.IbOrderId, ContractIdModule.value(r.ContractId), r.Side.IsBuy ? 1 : -1, r.Quantity, isLimit, limit,
            TimeInForceModule.name(r.Tif), OrderRefModule.value(r.Ref), r.Account);
    }

    public static Side SideOf(int side) => side > 0 ? Side.Buy : Side.Sell;

    /// <summary>The engine events one broker report becomes, in the order IB would send them
    /// (execDetails, commissionReport, then orderStatus).</summary>
    public static void ToDomain(BrokerEvent e, Func<int, ContractId> idOf, List<(long Time, EventPayload Payload)> output)
    {
        switch (e)
        {
            case OrderAcknowledged a:
                output.Add((a.TimeNanos, EventPayload.NewOrderStatusReported(Status(a.Order, OrderUpdate.Acknowledged, 0, 0.0))));
                break;
            case OrderExecuted x:
            {
                var ex = x.Execution;
                var o = ex.Order;
                var execId = ExecIdModule.create(ex.ExecId).ResultValue;
                output.Add((x.TimeNanos, EventPayload.NewExecutionReported(new ExecutionReport(execId, o.Request.OrderId, o.PermId, o.Request.ClientId,
                    o.Request.OrderRef, idOf(o.Request.ConId), SideOf(o.Request.Side), ex.Quantity, ex.Price))));
                output.Add((x.TimeNanos, EventPayload.NewCommissionReported(execId, ex.Commission)));
                var update = ex.CumQuantity >= o.Request.Quantity ? OrderUpdate.FullyFilled : OrderUpdate.PartFilled;
                output.Add((x.TimeNanos, EventPayload.NewOrderStatusReported(Status(o, update, ex.CumQuantity, ex.AvgPrice))));
                break;
            }
            case OrderCancelled c:
                output.Add((c.TimeNanos, EventPayload.NewOrderStatusReported(Status(c.Order, OrderUpdate.CancelConfirmed, c.Order.Filled, c.Order.AvgPrice))));
                break;
            case OrderRefused r:
                output.Add((r.TimeNanos, EventPayload.NewOrderErrorReported(r.OrderId, r.Code, r.Message)));
                break;
        }
    }

    private static OrderStatusReport Status(SimOrder o, OrderUpdate update, int filled, double avg) =>
        // orderStatus carries no orderRef at IB: the engine matches it by order id.
        new(o.Request.OrderId, o.PermId, "", update, filled, avg, "");
}
