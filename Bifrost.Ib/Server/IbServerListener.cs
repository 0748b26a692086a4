using System.Net;
using System.Net.Sockets;

namespace Bifrost.Ib.Server;

/// <summary>
/// A TCP listener bound to 127.0.0.1 only (TWS's default: local clients only). Port 0 picks an ephemeral port, see
/// <see cref="Port"/>. <see cref="AcceptAsync"/> returns connections that completed the handshake; failed handshakes are
/// dropped and the next client is awaited.
/// </summary>
public sealed class IbServerListener : IDisposable
{
    private readonly Socket _listener;
    private readonly IbServerOptions _options;

    public IbServerListener(int port = 0, IbServerOptions? options = null)
    {
        _options = options ?? new IbServerOptions();
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        _listener.Listen(16);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    /// <summary>
    /// Accepts the next client that completes the handshake and startApi. The handshake runs inline, so a slow client
    /// delays the next accept by at most <see cref="IbServerOptions.HandshakeTimeout"/>; gateways serving many clients
    /// can call <see cref="AcceptSocketAsync"/> and <see cref="IbServerConnection.AcceptAsync"/> themselves.
    /// </summary>
    public async Task<IbServerConnection> AcceptAsync(CancellationToken ct = default)
    {
        while (true)
        {
            var socket = await AcceptSocketAsync(ct).ConfigureAwait(false);
            var connection = await IbServerConnection.AcceptAsync(socket, _options, ct).ConfigureAwait(false);
            if (connection is not null) return connection;
        }
    }

    public ValueTask<Socket> AcceptSocketAsync(CancellationToken ct = default) => _listener.AcceptAsync(ct);

    public void Dispose() => _listener.Dispose();
}
