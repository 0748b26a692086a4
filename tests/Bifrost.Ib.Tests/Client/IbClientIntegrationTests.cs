using Bifrost.Ib.Client;
using Bifrost.Ib.Messages;
using Bifrost.Ib.Messages.Events;
using Bifrost.Ib.Messages.Model;
using Bifrost.Ib.Messages.Requests;
using Bifrost.Ib.Tests.Support;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Tests.Client;

/// <summary>IbClient against the Server/ pieces over 127.0.0.1 sockets on ephemeral ports.</summary>
public class IbClientIntegrationTests
{
    private static readonly IbContract SpyCall = IbContract.Option("SPY", "20250620", 450, "C", tradingClass: "SPY");

    private static async Task<(IbClient Client, IbEventChannel Events)> Connect(int port, IbClientOptions? options = null)
    {
        var events = new IbEventChannel();
        var client = new IbClient(events, options);
        await client.ConnectAsync("127.0.0.1", port, clientId: 7);
        return (client, events);
    }

    [Fact]
    public async Task Connect_HandshakeAndStartBurst_SessionReady()
    {
        await using var tws = new FakeTws();
        var (client, events) = await Connect(tws.Port);
        await using var _ = client;
        Assert.True(client.IsConnected);
        Assert.Equal(193, client.ServerVersion);
        Assert.Equal(["DU1234567"], client.ManagedAccounts);
        Assert.Equal(117, client.NextOrderId());
        Assert.Equal(118, client.NextOrderId());
        Assert.Equal(7, tws.Connection!.ClientId);
        var farm = await events.Next<IbError>(e => e.Code == IbErrorCodes.SecDefFarmOk);
        Assert.True(farm.IsInformational);
    }

    [Fact]
    public async Task MarketData_Subscription_DeliversTicksUntilCancelled()
    {
        await using var tws = new FakeTws();
        var (client, events) = await Connect(tws.Port);
        await using var _ = client;
        int tickerId = await client.ReqMktDataAsync(SpyCall, "100,101,106");
        Assert.True(tickerId >= IbProtocol.FirstRequestId);
        Assert.True(client.MarketDataSubscriptions.ContainsKey(tickerId));

        var reqParams = await events.Next<IbTickReqParams>();
        Assert.Equal(tickerId, reqParams.TickerId);
        var bid = await events.Next<IbTickPrice>(t => t.TickType == 1);
        Assert.Equal((tickerId, 1.20, 10m), (bid.TickerId, bid.Price, bid.Size!.Value));
        var greeks = await events.Next<IbTickOptionComputation>();
        Assert.Equal(-0.08, greeks.Theta);

        await client.CancelMktDataAsync(tickerId);
        Assert.Empty(client.MarketDataSubscriptions);
        await client.ReqCurrentTimeAsync(); // a round trip so the cancel has surely been read
        await events.Next<IbCurrentTime>();
        var md = Assert.Single(tws.Received.OfType<IbReqMktData>());
        Assert.Equal("100,101,106", md.GenericTickList);
        Assert.Equal(450.0, md.Contract.Strike);
        Assert.Contains(tws.Received, r => r is IbCancelMktData c && c.TickerId == tickerId);
    }

    [Fact]
    public async Task PlaceOrder_Limit_OpenOrderStatusExecutionCommissionInOrder()
    {
        await using var tws = new FakeTws();
        var (client, events) = await Connect(tws.Port);
        await using var _ = client;
        int orderId = await client.PlaceOrderAsync(SpyCall, IbOrder.Limit("BUY", 2, 1.25, "strat1-abc", FakeTws.Account));

        var open = await events.Next<IbOpenOrder>();
        Assert.Equal((orderId, "strat1-abc", "Submitted"), (open.OrderId, open.Order.OrderRef, open.State.Status));
        var submitted = await events.Next<IbOrderStatus>();
        Assert.Equal("Submitted", submitted.Status);
        var exec = await events.Next<IbExecDetails>();
        Assert.Equal((-1, orderId, "BOT", 2m), (exec.ReqId, exec.Execution.OrderId, exec.Execution.Side, exec.Execution.Shares!.Value));
        Assert.Equal(3_000_000_001L, exec.Execution.PermId);
        var filled = await events.Next<IbOrderStatus>();
        Assert.Equal(("Filled", 0m, 1.25), (filled.Status, filled.Remaining!.Value, filled.AvgFillPrice));
        var commission = await events.Next<IbCommissionReport>();
        Assert.Equal(exec.Execution.ExecId, commission.ExecId);

        var placed = Assert.Single(tws.Received.OfType<IbPlaceOrder>());
        Assert.True(placed.Order.Transmit);
        Assert.Equal(117, placed.OrderId);
    }

    [Fact]
    public async Task ServerClosesSocket_RaisesDisconnected_ThenRequestsFail()
    {
        await using var tws = new FakeTws();
        var (client, events) = await Connect(tws.Port);
        await using var _ = client;
        await tws.Connection!.CloseAsync();
        var gone = await events.Next<IbDisconnected>();
        Assert.False(gone.ByClient);
        await client.Completion.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(client.IsConnected);
        await Assert.ThrowsAsync<IbNotConnectedException>(async () => await client.ReqCurrentTimeAsync());
    }

    [Fact]
    public async Task ClientDisconnects_RaisesDisconnectedByClient_AndServerSeesClose()
    {
        await using var tws = new FakeTws();
        var (client, events) = await Connect(tws.Port);
        await client.DisconnectAsync();
        var gone = await events.Next<IbDisconnected>();
        Assert.True(gone.ByClient);
        Assert.Null(await tws.Connection!.ReadRequestAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Connect_NoStartBurst_TimesOutWithConnectError()
    {
        await using var tws = new FakeTws(sendStartBurst: false);
        var client = new IbClient(new IbEventChannel(), new IbClientOptions { ReadyTimeout = TimeSpan.FromMilliseconds(500) });
        var ex = await Assert.ThrowsAsync<IbConnectException>(() => client.ConnectAsync("127.0.0.1", tws.Port, 7));
        Assert.Contains("readiness", ex.Message);
    }

    [Fact]
    public async Task Connect_ServerVersionBelow193_IsRefused()
    {
        await using var server = new RawServer(async s =>
        {
            await RawServer.ReadHelloAsync(s);
            var w = new IbFieldWriter(IbTextPolicy.ServerEscaped).Begin();
            new IbServerHello(176, "20250117 10:30:00 EST").Encode(w);
            await s.WriteAsync(w.Frame);
            await Task.Delay(2000);
        });
        var client = new IbClient(new IbEventChannel());
        var ex = await Assert.ThrowsAsync<IbConnectException>(() => client.ConnectAsync("127.0.0.1", server.Port, 7));
        Assert.Contains("too old", ex.Message);
    }

    [Fact]
    public async Task Connect_ClosedBeforeReady_SuggestsClientIdInUse()
    {
        await using var server = new RawServer(async s =>
        {
            await RawServer.ReadHelloAsync(s);
            var w = new IbFieldWriter(IbTextPolicy.ServerEscaped).Begin();
            new IbServerHello(193, "20250117 10:30:00 EST").Encode(w);
            await s.WriteAsync(w.Frame);
            new IbError(-1, IbErrorCodes.ClientIdInUse, "Unable to connect as the client id is already in use.").Encode(w.Begin());
            await s.WriteAsync(w.Frame);
        });
        var client = new IbClient(new IbEventChannel());
        var ex = await Assert.ThrowsAsync<IbConnectException>(() => client.ConnectAsync("127.0.0.1", server.Port, 7));
        Assert.Contains("326", ex.Message);
    }

    [Fact]
    public async Task Connect_NothingListening_IsConnectFail()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }
        var client = new IbClient(new IbEventChannel());
        var ex = await Assert.ThrowsAsync<IbConnectException>(() => client.ConnectAsync("127.0.0.1", port, 7));
        Assert.Contains("502", ex.Message);
    }

    [Fact]
    public async Task UnknownMessageId_IsSkipped_SessionContinues()
    {
        await using var tws = new FakeTws();
        var (client, events) = await Connect(tws.Port);
        await using var _ = client;
        await tws.Connection!.SendRawAsync(IbFraming.Frame(IbFraming.Payload(["14", "1", "5", "1", "news", "NYSE"])));
        await tws.Connection.SendAsync(new IbCurrentTime(42));
        var skipped = await events.Next<IbSkippedMessage>();
        Assert.Equal(14, skipped.MessageId);
        Assert.Equal(42, (await events.Next<IbCurrentTime>()).EpochSeconds);
        Assert.True(client.IsConnected);
    }

    [Theory]
    [InlineData(new byte[] { 0x7F, 0xFF, 0xFF, 0xFF })]                       // absurd length
    [InlineData(new byte[] { 0, 0, 0, 3, (byte)'1', 0, (byte)'x' })]          // payload not NUL-terminated
    [InlineData(new byte[] { 0, 0, 0, 4, (byte)'1', 0, (byte)'6', 0 })]       // tickPrice truncated
    [InlineData(new byte[] { 0, 0, 0, 6, (byte)'4', (byte)'9', 0, (byte)'1', 0, (byte)'z' })] // bad payload end
    public async Task MalformedFrame_RaisesProtocolError_ThenDisconnects(byte[] bad)
    {
        await using var tws = new FakeTws();
        var (client, events) = await Connect(tws.Port);
        await using var _ = client;
        await tws.Connection!.SendRawAsync(bad);
        var error = await events.Next<IbProtocolError>();
        Assert.True(error.Fatal);
        await events.Next<IbDisconnected>();
        await client.Completion.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task ThrowingHandler_EndsSessionCleanly()
    {
        await using var tws = new FakeTws();
        var handler = new ThrowOnCurrentTime();
        var client = new IbClient(handler);
        await client.ConnectAsync("127.0.0.1", tws.Port, 7);
        await client.ReqCurrentTimeAsync();
        await client.Completion.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Contains(handler.Seen, e => e is IbProtocolError p && p.Message.Contains("handler threw"));
        Assert.Contains(handler.Seen, e => e is IbDisconnected);
    }

    private sealed class ThrowOnCurrentTime : IbEventHandler
    {
        public readonly List<IIbEvent> Seen = [];

        public override void OnCurrentTime(IbCurrentTime m) => throw new InvalidOperationException("boom");

        public override void OnOther(IIbEvent e)
        {
            lock (Seen) Seen.Add(e);
        }
    }
}
