using System.Net.Sockets;
using System.Text;

namespace Bifrost.Daemon.Systemd;

/// <summary>The systemd notify protocol (sd_notify(3)): datagrams like "READY=1" sent to the Unix socket named by
/// $NOTIFY_SOCKET. Microsoft.Extensions.Hosting.Systemd is not in the reachable registry, and the protocol is small.
/// A path starting with '@' is in the abstract namespace. Without $NOTIFY_SOCKET (not under systemd) there is none.</summary>
public sealed class SdNotify : IDisposable
{
    private readonly Socket _socket;
    private readonly UnixDomainSocketEndPoint _endpoint;

    public SdNotify(string socketPath, TimeSpan? watchdogInterval = null)
    {
        if (string.IsNullOrEmpty(socketPath)) throw new ArgumentException("NOTIFY_SOCKET is empty", nameof(socketPath));
        SocketPath = socketPath;
        _endpoint = new UnixDomainSocketEndPoint(socketPath[0] == '@' ? "\0" + socketPath[1..] : socketPath);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        WatchdogInterval = watchdogInterval;
    }

    public string SocketPath { get; }

    /// <summary>Half of $WATCHDOG_USEC (systemd's advice), or null when the watchdog is off.</summary>
    public TimeSpan? WatchdogInterval { get; }

    /// <summary>From the process environment (or a given lookup, for tests); null when not run by systemd with Type=notify.</summary>
    public static SdNotify? FromEnvironment(Func<string, string?>? lookup = null)
    {
        lookup ??= Environment.GetEnvironmentVariable;
        var path = lookup("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(path)) return null;
        TimeSpan? watchdog = null;
        if (long.TryParse(lookup("WATCHDOG_USEC"), out var usec) && usec > 0)
        {
            // WATCHDOG_PID, when set, names the process the watchdog is for.
            var pid = lookup("WATCHDOG_PID");
            if (string.IsNullOrEmpty(pid) || pid == Environment.ProcessId.ToString())
                watchdog = TimeSpan.FromTicks(usec * 10 / 2);
        }
        return new SdNotify(path, watchdog);
    }

    /// <summary>Sends one state datagram (several "KEY=VALUE" lines allowed). Failures are returned, not thrown:
    /// a missing systemd must never take the trading loop down.</summary>
    public bool Send(string state)
    {
        try
        {
            _socket.SendTo(Encoding.UTF8.GetBytes(state), _endpoint);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public bool Ready() => Send("READY=1");
    public bool Watchdog() => Send("WATCHDOG=1");
    public bool Stopping() => Send("STOPPING=1");
    /// <summary>Free text shown by `systemctl status`; newlines would start a new assignment, so they are flattened.</summary>
    public bool Status(string text) => Send("STATUS=" + text.Replace('\n', ' '));

    public void Dispose() => _socket.Dispose();
}
