using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Bifrost.Sim.Gateway;

/// <summary>The line-based control port on 127.0.0.1: each line is a command for <see cref="ReplayGateway.ExecuteAsync"/>,
/// each reply one line (<c>ok …</c> / <c>error …</c>; <c>help</c> replies with several lines ending in an empty one).
/// Try it with <c>nc 127.0.0.1 PORT</c>.</summary>
internal sealed class ControlChannel : IDisposable
{
    private readonly ReplayGateway _gateway;
    private readonly TcpListener _listener;

    public ControlChannel(ReplayGateway gateway, int port)
    {
        _gateway = gateway;
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client, ct), ct);
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken ct)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.ASCII);
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
            while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
            {
                if (line.Trim().Length == 0) continue;
                if (line.Trim().Equals("quit", StringComparison.OrdinalIgnoreCase)) return;
                var reply = await _gateway.ExecuteAsync(line).ConfigureAwait(false);
                await writer.WriteLineAsync(reply.Contains('\n') ? reply + "\n" : reply).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // control client gone
        }
    }

    public void Dispose() => _listener.Stop();
}
