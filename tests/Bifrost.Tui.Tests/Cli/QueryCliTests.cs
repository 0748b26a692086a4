using System.Text.Json;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Store.Writer;
using Bifrost.Tui.Cli;
using Bifrost.Tui.Tests.Support;

namespace Bifrost.Tui.Tests.Cli;

public sealed class QueryCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = CliMain.Run(args, stdout, stderr, () => Frames.Now);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void AlertsAck_RecordsWhoAndWhen_SecondAckKeepsTheFirst()
    {
        using var store = TempStore.WithSample(Frames.Now);
        long id;
        using (var reader = StoreReader.Open(store.Path)) id = Assert.Single(reader.GetAlerts()).Id;

        var (code, output, _) = Run("alerts", "--ack", id.ToString(), "--store", store.Path);
        Assert.Equal(0, code);
        Assert.Equal($"alert #{id} acknowledged by {Environment.UserName} at 2026-03-02T15:30:00.000Z", output.Trim());
        using (var reader = StoreReader.Open(store.Path))
        {
            var view = Assert.Single(reader.GetAlertViews());
            Assert.True(view.Alert.Acknowledged);
            Assert.Equal(Environment.UserName, view.AcknowledgedBy);
            Assert.Equal(Frames.Now, view.AcknowledgedNanos);
            Assert.Equal(0, reader.CountUnacknowledgedAlerts());
        }
        var again = Run("alerts", "--ack", id.ToString(), "--store", store.Path);
        Assert.Equal(0, again.Code);
        Assert.Contains("already acknowledged", again.Out);
        Assert.Equal(2, Run("alerts", "--ack", "999", "--store", store.Path).Code);
    }

    [Fact]
    public void Alerts_ListShowsUnacknowledgedAndDelivery()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var (code, output, _) = Run("alerts", "--store", store.Path, "--utc");
        Assert.Equal(0, code);
        Assert.Contains("1 unacknowledged", output);
        Assert.Contains("WARNING  FARM_DEGRADED", output);
        Assert.Contains("UNACKNOWLEDGED; no delivery recorded", output);
    }

    // `alerts --json` and `runs --json` gave their times as the console shows them — the host's zone, no offset — so a
    // script reading an alert's age on a host in New York was five hours off. Each row carries its UTC time too.
    [Fact]
    public void AlertsAndRunsJson_CarryTheirTimesInUtc()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var alert = JsonDocument.Parse(Run("alerts", "--json", "--store", store.Path).Out).RootElement.GetProperty("alerts")[0];
        Assert.Matches(@"^2026-03-02T\d\d:\d\d:\d\d\.\d{3}Z$", alert.GetProperty("time_utc").GetString());
        var run = JsonDocument.Parse(Run("runs", "--json", "--store", store.Path).Out).RootElement[0];
        Assert.Matches(@"^2026-03-0\dT\d\d:\d\d:\d\d\.\d{3}Z$", run.GetProperty("started_utc").GetString());
    }

    [Fact]
    public void Runs_ListAndDetail()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var (code, output, _) = Run("runs", "--store", store.Path, "--utc");
        Assert.Equal(0, code);
        Assert.Contains("flatten_1", output);
        Assert.Contains("paper1", output);
        var detail = Run("runs", "paper1", "--store", store.Path, "--utc");
        Assert.Equal(0, detail.Code);
        Assert.Contains("oi_paper1_1  hedge  sell 100 XYZ LMT", detail.Out);
        Assert.Contains("exec 0001.01  fee 1.05", detail.Out);
        Assert.Equal(2, Run("runs", "nope", "--store", store.Path).Code);
    }

    // Runs named a contract from the status row's positions only: once a flatten had closed the hedge (no XYZ position
    // left), its own run read "sell 100 con 1001", and `ops --symbol XYZ` refused XYZ as unknown. The daemon's config
    // summary names its underlying and legs whether held or not.
    [Fact]
    public void Runs_AndOpsBySymbol_AfterTheHedgeIsClosed_NameTheContractFromTheConfig()
    {
        using var store = TempStore.WithSample(Frames.Now, status: s => Sample.Trader(s) with
        {
            Positions = [.. Sample.Trader(s).Positions.Where(p => p.ContractId != Sample.StockId)],
        });
        var detail = Run("runs", "paper1", "--store", store.Path, "--utc");
        Assert.Equal(0, detail.Code);
        Assert.Contains("oi_paper1_1  hedge  sell 100 XYZ LMT", detail.Out);
        Assert.DoesNotContain("con 1001", detail.Out);

        var (code, output, err) = Run("ops", "--symbol", "XYZ", "--json", "--store", store.Path);
        Assert.True(code == 0, err);
        var ops = JsonDocument.Parse(output).RootElement.GetProperty("operations").EnumerateArray().ToList();
        Assert.NotEmpty(ops);
        Assert.All(ops, o => Assert.Equal(Sample.StockId, o.GetProperty("contract_id").GetInt64()));
    }

    // A manual order refused before it went out (no fresh quote: market_data_error) has its run row, ended `failed` by the
    // daemon, and no order: read from its orders alone (none) `runs` and the Runs screen listed it done.
    [Fact]
    public void Runs_AnOrderRefusedBeforeItWentOut_IsListedFailed_NotDone()
    {
        const string run = "paper1-man9";
        const string result = "failed: market_data_error: XYZ 20260320 C 100 has no fresh quote (asked for again: try again)";
        using var store = TempStore.WithSample(Frames.Now, (_, w) =>
        {
            w.StartRun(new RunRecord(run, RunKind.Manual, Frames.Now, "{}", Sample.RunId));
            w.EndRun(run, Frames.Now, JsonSerializer.Serialize(new { result, status = "failed" }));
        });
        var (code, output, _) = Run("runs", "--store", store.Path, "--utc");
        Assert.Equal(0, code);
        Assert.Matches($@"{run} +manual +\S+ \S+  failed ", output);
    }

    [Fact]
    public void Stats_ShowsTheDays_AndCsv()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var (code, output, _) = Run("stats", "--store", store.Path);
        Assert.Equal(0, code);
        Assert.Contains("2026-03-02", output);
        Assert.Contains("2026-03-01", output);
        Assert.Contains("win rate (days with P&L > 0): 100 % of 2 day(s)", output);
        var csv = Run("stats", "--by", "month", "--csv", "--store", store.Path);
        Assert.Equal(0, csv.Code);
        var lines = csv.Out.Trim().Split('\n');
        Assert.Equal("period,days,realized,unrealized,fees,pnl,hedges_filled,winning_days", lines[0]);
        // The month's realised is the running total at its end (the newest day's), not its days' totals summed (430.5).
        Assert.StartsWith("2026-03,2,120.5,", lines[1]);
    }

    [Fact]
    public void Stats_ADayWhoseLastStatusDidNotKnowItsPnl_IsNotCountedAFlatDay()
    {
        // The day before ends with the book unvalued (its status's day P&L written as 0, not known): the month's P&L is
        // not the other day's alone, and that day is not a day without a gain in the win rate.
        using var store = TempStore.WithSample(Frames.Now, (s, w) =>
            w.AppendHistory(s with { TimeNanos = Frames.Now - 86_400_000_000_000L + 1, Pnl = s.Pnl with { Daily = 0, DailyKnown = false } }));
        var (code, output, _) = Run("stats", "--by", "month", "--store", store.Path);
        Assert.Equal(0, code);
        Assert.Contains("1 day(s) have no P&L on record", output);
    }

    // A daemon left running over a weekend wrote Saturday's and Sunday's rows (day P&L 0.00): counted, the win rate read
    // 25 % of 4 days for one winning and one losing session, and the histogram had two flat days no session traded.
    [Fact]
    public void Stats_AWeekendTheDaemonRanThrough_IsLeftOut_NotCountedADayWithoutAGain()
    {
        const long Day = 86_400_000_000_000L;
        var midnight = UnixNanos.FromDateTimeOffset(new DateTimeOffset(2026, 2, 27, 5, 0, 0, TimeSpan.Zero)); // Friday, New York
        string[] days = ["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"];
        using var store = TempStore.Empty();
        store.Write(w =>
        {
            for (var d = 0; d < days.Length; d++)
            {
                var start = midnight + d * Day;
                w.TryEnqueue(new StoreWrite.SessionDay(days[d], start, start + Day, "America/New_York", HasSession: d is 0 or 3));
                w.AppendHistory(Sample.Status(start + 15 * 3600 * 1_000_000_000L) with
                {
                    Pnl = Sample.Status(start).Pnl with { Daily = d switch { 0 => 50, 3 => -20, _ => 0 } },
                });
            }
        });
        var (code, output, _) = Run("stats", "--store", store.Path);
        Assert.Equal(0, code);
        Assert.Contains("win rate (days with P&L > 0): 50 % of 2 day(s)", output);
        Assert.Contains("2 day(s) without a session (weekends, holidays) left out", output);
        Assert.DoesNotContain("2026-02-28", output);
        var csv = Run("stats", "--by", "week", "--csv", "--store", store.Path).Out.Trim().Split('\n');
        Assert.StartsWith("2026-W09,1,", csv[2]);
    }

    // `stats --by month --limit 3` read the 3 newest days: February's row was its last day alone, +100.00 for a month
    // that lost 800.00. A period the limit cuts is left out; one the window holds whole is shown.
    [Fact]
    public void Stats_AMonthTheLimitCutsShort_IsLeftOut_NotShownWithAPartOfItsDays()
    {
        (string Day, double Pnl)[] days = [("2026-02-25", -500), ("2026-02-26", -400), ("2026-02-27", 100), ("2026-03-02", 10), ("2026-03-03", 20)];
        using var store = TempStore.Empty();
        store.Write(w =>
        {
            foreach (var (day, pnl) in days)
            {
                var t = UnixNanos.FromDateTimeOffset(DateTimeOffset.Parse(day + "T15:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
                w.AppendHistory(Sample.Status(t) with { Pnl = Sample.Status(t).Pnl with { Daily = pnl } });
            }
        });
        var cut = Run("stats", "--by", "month", "--limit", "3", "--csv", "--store", store.Path).Out.Trim().Split('\n');
        Assert.Equal(2, cut.Length);
        Assert.StartsWith("2026-03,2,", cut[1]);
        Assert.Contains("2026-02 left out", Run("stats", "--by", "month", "--limit", "3", "--store", store.Path).Out);
        var whole = Run("stats", "--by", "month", "--limit", "5", "--csv", "--store", store.Path).Out.Trim().Split('\n');
        Assert.Matches("^2026-02,3,.*,-800,", whole[2]);
    }

    [Fact]
    public void OpsBySymbolAndRun()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var (code, output, _) = Run("ops", "--symbol", "xyz", "--json", "--store", store.Path);
        Assert.Equal(0, code);
        var ops = JsonDocument.Parse(output).RootElement.GetProperty("operations").EnumerateArray().ToList();
        Assert.NotEmpty(ops);
        Assert.All(ops, o => Assert.Equal(Sample.StockId, o.GetProperty("contract_id").GetInt64()));
        Assert.Equal(2, Run("ops", "--symbol", "ABC", "--store", store.Path).Code);
    }
}
