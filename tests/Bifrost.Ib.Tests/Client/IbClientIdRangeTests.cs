using Bifrost.Ib.Client;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Tests.Client;

/// <summary>Request ids and order ids never meet, so an errMsg's id says which it is: IB keeps each client id's order-id
/// high-water, and a tool with time-based ids once left one at ~1.7e9, past the 10,000,000 request ids began at.</summary>
public class IbClientIdRangeTests
{
    [Fact]
    public void RequestIds_StartAboveTimeBasedOrderIds_AboveTenMillion()
    {
        var client = new IbClient(new IbEventChannel());
        var first = client.NextRequestId();
        Assert.Equal(IbProtocol.FirstRequestId, first);
        Assert.True(first >= 2_000_000_000, $"request ids start at {first}: order ids grow past that");
        Assert.Equal(first + 1, client.NextRequestId());
    }

    [Fact]
    public void NextOrderId_InTheRequestIdRange_IsRefused_BelowItIsHandedOut()
    {
        var client = new IbClient(new IbEventChannel());
        client.ObserveNextValidId(1_700_000_000);
        Assert.Equal(1_700_000_000, client.NextOrderId());
        client.ObserveNextValidId(2_000_000_000);
        Assert.Throws<InvalidOperationException>(() => client.NextOrderId());
    }
}
