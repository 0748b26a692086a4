using System.Collections;
using Bifrost.Ib.Client;
using Bifrost.Ib.Messages.Model;
using Bifrost.Sim.Gateway;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>The replay gateway and the daemon, in-process, on loopback. Every scenario ends by comparing the store with
/// the gateway's ledger.</summary>
[Collection(EndToEndCollection.Name)]
public class DaemonEndToEndTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)] // connection.dedicated_sender: a background thread writes the requests
    public async Task Daemon_SyncsAdoptsTheBookAndHedges_RecordsEverything_PositionsEqualTheLedger_StopExitsZero(bool dedicatedSender)
    {
        await using var h = await DaemonHarness.StartAsync(output);
        try
        {
            var run = h.StartDaemon(new Hashtable { ["BIFROST__CONNECTION__DEDICATED_SENDER"] = dedicatedSender ? "true" : "false" });
            await h.WaitOrders(3, 30_000);
            Assert.Contains(run.Log.Lines, l => l.Contains("[2001]", StringComparison.Ordinal)
                && l.EndsWith(dedicatedSender ? "requests written by the sending thread" : "requests written by the engine", StringComparison.Ordinal));
            var ops = h.Read(r => r.QueryOperations(new OperationQuery { Limit = 10_000 }));
            Assert.Contains(ops, o => o.Kind == OperationKind.Reconcile && o.Detail!.Contains("adopted 10 of", StringComparison.Ordinal));
            Assert.Contains(ops, o => o.Kind == OperationKind.Intent && o.Detail!.StartsWith("hedge band", StringComparison.Ordinal));
            Assert.Contains(ops, o => o.Kind == OperationKind.Order);
            Assert.Contains(ops, o => o.Kind == OperationKind.Fill);
            Assert.Equal("live", h.Read(r => r.GetRun("t1"))!.Run.Kind.ToString().ToLowerInvariant());

            var stop = h.Enqueue(ControlCommandKind.Stop);
            Assert.Equal(0, await run.Exit.WaitAsync(TimeSpan.FromSeconds(20)));
            Assert.Equal(ControlStatus.Done, h.Control(stop)!.Status);
            var ordersAtExit = h.LedgerOf("order").Count;
            await Task.Delay(1000); // the replay goes on: nothing more is sent
            Assert.Equal(ordersAtExit, h.LedgerOf("order").Count);

            h.AssertMatchesLedger();
            var status = h.Read(r => r.GetStatus())!;
            Assert.Equal("Stopped", status.FsmState);
            var gateway = await h.Gateway.PositionsAsync();
            Assert.Equal(gateway[TestConfig.StockId].Qty, h.StrategyQty(TestConfig.StockId)); // no external shares here
            Assert.Equal(10, h.StrategyQty(TestConfig.CallId));
            Assert.Equal(10, h.StrategyQty(TestConfig.PutId));
            Assert.NotEmpty(h.Read(r => r.GetStatusHistory(0, long.MaxValue)));
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task Pause_StopsNewHedges_Resume_RestartsThem_ThenSignalStopsWithExitZero()
    {
        await using var h = await DaemonHarness.StartAsync(output);
        try
        {
            var run = h.StartDaemon();
            await h.WaitOrders(1, 30_000);
            var pause = await h.WaitControl(h.Enqueue(ControlCommandKind.Pause));
            Assert.Equal(ControlStatus.Done, pause.Status);
            await h.WaitFsm("Paused");
            var n = h.LedgerOf("order").Count;
            await Task.Delay(2500); // ~8 minutes of session time with delta moving
            Assert.Equal(n, h.LedgerOf("order").Count);
            Assert.Equal(ControlStatus.Done, (await h.WaitControl(h.Enqueue(ControlCommandKind.Resume))).Status);
            await h.WaitOrders(n + 1, 30_000);

            await run.Signal.CancelAsync(); // SIGTERM
            Assert.Equal(0, await run.Exit.WaitAsync(TimeSpan.FromSeconds(20)));
            Assert.Contains(h.Read(r => r.QueryOperations(new OperationQuery { Kinds = [OperationKind.Control], Limit = 100 })),
                o => o.Detail!.StartsWith("stop by signal", StringComparison.Ordinal));
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task Flatten_ClosesTheStrategyHedge_LeavesTheManualPositionOfAnotherClientUntouched()
    {
        await using var h = await DaemonHarness.StartAsync(output);
        try
        {
            var run = h.StartDaemon();
            await h.WaitOrders(2, 30_000);

            // The operator trades the same account by hand from another client id.
            await using (var manual = new IbClient(new IbEventChannel()))
            {
                await manual.ConnectAsync("127.0.0.1", h.Gateway.Port, 99);
                await manual.PlaceOrderAsync(IbContract.Stock("XYZ"), IbOrder.Market("BUY", 300, "by-hand"));
                await h.WaitUntil(() => h.LedgerOf("fill", 99).Sum(f => f.Quantity) == 300, "manual fill");
            }
            await h.WaitUntil(() => h.ExternalQty(TestConfig.StockId) == 300, "the daemon sees 300 external shares");

            var flatten = await h.WaitControl(h.Enqueue(ControlCommandKind.Flatten));
            Assert.Equal(ControlStatus.Done, flatten.Status);
            await h.WaitFsm("Paused");
            var positions = await h.Gateway.PositionsAsync();
            Assert.Equal(300, positions[TestConfig.StockId].Qty); // exactly the manual shares remain
            // The account's position report follows the fills by a moment: the status settles on it.
            await h.WaitUntil(() => h.StrategyQty(TestConfig.StockId) == 0 && h.ExternalQty(TestConfig.StockId) == 300,
                "strategy 0 and external 300 in the status");
            var flattenRun = h.Read(r => r.ListRuns(new RunQuery { Kinds = [RunKind.Flatten] })).Single();
            Assert.Equal("t1", flattenRun.Run.ParentRunId);
            Assert.NotNull(flattenRun.Run.EndedNanos);
            Assert.NotEmpty(h.Read(r => r.GetOrdersForRun(flattenRun.Run.RunId)));

            h.Enqueue(ControlCommandKind.Stop);
            Assert.Equal(0, await run.Exit.WaitAsync(TimeSpan.FromSeconds(20)));
            h.AssertMatchesLedger();
            Assert.DoesNotContain(h.LedgerOf("order"), o => o.OrderRef == "by-hand"); // never touched by client 17
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task ManualOrderAndRebalance_FromTheControlQueue_RunAsChildRuns()
    {
        await using var h = await DaemonHarness.StartAsync(output, config: (port, store) => TestConfig.Json(port, store, conIds: true, band: 100_000));
        try
        {
            var run = h.StartDaemon();
            await h.WaitFsm("Running");
            await h.WaitBookValued();
            var manual = await h.WaitControl(h.Enqueue(ControlCommandKind.ManualOrder, """{"contract":"XYZ","side":"buy","quantity":25}"""));
            Assert.Equal(ControlStatus.Done, manual.Status);
            Assert.Contains("25/25 Filled", manual.Result, StringComparison.Ordinal);
            var rebalance = await h.WaitControl(h.Enqueue(ControlCommandKind.Rebalance, """{"targets":[{"contract":"XYZ","quantity":-40}]}"""));
            Assert.Equal(ControlStatus.Done, rebalance.Status);
            await h.WaitUntil(() => h.StrategyQty(TestConfig.StockId) == -40, "strategy at the rebalance target");
            var bad = await h.WaitControl(h.Enqueue(ControlCommandKind.ManualOrder, """{"contract":"ABC","side":"buy","quantity":1}"""));
            Assert.Equal(ControlStatus.Refused, bad.Status);
            var kinds = h.Read(r => r.ListRuns(new RunQuery { ParentRunId = "t1" })).Select(r => r.Run.Kind).Order().ToList();
            Assert.Equal([RunKind.Manual, RunKind.Rebalance], kinds);
            h.Enqueue(ControlCommandKind.Stop);
            Assert.Equal(0, await run.Exit.WaitAsync(TimeSpan.FromSeconds(20)));
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task SecondDaemon_OnTheSameStore_RefusesToStart()
    {
        await using var h = await DaemonHarness.StartAsync(output);
        var first = h.StartDaemon();
        await h.WaitFsm("Running");
        var second = h.StartDaemon();
        Assert.Equal(2, await second.Exit.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.False(first.Exit.IsCompleted);
        await first.Signal.CancelAsync();
        Assert.Equal(0, await first.Exit.WaitAsync(TimeSpan.FromSeconds(20)));
    }

    [Theory]
    [InlineData("live", "DU1234567", true)] // live mode with a paper account: refused before connecting
    [InlineData("live", "U7654321", false)] // live without --confirm-live: refused before connecting
    [InlineData("paper", "DU1234567", true)] // --confirm-live on a paper config: refused (a typo'd mode must not pass)
    public async Task LiveModeGuards_RefuseBeforeConnecting(string mode, string account, bool confirm)
    {
        await using var h = await DaemonHarness.StartAsync(output, config: (port, store) => TestConfig.Json(port, store, conIds: true, mode: mode, account: account));
        var run = confirm ? h.StartDaemon("--confirm-live") : h.StartDaemon();
        Assert.Equal(2, await run.Exit.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Empty(h.Gateway.ConnectedClientIds);
        Assert.False(File.Exists(h.StorePath));
    }

    [Fact]
    public async Task LiveMode_AgainstTheGatewaysDuAccount_IsRefusedByTheAccountCheck_ExitTwo()
    {
        await using var h = await DaemonHarness.StartAsync(output, config: (port, store) => TestConfig.Json(port, store, conIds: true, mode: "live", account: "U7654321"));
        var run = h.StartDaemon("--confirm-live");
        Assert.Equal(2, await run.Exit.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Empty(h.Ledger());
        Assert.Contains(h.Read(r => r.GetAlerts()), a => a.Code == "ACCOUNT_MISMATCH");
    }
}

[CollectionDefinition(Name)]
public sealed class EndToEndCollection
{
    public const string Name = "end-to-end (one gateway + daemon at a time on 2 cores)";
}
