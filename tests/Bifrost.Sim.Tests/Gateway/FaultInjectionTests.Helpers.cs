using Bifrost.Ib.Client;
using Bifrost.Ib.Messages.Events;
using Bifrost.Ib.Messages.Model;
using Bifrost.Sim.Gateway;
using static Bifrost.Sim.Tests.Gateway.GatewayHarness;

namespace Bifrost.Sim.Tests.Gateway;

/// <summary>The fault tests' client steps: executions asked for, a round trip, a market order placed and filled.</summary>
public partial class FaultInjectionTests
{
    /// <summary>reqExecutions (no filter): the order ids of the executions reported, in order.</summary>
    private static async Task<List<int>> ExecutionsAsync(IbClient client, EventLog events)
    {
        var from = events.Count;
        var reqId = await client.ReqExecutionsAsync();
        await events.Wait<IbExecDetailsEnd>(e => e.ReqId == reqId, from: from);
        return events.All.Skip(from).OfType<IbExecDetails>().Where(e => e.ReqId == reqId).Select(e => e.Execution.OrderId).ToList();
    }

    private static int IndexOf(IReadOnlyList<Bifrost.Ib.Messages.IIbEvent> all, Func<Bifrost.Ib.Messages.IIbEvent, bool> p)
    {
        for (var i = 0; i < all.Count; i++)
            if (p(all[i])) return i;
        return -1;
    }

    /// <summary>A reqCurrentTime round trip: once its answer is in, every message queued before it has arrived.</summary>
    private static async Task<int> RoundTrip(IbClient client, EventLog events)
    {
        var from = events.Count;
        await client.ReqCurrentTimeAsync();
        await events.Wait<IbCurrentTime>(from: from);
        return events.Count;
    }

    private static async Task<int> PlaceMarket(IbClient client, string orderRef) =>
        await client.PlaceOrderAsync(Stock, IbOrder.Market("BUY", 100, orderRef));

    private static async Task<int> FillMarket(ReplayGateway gw, IbClient client, EventLog events, string orderRef)
    {
        var id = await PlaceMarket(client, orderRef);
        await events.Wait<IbOrderStatus>(s => s.OrderId == id);
        await gw.AdvanceAsync(TimeSpan.FromSeconds(5));
        await events.Wait<IbOrderStatus>(s => s.OrderId == id && s.Status == "Filled");
        await events.Wait<IbCommissionReport>(c => events.OfType<IbExecDetails>(e => e.Execution.OrderId == id).Any(e => e.Execution.ExecId == c.ExecId));
        return id;
    }
}
