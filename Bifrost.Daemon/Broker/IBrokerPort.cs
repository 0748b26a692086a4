using Bifrost.Domain;
using Bifrost.Domain.Trading;

namespace Bifrost.Daemon.Broker;

/// <summary>
/// The broker as the engine sees it: commands in (place, cancel, reconcile, subscribe); events out go to the
/// <see cref="Engine.EngineChannel"/> as domain events. The IB adapter implements it; tests and benchmarks may stub it.
/// Every method throws <see cref="BrokerUnavailableException"/> when there is no session to send on.
/// </summary>
public interface IBrokerPort
{
    /// <summary>Sends placeOrder with the reducer's IB order id and orderRef; returns once the bytes are written.</summary>
    ValueTask PlaceOrderAsync(OrderRequest order, CancellationToken ct = default);

    ValueTask CancelOrderAsync(int ibOrderId, CancellationToken ct = default);

    /// <summary>reqPositions / reqAllOpenOrders / reqExecutions / reqAccountSummary; the replies end with the End events.</summary>
    ValueTask ReconcileAsync(IReadOnlyList<ReconcileScope> scopes, CancellationToken ct = default);

    /// <summary>(Re)subscribes streaming market data for these contracts.</summary>
    ValueTask SubscribeAsync(IReadOnlyList<ContractId> contracts, CancellationToken ct = default);

    /// <summary>Runs the order's way out (translation, encoding) without sending anything, to keep that code and its data
    /// in the caches between orders; a port with nothing worth warming does nothing. Never throws for want of a session.</summary>
    void WarmOrderPath(OrderRequest order) { }
}

/// <summary>No session to the broker (disconnected, reconnecting): the request was not sent.</summary>
public sealed class BrokerUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
