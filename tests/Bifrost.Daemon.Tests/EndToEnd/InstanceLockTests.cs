using Bifrost.Store.Locking;
using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>One Bifrost per account per host, and one per store whatever path reaches it: both locks are taken before
/// connecting, a refusal names the live holder, and a killed holder leaves nothing behind.</summary>
[Collection(EndToEndCollection.Name)]
public class InstanceLockTests(ITestOutputHelper output)
{
    private static string SecondConfig(DaemonHarness h, string storePath, string lockDir)
    {
        var path = Path.Combine(h.Dir, $"second-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, TestConfig.Json(h.Gateway.Port, storePath, conIds: false, clientId: 18, lockDir: lockDir));
        return path;
    }

    [Fact]
    public async Task SecondDaemon_SameAccountAnotherStore_IsRefusedBeforeConnecting_NamingTheHolderPidAndStore()
    {
        await using var h = await DaemonHarness.StartAsync(output);
        try
        {
            var run = h.StartDaemon();
            await h.WaitOrders(2, 40_000);
            var otherStore = Path.Combine(h.Dir, "other", "bifrost.db");
            Directory.CreateDirectory(Path.GetDirectoryName(otherStore)!); // a real store elsewhere, not a mistyped path

            var second = h.StartProcess(SecondConfig(h, otherStore, lockDir: h.Dir));
            Assert.Equal(2, await second.ExitAsync());
            output.WriteLine(second.Output);
            Assert.Contains("account DU1234567 on this host", second.Output);
            Assert.Contains($"pid {Environment.ProcessId}", second.Output);
            Assert.Contains($"using store {RealPath.Of(h.StorePath)}", second.Output);
            Assert.False(File.Exists(otherStore)); // refused before its store was opened
            Assert.Empty(h.LedgerOf("order", 18));

            await h.PauseSettleAndStop(run);
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task SecondDaemon_SameStoreThroughASymlink_IsRefused_EvenWithAnotherLockDirectory()
    {
        await using var h = await DaemonHarness.StartAsync(output);
        var link = Path.Combine(Path.GetTempPath(), $"bifrost-link-{Guid.NewGuid():N}");
        Directory.CreateSymbolicLink(link, h.Dir);
        try
        {
            var run = h.StartDaemon();
            await h.WaitOrders(2, 40_000);

            // Another account-lock directory, so only the store's own lock (by its real path) can stop it.
            var otherLocks = Path.Combine(h.Dir, "other-locks");
            var second = h.StartProcess(SecondConfig(h, Path.Combine(link, "bifrost.db"), otherLocks));
            Assert.Equal(2, await second.ExitAsync());
            output.WriteLine(second.Output);
            Assert.Contains($"this store ({RealPath.Of(h.StorePath)})", second.Output);
            Assert.Contains($"pid {Environment.ProcessId}", second.Output);
            Assert.Empty(h.LedgerOf("order", 18));

            await h.PauseSettleAndStop(run);
            h.AssertMatchesLedger();
            var refs = h.Sql("SELECT order_ref FROM orders", r => r.GetString(0));
            Assert.Equal(refs.Count, refs.Distinct().Count());
        }
        catch
        {
            h.Dump();
            throw;
        }
        finally
        {
            Directory.Delete(link);
        }
    }

    [Fact]
    public async Task HolderKilledWithSigkill_TheNextDaemonStartsAndTrades_NoStaleHolderNamed()
    {
        await using var h = await DaemonHarness.StartAsync(output);
        try
        {
            var first = h.StartProcess();
            await h.WaitOrders(2, 60_000);
            var refused = h.StartProcess();
            Assert.Equal(2, await refused.ExitAsync());
            Assert.Contains($"pid {first.Pid}", refused.Output);
            first.Process.Kill(); // SIGKILL: the kernel drops both flocks
            Assert.Equal(137, await first.ExitAsync());
            var before = h.LedgerOf("order").Count;
            var run = h.StartDaemon();
            await h.WaitOrders(before + 2, 60_000);
            await h.PauseSettleAndStop(run);
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
