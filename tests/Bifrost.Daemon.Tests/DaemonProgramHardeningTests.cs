using System.Collections;
using Bifrost.Daemon.Engine;
using Bifrost.Daemon.Tests.EndToEnd;
using Bifrost.Store.Records;
using Bifrost.Store.Writer;

namespace Bifrost.Daemon.Tests;

/// <summary>
/// Refusals before anything connects: bad configuration, a damaged store or journal, a read-only filesystem. The
/// configured broker port has no listener; every case must end with exit 2 and a message, never an exception.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class DaemonProgramHardeningTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bifrost-harden-").FullName;
    private string Store => Path.Combine(_dir, "bifrost.db");
    private string ConfigPath => Path.Combine(_dir, "bifrost.json");

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    internal static (int Code, string Out, string Err) Run(params string[] args)
    {
        var err = new StringWriter();
        var @out = new StringWriter();
        var (oldErr, oldOut) = (Console.Error, Console.Out);
        Console.SetError(err);
        Console.SetOut(@out);
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            return (DaemonProgram.RunAsync(args, new Hashtable(), cts.Token).GetAwaiter().GetResult(), @out.ToString(), err.ToString());
        }
        finally
        {
            Console.SetError(oldErr);
            Console.SetOut(oldOut);
        }
    }

    private (int Code, string Err) CheckConfig(string json)
    {
        File.WriteAllText(ConfigPath, json);
        var (code, _, err) = Run("check-config", "--config", ConfigPath);
        return (code, err);
    }

    private string Json(string? store = null) => TestConfig.Json(1, store ?? Store, conIds: true);

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("run", "--help")]
    [InlineData("check-config", "--help")]
    [InlineData("backup", "--help")]
    public void Help_PrintsUsageAndExits0(params string[] args)
    {
        var (code, output, _) = Run(args);
        Assert.Equal(0, code);
        Assert.Contains("usage: bifrost-daemon", output);
    }

    [Theory]
    [InlineData("\"max_position\": 5000", "\"max_position\": \"3000\"", "risk.max_position")]
    [InlineData("\"connect_timeout_seconds\": 5", "\"connect_timeout_seconds\": 1e300", "connection.connect_timeout_seconds")]
    [InlineData("\"history_seconds\": 5", "\"history_seconds\": 1e300", "daemon.history_seconds")]
    [InlineData("\"control_poll_ms\": 50", "\"control_poll_ms\": 1e300", "daemon.control_poll_ms")]
    [InlineData("\"account\": \"DU1234567\"", "\"account\": \"\"", "account")]
    [InlineData("\"account\": \"DU1234567\"", "\"account\": \"DU12x\"", "account")]
    [InlineData("\"account\": \"DU1234567\"", "\"account\": \"U7654321\"", "account")]
    [InlineData("\"run_id\": \"t1\"", "\"run_id\": \"abcdefghijklmnopqrstuvwxyz0123456789\"", "run_id")]
    [InlineData("\"store\": { \"path\":", "\"store\": { \"commission_wait_seconds\": -1, \"path\":", "store.commission_wait_seconds")]
    [InlineData("\"store\": { \"path\":", "\"store\": { \"commission_wait_seconds\": 1e300, \"path\":", "store.commission_wait_seconds")]
    [InlineData("\"store\": { \"path\":", "\"store\": { \"commission_wait_seconds\": \"3\", \"path\":", "store.commission_wait_seconds")]
    // Client 0 is TWS's own: manual orders' statuses and errors (by order id only) would reach the engine.
    [InlineData("\"client_id\": 17,", "\"client_id\": 0,", "connection.client_id")]
    // A stop longer than systemd's TimeoutStopSec is SIGKILLed mid-way: cancels unconfirmed, last alerts lost.
    [InlineData("\"stop_timeout_seconds\": 60", "\"stop_timeout_seconds\": 200", "control.stop_timeout_seconds")]
    // A lone surrogate escape: valid JSON .NET cannot read back (it was an unhandled crash, exit 134).
    [InlineData("\"account\": \"DU1234567\"", "\"account\": \"DU1234567\\ud800\"", "account")]
    // A session wider than the NYSE's: IB holds a regular-hours order sent outside it for the next open.
    [InlineData("\"close\": \"16:00\"", "\"close\": \"16:30\"", "calendar.close")]
    [InlineData("\"open\": \"09:30\"", "\"open\": \"09:00\"", "calendar.open")]
    public void CheckConfig_BadValue_Exits2NamingTheKey(string from, string to, string key)
    {
        var json = Json();
        Assert.Contains(from, json);
        var (code, err) = CheckConfig(json.Replace(from, to));
        Assert.Equal(2, code);
        Assert.Contains($"configuration error: {key}:", err);
    }

    private const string GoodSchedule = """{ "name": "weekly", "days": ["Mon"], "build_at": "09:35", "pre_trade_at": "09:40", "execute_at": "09:45" }""";

    [Theory]
    [InlineData("\"days\": [\"Mon\"]", "\"days\": [\"Funday\"]", "portfolio.schedule.days[0]")]
    [InlineData("\"execute_at\": \"09:45\"", "\"execute_at\": \"9h45\"", "portfolio.schedule.execute_at")]
    [InlineData("\"execute_at\": \"09:45\"", "\"execute_at\": \"17:30\"", "portfolio.schedule.execute_at")]
    [InlineData("\"build_at\": \"09:35\"", "\"build_at\": \"09:50\"", "portfolio.schedule.build_at/pre_trade_at/execute_at")]
    [InlineData("\"name\": \"weekly\"", "\"name\": \"weekly\", \"grace_s\": -5", "portfolio.schedule.grace_s")]
    [InlineData("\"name\": \"weekly\"", "\"name\": \"weekly\", \"run_late\": \"yes\"", "portfolio.schedule.run_late")]
    [InlineData("\"name\": \"weekly\"", "\"name\": \"weekly\", \"cron\": \"x\"", "portfolio.schedule.cron")]
    public void CheckConfig_BadPortfolioSchedule_Exits2NamingTheKey(string from, string to, string key)
    {
        var root = System.Text.Json.Nodes.JsonNode.Parse(Json())!.AsObject();
        root["portfolio"] = System.Text.Json.Nodes.JsonNode.Parse($$"""
            { "universe": ["AAA"], "max_position_size": 0.1, "signals_dir": "/var/lib/bifrost/signals",
              "risk": { "max_position_fraction": 0.1, "max_position_shares": 100, "max_order_notional": 1000, "max_daily_trades": 5,
                        "daily_loss_limit": 100, "max_drawdown": 100 },
              "schedule": {{GoodSchedule.Replace(from, to)}} }
            """);
        Assert.Contains(from, GoodSchedule);
        var (code, err) = CheckConfig(root.ToJsonString());
        Assert.Equal(2, code);
        Assert.Contains($"configuration error: {key}:", err);
    }

    [Fact]
    public void CheckConfig_PortfolioScheduleWithoutSignalsDir_Exits2()
    {
        var root = System.Text.Json.Nodes.JsonNode.Parse(Json())!.AsObject();
        root["portfolio"] = System.Text.Json.Nodes.JsonNode.Parse($$"""
            { "universe": ["AAA"], "max_position_size": 0.1,
              "risk": { "max_position_fraction": 0.1, "max_position_shares": 100, "max_order_notional": 1000, "max_daily_trades": 5,
                        "daily_loss_limit": 100, "max_drawdown": 100 },
              "schedule": {{GoodSchedule}} }
            """);
        var (code, err) = CheckConfig(root.ToJsonString());
        Assert.Equal(2, code);
        Assert.Contains("configuration error: portfolio.schedule:", err);
        Assert.Contains("signals_dir", err);
        var ok = System.Text.Json.Nodes.JsonNode.Parse(root.ToJsonString())!.AsObject();
        ok["portfolio"]!["signals_dir"] = "/var/lib/bifrost/signals";
        Assert.Equal(0, CheckConfig(ok.ToJsonString()).Code);
    }

    // A named pipe blocked check-config until a writer came (for ever) and /dev/zero read until memory ran out.
    [Theory]
    [InlineData("fifo")]
    [InlineData("/dev/zero")]
    public void Config_ThatIsAPipeOrADevice_Exits2Promptly(string kind)
    {
        var path = kind;
        if (kind == "fifo")
        {
            path = Path.Combine(_dir, "bifrost.json");
            using var mk = System.Diagnostics.Process.Start("mkfifo", path)!;
            mk.WaitForExit();
        }
        var started = System.Diagnostics.Stopwatch.StartNew();
        var (code, _, err) = Run("check-config", "--config", path);
        Assert.Equal(2, code);
        Assert.Contains("--config", err);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"returned after {started.Elapsed}");
    }

    [Fact]
    public void StorePath_ThatIsADirectory_Exits2NamingTheKey()
    {
        var (code, err) = CheckConfig(Json(store: _dir));
        Assert.Equal(2, code);
        Assert.Contains("store.path", err);
        Assert.Contains("is a directory", err);
    }

    [Fact]
    public void StorePath_InADirectoryThatDoesNotExist_IsRefused_AndNothingIsCreated()
    {
        var missing = Path.Combine(_dir, "bifrsot"); // a typo of the real directory
        File.WriteAllText(ConfigPath, Json(Path.Combine(missing, "bifrost.db")));
        var (code, _, err) = Run("run", "--config", ConfigPath);
        Assert.Equal(2, code);
        Assert.Contains("store.path", err);
        Assert.Contains($"'{missing}' does not exist", err);
        Assert.False(Directory.Exists(missing)); // neither the store nor its lock was created
    }

    private async Task<string> StoreWithRows(int orders = 200)
    {
        await using (var w = StoreWriter.Open(Store))
        {
            for (var i = 1; i <= orders; i++)
                w.UpsertOrder(new OrderRecord($"oi_t1_{i}", "t1", "hedge", 125, TradeSide.Sell, 66, "MKT", null, "DAY", "Filled", i, i, i));
            await w.FlushAsync();
        }
        // fold the WAL into the main file so byte surgery hits real pages
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Store};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            cmd.ExecuteNonQuery();
        }
        File.WriteAllText(ConfigPath, Json());
        return Store;
    }

    public static TheoryData<string> Damage => new() { "truncated", "bad_header", "flipped_page", "garbage_wal" };

    [Theory]
    [MemberData(nameof(Damage))]
    public async Task DamagedStore_IsRefusedBeforeConnecting_WithHowToRecover(string kind)
    {
        var store = await StoreWithRows();
        var bytes = File.ReadAllBytes(store);
        switch (kind)
        {
            case "truncated":
                File.WriteAllBytes(store, bytes[..(bytes.Length / 2 + 100)]);
                break;
            case "bad_header":
                "SQLite format 9"u8.CopyTo(bytes);
                File.WriteAllBytes(store, bytes);
                break;
            case "flipped_page":
                // A b-tree page in the middle: flip its header and some cells.
                var pageSize = (bytes[16] << 8) | bytes[17];
                var page = bytes.Length / pageSize / 2;
                for (var i = 0; i < 64; i++) bytes[page * pageSize + i] ^= 0xA5;
                File.WriteAllBytes(store, bytes);
                break;
            case "garbage_wal":
                var junk = new byte[8192];
                new Random(7).NextBytes(junk);
                File.WriteAllBytes(store + "-wal", junk);
                break;
        }
        var (code, _, err) = Run("run", "--config", ConfigPath);
        Assert.Equal(2, code);
        Assert.Contains("is damaged", err);
        Assert.Contains("rebuild-store", err);
        Assert.Contains("backup", err);
    }

    /// <summary>rebuild-store carries over, as it does the order journal, the engine memory the damaged store refused (a
    /// halt or a pause kept beside it) to the new store's path, where the next start merges it.</summary>
    [Fact]
    public async Task RebuildStore_CarriesThePendingMemoryToTheNewStore()
    {
        var store = await StoreWithRows();
        await File.WriteAllTextAsync(Bifrost.Daemon.Engine.PendingMemory.PathFor(store), "{\"saved_ns\": 5, \"memory\": \"{}\"}");
        var target = Path.Combine(Path.GetDirectoryName(store)!, "rebuilt.db");
        var (code, output, err) = Run("rebuild-store", "--from", store, "--to", target);
        Assert.True(code == 0, err);
        Assert.Equal("{\"saved_ns\": 5, \"memory\": \"{}\"}", await File.ReadAllTextAsync(Bifrost.Daemon.Engine.PendingMemory.PathFor(target)));
        Assert.Contains("pending engine memory copied", output);
    }

    /// <summary>restore puts the backup in the store's place and keeps the replaced store whole beside it; while a daemon
    /// holds the store it refuses, exit 2, and touches nothing.</summary>
    [Fact]
    public async Task Restore_PutsTheBackupInPlace_AndRefusesWhileADaemonHoldsTheStore()
    {
        await StoreWithRows(2);
        var backup = Path.Combine(_dir, "backup.db");
        Assert.Equal(0, Run("backup", "--store", Store, "--to", backup).Code);
        await using (var w = StoreWriter.Open(Store))
            w.UpsertOrder(new OrderRecord("oi_t1_3", "t1", "hedge", 125, TradeSide.Sell, 66, "MKT", null, "DAY", "Filled", 3, 3, 3));

        using (Bifrost.Store.Locking.InstanceLock.Acquire(Store))
        {
            var (refused, _, why) = Run("restore", "--store", Store, "--from", backup);
            Assert.Equal(2, refused);
            Assert.Contains("already running", why);
        }
        var (code, output, err) = Run("restore", "--store", Store, "--from", backup);
        Assert.True(code == 0, err);
        Assert.Contains("kept whole as", output);
        using var reader = Bifrost.Store.ReadModel.StoreReader.Open(Store);
        Assert.NotNull(reader.GetOrder("oi_t1_2"));
        Assert.Null(reader.GetOrder("oi_t1_3"));
    }

    [Fact]
    public async Task Prune_OnAStoreFromANewerBifrost_Exits2_NeverTouchesIt()
    {
        await StoreWithRows(1);
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Store};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA user_version = 999";
            cmd.ExecuteNonQuery();
        }
        var (code, _, err) = Run("prune", "--store", Store, "--days", "1");
        Assert.Equal(2, code);
        Assert.Contains("schema version 999", err);
    }

    /// <summary>A start on a store a newer Bifrost wrote (a downgrade) is refused, exit 2 naming both versions, before
    /// anything touches it: the start's retention prune met it first and the daemon died of the unhandled schema error
    /// (exit 134, which systemd restarts into the same crash every 5 s).</summary>
    [Fact]
    public async Task Run_OnAStoreFromANewerBifrost_Exits2_NeverTouchesIt()
    {
        await StoreWithRows(1);
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Store};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA user_version = 999";
            cmd.ExecuteNonQuery();
        }
        var before = File.ReadAllBytes(Store);
        var (code, _, err) = Run("run", "--config", ConfigPath);
        Assert.Equal(2, code);
        Assert.Contains("refusing to start: store.path:", err);
        Assert.Contains("schema version 999", err);
        Assert.Equal(before, File.ReadAllBytes(Store));
    }

    /// <summary>backup and rebuild-store from what is no store file: a named pipe waited for a writer for ever, and a
    /// device or an empty file read as an empty store and was reported done (exit 0, "quick_check ok": a backup of
    /// nothing, or a rebuild that copied 0 rows over a new empty store).</summary>
    [Theory]
    [InlineData("backup", "fifo")]
    [InlineData("backup", "/dev/zero")]
    [InlineData("backup", "empty")]
    [InlineData("rebuild-store", "fifo")]
    [InlineData("rebuild-store", "/dev/zero")]
    [InlineData("rebuild-store", "empty")]
    public async Task BackupOrRebuild_FromAPipeADeviceOrAnEmptyFile_Exits2NamingIt_CreatesNothing(string command, string source)
    {
        var path = source switch
        {
            "fifo" => Path.Combine(_dir, "pipe.db"),
            "empty" => Path.Combine(_dir, "empty.db"),
            _ => source,
        };
        if (source == "fifo")
        {
            using var mkfifo = System.Diagnostics.Process.Start("mkfifo", path)!;
            mkfifo.WaitForExit();
        }
        if (source == "empty") File.WriteAllBytes(path, []);
        var to = Path.Combine(_dir, "new.db");
        var (code, _, err) = await Task.Run(() => Run(command, command == "backup" ? "--store" : "--from", path, "--to", to)).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, code);
        Assert.Contains($"'{path}'", err);
        Assert.False(File.Exists(to), "a store was created");
    }

    [Fact]
    public async Task Journal_WithAForgedFilledLine_IsRefusedNamingTheLine()
    {
        await StoreWithRows(1);
        var forged = new OrderRecord("oi_t1_2", "t1", "hedge", 125, TradeSide.Sell, 66, "MKT", null, "DAY", "Filled", 2, 2, int.MaxValue - 1, Filled: 66);
        File.WriteAllBytes(OrderJournal.PathFor(Store), OrderJournal.Encode(new JournalEntry(forged, int.MaxValue, null)));
        var (code, _, err) = Run("run", "--config", ConfigPath);
        Assert.Equal(2, code);
        Assert.Contains("line 1", err);
        Assert.Contains("implausible", err);
    }

    /// <summary>An order journal the daemon cannot read (a directory in its place, a file of another user's mode 000) is
    /// refused before anything connects, exit 2 naming it: never an unhandled exception (exit 134, a core dump, and
    /// systemd restarting it into the same one).</summary>
    [Fact]
    public async Task Journal_ThatCannotBeRead_IsRefusedNamingIt_NeverACrash()
    {
        await StoreWithRows(1);
        Directory.CreateDirectory(OrderJournal.PathFor(Store));
        var (code, _, err) = Run("run", "--config", ConfigPath);
        Assert.Equal(2, code);
        Assert.Contains(OrderJournal.PathFor(Store), err);
        Assert.Contains("refusing to start", err);
    }

    /// <summary>A store file the daemon cannot write (here immutable, which binds root too) is refused naming it, before
    /// anything connects: SQLite opened it read-only and the start crashed on its first write (exit 1).</summary>
    [Fact]
    public async Task StoreFileNotWritable_IsRefusedNamingIt()
    {
        var store = await StoreWithRows(1);
        static void Chattr(string flag, string path)
        {
            using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("chattr", [flag, path]) { RedirectStandardError = true })!;
            var err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"chattr {flag} {path} (root, a filesystem with inode flags): {err}");
        }
        Chattr("+i", store);
        try
        {
            var (code, _, err) = Run("run", "--config", ConfigPath);
            Assert.Equal(2, code);
            Assert.Contains($"'{store}' cannot be written by this process", err);
        }
        finally
        {
            Chattr("-i", store);
        }
    }

    [Fact]
    public void ReadOnlyFilesystem_IsNamed_NeverAStalePid()
    {
        using var mount = TmpfsMount.Create(_dir, "ro", sizeKb: 1024);
        var store = Path.Combine(mount.Path, "bifrost.db");
        File.WriteAllText(store + ".lock", "99999\n"); // a stale pid from a dead daemon
        File.WriteAllText(ConfigPath, Json(store));
        mount.Remount("ro");
        var (code, _, err) = Run("run", "--config", ConfigPath);
        Assert.Equal(2, code);
        Assert.Contains("read-only", err);
        Assert.DoesNotContain("locked by", err);
        Assert.DoesNotContain("99999", err);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    public const string Name = "console-redirecting program runs";
}
