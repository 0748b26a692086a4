using Bifrost.Ib.Messages.Model;
using Bifrost.Ib.Messages.Requests;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Client;

/// <summary>Typed request methods with id bookkeeping: request ids from <see cref="IbProtocol.FirstRequestId"/> up,
/// order ids from nextValidId up and below it.</summary>
public sealed partial class IbClient
{
    /// <summary>A fresh request/ticker id, disjoint from order ids so errMsg routing is unambiguous (reference §3.4).
    /// Throws rather than wrap into the order-id range (147 million ids a session).</summary>
    public int NextRequestId()
    {
        var id = Interlocked.Increment(ref _nextRequestId) - 1;
        if (id < IbProtocol.FirstRequestId) throw new InvalidOperationException("request ids exhausted for this session: reconnect");
        return id;
    }

    /// <summary>The next unused order id (≥ the latest nextValidId). Persist it with the intent before placing the order.
    /// Throws for one in the request-id range, where its errors could not be told from a request's.</summary>
    public int NextOrderId()
    {
        if (Volatile.Read(ref _nextOrderId) < 0) throw new IbNotConnectedException("no nextValidId received yet (504)");
        var id = Interlocked.Increment(ref _nextOrderId) - 1;
        if (id >= IbProtocol.FirstRequestId || id < 0)
            throw new InvalidOperationException($"order id {id} is in the request-id range (from {IbProtocol.FirstRequestId}): use a client id with lower order ids");
        return id;
    }

    /// <summary>Streaming (or snapshot) market data; returns the ticker id echoed by every tick.</summary>
    public async ValueTask<int> ReqMktDataAsync(IbContract contract, string genericTickList = "", bool snapshot = false,
        CancellationToken ct = default)
    {
        var req = new IbReqMktData(NextRequestId(), contract, genericTickList, snapshot);
        if (!snapshot) _subscriptions[req.TickerId] = req;
        await SendAsync(req, ct).ConfigureAwait(false);
        return req.TickerId;
    }

    public ValueTask CancelMktDataAsync(int tickerId, CancellationToken ct = default)
    {
        ForgetSubscription(tickerId);
        return SendAsync(new IbCancelMktData(tickerId), ct);
    }

    /// <summary>Re-sends every active streaming subscription under its ticker id (after error 1101).</summary>
    public async Task ResubscribeMarketDataAsync(CancellationToken ct = default)
    {
        foreach (var req in _subscriptions.Values.ToArray()) await SendAsync(req, ct).ConfigureAwait(false);
    }

    public ValueTask ReqMarketDataTypeAsync(int marketDataType, CancellationToken ct = default) =>
        SendAsync(new IbReqMarketDataType(marketDataType), ct);

    /// <summary>Places (or, with an existing id, modifies) an order; returns the order id used.</summary>
    public async ValueTask<int> PlaceOrderAsync(IbContract contract, IbOrder order, int? orderId = null, CancellationToken ct = default)
    {
        int id = orderId ?? NextOrderId();
        await SendAsync(new IbPlaceOrder(id, contract, order), ct).ConfigureAwait(false);
        return id;
    }

    public ValueTask CancelOrderAsync(int orderId, CancellationToken ct = default) => SendAsync(new IbCancelOrder(orderId), ct);

    public async ValueTask<int> ReqContractDetailsAsync(IbContract contract, CancellationToken ct = default)
    {
        int id = NextRequestId();
        await SendAsync(new IbReqContractDetails(id, contract), ct).ConfigureAwait(false);
        return id;
    }

    public async ValueTask<int> ReqExecutionsAsync(IbExecutionFilter? filter = null, CancellationToken ct = default)
    {
        int id = NextRequestId();
        await SendAsync(new IbReqExecutions(id, filter ?? new IbExecutionFilter()), ct).ConfigureAwait(false);
        return id;
    }

    public async ValueTask<int> ReqAccountSummaryAsync(string tags, string group = "All", CancellationToken ct = default)
    {
        int id = NextRequestId();
        await SendAsync(new IbReqAccountSummary(id, group, tags), ct).ConfigureAwait(false);
        return id;
    }

    public ValueTask CancelAccountSummaryAsync(int reqId, CancellationToken ct = default) =>
        SendAsync(new IbCancelAccountSummary(reqId), ct);

    public ValueTask ReqAccountUpdatesAsync(bool subscribe, string account, CancellationToken ct = default) =>
        SendAsync(new IbReqAccountUpdates(subscribe, account), ct);

    public ValueTask ReqPositionsAsync(CancellationToken ct = default) => SendAsync(IbReqPositions.Instance, ct);

    public ValueTask CancelPositionsAsync(CancellationToken ct = default) => SendAsync(IbCancelPositions.Instance, ct);

    public ValueTask ReqOpenOrdersAsync(CancellationToken ct = default) => SendAsync(IbReqOpenOrders.Instance, ct);

    public ValueTask ReqAllOpenOrdersAsync(CancellationToken ct = default) => SendAsync(IbReqAllOpenOrders.Instance, ct);

    /// <summary>Client id 0 only.</summary>
    public ValueTask ReqAutoOpenOrdersAsync(bool autoBind, CancellationToken ct = default) =>
        SendAsync(new IbReqAutoOpenOrders(autoBind), ct);

    public ValueTask ReqCurrentTimeAsync(CancellationToken ct = default) => SendAsync(IbReqCurrentTime.Instance, ct);

    public ValueTask ReqIdsAsync(CancellationToken ct = default) => SendAsync(new IbReqIds(1), ct);

    public ValueTask ReqManagedAcctsAsync(CancellationToken ct = default) => SendAsync(IbReqManagedAccts.Instance, ct);
}
