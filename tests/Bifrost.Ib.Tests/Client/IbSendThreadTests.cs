using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Bifrost.Ib.Client;
using Bifrost.Ib.Messages.Events;
using Bifrost.Ib.Messages.Requests;
using Bifrost.Ib.Tests.Support;

namespace Bifrost.Ib.Tests.Client;

/// <summary>The session's dedicated sending thread: order, failure as disconnect, pacing, flush on close, shutdown.</summary>
public class IbSendThreadTests
{
    private static readonly IbClientOptions Threaded = new() { DedicatedSender = true };
    private static readonly IbClientOptions Unpaced = Threaded with { PacingBurst = 1_000_000, PacingRatePerSecond = 1_000_000 };

    private static async Task<(IbClient Client, IbEventChannel Events)> Connect(int port, IbClientOptions? options = null)
    {
        var events = new IbEventChannel();
        var client = new IbClient(events, options);
        await client.ConnectAsync("127.0.0.1", port, clientId: 7);
        return (client, events);
    }

    private static async Task<IbCancelMktData[]> ReceivedCancels(FakeTws tws, int count)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var got = tws.Received.OfType<IbCancelMktData>().ToArray();
            if (got.Length >= count || deadline.Elapsed > TimeSpan.FromSeconds(10)) return got;
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task ConcurrentSenders_EveryFrameArrivesWhole_EachSendersOrderKept()
    {
        const int senders = 4, each = 250;
        await using var tws = new FakeTws();
        var (client, _) = await Connect(tws.Port, Unpaced);
        await using var _ = client;
        using var go = new Barrier(senders);
        await Task.WhenAll(Enumerable.Range(0, senders).Select(s => Task.Run(async () =>
        {
            go.SignalAndWait();
            for (var i = 0; i < each; i++) await client.CancelMktDataAsync(s * 100_000 + i);
        })));

        var got = await ReceivedCancels(tws, senders * each);
        Assert.Equal(senders * each, got.Length);
        for (var s = 0; s < senders; s++)
        {
            var mine = got.Select(c => c.TickerId).Where(id => id / 100_000 == s).ToArray();
            Assert.Equal(Enumerable.Range(s * 100_000, each), mine);
        }
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task WriteFails_SessionEndsAsDisconnect_ThenSendsThrowNotConnected()
    {
        await using var tws = new FakeTws();
        var (client, events) = await Connect(tws.Port, Unpaced);
        await using var _ = client;
        // The reader is untouched (TWS keeps the socket open); only the client's writes fail (EPIPE).
        client.SocketForTests!.Shutdown(SocketShutdown.Send);
        try
        {
            await client.ReqCurrentTimeAsync(); // queued: the failure is the sending thread's
        }
        catch (IbNotConnectedException)
        {
            // TWS saw the half-close and hung up first (a busy machine): the session ended all the same
        }
        var gone = await events.Next<IbDisconnected>();
        Assert.False(gone.ByClient);
        await client.Completion.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(client.IsConnected);
        await Assert.ThrowsAsync<IbNotConnectedException>(async () => await client.ReqCurrentTimeAsync());
        await WaitUntil(() => !client.SenderAlive);
    }

    [Fact]
    public async Task Pacing_StillHoldsTheCallerBackAndKeepsOrder()
    {
        // 2 tokens, then 20/s: the 3rd..6th sends wait ~50 ms each.
        await using var tws = new FakeTws();
        var (client, _) = await Connect(tws.Port, Threaded with { PacingBurst = 2, PacingRatePerSecond = 20 });
        await using var _ = client;
        await Task.Delay(150); // startApi's token back
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < 6; i++) await client.CancelMktDataAsync(i);
        sw.Stop();
        Assert.InRange(sw.Elapsed, TimeSpan.FromMilliseconds(170), TimeSpan.FromSeconds(5));
        Assert.Equal(Enumerable.Range(0, 6), (await ReceivedCancels(tws, 6)).Select(c => c.TickerId));
    }

    [Fact]
    public async Task Disconnect_WritesWhatWasQueuedFirst()
    {
        await using var tws = new FakeTws();
        var (client, events) = await Connect(tws.Port, Unpaced);
        for (var i = 0; i < 200; i++) await client.CancelMktDataAsync(i);
        await client.DisconnectAsync();
        Assert.True((await events.Next<IbDisconnected>()).ByClient);
        Assert.Equal(Enumerable.Range(0, 200), (await ReceivedCancels(tws, 200)).Select(c => c.TickerId));
        await client.DisposeAsync();
    }

    [Fact]
    public async Task Dispose_StopsTheThread()
    {
        await using var tws = new FakeTws();
        var (client, _) = await Connect(tws.Port, Threaded);
        Assert.True(client.SenderAlive);
        await client.DisposeAsync();
        await WaitUntil(() => !client.SenderAlive); // the thread's last instructions may follow its stop signal
    }

    [Fact]
    public async Task ServerCloses_ThreadEnds()
    {
        await using var tws = new FakeTws();
        var (client, events) = await Connect(tws.Port, Threaded);
        await using var _ = client;
        await tws.Connection!.CloseAsync();
        await events.Next<IbDisconnected>();
        await WaitUntil(() => !client.SenderAlive);
    }

    [Fact]
    public async Task WithoutTheThread_RequestsAreWrittenOnTheCallersPath()
    {
        await using var tws = new FakeTws();
        var sent = new List<string>();
        var (client, events) = await Connect(tws.Port, Unpaced with { DedicatedSender = false, Sent = r => { lock (sent) sent.Add(r.GetType().Name); } });
        await using var _ = client;
        Assert.False(client.SenderAlive);
        await client.ReqCurrentTimeAsync();
        await events.Next<IbCurrentTime>();
        lock (sent) Assert.Contains(nameof(IbReqCurrentTime), sent);
    }

    [Fact]
    public async Task SentHook_CalledOnTheSendingThreadAfterTheWrite()
    {
        await using var tws = new FakeTws();
        var threads = new List<string?>();
        var (client, events) = await Connect(tws.Port, Unpaced with { Sent = r => { if (r is IbReqCurrentTime) lock (threads) threads.Add(Thread.CurrentThread.Name); } });
        await using var _ = client;
        await client.ReqCurrentTimeAsync();
        await events.Next<IbCurrentTime>();
        // The hook runs after the write returned, which may be after TWS already answered.
        await WaitUntil(() => { lock (threads) return threads.Count > 0; });
        lock (threads) Assert.Equal(["ib-send"], threads);
    }

    [Fact]
    public async Task Unit_PeerReset_FailureReportedOnceWithTheDroppedCount_ThenClosed()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        using (var peer = await listener.AcceptAsync())
        {
            peer.LingerState = new LingerOption(true, 0); // close with RST
        }
        var failures = new List<(Exception Error, int Dropped)>();
        var failed = new TaskCompletionSource();
        var sender = new IbSendThread(client, (e, n) => { lock (failures) failures.Add((e, n)); failed.TrySetResult(); }, null, IbNullLog.Instance);
        var frame = new byte[64];
        for (var i = 0; i < 1000 && !failed.Task.IsCompleted; i++)
        {
            if (!sender.TryEnqueue(frame, IbReqCurrentTime.Instance)) break;
            await Task.Delay(1);
        }
        await failed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await sender.Stopped.WaitAsync(TimeSpan.FromSeconds(5));
        lock (failures)
        {
            var f = Assert.Single(failures);
            Assert.IsType<SocketException>(f.Error);
            Assert.True(f.Dropped >= 1);
        }
        Assert.False(sender.TryEnqueue(frame, IbReqCurrentTime.Instance));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > TimeSpan.FromSeconds(5)) throw new TimeoutException("condition not met in 5 s");
            await Task.Delay(10);
        }
    }
}
