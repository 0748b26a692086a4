using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Bifrost.Daemon.Tests.Alerts;

/// <summary>
/// A real HTTP/1.1 endpoint on 127.0.0.1 with an OS-assigned port (TcpListener: HttpListener cannot take port 0). It
/// answers every POST with <see cref="Status"/> and keeps the bodies it received; with <see cref="Hang"/> it takes the
/// request and never answers (a relay that accepts and stalls).
/// </summary>
public sealed class LoopbackWebhook : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accept;

    public LoopbackWebhook(int status = 200)
    {
        Status = status;
        _listener.Start();
        _accept = Task.Run(AcceptAsync);
    }

    public int Status { get; set; }

    public bool Hang { get; set; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Url => $"http://127.0.0.1:{Port}/alerts";

    public ConcurrentQueue<string> Bodies { get; } = new();

    /// <summary>Requests answered, whatever the status.</summary>
    public int Requests => _requests;

    private int _requests;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                while (true)
                {
                    var head = await ReadHeadAsync(stream);
                    if (head is null) return;
                    var length = 0;
                    foreach (var line in head.Split("\r\n"))
                        if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                            length = int.Parse(line["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture);
                    var body = new byte[length];
                    await stream.ReadExactlyAsync(body, _stop.Token);
                    Bodies.Enqueue(Encoding.UTF8.GetString(body));
                    Interlocked.Increment(ref _requests);
                    if (Hang) await Task.Delay(Timeout.Infinite, _stop.Token);
                    var status = Status;
                    var reply = Encoding.ASCII.GetBytes($"HTTP/1.1 {status} {(status == 200 ? "OK" : "Test Status")}\r\nContent-Length: 0\r\n\r\n");
                    await stream.WriteAsync(reply, _stop.Token);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task<string?> ReadHeadAsync(NetworkStream stream)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one, _stop.Token) == 0) return null;
            buffer.Add(one[0]);
            var n = buffer.Count;
            if (n >= 4 && buffer[n - 4] == '\r' && buffer[n - 3] == '\n' && buffer[n - 2] == '\r' && buffer[n - 1] == '\n')
                return Encoding.ASCII.GetString(buffer.ToArray());
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accept;
        _stop.Dispose();
    }
}

/// <summary>Executable shell scripts in a temp directory, for the command notifier.</summary>
public static class Scripts
{
    public static string Write(string dir, string name, string body)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
