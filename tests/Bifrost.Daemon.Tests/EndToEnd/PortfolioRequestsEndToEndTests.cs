using System.Text.Json.Nodes;
using Bifrost.Store.Records;
using Xunit.Abstractions;
using P = Bifrost.Daemon.Tests.EndToEnd.PortfolioRunEndToEndTests;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>Portfolio requests beside a signals file, end to end against the replay gateway: a stored snapshot re-run by
/// id (twice, and across a restart: no second order), operator-entered targets, and a tampered stored snapshot (the
/// daemon starts RED, critical SNAPSHOT_CORRUPT, no portfolio order). Each ends with the ledger compared to the store.</summary>
[Collection(EndToEndCollection.Name)]
public class PortfolioRequestsEndToEndTests(ITestOutputHelper output)
{
    private static long Rerun(DaemonHarness h, string snapshotId) =>
        h.Enqueue(ControlCommandKind.PortfolioRun, new JsonObject { ["snapshot_id"] = snapshotId }.ToJsonString());

    [Fact]
    public async Task PortfolioRun_StoredSnapshotRerunById_TwiceAndAfterRestart_NoSecondOrder_UnknownIdRefused()
    {
        await using var h = await P.Start(output);
        try
        {
            var daemon = h.StartDaemon();
            await P.WaitQuotes(h);
            var first = P.RunPortfolio(h, P.Signals(h, "signals.csv", 1.0, 0.5));
            Assert.StartsWith("done:", (await h.WaitControl(first, 30_000)).Result);
            var snapshotId = h.Read(r => r.FindPortfolioRunForControl(first))!.SnapshotId;
            var orders = h.LedgerOf("order").Select(o => o.OrderRef).ToList();
            Assert.Equal(2, orders.Count);

            var again = Rerun(h, snapshotId);
            var control = await h.WaitControl(again, 30_000);
            Assert.Equal(ControlStatus.Done, control.Status);
            var run = h.Read(r => r.FindPortfolioRunForControl(again))!;
            Assert.Equal((snapshotId, "done"), (run.SnapshotId, run.Status));
            Assert.Empty(run.Orders);

            var unknown = await h.WaitControl(Rerun(h, "no-such-snap"), 30_000);
            Assert.Equal(ControlStatus.Refused, unknown.Status);
            Assert.Contains("snapshot_id: no stored snapshot has the id 'no-such-snap'", unknown.Result);

            await daemon.Signal.CancelAsync();
            Assert.Equal(0, await daemon.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
            h.StartDaemon();
            await P.WaitQuotes(h);
            // After the restart the snapshot comes back from the store (its hash checked) and runs again: at target.
            var afterRestart = Rerun(h, snapshotId);
            Assert.StartsWith("done:", (await h.WaitControl(afterRestart, 30_000)).Result);
            Assert.Empty(h.Read(r => r.FindPortfolioRunForControl(afterRestart))!.Orders);
            Assert.Equal(orders, h.LedgerOf("order").Select(o => o.OrderRef).ToList());
            Assert.DoesNotContain(h.Read(r => r.GetStatus())!.Checks, c => c.Name == "portfolio_snapshots"); // intact: no such check
            await P.AssertPortfolioMatchesLedger(h);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task PortfolioRun_OperatorTargets_FrozenAsTheOperators_OrdersFill_BadTargetRefusedByField()
    {
        await using var h = await P.Start(output);
        try
        {
            h.StartDaemon();
            await P.WaitQuotes(h);
            var bad = await h.WaitControl(h.Enqueue(ControlCommandKind.PortfolioRun,
                """{"targets": [{"symbol": "AAA", "quantity": 30}, {"symbol": "ZZZ", "quantity": 5}]}"""), 30_000);
            Assert.Equal(ControlStatus.Refused, bad.Status);
            Assert.Contains("targets[1].symbol", bad.Result);
            var malformed = await h.WaitControl(h.Enqueue(ControlCommandKind.PortfolioRun, """{"targets": [{"symbol": "AAA", "quantity": "x"}]}"""), 30_000);
            Assert.Equal(ControlStatus.Refused, malformed.Status);
            Assert.Contains("targets[0].quantity", malformed.Result);
            Assert.Empty(h.LedgerOf("order"));

            var id = h.Enqueue(ControlCommandKind.PortfolioRun, """{"targets": [{"symbol": "aaa", "quantity": 30}, {"symbol": "BBB", "quantity": 0}]}""");
            Assert.StartsWith("done:", (await h.WaitControl(id, 30_000)).Result);
            var run = h.Read(r => r.FindPortfolioRunForControl(id))!;
            var order = Assert.Single(run.Orders);
            Assert.Equal(("AAA", "buy", 30, 30, "filled"), (order.Symbol, order.Side, order.Quantity, order.Filled, order.Status));
            var snapshot = h.Read(r => r.GetPortfolioSnapshot(run.SnapshotId))!;
            Assert.Equal("operator", snapshot.SourceKind);
            Assert.Contains("os user", snapshot.SourceName); // who asked: the control's requester and OS user
            Assert.Equal(run.SnapshotHash, snapshot.ContentHash);
            await h.WaitUntil(() => h.StrategyQty(P.AaaId) == 30, "status shows AAA 30");
            await P.AssertPortfolioMatchesLedger(h);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task StoredSnapshotTampered_DaemonStartsRed_CriticalAlert_NoPortfolioOrder()
    {
        await using var h = await P.Start(output);
        try
        {
            var daemon = h.StartDaemon();
            await P.WaitQuotes(h);
            var first = P.RunPortfolio(h, P.Signals(h, "signals.csv", 1.0, 0.5));
            Assert.StartsWith("done:", (await h.WaitControl(first, 30_000)).Result);
            var snapshotId = h.Read(r => r.FindPortfolioRunForControl(first))!.SnapshotId;
            await daemon.Signal.CancelAsync();
            Assert.Equal(0, await daemon.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
            var orders = h.LedgerOf("order").Count;

            // Corruption: someone changes a frozen target behind the store's back (the trigger that refuses it dropped).
            P.Exec(h, "DROP TRIGGER portfolio_snapshot_lines_no_update");
            P.Exec(h, $"UPDATE portfolio_snapshot_lines SET target_qty = target_qty + 100 WHERE snapshot_id = '{snapshotId}' AND symbol = 'AAA'");

            h.StartDaemon();
            await h.WaitFsm("Paused", 30_000);
            var alert = h.Read(r => r.GetAlerts()).First(a => a.Code == "SNAPSHOT_CORRUPT");
            Assert.Equal(AlertSeverity.Critical, alert.Severity);
            Assert.Contains(snapshotId, alert.Message);
            var status = h.Read(r => r.GetStatus())!;
            Assert.Equal(Health.Blocked, status.Health);
            var check = status.Checks.Single(c => c.Name == "portfolio_snapshots");
            Assert.Equal(Health.Blocked, check.Health);
            Assert.Contains($"{snapshotId}: snapshot.content_hash", check.Detail);

            // Resume (the scalper's business) does not lift it: every portfolio request is refused, nothing sent.
            Assert.Equal(ControlStatus.Done, (await h.WaitControl(h.Enqueue(ControlCommandKind.Resume), 30_000)).Status);
            foreach (var args in new[] { new JsonObject { ["file"] = P.Signals(h, "s2.csv", 1.0, 1.0) }, new JsonObject { ["snapshot_id"] = snapshotId } })
            {
                var refused = await h.WaitControl(h.Enqueue(ControlCommandKind.PortfolioRun, args.ToJsonString()), 30_000);
                Assert.Equal(ControlStatus.Refused, refused.Status);
                Assert.Contains("fail their hash check", refused.Result);
            }
            Assert.Equal(orders, h.LedgerOf("order").Count);
            Assert.Equal(Health.Blocked, h.Read(r => r.GetStatus())!.Health);
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
