using System.Text.Json;
using Bifrost.Store.Records;
using Bifrost.Tui.Cli;
using Bifrost.Tui.Model;
using Bifrost.Tui.Tests.Support;

namespace Bifrost.Tui.Tests.Cli;

public sealed class CliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = CliMain.Run(args, stdout, stderr, () => Frames.Now);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void StatusJson_TheDashboardData_ExitZeroWhenGreen()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var (code, output, _) = Run("status", "--json", "--store", store.Path);
        Assert.Equal(0, code);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal("green", json.GetProperty("light").GetProperty("color").GetString());
        Assert.Equal("GREEN · OK", json.GetProperty("light").GetProperty("caption").GetString());
        Assert.Equal("Hedging", json.GetProperty("fsm_state").GetString());
        Assert.Equal(0.5, json.GetProperty("heartbeat_age_seconds").GetDouble());
        var positions = json.GetProperty("positions");
        Assert.Equal(3, positions.GetProperty("strategy").GetArrayLength());
        Assert.Equal(1, positions.GetProperty("external").GetArrayLength());
        Assert.Equal(-120, positions.GetProperty("strategy_hedge_shares").GetDouble());
        Assert.Equal(50, positions.GetProperty("external_shares").GetDouble());
        Assert.Equal(62, json.GetProperty("greeks").GetProperty("delta").GetDouble());
        Assert.True(json.GetProperty("band").GetProperty("inside").GetBoolean());
        Assert.Equal(80.2, json.GetProperty("pnl").GetProperty("attr_gamma").GetDouble());
        Assert.Equal(["ok", "near", "breached"], json.GetProperty("limits").EnumerateArray().Select(l => l.GetProperty("level").GetString()));
    }

    [Fact]
    public void StatusJson_SilentDaemon_RedDaemonSilent_ExitTwo()
    {
        using var store = TempStore.WithSample(Frames.Now, status: s => s with { HeartbeatNanos = Frames.Now - 30 * Sample.Second });
        var (code, output, _) = Run("status", "--json", "--store", store.Path, "--silent-after", "5");
        Assert.Equal(2, code);
        var light = JsonDocument.Parse(output).RootElement.GetProperty("light");
        Assert.Equal("red", light.GetProperty("color").GetString());
        Assert.Equal("DAEMON_SILENT", light.GetProperty("reasons")[0].GetString());
    }

    [Fact]
    public void StatusJson_MissingStore_RedStoreUnavailable_ExitTwo()
    {
        using var store = TempStore.Empty();
        var (code, output, _) = Run("status", "--json", "--store", store.Path);
        Assert.Equal(2, code);
        Assert.Equal("STORE_UNAVAILABLE", JsonDocument.Parse(output).RootElement.GetProperty("light").GetProperty("reasons")[0].GetString());
    }

    [Fact]
    public void StatusText_SameDataInWords()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var (code, output, _) = Run("status", "--store", store.Path);
        Assert.Equal(0, code);
        Assert.Contains("GREEN · OK", output);
        Assert.Contains("XYZ 20260320 100 C", output);
        Assert.Contains("EXTERNAL / MANUAL", output);
        Assert.DoesNotContain('\u001b', output);
    }

    // After a restart, before the legs are quoted, the daemon reports unknown greeks and P&L as zeros: a console
    // saying "Δ +0.0 sh, P&L today +0.00" read as a flat, quiet book. The failing checks now say they are unknown.
    [Fact]
    public void Status_WhileALegIsUnvaluedAndAHoldingUnmarked_SaysGreeksAndPnlUnknown_NotZero()
    {
        using var store = TempStore.WithSample(Frames.Now, status: s => s with
        {
            Health = Health.Blocked,
            Checks = [.. s.Checks, new CheckResult("greeks_ok", Health.Blocked, "a leg has no valuation"),
                      new CheckResult("book_valued", Health.Degraded, "no two-sided quote for 2001: P&L and its limits unchecked")],
            NetGreeks = new Greeks(0, 0, 0, 0),
            Pnl = new PnlSnapshot(120.50, 0, 6.30, 0, 0, 0, 0, 0, 0),
        });
        var (_, text, _) = Run("status", "--store", store.Path);
        Assert.Contains("Δ unknown", text);
        Assert.Contains("a leg has no valuation", text);
        Assert.Contains("P&L run unknown", text);
        Assert.Contains("no two-sided quote for 2001", text);
        Assert.DoesNotContain("Δ +0.0", text);
        var (_, output, _) = Run("status", "--json", "--store", store.Path);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal("a leg has no valuation", json.GetProperty("greeks_unknown").GetString());
        Assert.Contains("no two-sided quote", json.GetProperty("pnl_unknown").GetString());
    }

    [Fact]
    public void Status_WhenEverythingIsValued_ShowsTheNumbers_AndNoUnknown()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var (_, text, _) = Run("status", "--store", store.Path);
        Assert.DoesNotContain("unknown", text);
        var json = JsonDocument.Parse(Run("status", "--json", "--store", store.Path).Out).RootElement;
        Assert.Equal(JsonValueKind.Null, json.GetProperty("greeks_unknown").ValueKind);
    }

    [Fact]
    public void Ops_SinceDurationAndKinds_Json()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var (code, output, _) = Run("ops", "--since", "10m", "--kind", "fill,order", "--json", "--store", store.Path);
        Assert.Equal(0, code);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal(4, json.GetProperty("count").GetInt32());
        Assert.Equal(["fill", "order"], json.GetProperty("kinds").EnumerateArray().Select(k => k.GetString()));
        var ops = json.GetProperty("operations").EnumerateArray().ToList();
        Assert.Equal(["fill", "order", "fill", "order"], ops.Select(o => o.GetProperty("kind").GetString()));
        Assert.Equal("2026-03-02T15:30:00.000Z", ops[0].GetProperty("time").GetString());
        Assert.Equal("oi_paper1_4", ops[0].GetProperty("order_ref").GetString());

        var recent = JsonDocument.Parse(Run("ops", "--since", "10s", "--kind", "fill", "--json", "--store", store.Path).Out).RootElement;
        Assert.Equal(1, recent.GetProperty("count").GetInt32());
    }

    [Fact]
    public void Ops_IsoSince_Text_NewestFirst()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var (code, output, _) = Run("ops", "--since", "2026-03-02T15:29:47Z", "--store", store.Path, "--utc");
        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("# 6 of 6 matching operations, newest first, by wall time (when the daemon received it), since 2026-03-02T15:29:47.000Z, times in UTC", lines[0]);
        Assert.Equal("2026-03-02 15:30:00.000  #13  fill  sell 20 XYZ @ 101.38  oi_paper1_4  exec 0001.02 hedge 2  (venue unknown)", lines[1]);
        Assert.StartsWith("2026-03-02 15:29:47.000  #8  cancel", lines[^1]);
    }

    // Their lines' times are in the host's zone (UTC with --utc) and said neither, while --since/--until read a time
    // without an offset as UTC: on a host in New York an `ops` line at 10:30 copied into --since asked for 10:30 UTC.
    [Fact]
    public void Ops_Alerts_Runs_SayWhichZoneTheirTimesAreIn()
    {
        using var store = TempStore.WithSample(Frames.Now);
        Assert.EndsWith(", times in UTC", Run("ops", "--store", store.Path, "--utc").Out.Split('\n')[0]);
        Assert.EndsWith("; times in UTC", Run("alerts", "--store", store.Path, "--utc").Out.Split('\n')[0]);
        Assert.EndsWith("; times in UTC", Run("runs", "--store", store.Path, "--utc").Out.Split('\n')[0]);
        Assert.Contains("fills (times in UTC):", Run("runs", "paper1", "--store", store.Path, "--utc").Out);
        var local = Run("ops", "--store", store.Path).Out.Split('\n')[0];
        Assert.EndsWith($", times in {Format.ZoneName(TimeZoneInfo.Local, Frames.Now)}", local);
    }

    // An operation's line said "fill buy 2 @ 3.40" and nothing of what was bought: the legs and the hedge trade in the
    // same run, so a trader could not tell the call's fill from the put's. Each trade now names its contract.
    [Fact]
    public void Ops_Text_NamesTheContractOfEachTrade_LegAndHedge()
    {
        using var store = TempStore.WithSample(Frames.Now, (_, w) =>
            w.Record(new OperationRecord(Frames.Now, OperationKind.Fill, Sample.RunId, "oi_paper1_9", Sample.PutId, TradeSide.Buy, 2, 3.40, "exec 0002.01")),
            status: Sample.Trader);
        var (code, output, _) = Run("ops", "--kind", "fill", "--store", store.Path, "--utc");
        Assert.Equal(0, code);
        Assert.Contains("fill  buy 2 XYZ 20260320 P 100 @ 3.40  oi_paper1_9", output); // the daemon reported the put as "2002"
        Assert.Contains("fill  sell 20 XYZ @ 101.38  oi_paper1_4", output);
    }

    [Fact]
    public void Ops_ReplayVenueTimesFarFromTheWallClock_FilterByWallByDefault_ByVenueOnRequest_BothShown()
    {
        // The daemon on the replay gateway: received now (wall), stamped by the broker's session clock (venue), days apart.
        var venue = UnixNanos.FromDateTimeOffset(new DateTimeOffset(2026, 2, 20, 14, 0, 0, TimeSpan.Zero));
        using var store = TempStore.Empty();
        store.Write(w =>
        {
            w.Record(new OperationRecord(Frames.Now - 60_000_000_000, OperationKind.Order, "t1", "oi_t1_1", 1, TradeSide.Buy, 10) { VenueNanos = venue });
            w.Record(new OperationRecord(Frames.Now - 30_000_000_000, OperationKind.Fill, "t1", "oi_t1_1", 1, TradeSide.Buy, 10, 100) { VenueNanos = venue + 5_000_000_000 });
            w.Record(new OperationRecord(Frames.Now - 20_000_000_000, OperationKind.State, Detail: "farm ok")); // clock not set yet: no venue time
        });

        var wall = JsonDocument.Parse(Run("ops", "--since", "10m", "--json", "--store", store.Path).Out).RootElement;
        Assert.Equal("wall", wall.GetProperty("time_base").GetString());
        Assert.Equal(3, wall.GetProperty("count").GetInt32());
        var fill = wall.GetProperty("operations")[1];
        Assert.Equal("2026-03-02T15:29:30.000Z", fill.GetProperty("time").GetString());
        Assert.Equal("2026-02-20T14:00:05.000Z", fill.GetProperty("venue_time").GetString());
        Assert.Equal(JsonValueKind.Null, wall.GetProperty("operations")[0].GetProperty("venue_time").ValueKind);

        var venueRecent = JsonDocument.Parse(Run("ops", "--since", "10m", "--time", "venue", "--json", "--store", store.Path).Out).RootElement;
        Assert.Equal("venue", venueRecent.GetProperty("time_base").GetString());
        Assert.Equal(0, venueRecent.GetProperty("count").GetInt32());

        var (code, text, _) = Run("ops", "--since", "2026-02-20T13:00:00Z", "--until", "2026-02-21T00:00:00Z", "--time", "venue", "--store", store.Path, "--utc");
        Assert.Equal(0, code);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("# 2 of 2 matching operations, newest first, by venue time", lines[0]);
        Assert.Equal("2026-02-20 14:00:05.000  #2  fill  buy 10 unknown contract (con id 1) @ 100.00  oi_t1_1  (wall 2026-03-02 15:29:30.000)", lines[1]);
        Assert.Equal(2, Run("ops", "--time", "exchange", "--store", store.Path).Code);
    }

    [Fact]
    public void Ops_MissingStore_ExitTwoWithReason()
    {
        using var store = TempStore.Empty();
        var (code, _, err) = Run("ops", "--store", store.Path);
        Assert.Equal(2, code);
        Assert.StartsWith("STORE UNAVAILABLE: the file does not exist", err);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("ops", "--kind", "nonsense")]
    [InlineData("ops", "--since", "yesterday")]
    [InlineData("--refresh-hz", "0")]
    [InlineData("frobnicate")]
    public void BadCommandLine_ExitTwoWithUsage(params string[] args)
    {
        var (code, _, err) = Run(args);
        Assert.Equal(2, code);
        Assert.Contains("usage:", err);
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("10m", 600)]
    [InlineData("1h30m", 5400)]
    [InlineData("2d", 172_800)]
    public void Durations(string text, long seconds)
    {
        Assert.Equal(Frames.Now - seconds * Sample.Second, TimeArgument.Parse("--since", text, Frames.Now));
    }

    [Fact]
    public void IsoWithoutOffsetIsUtc()
    {
        Assert.Equal(UnixNanos.FromDateTimeOffset(new DateTimeOffset(2026, 3, 2, 14, 0, 0, TimeSpan.Zero)),
            TimeArgument.Parse("--since", "2026-03-02T14:00:00", Frames.Now));
    }

    [Theory]
    [InlineData("99999999d")]
    [InlineData("200000d")]
    [InlineData("9999-12-31T23:59:59Z")]
    [InlineData("1600-01-01")]
    public void ATimeBeyondWhatNanosecondsHold_IsRefused_NeverWrapsNorCrashes(string text)
    {
        var e = Assert.Throws<UsageException>(() => TimeArgument.Parse("--since", text, Frames.Now));
        Assert.Contains("--since", e.Message);
    }
}
