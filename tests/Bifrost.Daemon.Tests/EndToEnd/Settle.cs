using Bifrost.Store.Records;
using Bifrost.Tests.Shared;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>Ending a scenario so that the ledger comparison is about the scenario, not about an order still in flight at
/// the stop: pause (no new order), wait until every order the gateway accepted is filled, cancelled or rejected and the
/// store holds every fill, then stop.</summary>
public static class Settle
{
    public static Task PauseSettleAndStop(this DaemonHarness h, DaemonRun run, int clientId = 17, int forgotten = 0) =>
        h.PauseSettleAndStop(() => run.Exit.WaitAsync(TimeSpan.FromSeconds(40)), clientId, forgotten);

    /// <summary>Stop, and the daemon exits cleanly (0).</summary>
    public static async Task StopCleanly(this DaemonHarness h, DaemonRun run)
    {
        h.Enqueue(ControlCommandKind.Stop);
        Assert.Equal(0, await run.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    /// <summary>The same for a daemon running as a child process.</summary>
    public static Task PauseSettleAndStop(this DaemonHarness h, TestChild process, int clientId = 17) =>
        h.PauseSettleAndStop(() => process.ExitAsync(40_000), clientId);

    private static async Task PauseSettleAndStop(this DaemonHarness h, Func<Task<int>> exit, int clientId, int forgotten = 0)
    {
        await h.PauseAndSettle(clientId, forgotten);
        h.Enqueue(ControlCommandKind.Stop);
        Assert.Equal(0, await exit());
    }

    /// <summary>Pause, then wait until every order is over at the gateway and every fill is in the store (less
    /// <paramref name="forgotten"/> executions the broker no longer reports: the gateway's forget-executions).</summary>
    public static async Task PauseAndSettle(this DaemonHarness h, int clientId = 17, int forgotten = 0)
    {
        Assert.Equal(ControlStatus.Done, (await h.WaitControl(h.Enqueue(ControlCommandKind.Pause), 30_000)).Status);
        await h.WaitFsm("Paused", 30_000);
        await h.WaitUntil(() => Settled(h, clientId), "every order filled, cancelled or rejected at the gateway", 60_000);
        await h.WaitUntil(() => h.Sql("SELECT COUNT(*) FROM fills", r => r.GetInt64(0))[0] >= h.LedgerOf("fill", clientId).Count - forgotten,
            "every gateway fill in the store", 30_000);
    }

    /// <summary>Every order of <paramref name="clientId"/> is over at the gateway: filled, cancelled or rejected.</summary>
    public static bool Settled(DaemonHarness h, int clientId = 17)
    {
        var ledger = h.Ledger().Where(e => e.ClientId == clientId).ToList();
        var ended = ledger.Where(e => e.Type is "cancel" or "reject").Select(e => e.OrderRef).ToHashSet();
        var filled = ledger.Where(e => e.Type == "fill").GroupBy(e => e.OrderRef).ToDictionary(g => g.Key ?? "", g => g.Sum(f => f.Quantity ?? 0));
        return ledger.Where(e => e.Type == "order")
            .All(o => ended.Contains(o.OrderRef) || filled.GetValueOrDefault(o.OrderRef ?? "") >= (o.Quantity ?? 0));
    }
}
