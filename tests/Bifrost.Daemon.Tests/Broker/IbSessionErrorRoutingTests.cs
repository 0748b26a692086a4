using Bifrost.Daemon.Broker;
using Bifrost.Daemon.Engine;
using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Bifrost.Ib.Messages.Events;
using Bifrost.Ib.Wire;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bifrost.Daemon.Tests.Broker;

/// <summary>
/// Found in review: an errMsg went to the order path only when its id was below 10,000,000, where request ids began. IB
/// keeps each client id's order-id high-water (a tool with time-based ids left one at ~1.7e9): past it, a 201 reject, a
/// 110 or a refused cancel on our order was only logged, and the order stayed in flight for good. Now an error is routed
/// by what its id is: a ticker or lookup this session issued and still maps, else an order's.
/// </summary>
public class IbSessionErrorRoutingTests
{
    private static readonly ContractId Call = ContractIdModule.create(8).ResultValue;

    private static (IbSession Session, EngineChannel Channel) NewSession()
    {
        var channel = new EngineChannel(new SystemEngineClock(), 64);
        return (new IbSession(channel, NullLogger.Instance, "DU1", 17), channel);
    }

    private static EventPayload Posted(EngineChannel channel)
    {
        Assert.True(channel.Reader.TryRead(out var e), "nothing reached the engine");
        Assert.False(channel.Reader.TryRead(out _), "more than one event");
        return e.Event.Payload;
    }

    [Theory]
    [InlineData(10_000_000, 201)]
    [InlineData(1_700_000_123, 201)]
    [InlineData(1_700_000_123, 202)]
    [InlineData(1_700_000_123, 110)]
    [InlineData(1_700_000_123, 10147)]
    [InlineData(1_700_000_123, 10148)]
    public void OrderError_OnAnOrderIdAboveTenMillion_ReachesTheOrder(int orderId, int code)
    {
        var (session, channel) = NewSession();
        session.MapTicker(IbProtocol.FirstRequestId, Call); // a live subscription: its id is not the order's
        session.OnError(new IbError(orderId, code, "text"));
        var e = Assert.IsType<EventPayload.OrderErrorReported>(Posted(channel));
        Assert.Equal((orderId, code), (e.ibOrderId, e.code));
    }

    [Fact]
    public void ErrorOnAMappedTicker_GoesToItsContract_WhateverTheIdsSize()
    {
        var (session, channel) = NewSession();
        session.MapTicker(5, Call);
        session.OnError(new IbError(5, 10197, "No market data during competing live session"));
        var e = Assert.IsType<EventPayload.MarketDataRefused>(Posted(channel));
        Assert.Equal((Call, 10197), (e.Item1, e.code));
    }

    /// <summary>The reducer never sends an order id from the request-id range, so the two never name the same thing.</summary>
    [Fact]
    public void RequestIds_StartWhereTheDomainsOrderIdsEnd_FarAboveTimeBasedOrderIds()
    {
        Assert.Equal(IbProtocol.FirstRequestId, OrderFlow.orderIdLimit);
        Assert.True(IbProtocol.FirstRequestId > 1_900_000_000);
    }
}
