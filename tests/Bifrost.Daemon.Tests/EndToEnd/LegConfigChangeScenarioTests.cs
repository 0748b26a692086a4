using System.Text.RegularExpressions;
using Bifrost.Store.Records;
using Bifrost.Tests.Shared;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>
/// A leg taken out of <c>strategy.legs</c> while the strategy holds it (a roll done in the wrong order, a typo) and
/// the daemon restarted: before, the restart hedged the calls alone — the puts' delta unhedged, the light GREEN. Now
/// it halts RED with LEG_UNCONFIGURED naming the leg, sends nothing, halts again on every resume, and runs once the
/// leg is back and the operator resumes. Ends with the gateway's ledger compared to the store.
/// </summary>
[Collection(EndToEndCollection.Name)]
public partial class LegConfigChangeScenarioTests(ITestOutputHelper output)
{
    [GeneratedRegex(@",\s*\{ ""right"": ""P""[^}]*\}")]
    private static partial Regex PutLeg();

    /// <summary>Paused first (no hedge races the stop), every order settled and stored, stopped, compared.</summary>
    private static async Task StopAndCheck(DaemonHarness h, DaemonRun run)
    {
        await h.WaitControl(h.Enqueue(ControlCommandKind.Pause), 30_000);
        await Settled(h);
        h.Enqueue(ControlCommandKind.Stop);
        Assert.Equal(0, await run.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
        h.AssertMatchesLedger();
    }

    /// <summary>Every order the gateway took is filled or cancelled, and its fills are in the store (none racing the
    /// stop).</summary>
    private static Task Settled(DaemonHarness h) => h.WaitUntil(() =>
    {
        var fills = h.LedgerOf("fill");
        var cancelled = h.LedgerOf("cancel").Select(c => c.OrderRef).ToHashSet();
        return h.LedgerOf("order").All(o => cancelled.Contains(o.OrderRef) || fills.Where(f => f.OrderRef == o.OrderRef).Sum(f => f.Quantity ?? 0) == o.Quantity)
               && h.Sql("SELECT COUNT(*) FROM fills", r => r.GetInt64(0)).Single() == fills.Count;
    }, "every order filled or cancelled, and stored", 60_000);

    private static int Starts(DaemonHarness h) =>
        h.Ops(OperationKind.State).Count(o => o.Detail!.StartsWith("engine started: ", StringComparison.Ordinal));

    private static int SyncsEndedHalted(DaemonHarness h) =>
        h.Ops(OperationKind.State).Count(o => o.Detail!.StartsWith("Syncing -> Halted", StringComparison.Ordinal));

    private static List<AlertRecord> Unlisted(DaemonHarness h) => h.Alerts().Where(a => a.Code == "LEG_UNCONFIGURED").ToList();

    private static List<AlertRecord> QuantityChanged(DaemonHarness h) => h.Alerts().Where(a => a.Code == "LEG_QUANTITY_CHANGED").ToList();

    [Fact]
    public async Task Restart_WithAHeldLegTakenOutOfTheConfig_HaltsRed_SendsNothing_AndRunsOnceItIsBackAndResumed()
    {
        await using var h = await DaemonHarness.StartAsync(output, config: (port, store) => TestConfig.Json(port, store, conIds: true));
        try
        {
            var first = h.StartDaemon();
            await h.WaitFsm("Running", 90_000);
            await h.WaitUntil(() => h.StrategyQty(TestConfig.PutId) == 10, "the puts adopted", 30_000);
            await StopAndCheck(h, first);

            var full = await File.ReadAllTextAsync(h.ConfigPath);
            var withoutPuts = PutLeg().Replace(full, "");
            Assert.NotEqual(full, withoutPuts);
            await File.WriteAllTextAsync(h.ConfigPath, withoutPuts);
            var sent = h.LedgerOf("order").Count;

            // Stopped paused: the restart's sync halts (it would have come back paused, and hedged the calls alone at
            // the operator's resume).
            var second = h.StartDaemon();
            await h.WaitUntil(() => Starts(h) == 2 && SyncsEndedHalted(h) == 1, "the restart's sync ended halted", 90_000);
            var alert = Assert.Single(Unlisted(h));
            Assert.Equal(AlertSeverity.Critical, alert.Severity);
            Assert.Contains($"XYZ 20260320 P 100 ({TestConfig.PutId}): the strategy holds 10", alert.Message, StringComparison.Ordinal);
            Assert.Contains("Put them back in strategy.legs (or portfolio.universe) and restart", alert.Message, StringComparison.Ordinal);
            await Task.Delay(3000); // the replay goes on (×20: a minute of market) — the calls' delta moves, nothing is sent
            Assert.Equal(sent, h.LedgerOf("order").Count);
            var status = h.Read(r => r.GetStatus())!;
            // The console names this halt by its status (FormContext.UnlistedLegHaltState): put the leg back.
            Assert.StartsWith("Halted(RECONCILE_FAILED: the strategy holds contracts the configuration no longer lists", status.FsmState, StringComparison.Ordinal);
            Assert.Equal(Health.Blocked, status.Health);

            // Resume reconciles again, and the sync halts again: the leg is still not listed.
            Assert.Equal(ControlStatus.Done, (await h.WaitControl(h.Enqueue(ControlCommandKind.Resume), 30_000)).Status);
            await h.WaitUntil(() => Unlisted(h).Count == 2 && SyncsEndedHalted(h) == 2, "told again by the resume's sync", 30_000);
            await Task.Delay(2000);
            Assert.Equal(sent, h.LedgerOf("order").Count);
            await StopAndCheck(h, second);

            // The leg back in the configuration: the halt is remembered, and the operator's resume runs the hedger.
            await File.WriteAllTextAsync(h.ConfigPath, full);
            var third = h.StartDaemon();
            await h.WaitUntil(() => Starts(h) == 3 && SyncsEndedHalted(h) == 3, "the halt remembered across the restart", 90_000);
            Assert.Equal(2, Unlisted(h).Count);
            Assert.Equal(ControlStatus.Done, (await h.WaitControl(h.Enqueue(ControlCommandKind.Resume), 30_000)).Status);
            await h.WaitFsm("Running", 60_000);
            Assert.Equal(10, h.StrategyQty(TestConfig.PutId));
            await StopAndCheck(h, third);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    /// <summary>The puts' quantity raised from 10 to 15 in strategy.legs after they were adopted (the account still
    /// holding 10): before, the restart ran on the 10 it held, the configuration's 15 ignored silently, GREEN. Now the
    /// sync halts RED naming the leg with both quantities, from the configured quantity the store's engine memory kept,
    /// and sends nothing; with the quantity back, the operator's resume runs the hedger.</summary>
    [Fact]
    public async Task Restart_WithALegsQuantityRaisedInTheConfig_HaltsRedNamingIt_SendsNothing_AndRunsOnceItIsBackAndResumed()
    {
        await using var h = await DaemonHarness.StartAsync(output, config: (port, store) => TestConfig.Json(port, store, conIds: true));
        try
        {
            var first = h.StartDaemon();
            await h.WaitFsm("Running", 90_000);
            await h.WaitUntil(() => h.StrategyQty(TestConfig.PutId) == 10, "the puts adopted", 30_000);
            await StopAndCheck(h, first);

            var full = await File.ReadAllTextAsync(h.ConfigPath);
            const string puts = "{ \"right\": \"P\", \"strike\": 100, \"expiry\": \"2026-03-20\", \"quantity\": 10";
            Assert.Contains(puts, full, StringComparison.Ordinal);
            await File.WriteAllTextAsync(h.ConfigPath, full.Replace(puts, puts[..^2] + "15", StringComparison.Ordinal));
            var sent = h.LedgerOf("order").Count;

            var second = h.StartDaemon();
            await h.WaitUntil(() => Starts(h) == 2 && SyncsEndedHalted(h) == 1, "the restart's sync ended halted", 90_000);
            var alert = Assert.Single(QuantityChanged(h));
            Assert.Equal(AlertSeverity.Critical, alert.Severity);
            Assert.Contains("XYZ 20260320 P 100: strategy.legs quantity 15, 10 when the strategy last took it; the strategy holds 10, the account 10", alert.Message, StringComparison.Ordinal);
            await Task.Delay(3000); // the replay goes on: nothing is sent
            Assert.Equal(sent, h.LedgerOf("order").Count);
            var status = h.Read(r => r.GetStatus())!;
            // The console names this halt by its status (FormContext.QuantityChangedHaltState): both ways out.
            Assert.StartsWith("Halted(RECONCILE_FAILED: a leg's quantity in strategy.legs changed since the strategy took the leg", status.FsmState, StringComparison.Ordinal);
            Assert.Equal(Health.Blocked, status.Health);
            await StopAndCheck(h, second);

            // The quantity back as the strategy took it: the halt is remembered, and the operator's resume runs.
            await File.WriteAllTextAsync(h.ConfigPath, full);
            var third = h.StartDaemon();
            await h.WaitUntil(() => Starts(h) == 3 && SyncsEndedHalted(h) == 2, "the halt remembered across the restart", 90_000);
            Assert.Single(QuantityChanged(h));
            Assert.Equal(ControlStatus.Done, (await h.WaitControl(h.Enqueue(ControlCommandKind.Resume), 30_000)).Status);
            await h.WaitFsm("Running", 60_000);
            Assert.Equal(10, h.StrategyQty(TestConfig.PutId));
            await StopAndCheck(h, third);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
