using System.Net;
using System.Net.Sockets;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>
/// A TWS slow, dropped or down at start. Before, a contract lookup the broker did not answer (the connection dropped
/// during it) refused the start with exit 2 — which the shipped unit does not restart — and a TWS down at start was
/// told to the log only: either way the book stood unhedged and nobody was paged. Now a lookup not answered is tried
/// again on the next connection, and the third failed try pages ENGINE_NOT_STARTED while the daemon keeps trying.
/// </summary>
[Collection(EndToEndCollection.Name)]
public class StartUpTroubleScenarioTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Start_WhenTheConnectionDropsDuringTheContractLookup_TriesAgain_AndRuns()
    {
        // The 4th request is the first contract lookup (startApi, the clock's reqCurrentTime, positions... then details).
        await using var h = await DaemonHarness.StartAsync(output, faults: ["after-messages 4 drop-connection 17"],
            config: (port, store) => TestConfig.Json(port, store, conIds: false));
        try
        {
            var run = h.StartDaemon();
            await h.WaitFsm("Running", 120_000);
            Assert.False(run.Exit.IsCompleted, "the daemon runs");
            Assert.Contains(run.Log.Lines, l => l.Contains("start-up not answered by the broker", StringComparison.Ordinal));
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
    public async Task Start_WithNoBrokerListening_PagesEngineNotStarted_AndKeepsTrying()
    {
        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop(); // a loopback port nobody listens on
        await using var h = await DaemonHarness.StartAsync(output, config: (_, store) => TestConfig.Json(port, store, conIds: true));
        try
        {
            var run = h.StartDaemon();
            await h.WaitUntil(() => File.Exists(h.StorePath) && h.Alerts().Any(a => a.Code == "ENGINE_NOT_STARTED"), "ENGINE_NOT_STARTED raised", 60_000);
            var alert = h.Alerts().Single(a => a.Code == "ENGINE_NOT_STARTED");
            output.WriteLine(alert.Message);
            Assert.Contains($"127.0.0.1:{port}", alert.Message);
            Assert.False(run.Exit.IsCompleted, "still trying");
            await run.Signal.CancelAsync();
            Assert.Equal(0, await run.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
