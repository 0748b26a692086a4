using System.Net.Sockets;
using Bifrost.Tests.Shared;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>Whatever a test does, nothing it started outlives it: a daemon child process (a run that leaked one kept
/// trading against nothing for 25 minutes after the suite), its process tree, or a gateway started halfway.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class HarnessCleanupTests(ITestOutputHelper output)
{
    private static async Task AssertGone(int pid)
    {
        var deadline = Environment.TickCount64 + 15_000;
        while (TestChild.IsRunning(pid) && Environment.TickCount64 < deadline) await Task.Delay(50);
        Assert.False(TestChild.IsRunning(pid), $"pid {pid} is still running");
        Assert.DoesNotContain(pid, TestChild.AlivePids);
    }

    [Fact]
    public async Task ChildDaemon_WhenTheTestFailsWhileItStarts_IsKilledWithTheHarness()
    {
        var pid = 0;
        var port = 0;
        var failure = await Assert.ThrowsAsync<TimeoutException>(async () =>
        {
            await using var h = await DaemonHarness.StartAsync(output);
            port = h.Gateway.Port;
            var child = h.StartProcess();
            pid = child.Pid;
            await h.WaitUntil(() => h.Gateway.ConnectedClientIds.Contains(17), "the child daemon connected", 60_000);
            Assert.True(TestChild.IsRunning(pid));
            await h.WaitFsm("NoSuchState", 500); // the test fails here, mid-run
        });
        Assert.Contains("NoSuchState", failure.Message);
        await AssertGone(pid);
        AssertClosed(port);
    }

    [Fact]
    public async Task ChildProcess_OnDispose_IsKilledWithItsWholeTree()
    {
        var grandchild = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        int pid, grandchildPid;
        using (var child = TestChild.Start("sh", ["-c", "sleep 300 & echo $!; wait"], onLine: l => grandchild.TrySetResult(int.Parse(l))))
        {
            pid = child.Pid;
            grandchildPid = await grandchild.Task.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(TestChild.IsRunning(grandchildPid));
            Assert.Contains(pid, TestChild.AlivePids);
        }
        await AssertGone(pid);
        await AssertGone(grandchildPid);
    }

    [Fact]
    public async Task HarnessStart_ThatThrowsHalfway_ClosesTheGatewayAndRemovesItsDirectory()
    {
        var port = 0;
        string? dir = null;
        await Assert.ThrowsAsync<InvalidOperationException>(() => DaemonHarness.StartAsync(output, config: (p, store) =>
        {
            port = p;
            dir = Path.GetDirectoryName(store);
            throw new InvalidOperationException("a config that cannot be written");
        }));
        Assert.NotEqual(0, port);
        AssertClosed(port);
        Assert.False(Directory.Exists(dir), $"{dir} is left behind");
    }

    private static void AssertClosed(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var e = Assert.Throws<SocketException>(() => socket.Connect(System.Net.IPAddress.Loopback, port));
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
    }
}
