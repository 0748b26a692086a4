using System.Net;
using System.Net.Sockets;

namespace Bifrost.Ib.Tests.Support;

/// <summary>A loopback listener that runs a byte-level script against the first client (for misbehaving-server tests).</summary>
public sealed class RawServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Task _run;

    public RawServer(Func<NetworkStream, Task> script)
    {
        _listener.Start();
        _run = Task.Run(async () =>
        {
            try
            {
                using var client = await _listener.AcceptTcpClientAsync();
                await using var stream = client.GetStream();
                await script(stream);
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
                // the client went away first
            }
        });
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Reads the client's hello (API\0 + length + offer) so the script can answer.</summary>
    public static async Task<string> ReadHelloAsync(NetworkStream s)
    {
        var head = new byte[8];
        await s.ReadExactlyAsync(head);
        var offer = new byte[System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(4))];
        await s.ReadExactlyAsync(offer);
        return System.Text.Encoding.ASCII.GetString(offer);
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _run.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
