using Bifrost.Store.Records;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>
/// Commands queued while the daemon was down, end to end on the replay gateway (unit twins in ControlExpiryTests).
/// Before, a manual BUY or a resume sent from the console while the daemon was stopped ran at its next start, whenever
/// that was. Now one that trades or starts trading expires after daemon.control_max_age_seconds (60 s): refused, named
/// as expired, nothing sent; a pause as old is still obeyed. Ends with the gateway's ledger compared to the store.
/// </summary>
[Collection(EndToEndCollection.Name)]
public class ControlExpiryScenarioTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ManualBuyAndResume_QueuedAnHourBeforeTheNextStart_AreRefusedExpired_NothingTraded_StaysPaused_LedgerMatchesStore()
    {
        await using var h = await DaemonHarness.StartAsync(output);
        try
        {
            var run = h.StartDaemon();
            await h.WaitOrders(1, 60_000);
            await h.PauseSettleAndStop(run);
            var orders = h.LedgerOf("order").Count + h.LedgerOf("reject").Count;

            // The daemon is down; the operator queues a buy and a resume, and the daemon starts an hour later.
            var buy = h.Enqueue(ControlCommandKind.ManualOrder, """{"contract":"XYZ","side":"buy","quantity":100}""");
            var resume = h.Enqueue(ControlCommandKind.Resume);
            using (var c = new SqliteConnection($"Data Source={h.StorePath}"))
            {
                c.Open();
                using var cmd = c.CreateCommand();
                cmd.CommandText = $"UPDATE control_queue SET created_ns = created_ns - 3600000000000 WHERE id IN ({buy}, {resume})";
                Assert.Equal(2, cmd.ExecuteNonQuery());
            }
            SqliteConnection.ClearAllPools();
            var again = h.StartDaemon();
            var refusedBuy = await h.WaitControl(buy, 30_000);
            var refusedResume = await h.WaitControl(resume, 30_000);
            output.WriteLine($"#{buy} {refusedBuy.Status}: {refusedBuy.Result}");
            Assert.Equal(ControlStatus.Refused, refusedBuy.Status);
            Assert.StartsWith("expired: queued 3,6", refusedBuy.Result);
            Assert.Equal(ControlStatus.Refused, refusedResume.Status);
            Assert.StartsWith("expired", refusedResume.Result);
            await h.WaitFsm("Paused", 30_000); // the remembered pause stands: no stale resume ran it
            await OrderDoubtScenarioTests.NoNewOrdersFor(h, 1500, orders);
            Assert.Empty(h.Sql("SELECT order_ref FROM orders WHERE purpose = 'manual'", r => r.GetString(0)));
            Assert.Equal(2, h.Ops(OperationKind.ControlDone).Count(o => o.Detail!.Contains("refused: expired", StringComparison.Ordinal)));

            await h.StopCleanly(again);
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
