using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>
/// A configured contract id the broker describes differently from the configuration (a con_id copied from the wrong
/// line, a multiplier that is not the contract's): before, the daemon started and hedged the configured terms' delta
/// while holding the broker's contract — the put's con_id on the call leg had the engine price a put as a call and
/// hedge the wrong way under a GREEN light. Now the start is refused (exit 2) naming the key, before anything is asked
/// of the account or sent; the gateway's ledger shows no order.
/// </summary>
[Collection(EndToEndCollection.Name)]
public class ContractCheckScenarioTests(ITestOutputHelper output)
{
    private static string Cfg(int port, string store, bool conIds = true) => TestConfig.Json(port, store, conIds);

    public static TheoryData<string, string, string> Mismatches => new()
    {
        // The two legs' con_ids swapped: each leg's id is the other option's.
        { "swapped", "strategy.legs[0].con_id: the broker's contract", "right differs" },
        // A contract id nobody has.
        { "unknown", "strategy.legs[1].con_id: the broker knows no contract 999999", "fix the con_id" },
        // The underlying's id is the call's.
        { "underlying", "strategy.underlying.con_id: the broker's contract", "security type differs" },
        // Looked up by its terms (no con_id), but the configured multiplier is not the contract's.
        { "multiplier", "strategy.legs[0].multiplier: the broker's contract", "has multiplier 100, the configuration 10" },
    };

    private static string Mutate(string json, string how) => how switch
    {
        "swapped" => json.Replace($"\"con_id\": {TestConfig.CallId} }}", "\"con_id\": CALL }")
                         .Replace($"\"con_id\": {TestConfig.PutId} }}", $"\"con_id\": {TestConfig.CallId} }}")
                         .Replace("\"con_id\": CALL }", $"\"con_id\": {TestConfig.PutId} }}"),
        "unknown" => json.Replace($"\"con_id\": {TestConfig.PutId} }}", "\"con_id\": 999999 }"),
        "underlying" => json.Replace($"\"symbol\": \"XYZ\", \"con_id\": {TestConfig.StockId}", $"\"symbol\": \"XYZ\", \"con_id\": {TestConfig.CallId}"),
        "multiplier" => json.Replace("\"quantity\": 10 }", "\"quantity\": 10, \"multiplier\": 10 }"),
        _ => throw new ArgumentOutOfRangeException(nameof(how)),
    };

    [Theory]
    [MemberData(nameof(Mismatches))]
    public async Task Start_WithAConfiguredContractTheBrokerDescribesOtherwise_IsRefused_NamingTheKey_AndSendsNothing(string how, string key, string why)
    {
        await using var h = await DaemonHarness.StartAsync(output, config: (port, store) => Mutate(Cfg(port, store, conIds: how != "multiplier"), how));
        try
        {
            Assert.NotEqual(Cfg(h.Gateway.Port, h.StorePath, how != "multiplier"), await File.ReadAllTextAsync(h.ConfigPath)); // the mutation took
            var run = h.StartDaemon();
            Assert.Equal(2, await run.Exit.WaitAsync(TimeSpan.FromSeconds(60)));
            var refusal = run.Log.Lines.Single(l => l.Contains(key, StringComparison.Ordinal));
            output.WriteLine(refusal);
            Assert.Contains(why, refusal);
            Assert.Empty(h.LedgerOf("order"));
            Assert.Empty(h.Ops(OperationKind.State)); // no engine started
            // systemd does not restart a refusal: the operator is paged with it.
            Assert.Contains(h.Alerts(), a => a.Code == "START_REFUSED" && a.Message.Contains(key, StringComparison.Ordinal));
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    /// <summary>The call is the series a corporate action adjusted (trading class XYZ1: same symbol, terms and multiplier,
    /// a deliverable that is not 100 shares). Before, its con_id passed the check, and looked up by its terms it was taken
    /// as the only match: the engine started and hedged it as 100 shares a contract.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Start_WithALegTheBrokerDescribesAsAnAdjustedSeries_IsRefused_NamingItsTradingClass_AndSendsNothing(bool conIds)
    {
        await using var h = await DaemonHarness.StartAsync(output, config: (port, store) => Cfg(port, store, conIds),
            tradingClasses: new Dictionary<string, string> { ["XYZ 20260320 C 100"] = "XYZ1" });
        try
        {
            var run = h.StartDaemon();
            Assert.Equal(2, await run.Exit.WaitAsync(TimeSpan.FromSeconds(60)));
            var refusal = run.Log.Lines.Single(l => l.Contains("strategy.legs[0].con_id: the broker's contract", StringComparison.Ordinal));
            output.WriteLine(refusal);
            Assert.Contains("is of trading class XYZ1, not XYZ's standard series", refusal);
            Assert.Empty(h.LedgerOf("order"));
            Assert.Empty(h.Ops(OperationKind.State)); // no engine started
            Assert.Contains(h.Alerts(), a => a.Code == "START_REFUSED" && a.Message.Contains("trading class XYZ1", StringComparison.Ordinal));
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task Restart_AfterTheLegsConIdsWereSwappedInTheFile_IsRefused_TheBookUntouched_AndRunsOnceFixed()
    {
        await using var h = await DaemonHarness.StartAsync(output, config: (port, store) => Cfg(port, store));
        try
        {
            var first = h.StartDaemon();
            await h.WaitFsm("Running", 90_000);
            await h.WaitUntil(() => h.StrategyQty(TestConfig.CallId) == 10 && h.StrategyQty(TestConfig.PutId) == 10, "the straddle adopted", 30_000);
            foreach (var line in first.Log.Lines.Where(l => l.Contains("at the broker, as configured", StringComparison.Ordinal))) output.WriteLine(line);
            Assert.Equal(3, first.Log.Lines.Count(l => l.Contains("at the broker, as configured", StringComparison.Ordinal)));
            await h.WaitControl(h.Enqueue(ControlCommandKind.Pause), 30_000);
            await h.WaitUntil(() => h.Sql("SELECT COUNT(*) FROM fills", r => r.GetInt64(0)).Single() == h.LedgerOf("fill").Count
                                    && h.LedgerOf("order").All(o => h.LedgerOf("cancel").Any(c => c.OrderRef == o.OrderRef)
                                                                   || h.LedgerOf("fill").Where(f => f.OrderRef == o.OrderRef).Sum(f => f.Quantity ?? 0) == o.Quantity),
                "every order settled and stored", 60_000);
            h.Enqueue(ControlCommandKind.Stop);
            Assert.Equal(0, await first.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
            h.AssertMatchesLedger();
            var orders = h.LedgerOf("order").Count;

            var good = await File.ReadAllTextAsync(h.ConfigPath);
            await File.WriteAllTextAsync(h.ConfigPath, Mutate(good, "swapped"));
            var refused = h.StartDaemon();
            Assert.Equal(2, await refused.Exit.WaitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains(refused.Log.Lines, l => l.Contains("strategy.legs[0].con_id: the broker's contract", StringComparison.Ordinal));
            Assert.Equal(orders, h.LedgerOf("order").Count);
            Assert.Equal(1, h.Ops(OperationKind.State).Count(o => o.Detail!.StartsWith("engine started: ", StringComparison.Ordinal)));

            await File.WriteAllTextAsync(h.ConfigPath, good);
            var fixedRun = h.StartDaemon();
            await h.WaitUntil(() => h.Ops(OperationKind.State).Count(o => o.Detail!.StartsWith("engine started: ", StringComparison.Ordinal)) == 2,
                "the fixed configuration starts", 60_000);
            await h.WaitFsm("Paused", 60_000); // the pause is remembered
            Assert.Equal(10, h.StrategyQty(TestConfig.CallId));
            Assert.Equal(10, h.StrategyQty(TestConfig.PutId));
            h.Enqueue(ControlCommandKind.Stop);
            Assert.Equal(0, await fixedRun.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
