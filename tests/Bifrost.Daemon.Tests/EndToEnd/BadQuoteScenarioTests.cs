using Bifrost.Sim.Gateway;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>A bad quote on the underlying (the gateway's <c>bad-quote</c> fault: one quote far off, the next tick brings
/// the price back) against the daemon: held as PRICE_JUMP, never hedged on, dropped when the price comes back.</summary>
[Collection(EndToEndCollection.Name)]
public class BadQuoteScenarioTests(ITestOutputHelper output)
{

    /// <summary>Hedged and running, the underlying is quoted once 20 % under its price. Without the guard the daemon
    /// valued the book there and sent a hedge sized on that delta (hundreds of shares, traded at the real price);
    /// now every hedge is sized at a price the market traded, the bad quote is alerted and dropped, and the ledger
    /// matches the store.</summary>
    [Theory]
    [InlineData(-20)]
    [InlineData(25)]
    public async Task UnderlyingQuotedOnceFarOff_IsHeldAndDropped_NoHedgeSizedOnIt_LedgerMatchesTheStore(int percent)
    {
        await using var h = await DaemonHarness.StartAsync(output);
        try
        {
            var run = h.StartDaemon();
            await h.WaitOrders(1, 60_000);
            await h.WaitFsm("Running/Idle", 60_000);
            var firstIntent = h.Ops(OperationKind.Intent).First(o => o.Price is > 0);
            var injectedAt = h.Gateway.NowNanos;
            await h.Gateway.InjectAsync(FaultScript.ParseRule($"bad-quote XYZ {percent}").Action);
            // A minute of the market after it: the hedger works on, and every hedge it sizes must be at a traded price.
            await h.WaitUntil(() => h.Gateway.NowNanos >= injectedAt + 60_000_000_000L, "a simulated minute after the bad quote", 60_000);
            var intents = h.Ops(OperationKind.Intent).Where(o => o.Price is > 0).ToList();
            output.WriteLine($"{intents.Count} intents at {string.Join(", ", intents.Select(i => $"{i.Price:F2}"))}");
            Assert.All(intents, i => Assert.InRange(i.Price!.Value / firstIntent.Price!.Value, 0.95, 1.05));
            var alerts = h.Alerts();
            output.WriteLine($"alerts [{string.Join(" | ", alerts.Select(a => $"{a.Severity} {a.Code}: {a.Message}"))}]");
            var held = Assert.Single(alerts, a => a.Code == "PRICE_JUMP");
            Assert.Equal(AlertSeverity.Warning, held.Severity);
            Assert.Contains("XYZ mid jumped", held.Message);
            Assert.Contains(alerts, a => a.Code == "BAD_QUOTE_DROPPED");
            Assert.DoesNotContain(alerts, a => a.Code == "PRICE_JUMP_STOOD");
            Assert.DoesNotContain("Halted", h.Read(r => r.GetStatus())!.FsmState);
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
