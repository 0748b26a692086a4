using Bifrost.Store.Records;
using Bifrost.Tui.Input;
using Bifrost.Tui.Model;
using Bifrost.Tui.Tests.Support;

namespace Bifrost.Tui.Tests.Model;

public sealed class TextScreensTests
{
    [Fact]
    public void Alerts_UnacknowledgedCountInTheHeaderOnEveryScreen_AndTheAckTarget()
    {
        using var store = TempStore.WithSample(Frames.Now);
        foreach (var screen in Enum.GetValues<Screen>())
            Assert.Equal(1, Frames.Build(store.Path, new UiState { Screen = screen }).Header.UnacknowledgedAlerts);
        var alerts = Frames.Build(store.Path, new UiState { Screen = Screen.Alerts }).Text!;
        Assert.Contains("1 unacknowledged", alerts.Lines[0].Text);
        var line = Assert.Single(alerts.Lines, l => l.Text.Contains("FARM_DEGRADED"));
        Assert.Equal("warn", line.Style);
        Assert.NotNull(alerts.AckTarget);
        Assert.Contains("ALERTS 1 unack", Frames.Text(Frames.Render(store.Path, new UiState())));
    }

    [Fact]
    public void AlertsScreen_OlderUnacknowledgedCriticalBehindNewerAcknowledged_IsListedFirst_AndAcknowledgeReachesIt()
    {
        using var store = TempStore.WithSample(Frames.Now, (_, w) =>
        {
            w.RaiseAlert(new AlertRecord(Frames.Now - 600 * Sample.Second, AlertSeverity.Critical, "ORDER_OUTCOME_UNKNOWN", "hedge SELL 73 XYZ: outcome unknown"));
            for (var i = 1; i <= 40; i++)
                w.RaiseAlert(new AlertRecord(Frames.Now - 500 * Sample.Second + i * Sample.Second, AlertSeverity.Info, "FEED_RECOVERED", $"quotes back #{i}"));
        });
        using (var reader = Bifrost.Store.ReadModel.StoreReader.Open(store.Path))
            foreach (var a in reader.GetAlerts(limit: 1000).Where(a => a.Code != "ORDER_OUTCOME_UNKNOWN"))
                Bifrost.Tui.App.MonitorApp.Acknowledge(store.Path, a.Id);
        var state = new UiState { Screen = Screen.Alerts };
        var vm = Frames.Build(store.Path, state);
        Assert.Equal(1, vm.Header.UnacknowledgedAlerts);
        var critical = Assert.Single(vm.Text!.Lines, l => l.Text.Contains("ORDER_OUTCOME_UNKNOWN"));
        Assert.Equal("bad", critical.Style);
        Assert.Equal(1, vm.Text.Lines.ToList().IndexOf(critical)); // right under the title, before the newer acknowledged ones
        Assert.Contains(vm.Text.Lines, l => l.Text.Contains("quotes back #40")); // the newest acknowledged still listed below

        var (_, effects) = UiUpdate.Update(state, new UiAction.Acknowledge(), vm);
        var ack = Assert.IsType<UiEffect.AcknowledgeAlert>(Assert.Single(effects));
        Bifrost.Tui.App.MonitorApp.Acknowledge(store.Path, ack.AlertId);
        Assert.Equal(0, Frames.Build(store.Path, state).Header.UnacknowledgedAlerts);
    }

    [Fact]
    public void AcknowledgeKey_OnAlerts_AsksToAcknowledgeTheNewestUnacknowledged_ThenHeaderClears()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var state = new UiState { Screen = Screen.Alerts };
        var vm = Frames.Build(store.Path, state);
        var (_, effects) = UiUpdate.Update(state, new UiAction.Acknowledge(), vm);
        var ack = Assert.IsType<UiEffect.AcknowledgeAlert>(Assert.Single(effects));
        Assert.Equal(vm.Text!.AckTarget, ack.AlertId);

        var outcome = Bifrost.Tui.App.MonitorApp.Acknowledge(store.Path, ack.AlertId);
        Assert.Equal(new UiAction.AlertAcknowledged($"alert #{ack.AlertId} acknowledged by {Environment.UserName}"), outcome);
        var after = Frames.Build(store.Path, state);
        Assert.Equal(0, after.Header.UnacknowledgedAlerts);
        Assert.Null(after.Text!.AckTarget);
        Assert.Contains($"ack by {Environment.UserName}", Assert.Single(after.Text.Lines, l => l.Text.Contains("FARM_DEGRADED")).Text);
    }

    [Fact]
    public void Runs_ListsRunsWithStatusOrdersAndFees()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var runs = Frames.Build(store.Path, new UiState { Screen = Screen.Runs }, viewport: new Viewport(140, 30)).Text!;
        var live = Assert.Single(runs.Lines, l => l.Text.StartsWith("paper1 "));
        Assert.Contains("orders   2", live.Text);
        Assert.Contains("fees    1.05", live.Text);
        Assert.Contains(runs.Lines, l => l.Text.StartsWith("flatten_1"));
    }

    [Fact]
    public void Runs_ShowsPortfolioRunsByTheRunMachinesStatus_ABlockedRunWithItsReason_TheFallback_AndTheNewestSnapshotsTargets()
    {
        using var store = TempStore.WithSample(Frames.Now, (_, w) => PortfolioSample.Write(w, Frames.Now));
        var runs = Frames.Build(store.Path, new UiState { Screen = Screen.Runs }, viewport: new Viewport(160, 40)).Text!;
        // A blocked run sent no order: only the run machine's row shows it, with why.
        var blocked = Assert.Single(runs.Lines, l => l.Text.Contains("week-20260304-run"));
        Assert.Contains("blocked", blocked.Text);
        Assert.Contains("connection_unavailable", blocked.Text);
        Assert.Equal("bad", blocked.Style);
        var partial = Assert.Single(runs.Lines, l => l.Text.Contains("week-20260305-run"));
        Assert.Contains("partial", partial.Text);
        Assert.Contains("AAA: market_data_error", partial.Text);
        Assert.Contains("fallback -> week-20260302", partial.Text);
        Assert.Equal("warn", partial.Style);
        Assert.Equal("good", Assert.Single(runs.Lines, l => l.Text.Contains("week-20260302-run")).Style);
        // The newest run's orders (the refused one named) and its snapshot's targets by symbol.
        Assert.Contains(runs.Lines, l => l.Text.Contains("AAA buy 0/152 rejected (market_data_error)") && l.Style == "bad");
        Assert.Contains(runs.Lines, l => l.Text.Contains("snapshot week-20260305 sha256:hash-week-20260305"));
        Assert.Contains(runs.Lines, l => l.Text.TrimStart().StartsWith("AAA", StringComparison.Ordinal) && l.Text.Contains("->     50"));
        // The rendered frame carries the same words.
        var frame = Frames.Text(Frames.Render(store.Path, new UiState { Screen = Screen.Runs }, viewport: new Viewport(160, 40)));
        Assert.Contains("week-20260304-run blocked", frame);
    }

    [Fact]
    public void Stats_ShowsTheSessionDays()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var stats = Frames.Build(store.Path, new UiState { Screen = Screen.Stats }, viewport: new Viewport(120, 40)).Text!;
        Assert.Contains(stats.Lines, l => l.Text.StartsWith("2026-03-02"));
        Assert.Contains(stats.Lines, l => l.Text.StartsWith("win rate (days with P&L > 0): 100 % of 2 day(s)"));
    }

    [Fact]
    public void Statistics_WeeksMonthsPercentilesAndHistogram()
    {
        DailySummary Day(int d, double pnl) => new(new DateOnly(2026, 3, d), pnl, 0, 1, pnl, 2, 2, 10);
        var days = new[] { Day(2, 100), Day(3, -50), Day(9, 30) };
        var week = Statistics.Build(days, [], StatsPeriod.Week);
        Assert.Equal(["2026-W11", "2026-W10"], week.Periods.Select(p => p.Period));
        Assert.Equal(50, week.Periods[1].Pnl);
        Assert.Equal(2.0 / 3, week.WinRate!.Value, 6);
        Assert.Equal(3, week.Histogram.Sum(l => int.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1])));
        var p = Statistics.Percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        Assert.Equal((5.0, 10.0), (p.P50!.Value, p.P95!.Value));
        var orders = new[]
        {
            new Bifrost.Store.ReadModel.OrderTimeline("oi_1", "r", "manual", "MKT", TradeSide.Buy, 10, 10, 100.10, 0, 2_000_000, 5_000_000, 100.00),
            new Bifrost.Store.ReadModel.OrderTimeline("oi_2", "r", "manual", "MKT", TradeSide.Sell, 10, 10, 99.90, 0, 4_000_000, 9_000_000, 100.00),
        };
        var s = Statistics.Build(days, orders, StatsPeriod.Month);
        Assert.Equal(10, s.SlippageBps!.Value, 6);
        Assert.Equal((2.0, 4.0), (s.Ack.P50!.Value, s.Ack.P95!.Value));
    }

    /// <summary>The store's realised and fees are running totals (each day's last status: 1,000 realised before the week, nothing
    /// closed in it, 2.50 of fees a day): a week showed 5,000.00 realised and 37.50 of fees, summed over its days.</summary>
    [Fact]
    public void Statistics_AWeeksRealisedAndFees_AreTheTotalsAtItsEnd_NotTheSumOfItsDays()
    {
        var days = Enumerable.Range(0, 5)
            .Select(i => new DailySummary(new DateOnly(2026, 3, 2 + i), 1_000, -20 * i, 2.5 * (i + 1), -2.5 - 20, 1, 1, 100))
            .ToList();
        var week = Statistics.Build(days, [], StatsPeriod.Week).Periods.Single();
        Assert.Equal("2026-W10", week.Period);
        Assert.Equal(1_000, week.Realized);
        Assert.Equal(12.5, week.Fees);
        Assert.Equal(-80, week.Unrealized);
        Assert.Equal(-112.5, week.Pnl);
        var lines = Statistics.Lines(Statistics.Build(days, [], StatsPeriod.Week));
        Assert.Contains(lines, l => l.StartsWith("2026-W10", StringComparison.Ordinal) && !l.Contains("5,000.00", StringComparison.Ordinal));
    }

    /// <summary>A day whose book was unvalued at its last status has no P&amp;L on record: counted as 0.00, a month with a
    /// loss on that day read as a winning one (+100 here, where the unknown day may have lost 5,000).</summary>
    [Fact]
    public void Statistics_ADayWithoutPnl_LeavesItsPeriodsSumsUnknown_NotZero()
    {
        var days = new DailySummary[]
        {
            new(new DateOnly(2026, 3, 2), 100, 0, 1, 100, 2, 2, 10),
            new(new DateOnly(2026, 3, 3), null, null, null, null, 1, 1, 5),
            new(new DateOnly(2026, 4, 1), 30, 0, 1, 30, 1, 1, 5),
        };
        var s = Statistics.Build(days, [], StatsPeriod.Month);
        var march = s.Periods.Single(p => p.Period == "2026-03");
        Assert.Null(march.Pnl);
        Assert.Null(march.Realized);
        Assert.Equal(1, march.UnknownDays);
        Assert.Equal(30, s.Periods.Single(p => p.Period == "2026-04").Pnl);
        var lines = Statistics.Lines(s);
        Assert.Contains(lines, l => l.StartsWith("2026-03", StringComparison.Ordinal) && !l.Contains("100.00", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("1 day(s) have no P&L on record", StringComparison.Ordinal));
        Assert.Contains("2026-03,2,,,,,3,1", Statistics.Csv(s), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\u001b[91m██\u001b[39m \u001b[1m\u001b[30m\u001b[101m RED \u001b[0m", 3)]
    [InlineData("plain", 1)]
    public void AnsiCells_SplitsStyledRuns(string line, int runs)
    {
        var cells = Bifrost.Tui.App.AnsiCells.Parse(line);
        Assert.Equal(runs, cells.Count);
        Assert.Equal(string.Concat(cells.Select(c => c.Text)), System.Text.RegularExpressions.Regex.Replace(line, "\u001b\\[[0-9;]*m", ""));
        if (runs == 3)
        {
            Assert.Equal(Bifrost.Tui.App.Color16.BrightRed, cells[0].Foreground);
            Assert.Equal((Bifrost.Tui.App.Color16.Black, Bifrost.Tui.App.Color16.BrightRed, true), (cells[2].Foreground!.Value, cells[2].Background!.Value, cells[2].Bold));
        }
    }
}
