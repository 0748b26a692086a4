using System.Net.Sockets;
using System.Text;
using Bifrost.Daemon.Systemd;

namespace Bifrost.Daemon.Tests.Systemd;

/// <summary>A real Unix datagram socket stands in for systemd's notify socket.</summary>
public sealed class SdNotifyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sdnotify").FullName;

    private (Socket Server, string Path) Listen(bool @abstract = false)
    {
        var name = @abstract ? "@bifrost-test-" + Guid.NewGuid().ToString("N") : Path.Combine(_dir, "notify.sock");
        var server = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        server.Bind(new UnixDomainSocketEndPoint(@abstract ? "\0" + name[1..] : name));
        server.ReceiveTimeout = 5_000;
        return (server, name);
    }

    private static string Receive(Socket s)
    {
        var buffer = new byte[4096];
        var n = s.Receive(buffer);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    [Fact]
    public void Ready_Watchdog_Stopping_Status_ArriveAsDatagrams()
    {
        var (server, path) = Listen();
        using var _ = server;
        using var notify = new SdNotify(path);
        Assert.True(notify.Ready());
        Assert.Equal("READY=1", Receive(server));
        notify.Watchdog();
        Assert.Equal("WATCHDOG=1", Receive(server));
        notify.Status("Running/Idle, ok\nsecond line");
        Assert.Equal("STATUS=Running/Idle, ok second line", Receive(server));
        notify.Stopping();
        Assert.Equal("STOPPING=1", Receive(server));
    }

    [Fact]
    public void AbstractNamespaceSocket_IsReached()
    {
        var (server, name) = Listen(@abstract: true);
        using var _ = server;
        using var notify = new SdNotify(name);
        notify.Ready();
        Assert.Equal("READY=1", Receive(server));
    }

    [Fact]
    public void WithoutNotifySocket_ThereIsNoNotifier()
    {
        Assert.Null(SdNotify.FromEnvironment(_ => null));
    }

    [Fact]
    public void WatchdogInterval_IsHalfOfWatchdogUsec_ForThisProcess()
    {
        var env = new Dictionary<string, string?> { ["NOTIFY_SOCKET"] = "/run/x.sock", ["WATCHDOG_USEC"] = "20000000", ["WATCHDOG_PID"] = Environment.ProcessId.ToString() };
        using var n = SdNotify.FromEnvironment(k => env.GetValueOrDefault(k));
        Assert.Equal(TimeSpan.FromSeconds(10), n!.WatchdogInterval);
        env["WATCHDOG_PID"] = "1";
        using var other = SdNotify.FromEnvironment(k => env.GetValueOrDefault(k));
        Assert.Null(other!.WatchdogInterval);
    }

    [Fact]
    public void SendingWithNoListener_ReturnsFalseInsteadOfThrowing()
    {
        using var notify = new SdNotify(Path.Combine(_dir, "nobody.sock"));
        Assert.False(notify.Ready());
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
