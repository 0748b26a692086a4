using System.Diagnostics;
using Bifrost.Ib.Client;
using Bifrost.Ib.Messages.Model;
using Bifrost.Ib.Messages.Requests;
using Bifrost.Ib.Tests.Support;

namespace Bifrost.Ib.Tests.Client;

/// <summary>The order path rehearsed between orders (<see cref="IbClient.EncodeWithoutSending"/>) puts nothing on the wire,
/// on either writing path, and does not disturb the frames that are sent.</summary>
public class IbClientScratchEncodeTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EncodeWithoutSending_PutsNothingOnTheWire_AndTheRealOrdersArriveWhole(bool dedicatedSender)
    {
        await using var tws = new FakeTws();
        var client = new IbClient(new IbEventChannel(), new IbClientOptions { DedicatedSender = dedicatedSender });
        await client.ConnectAsync("127.0.0.1", tws.Port, clientId: 7);
        await using var _ = client;
        var contract = IbContract.Stock("XYZ");
        for (var i = 0; i < 50; i++)
        {
            Assert.True(client.EncodeWithoutSending(new IbPlaceOrder(900 + i, contract, IbOrder.Limit("SELL", 66, 100.5, "oi_warm", "DU1234567"))) > 100);
            if (i % 10 == 0) await client.PlaceOrderAsync(contract, IbOrder.Limit("BUY", 1 + i, 99.5, $"oi_t1_{i}", "DU1234567"), orderId: 10 + i);
        }
        await client.ReqCurrentTimeAsync();

        var deadline = Stopwatch.StartNew();
        while (!tws.Received.OfType<IbReqCurrentTime>().Any() && deadline.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(10);
        var placed = tws.Received.OfType<IbPlaceOrder>().ToArray();
        Assert.Equal([10, 20, 30, 40, 50], placed.Select(p => p.OrderId));
        Assert.Equal([1m, 11m, 21m, 31m, 41m], placed.Select(p => p.Order.TotalQuantity));
        Assert.All(placed, p => Assert.StartsWith("oi_t1_", p.Order.OrderRef));
        Assert.True(client.IsConnected);
    }
}
