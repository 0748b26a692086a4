using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bifrost.Sim.Ticks;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>The portfolio schedule end to end (issue 13) against the replay gateway's session (Monday 2026-03-02,
/// New York time, ×200): a slot builds its snapshot from the newest file of <c>portfolio.signals_dir</c>, pre-trades and
/// executes it, and trades; a slot whose time passed while the daemon was down is reported SCHEDULE_MISSED and never
/// run. The slot's times are set from the gateway's clock when the test starts (the replay runs in session time).
/// Each scenario ends with the gateway's ledger compared to the store.</summary>
[Collection(EndToEndCollection.Name)]
public class PortfolioScheduleEndToEndTests(ITestOutputHelper output)
{
    internal static readonly Lazy<string> Data = new(() =>
    {
        var dir = Path.Combine(Path.GetTempPath(), "bifrost-daemon-tests-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "portfolio-schedule-session.parquet");
        if (!File.Exists(path)) MultiSymbolGenerator.WriteFile(path, new GeneratorOptions(), [new ExtraStock("AAA", 50), new ExtraStock("BBB", 80)]);
        return path;
    });

    internal static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    internal static int AaaId => ContractKey.Stock("AAA").ConId;
    internal static int BbbId => ContractKey.Stock("BBB").ConId;

    internal static string Config(int port, string store) =>
        Portfolio(JsonNode.Parse(TestConfig.Json(port, store, conIds: false, band: 100_000))!.AsObject(), null).ToJsonString();

    /// <summary>The portfolio section (as the operator-run tests have it), with a schedule when given.</summary>
    internal static JsonObject Portfolio(JsonObject root, JsonObject? schedule, string? signalsDir = null)
    {
        var p = JsonNode.Parse("""
            {
              "universe": ["AAA", "BBB"], "max_signal_age_s": 604800, "max_position_size": 0.01, "lot_size": 1,
              "min_order_shares": 10, "min_order_notional": 100, "max_quote_age_s": 60,
              "risk": { "max_position_fraction": 0.05, "max_position_shares": 10000, "max_order_notional": 100000,
                        "max_daily_trades": 100, "daily_loss_limit": 100000, "max_drawdown": 100000, "max_sector_weight": 0.5 },
              "sectors": { "AAA": "tech", "BBB": "energy" }
            }
            """)!.AsObject();
        if (schedule is not null)
        {
            p["signals_dir"] = signalsDir;
            p["schedule"] = schedule;
        }
        root["portfolio"] = p;
        return root;
    }

    /// <summary>Rewrites the harness's config with a Monday schedule: build, pre-trade a minute later, execute
    /// <paramref name="executeAfterPreTrade"/> minutes after that.</summary>
    internal static void WriteSchedule(DaemonHarness h, DateTime buildLocal, double graceSeconds, string signalsDir, int executeAfterPreTrade = 1)
    {
        string Hm(DateTime t) => t.ToString("HH:mm", CultureInfo.InvariantCulture);
        var schedule = new JsonObject
        {
            ["name"] = "weekly", ["days"] = new JsonArray("Mon"), ["build_at"] = Hm(buildLocal),
            ["pre_trade_at"] = Hm(buildLocal.AddMinutes(1)), ["execute_at"] = Hm(buildLocal.AddMinutes(1 + executeAfterPreTrade)), ["grace_s"] = graceSeconds,
        };
        var root = JsonNode.Parse(File.ReadAllText(h.ConfigPath))!.AsObject();
        File.WriteAllText(h.ConfigPath, Portfolio(root, schedule, signalsDir).ToJsonString());
    }

    /// <summary>The gateway's session time in New York.</summary>
    internal static DateTime GatewayLocal(DaemonHarness h) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.UnixEpoch.AddTicks(h.Gateway.NowNanos / 100), NewYork);

    internal static DateTime NextMinute(DateTime t) => new DateTime(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0).AddMinutes(1);

    internal static string SignalsDir(DaemonHarness h)
    {
        var dir = Path.Combine(h.Dir, "signals");
        Directory.CreateDirectory(dir);
        return dir;
    }

    internal static void WriteSignals(string dir, string name, double aaa, double bbb, DateTime writtenUtc)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, $"""
            symbol,action,score,confidence,time
            AAA,buy,{aaa.ToString(CultureInfo.InvariantCulture)},1,2026-03-01T12:00:00Z
            BBB,buy,{bbb.ToString(CultureInfo.InvariantCulture)},1,2026-03-01T12:00:00Z
            """);
        File.SetLastWriteTimeUtc(path, writtenUtc);
    }

    internal static List<Bifrost.Store.Records.AlertRecord> Alerts(DaemonHarness h, string code) =>
        h.Read(r => r.GetAlerts(limit: 1000)).Where(a => a.Code == code).ToList();

    internal static async Task AssertPortfolioMatchesLedger(DaemonHarness h)
    {
        int Ledger(int id) => h.LedgerOf("fill").Where(f => f.ConId == id).Sum(f => (f.Side == "BOT" ? 1 : -1) * f.Quantity ?? 0);
        await h.WaitUntil(() => h.StrategyQty(AaaId) == Ledger(AaaId) && h.StrategyQty(BbbId) == Ledger(BbbId), "status shows the ledger's AAA and BBB");
        h.AssertMatchesLedger();
        var runOrders = h.Read(r => r.ListPortfolioRuns(100)).SelectMany(r => r.Orders).ToList();
        foreach (var o in runOrders.Where(o => o.Sent))
            Assert.Equal(h.LedgerOf("fill").Where(f => f.OrderRef == o.OrderRef).Sum(f => f.Quantity ?? 0), o.Filled);
        var ledgerRefs = h.LedgerOf("order").Concat(h.LedgerOf("reject")).Select(o => o.OrderRef!)
            .Where(r => r.StartsWith("oi_p", StringComparison.Ordinal)).Order().ToList();
        Assert.Equal(ledgerRefs, runOrders.Where(o => o.Sent).Select(o => o.OrderRef).Order().ToList());
    }

    [Fact]
    public async Task ScheduledSlot_BuildsFromNewestSignalsFile_PreTradesExecutes_Trades_StoreMatchesLedger()
    {
        await using var h = await DaemonHarness.StartAsync(output, config: Config, dataPath: Data.Value);
        try
        {
            var dir = SignalsDir(h);
            // Two files: the newer one is the slot's (AAA twice BBB's weight); the older one would size them equally.
            WriteSignals(dir, "older.csv", 0.5, 0.5, DateTime.UtcNow.AddHours(-2));
            WriteSignals(dir, "newest.csv", 1.0, 0.5, DateTime.UtcNow.AddHours(-1));
            // An hour of session time (18 s at ×200) for the daemon to start, sync and arm the schedule first.
            var build = NextMinute(GatewayLocal(h).AddMinutes(60));
            WriteSchedule(h, build, graceSeconds: 600, dir);
            var slot = "weekly-" + build.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
            output.WriteLine($"gateway {GatewayLocal(h):HH:mm:ss}, slot {slot} at {build:HH:mm}");
            h.StartDaemon();
            await h.WaitFsm("Running", 30_000);
            Assert.True(GatewayLocal(h) < build, "the daemon was up before the slot");
            await h.WaitUntil(() => h.Read(r => r.GetPortfolioRun(slot + "-run"))?.Status is "done" or "partial" or "failed" or "blocked",
                "the slot's run ended", 90_000);
            var run = h.Read(r => r.GetPortfolioRun(slot + "-run"))!;
            Assert.Equal("done", run.Status);
            Assert.Equal("scheduled:" + slot, run.Purpose);
            Assert.Equal(slot, run.SnapshotId);
            var snapshot = h.Read(r => r.GetPortfolioSnapshot(slot))!;
            Assert.Equal("newest.csv", snapshot.SourceName);
            Assert.Equal(run.SnapshotHash, snapshot.ContentHash);
            Assert.Equal(2, run.Orders.Count);
            Assert.All(run.Orders, o => Assert.Equal("filled", o.Status));
            Assert.Equal(snapshot.Lines.Single(l => l.Symbol == "AAA").Target, run.Orders.Single(o => o.Symbol == "AAA").Quantity);
            Assert.Empty(Alerts(h, "SCHEDULE_MISSED"));
            Assert.Empty(Alerts(h, "SCHEDULE_FAILED"));
            // The phases in order, each once, in the operations log.
            var phases = h.Sql($"SELECT detail FROM operations WHERE detail LIKE 'schedule {slot}: %' ORDER BY id", r => r.GetString(0))
                .Select(d => d.Split(' ')[2]).Where(p => p is "build" or "pre-trade" or "execute").ToList();
            Assert.Equal(["build", "pre-trade", "execute"], phases);
            var handled = h.Sql("SELECT handled_through_ns FROM portfolio_schedule WHERE name = 'weekly'", r => r.GetInt64(0)).Single();
            Assert.True(handled > 0);
            await AssertPortfolioMatchesLedger(h);
            await h.WaitUntil(() => h.StrategyQty(AaaId) == run.Orders.Single(o => o.Symbol == "AAA").Quantity, "status shows the slot's AAA");
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task ScheduledSlot_DaemonDownOverTheSlot_ReportedMissed_NothingSent()
    {
        await using var h = await DaemonHarness.StartAsync(output, config: Config, dataPath: Data.Value);
        try
        {
            var dir = SignalsDir(h);
            WriteSignals(dir, "signals.csv", 1.0, 0.5, DateTime.UtcNow);
            // First start: the schedule (a slot far ahead) arms and stores its state.
            WriteSchedule(h, new DateTime(2026, 3, 2, 15, 0, 0), graceSeconds: 60, dir);
            var first = h.StartDaemon();
            await h.WaitUntil(() => h.Sql("SELECT count(*) FROM portfolio_schedule", r => r.GetInt64(0)).Single() == 1, "schedule armed and stored", 30_000);
            var armedNs = h.Sql("SELECT handled_through_ns FROM portfolio_schedule", r => r.GetInt64(0)).Single();
            await first.Signal.CancelAsync();
            Assert.Equal(0, await first.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
            // While it is down, a slot comes and goes (build just after the stored instant, execute + grace long past).
            var armedLocal = TimeZoneInfo.ConvertTimeFromUtc(DateTime.UnixEpoch.AddTicks(armedNs / 100), NewYork);
            var build = NextMinute(armedLocal);
            await h.WaitUntil(() => GatewayLocal(h) > build.AddMinutes(6), "the slot passed while the daemon was down", 30_000);
            WriteSchedule(h, build, graceSeconds: 60, dir);
            var slot = "weekly-" + build.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
            var ordersBefore = h.LedgerOf("order").Count(o => o.OrderRef!.StartsWith("oi_p", StringComparison.Ordinal));
            h.StartDaemon();
            await h.WaitUntil(() => Alerts(h, "SCHEDULE_MISSED").Count >= 1, "the miss reported", 60_000);
            var missed = Assert.Single(Alerts(h, "SCHEDULE_MISSED"));
            Assert.Contains(slot, missed.Message);
            Assert.Contains("missed", missed.Message);
            await Task.Delay(2000); // a few more ticks: nothing runs late, nothing is reported twice
            Assert.Single(Alerts(h, "SCHEDULE_MISSED"));
            Assert.Null(h.Read(r => r.GetPortfolioRun(slot + "-run")));
            Assert.Null(h.Read(r => r.GetPortfolioSnapshot(slot)));
            Assert.Equal(ordersBefore, h.LedgerOf("order").Count(o => o.OrderRef!.StartsWith("oi_p", StringComparison.Ordinal)));
            Assert.True(h.Sql("SELECT handled_through_ns FROM portfolio_schedule", r => r.GetInt64(0)).Single() > armedNs);
            await AssertPortfolioMatchesLedger(h);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }
}
