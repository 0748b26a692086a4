using System.Collections;
using System.Diagnostics;
using Bifrost.Daemon.Tests.Alerts;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>
/// Hostile-environment scenarios against the replay gateway, each ending with the ledger compared to the store: a full
/// filesystem under the store (SIGTERM must not hang), a read-only one (named as such, never a stale pid), a damaged store
/// (refused before connecting). The filesystems are small tmpfs mounts (root only: without it these tests fail saying
/// so, never skip; CI runs the suite as root), so the
/// real disk is never filled.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class HardeningScenarioTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _mounts = Directory.CreateTempSubdirectory("bifrost-mnt-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_mounts, recursive: true); } catch (IOException) { }
    }

    private static async Task StopAndCheck(DaemonHarness h, DaemonRun run)
    {
        h.Enqueue(ControlCommandKind.Stop);
        Assert.Equal(0, await run.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
        h.AssertMatchesLedger();
    }

    /// <summary>The gateway drops a stopped daemon's session when its reader sees the socket close, a moment after the
    /// process exited (on a loaded machine, after the next one started): a refusal is then judged against no session.</summary>
    private static Task GatewayDroppedTheSession(DaemonHarness h) =>
        h.WaitUntil(() => h.Gateway.ConnectedClientIds.Count == 0, "the gateway dropped the stopped daemon's session", 30_000);

    [Fact]
    public async Task FullDisk_SigtermExitsWithinTheFlushBound_AndARestartMatchesTheLedger()
    {
        using var mount = TmpfsMount.Create(_mounts, "full", sizeKb: 6 * 1024);
        await using var h = await DaemonHarness.StartAsync(output, storePath: Path.Combine(mount.Path, "bifrost.db"),
            config: (port, store) => TestConfig.Json(port, store, conIds: false));
        var env = new Hashtable { ["BIFROST__STORE__FINAL_FLUSH_SECONDS"] = "2" };
        try
        {
            var run = h.StartDaemon(env);
            await h.WaitOrders(2, 40_000);
            var filler = mount.FillUp();
            await h.WaitUntil(() => run.Log.Lines.Any(l => l.Contains("store writes failing", StringComparison.Ordinal)), "the store reports failing writes", 30_000);
            var clock = Stopwatch.StartNew();
            await run.Signal.CancelAsync();
            var code = await run.Exit.WaitAsync(TimeSpan.FromSeconds(30));
            output.WriteLine($"exit {code} after {clock.Elapsed.TotalSeconds:F1} s");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(16), $"SIGTERM on a full disk took {clock.Elapsed.TotalSeconds:F1} s");

            File.Delete(filler);
            var again = h.StartDaemon(env);
            await h.WaitFsm("Running", 40_000);
            await StopAndCheck(h, again);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task FullDisk_WhileTrading_BlocksOrdersWithACriticalAlert_AndTradesAgainOnceSpaceIsFreed()
    {
        await using var hook = new LoopbackWebhook();
        var alerts = $$"""{ "notifiers": [ { "type": "webhook", "name": "hook", "url": "{{hook.Url}}", "timeout_seconds": 5 } ], "retries": 2, "backoff_seconds": 0.1 }""";
        using var mount = TmpfsMount.Create(_mounts, "full", sizeKb: 6 * 1024);
        await using var h = await DaemonHarness.StartAsync(output, storePath: Path.Combine(mount.Path, "bifrost.db"),
            config: (port, store) => TestConfig.Json(port, store, conIds: false, alerts: alerts));
        try
        {
            var run = h.StartDaemon();
            await h.WaitOrders(2, 60_000);
            await h.WaitUntil(() => run.Service?.Loop?.State.StoreOk == true, "the engine running with a working store", 30_000);

            var filler = mount.FillUp();
            // The status row cannot be written to a full disk (the monitor sees the daemon fall silent): the engine's own
            // state and the alert, delivered without the store, say what is wrong. A critical alert pauses the strategy.
            await h.WaitUntil(() => run.Service?.Loop?.State is { StoreOk: false, Fsm.IsPaused: true }, "the engine paused on the failed store", 60_000);
            await h.WaitUntil(() => hook.Bodies.Any(b => b.Contains("\"STORE_FAILED\"", StringComparison.Ordinal)), "STORE_FAILED at the webhook", 30_000);
            var alert = System.Text.Json.JsonDocument.Parse(hook.Bodies.First(b => b.Contains("\"STORE_FAILED\"", StringComparison.Ordinal))).RootElement;
            Assert.Equal("critical", alert.GetProperty("severity").GetString());
            await Task.Delay(500); // an order already on the wire when the disk filled reaches the ledger
            var blocked = h.LedgerOf("order").Count;
            var ticks = h.Gateway.TicksReplayed;
            // The market moves on and no order leaves.
            await h.WaitUntil(() => h.Gateway.TicksReplayed > ticks + 1500, "1500 more ticks replayed while the disk is full", 60_000);
            Assert.Equal(blocked, h.LedgerOf("order").Count);
            Assert.False(run.Exit.IsCompleted, "the daemon exited on a full disk");
            Assert.False(run.Service!.Loop!.State.StoreOk);

            // Space freed: the writes go through again, the light's store check is green, the strategy stays paused
            // until the operator resumes it (fail closed: a critical alert is the operator's to clear).
            File.Delete(filler);
            await h.WaitUntil(() => run.Service?.Loop?.State.StoreOk == true, "the store recovered once space was freed", 60_000);
            await h.WaitUntil(() => h.Read(r => r.GetStatus()) is { } st && st.FsmState.StartsWith("Paused", StringComparison.Ordinal)
                                    && st.Checks.Any(c => c.Name == "store_ok" && c.Health == Health.Ok), "status Paused with store_ok green", 60_000);
            Assert.Equal(blocked, h.LedgerOf("order").Count);
            Assert.Equal(ControlStatus.Done, (await h.WaitControl(h.Enqueue(ControlCommandKind.Resume), 30_000)).Status);
            await h.WaitOrders(blocked + 1, 90_000);
            await h.PauseSettleAndStop(run);
            h.AssertMatchesLedger();
            // The alert raised while the disk was full was kept and written once it could be.
            Assert.Contains("STORE_FAILED", h.Sql("SELECT code FROM alerts", r => r.GetString(0)));
            Assert.Contains(h.Read(r => r.QueryOperations(new OperationQuery { Limit = 100_000 })), o => o.Detail == "store recovered");
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    /// <summary>The store file removed while the daemon trades (an rm, a cleaner): SQLite went on committing into the
    /// unlinked file without an error, the engine stayed GREEN and orders kept leaving, recorded where no restart would
    /// read them. Now the writes fail closed (STORE_FAILED, paused, no order); the file put back, a restart matches.</summary>
    [Fact]
    public async Task StoreFileRemoved_WhileTrading_BlocksOrders_AndARestartOnThePutBackStoreMatchesTheLedger()
    {
        await using var h = await DaemonHarness.StartAsync(output, config: (port, store) => TestConfig.Json(port, store, conIds: false));
        var env = new Hashtable { ["BIFROST__STORE__FINAL_FLUSH_SECONDS"] = "2" };
        try
        {
            var run = h.StartDaemon(env);
            await h.WaitOrders(2, 60_000);
            await h.WaitUntil(() => run.Service?.Loop?.State.StoreOk == true, "the engine running with a working store", 30_000);

            File.Move(h.StorePath, h.StorePath + ".removed");
            await h.WaitUntil(() => run.Service?.Loop?.State is { StoreOk: false, Fsm.IsPaused: true }, "the engine paused on the removed store", 60_000);
            await Task.Delay(500); // an order already on the wire when the file went reaches the ledger
            var blocked = h.LedgerOf("order").Count;
            var ticks = h.Gateway.TicksReplayed;
            await h.WaitUntil(() => h.Gateway.TicksReplayed > ticks + 1500, "1500 more ticks replayed without the store", 60_000);
            Assert.Equal(blocked, h.LedgerOf("order").Count);

            await run.Signal.CancelAsync();
            await run.Exit.WaitAsync(TimeSpan.FromSeconds(30));
            File.Move(h.StorePath + ".removed", h.StorePath); // put back beside its own -wal
            await GatewayDroppedTheSession(h);
            var again = h.StartDaemon(env);
            await h.WaitUntil(() => again.Service?.Loop?.State.StoreOk == true, "the restarted engine on the put-back store", 60_000);
            await h.PauseSettleAndStop(again);
            h.AssertMatchesLedger();
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task ReadOnlyStore_IsRefusedAsReadOnly_NotAsLocked_ThenARestartMatchesTheLedger()
    {
        using var mount = TmpfsMount.Create(_mounts, "ro", sizeKb: 16 * 1024);
        await using var h = await DaemonHarness.StartAsync(output, storePath: Path.Combine(mount.Path, "bifrost.db"),
            config: (port, store) => TestConfig.Json(port, store, conIds: false));
        try
        {
            var first = h.StartDaemon();
            await h.WaitOrders(1, 40_000);
            await StopAndCheck(h, first);
            await GatewayDroppedTheSession(h);

            mount.Remount("ro");
            var refused = h.StartDaemon();
            Assert.Equal(2, await refused.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Empty(refused.Log.Lines); // refused before the host (and its broker session) was built
            Assert.Empty(h.Gateway.ConnectedClientIds);

            mount.Remount("rw");
            var again = h.StartDaemon();
            await h.WaitFsm("Running", 40_000);
            await StopAndCheck(h, again);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    /// <summary>A store file this process cannot write on a writable filesystem (a backup restored by root as root's,
    /// 0644, under the unit's user; here made immutable, which binds root too): SQLite opens it read-only without a word.
    /// It is refused before anything connects, exit 2 naming the file, and starts again once writable.</summary>
    [Fact]
    public async Task StoreFileNotWritable_IsRefusedBeforeConnecting_NamingIt_ThenARestartMatchesTheLedger()
    {
        await using var h = await DaemonHarness.StartAsync(output);
        var immutable = false;
        try
        {
            var first = h.StartDaemon();
            await h.WaitOrders(1, 40_000);
            await StopAndCheck(h, first);
            await GatewayDroppedTheSession(h);
            var orders = h.Ledger().Count(e => e.Type == "order");

            Chattr("+i", h.StorePath);
            immutable = true;
            var refused = h.StartDaemon();
            Assert.Equal(2, await refused.Exit.WaitAsync(TimeSpan.FromSeconds(60)));
            Assert.Empty(refused.Log.Lines); // refused before the host (and its broker session) was built
            Assert.Empty(h.Gateway.ConnectedClientIds);
            Assert.Equal(orders, h.Ledger().Count(e => e.Type == "order"));

            Chattr("-i", h.StorePath);
            immutable = false;
            var again = h.StartDaemon();
            await h.WaitFsm("Running", 40_000);
            await StopAndCheck(h, again);
        }
        catch
        {
            h.Dump();
            throw;
        }
        finally
        {
            if (immutable) Chattr("-i", h.StorePath);
        }
    }

    private static void Chattr(string flag, string path)
    {
        using var p = Process.Start(new ProcessStartInfo("chattr", [flag, path]) { RedirectStandardError = true })!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"chattr {flag} {path} (root, a filesystem with inode flags): {err}");
    }

    [Fact]
    public async Task DamagedStore_IsRefusedBeforeConnecting_AndTheLedgerIsUnchanged()
    {
        await using var h = await DaemonHarness.StartAsync(output);
        try
        {
            var first = h.StartDaemon();
            await h.WaitOrders(2, 40_000);
            await StopAndCheck(h, first);
            var orders = h.Ledger().Count(e => e.Type == "order");
            await GatewayDroppedTheSession(h);
            using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={h.StorePath};Pooling=False"))
            {
                c.Open();
                using var cmd = c.CreateCommand();
                cmd.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
                cmd.ExecuteNonQuery();
            }
            var bytes = await File.ReadAllBytesAsync(h.StorePath);
            "SQLite format 9"u8.CopyTo(bytes);
            await File.WriteAllBytesAsync(h.StorePath, bytes);

            var refused = h.StartDaemon();
            Assert.Equal(2, await refused.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Empty(refused.Log.Lines); // refused before the host (and its broker session) was built
            Assert.Empty(h.Gateway.ConnectedClientIds);
            Assert.Equal(orders, h.Ledger().Count(e => e.Type == "order"));
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    /// <summary>An engine_memory row with a field of the wrong type (edited by hand, written by another tool) is refused
    /// with exit 2 naming the field, never a crash: before, "stop_pending": "false" threw out of the restore, the daemon
    /// exited 1 and systemd restarted it into the same crash, paging ENGINE_CRASHED each time with the book unwatched.
    /// Put back, the store starts as it stopped.</summary>
    [Fact]
    public async Task EngineMemory_WithAFieldOfTheWrongType_IsRefusedExit2NamingIt_NotACrashLoop()
    {
        await using var h = await DaemonHarness.StartAsync(output);
        try
        {
            var first = h.StartDaemon();
            await h.WaitOrders(1, 40_000);
            await StopAndCheck(h, first);
            var orders = h.Ledger().Count(e => e.Type == "order");
            var json = h.Sql("SELECT value FROM engine_state WHERE key = 'engine_memory'", r => r.GetString(0)).Single();
            Assert.Contains("\"stop_pending\":false", json);
            SetMemory(h, json.Replace("\"stop_pending\":false", "\"stop_pending\":\"false\"", StringComparison.Ordinal));
            await GatewayDroppedTheSession(h);

            var refused = h.StartDaemon();
            Assert.Equal(2, await refused.Exit.WaitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains(refused.Log.Lines, l => l.Contains("engine_memory", StringComparison.Ordinal) && l.Contains("stop_pending", StringComparison.Ordinal));
            Assert.DoesNotContain(h.Alerts(), a => a.Code == "ENGINE_CRASHED");
            Assert.Equal(orders, h.Ledger().Count(e => e.Type == "order"));

            SetMemory(h, json);
            await GatewayDroppedTheSession(h);
            var again = h.StartDaemon();
            await h.WaitFsm("Running", 60_000);
            await StopAndCheck(h, again);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    /// <summary>A journal line whose IB order id is implausibly far (over 1,000,000) above the store's order-id mark is
    /// refused before anything connects, exit 2 naming the line, as the journal's other implausible lines are. Before,
    /// the start-up check judged the first line against no mark and let it pass; the merge after the connection judged it
    /// against the store's and threw: exit 1, ENGINE_CRASHED, and systemd restarted it into the same crash.</summary>
    [Fact]
    public async Task Journal_WithAnIdFarAboveTheStoresMark_IsRefusedBeforeConnecting_NotACrashLoop()
    {
        await using var h = await DaemonHarness.StartAsync(output);
        try
        {
            var first = h.StartDaemon();
            await h.WaitOrders(1, 40_000);
            await StopAndCheck(h, first);
            var orders = h.Ledger().Count(e => e.Type == "order");
            var mark = long.Parse(h.Read(r => r.GetEngineState(Bifrost.Store.Writer.EngineKeys.NextOrderId))!, System.Globalization.CultureInfo.InvariantCulture);
            var id = mark + 2_000_000;
            var line = new Bifrost.Store.Records.OrderRecord("oi_t1_999", "t1", "hedge", TestConfig.StockId, TradeSide.Sell, 100, "MKT", null, "DAY",
                "PendingSubmit", 1, 1, IbOrderId: id);
            await File.WriteAllBytesAsync(Bifrost.Daemon.Engine.OrderJournal.PathFor(h.StorePath),
                Bifrost.Daemon.Engine.OrderJournal.Encode(new Bifrost.Daemon.Engine.JournalEntry(line, id + 1, null)));
            await GatewayDroppedTheSession(h);

            var refused = h.StartDaemon();
            Assert.Equal(2, await refused.Exit.WaitAsync(TimeSpan.FromSeconds(60)));
            Assert.Empty(refused.Log.Lines); // refused before the host (and its broker session) was built
            Assert.Empty(h.Gateway.ConnectedClientIds);
            Assert.DoesNotContain(h.Alerts(), a => a.Code == "ENGINE_CRASHED");
            Assert.Equal(orders, h.Ledger().Count(e => e.Type == "order"));
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    private static void SetMemory(DaemonHarness h, string json)
    {
        using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={h.StorePath};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "UPDATE engine_state SET value = @v WHERE key = 'engine_memory'";
        cmd.Parameters.AddWithValue("@v", json);
        Assert.Equal(1, cmd.ExecuteNonQuery());
    }
}
