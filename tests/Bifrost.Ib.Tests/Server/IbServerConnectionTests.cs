using System.Net.Sockets;
using Bifrost.Ib.Messages.Requests;
using Bifrost.Ib.Server;
using Bifrost.Ib.Tests.Support;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Tests.Server;

/// <summary>Reference §14 items 2 and 7: the server half of the handshake and request decoding, over loopback.</summary>
public class IbServerConnectionTests
{
    // Generous: these tests are about what the server answers, not its timeout. At 2 s a test thread delayed on a loaded
    // machine (the whole suite starting on two cores) let the server give up between its hello and startApi ("Broken
    // pipe" on the client's startApi, 1 run in ~20). Refusals are still checked to be prompt (well under this).
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(30);

    private static async Task<(IbServerListener Listener, Task<IbServerConnection?> Accept, Socket Client)> Start()
    {
        var listener = new IbServerListener(options: new IbServerOptions
        {
            ConnectionTime = () => "20250117 10:30:00 EST",
            HandshakeTimeout = HandshakeTimeout,
        });
        var accept = Task.Run(async () =>
        {
            var s = await listener.AcceptSocketAsync();
            return await IbServerConnection.AcceptAsync(s, new IbServerOptions
            {
                ConnectionTime = () => "20250117 10:30:00 EST",
                HandshakeTimeout = HandshakeTimeout,
            });
        });
        var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync("127.0.0.1", listener.Port);
        return (listener, accept, client);
    }

    private static async Task<byte[]> ReadAvailable(Socket s, int timeoutMs = 10_000)
    {
        var buffer = new byte[1024];
        using var cts = new CancellationTokenSource(timeoutMs);
        int n = await s.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
        return buffer[..n];
    }

    [Fact]
    public async Task Offer100To193_RepliesGoldenBytes_ThenReadsStartApi()
    {
        var (listener, accept, client) = await Start();
        using var _ = listener;
        using var __ = client;
        await client.SendAsync(IbHandshake.ClientHello());
        Assert.Equal(Golden.Hex("server_reply_hex"), await ReadAvailable(client));
        await client.SendAsync(Golden.Hex("startApi_hex_clientId_7"));
        await using var connection = await accept;
        Assert.NotNull(connection);
        Assert.Equal(7, connection.ClientId);
        Assert.Equal(193, connection.ServerVersion);

        var placeOrder = Golden.ClientToServer("placeOrder LMT OPT");
        await client.SendAsync(IbFraming.Frame(IbFraming.Payload(placeOrder)));
        var request = Assert.IsType<IbPlaceOrder>(await connection.ReadRequestAsync());
        Assert.Equal("strat1-abc", request.Order.OrderRef);
    }

    [Fact]
    public async Task NewerClientOffer_IsAnsweredWith193()
    {
        var (listener, accept, client) = await Start();
        using var _ = listener;
        using var __ = client;
        await client.SendAsync(IbHandshake.ClientHello(100, 225));
        var reply = await ReadAvailable(client);
        Assert.Equal(["193", "20250117 10:30:00 EST"], IbFraming.Fields(reply.AsSpan(4)));
    }

    [Theory]
    [InlineData(194, 250)]
    [InlineData(100, 180)]
    public async Task OfferThatCannotMeet193_IsClosedWithoutReply(int min, int max)
    {
        var (listener, accept, client) = await Start();
        using var _ = listener;
        using var __ = client;
        await client.SendAsync(IbHandshake.ClientHello(min, max));
        Assert.Null(await accept.WaitAsync(TimeSpan.FromSeconds(10))); // dropped at once, not by the timeout
        Assert.Empty(await ReadAvailable(client));
    }

    [Fact]
    public async Task NotApiPrefix_IsClosed()
    {
        var (listener, accept, client) = await Start();
        using var _ = listener;
        using var __ = client;
        await client.SendAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray());
        Assert.Null(await accept.WaitAsync(TimeSpan.FromSeconds(10))); // dropped at once, not by the timeout
    }

    [Fact]
    public async Task MalformedAndUnknownRequests_AreReported_SessionContinues()
    {
        var (listener, accept, client) = await Start();
        using var _ = listener;
        using var __ = client;
        await client.SendAsync(IbHandshake.ClientHello());
        await ReadAvailable(client);
        await client.SendAsync(Golden.Hex("startApi_hex_clientId_7"));
        await using var connection = (await accept)!;

        await client.SendAsync(IbFraming.Frame(IbFraming.Payload(["4", "42"]))); // cancelOrder missing fields
        await client.SendAsync(IbFraming.Frame(IbFraming.Payload(["87", "1", "x"]))); // reqHeadTimestamp: not decoded here
        await client.SendAsync(IbFraming.Frame(IbFraming.Payload(["49", "1"])));
        var malformed = Assert.IsType<IbMalformedRequest>(await connection.ReadRequestAsync());
        Assert.Equal(4, malformed.MessageId);
        Assert.Equal(87, Assert.IsType<IbUnknownRequest>(await connection.ReadRequestAsync()).MessageId);
        Assert.IsType<IbReqCurrentTime>(await connection.ReadRequestAsync());
    }
}
