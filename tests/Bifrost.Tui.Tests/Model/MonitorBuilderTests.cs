using Bifrost.Store.Records;
using Bifrost.Tui.Input;
using Bifrost.Tui.Model;
using Bifrost.Tui.Tests.Support;

namespace Bifrost.Tui.Tests.Model;

public sealed class MonitorBuilderTests
{
    [Fact]
    public void Positions_StrategyOwnedAndExternalShownApart()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var d = Frames.Build(store.Path, new UiState()).Dashboard;

        Assert.Equal(["XYZ 20260320 100 C", "XYZ 20260320 100 P", "XYZ"], d.Strategy.Select(p => p.Symbol));
        Assert.All(d.Strategy, p => Assert.Equal(PositionOwner.Strategy, p.Owner));
        Assert.True(d.Strategy[^1].IsHedge);
        var external = Assert.Single(d.External);
        Assert.Equal((50.0, PositionOwner.External), (external.Quantity, external.Owner));
        Assert.Equal(-120, d.StrategyHedgeShares);
        Assert.Equal(50, d.ExternalShares);
    }

    [Fact]
    public void Dashboard_GreeksBandPnlAndLimitLevels()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var d = Frames.Build(store.Path, new UiState()).Dashboard;

        Assert.Equal(new Greeks(62, 4.1, 120.5, -35.2), d.Greeks);
        Assert.NotNull(d.Band);
        Assert.True(d.Band.Inside);
        Assert.Equal("[─────────┼─────█───]", d.Band.Bar); // 19 cells: target 0 at cell 9, delta +62 at cell 15
        Assert.Equal((120.50, -40.10, 6.30, 80.20, -35.00, 10.10), (d.Pnl.Realized, d.Pnl.Unrealized, d.Pnl.Fees, d.Pnl.AttrGamma, d.Pnl.AttrTheta, d.Pnl.AttrVega));
        Assert.Equal([LimitLevel.Ok, LimitLevel.Near, LimitLevel.Breached], d.Limits.Select(l => l.Level));
        Assert.Equal(0.4, d.Limits[0].Fraction, 6);
    }

    // A portfolio run's stocks are strategy-owned STK too, but Flatten closes the configured underlying only
    // (Runs.advanceFlatten). Summed with them, the hedge read +380 sh and the flatten confirmation promised to close
    // "the strategy-owned hedge of +380 shares" while the daemon sold nothing of AAA and bought back XYZ's -120.
    [Fact]
    public void Positions_WithPortfolioStocks_TheHedgeIsTheUnderlyingOnly_AndFlattenSaysTheStocksStay()
    {
        using var store = TempStore.WithSample(Frames.Now, status: s => Sample.Trader(s) with
        {
            Positions = [.. Sample.Trader(s).Positions,
                new PositionEntry(3001, "AAA", "STK", 500, 40.0, PositionOwner.Strategy, 41.0),
                new PositionEntry(3002, "BBB", "STK", 300, 20.0, PositionOwner.External, 21.0)],
        });
        var vm = Frames.Build(store.Path, new UiState { Screen = Screen.Controls, Confirm = ControlCommandKind.Flatten });

        Assert.Equal(-120, vm.Dashboard.StrategyHedgeShares);
        Assert.Equal(50, vm.Dashboard.ExternalShares);
        var text = vm.Controls.Pending!.Text;
        Assert.Contains("close the strategy-owned hedge of -120 shares to 0", text);
        Assert.Contains("the strategy-owned AAA +500 is not closed by a flatten", text);
        Assert.Contains("external/manual positions (+50 shares)", text);
    }

    // The dashboard says Δ unknown while a leg has no valuation (the daemon reports zeros), but the Resume confirmation
    // read the same zero: "Net delta is +0 against the band [-100, +100]." — a quiet book, where a hedge may go out as
    // soon as the leg is valued again.
    [Fact]
    public void ResumeConfirmation_WhileGreeksAreUnknown_SaysDeltaUnknown_NotZero()
    {
        using var store = TempStore.WithSample(Frames.Now, status: s => s with
        {
            Health = Health.Blocked,
            Checks = [.. s.Checks, new CheckResult("greeks_ok", Health.Blocked, "a leg has no valuation")],
            NetGreeks = new Greeks(0, 0, 0, 0),
        });
        var text = Frames.Build(store.Path, new UiState { Screen = Screen.Controls, Confirm = ControlCommandKind.Resume }).Controls.Pending!.Text;
        Assert.DoesNotContain("Net delta is +0", text);
        Assert.Equal("Resume: hedging restarts from the current state (now Hedging). Net delta is unknown (a leg has no valuation): "
            + "against the band [-100, +100] a hedge may be sent as soon as it is known.", text);
    }

    [Fact]
    public void OperationDetail_NamesTheContract_NotABareConId()
    {
        using var store = TempStore.WithSample(Frames.Now, status: Sample.Trader);
        var detail = Frames.Build(store.Path, new UiState { Screen = Screen.Operations, DetailOpen = true }).Operations!.Detail!;
        Assert.Contains(detail.Fields, f => f.Key == "contract" && f.Value == "XYZ (con id 1001)");
    }

    [Theory]
    [InlineData(150, "[─────────┼─────────>")]
    [InlineData(-101, "<─────────┼─────────]")]
    [InlineData(-100, "[█────────┼─────────]")]
    public void BandGauge_MarksDeltaOutsideTheBand(double delta, string bar)
    {
        var gauge = Gauges.Band(new HedgeBand(-100, 100, 0), delta);
        Assert.Equal(bar, gauge.Bar);
        Assert.Equal(delta is >= -100 and <= 100, gauge.Inside);
    }

    [Fact]
    public void Operations_NewestFirst()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var ops = Frames.Build(store.Path, new UiState { Screen = Screen.Operations }).Operations!;

        Assert.Equal(13, ops.Total);
        Assert.Equal("fill", ops.Rows[0].Kind);
        Assert.Equal("oi_paper1_4", ops.Rows[0].Ref);
        Assert.True(ops.Rows.Zip(ops.Rows.Skip(1)).All(p => p.First.TimeNanos >= p.Second.TimeNanos));
        Assert.True(ops.AtNewest);
    }

    [Theory]
    [InlineData(3, new[] { "fill", "fill" })]                    // fill
    [InlineData(2, new[] { "order", "order" })]                  // order (+status)
    [InlineData(6, new[] { "control_done", "control" })]         // control
    [InlineData(7, new[] { "alert" })]                           // alert
    public void Operations_FilterByKind(int filter, string[] kinds)
    {
        using var store = TempStore.WithSample(Frames.Now);
        var ops = Frames.Build(store.Path, new UiState { Screen = Screen.Operations, KindFilter = filter }).Operations!;
        Assert.Equal(kinds, ops.Rows.Select(r => r.Kind));
    }

    [Fact]
    public void Operations_FilterByTimeRange()
    {
        using var store = TempStore.WithSample(Frames.Now, more: (_, w) =>
            w.Record(new OperationRecord(Frames.Now - 3 * 3600 * Sample.Second, OperationKind.Fill, Sample.RunId, Detail: "three hours ago")));
        var all = Frames.Build(store.Path, new UiState { Screen = Screen.Operations }).Operations!;
        var lastHour = Frames.Build(store.Path, new UiState { Screen = Screen.Operations, TimeRange = 2 }).Operations!;
        Assert.Equal(14, all.Total);
        Assert.Equal(13, lastHour.Total);
        Assert.Equal("last 1h", lastHour.TimeRange);
        Assert.DoesNotContain(lastHour.Rows, r => r.Detail == "three hours ago");
    }

    [Fact]
    public void Operations_PagingWalksEveryRowOnceAndBack()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var vp = new Viewport(80, Viewport.ChromeRows + 2 + 4); // 4 operation rows
        var state = new UiState { Screen = Screen.Operations };
        var seen = new List<long>();
        var pages = new List<UiState>();
        while (true)
        {
            var vm = Frames.Build(store.Path, state, viewport: vp);
            Assert.True(vm.Operations!.Rows.Count <= 4);
            seen.AddRange(vm.Operations.Rows.Select(r => r.Id));
            pages.Add(state);
            if (!vm.Operations.HasOlder) break;
            state = UiUpdate.Update(state, new UiAction.PageDown(), vm).State;
        }
        Assert.Equal(13, seen.Count);
        Assert.Equal(seen.OrderByDescending(id => id), seen); // ids were written oldest first, so newest first = descending
        Assert.Equal(13, seen.Distinct().Count());

        // PageUp from the last page comes back page by page to the first.
        for (var i = pages.Count - 1; i > 0; i--)
        {
            var vm = Frames.Build(store.Path, state, viewport: vp);
            state = UiUpdate.Update(state, new UiAction.PageUp(), vm).State;
            Assert.Equal(Frames.Build(store.Path, pages[i - 1], viewport: vp).Operations!.Rows.Select(r => r.Id),
                Frames.Build(store.Path, state, viewport: vp).Operations!.Rows.Select(r => r.Id));
        }
    }

    [Fact]
    public void Operations_DownPastTheBottomScrollsOneRow_UpScrollsBack()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var vp = new Viewport(80, Viewport.ChromeRows + 2 + 4);
        var state = new UiState { Screen = Screen.Operations };
        var first = Frames.Build(store.Path, state, viewport: vp);
        for (var i = 0; i < 4; i++) state = UiUpdate.Update(state, new UiAction.Down(), Frames.Build(store.Path, state, viewport: vp)).State;
        var scrolled = Frames.Build(store.Path, state, viewport: vp).Operations!;
        Assert.Equal(first.Operations!.Rows.Skip(1).Select(r => r.Id), scrolled.Rows.Take(3).Select(r => r.Id));
        Assert.Equal(3, scrolled.Selected);
        Assert.False(scrolled.AtNewest);

        for (var i = 0; i < 4; i++) state = UiUpdate.Update(state, new UiAction.Up(), Frames.Build(store.Path, state, viewport: vp)).State;
        var back = Frames.Build(store.Path, state, viewport: vp).Operations!;
        Assert.Equal(first.Operations.Rows.Select(r => r.Id), back.Rows.Select(r => r.Id));
        Assert.Equal(0, back.Selected);
    }

    [Fact]
    public void Operations_SelectionStaysOnItsOperationWhileNewOnesArrive()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var state = new UiState { Screen = Screen.Operations };
        state = UiUpdate.Update(state, new UiAction.Down(), Frames.Build(store.Path, state)).State;
        var selectedId = Frames.Build(store.Path, state).Operations!.Rows[state.Selected].Id;

        store.Write(w => w.Record(new OperationRecord(Frames.Now + Sample.Second, OperationKind.Intent, Sample.RunId, Detail: "newer")));
        var after = Frames.Build(store.Path, state).Operations!;
        Assert.Equal(selectedId, after.Rows[after.Selected].Id);
        Assert.Equal(14, after.Total);

        var live = Frames.Build(store.Path, UiUpdate.Update(state, new UiAction.Newest(), null).State).Operations!;
        Assert.Equal("newer", live.Rows[0].Detail);
    }

    [Fact]
    public void OperationDetail_ShowsTheReasonTheOrderAndItsFills()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var state = new UiState { Screen = Screen.Operations, KindFilter = 3, Selected = 1 }; // fills; the older one
        state = UiUpdate.Update(state, new UiAction.Open(), Frames.Build(store.Path, state)).State;
        var detail = Frames.Build(store.Path, state).Operations!.Detail!;

        var fields = detail.Fields.ToDictionary(f => f.Key, f => f.Value);
        Assert.Equal("exec 0001.01", fields["state / reason"]);
        Assert.Equal("oi_paper1_1", fields["order ref"]);
        Assert.Equal("Filled, filled 100 @ 101.04, IB id 11, perm 9001", fields["order status"]);
        Assert.Contains("exec 0001.01 fee 1.05", Assert.Single(detail.Fills));

        var closed = UiUpdate.Update(state, new UiAction.Back(), null).State;
        Assert.Null(Frames.Build(store.Path, closed).Operations!.Detail);
    }

    [Fact]
    public void History_DaysAndRunsWithGuardBlocksByReason()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var h = Frames.Build(store.Path, new UiState { Screen = Screen.History }).History!;

        Assert.Equal(["2026-03-02", "2026-03-01"], h.Days.Select(d => d.Day));
        Assert.Equal((2L, 1L, 100.0), (h.Days[0].HedgeOrders, h.Days[0].HedgesFilled, h.Days[0].HedgeQty));
        Assert.Equal(310, h.Days[1].Realized);

        var bt = h.Runs.Single(r => r.RunId == "bt_7_a");
        Assert.Equal(("backtest", "STALE_QUOTE:12 WIDE_SPREAD:3", 15L, "sweep_7"), (bt.Kind, bt.GuardBlocks, bt.GuardBlockTotal, bt.Parent));
        Assert.Equal(812.5, bt.TotalPnl);
        Assert.Equal("none", h.Runs.Single(r => r.RunId == "sweep_7").GuardBlocks);
        Assert.Equal("running", h.Runs.Single(r => r.RunId == Sample.RunId).Ended);
    }

    [Fact]
    public void History_ScrollsRuns()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var state = new UiState { Screen = Screen.History };
        var vm = Frames.Build(store.Path, state);
        var first = vm.History!;
        state = UiUpdate.Update(state, new UiAction.Down(), vm).State;
        Assert.Equal(first.Runs.Skip(1).Select(r => r.RunId), Frames.Build(store.Path, state).History!.Runs.Select(r => r.RunId));
    }

    [Fact]
    public void MissingStore_RedStoreUnavailable_ThenRecoversWhenTheDaemonCreatesIt()
    {
        using var store = TempStore.Empty();
        using var source = new StoreSource(store.Path);
        var settings = Frames.Settings(store.Path);
        var state = new UiState();

        var missing = MonitorBuilder.Build(source.Load(state, Viewport.Standard, Frames.Now), state, settings, Frames.Now, Viewport.Standard);
        Assert.Equal("STORE UNAVAILABLE", missing.Header.Light.Word);
        Assert.Contains("does not exist", missing.Header.Light.Detail);

        store.Write(w => Sample.Fill(w, Frames.Now, Sample.Status(Frames.Now)));
        var ok = MonitorBuilder.Build(source.Load(state, Viewport.Standard, Frames.Now), state, settings, Frames.Now, Viewport.Standard);
        Assert.Equal("OK", ok.Header.Light.Word);
    }

    [Fact]
    public void LockedStore_RedStoreUnavailable_NotAnException()
    {
        using var store = TempStore.WithSample(Frames.Now);
        using var source = new StoreSource(store.Path);
        using (var holder = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={store.Path};Pooling=False"))
        {
            holder.Open();
            using var cmd = holder.CreateCommand();
            // Exclusive locking mode in WAL: the holder keeps the database to itself until it closes.
            cmd.CommandText = "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; UPDATE status SET fsm_state = fsm_state;";
            cmd.ExecuteNonQuery();
            var data = source.Load(new UiState(), Viewport.Standard, Frames.Now);
            Assert.NotNull(data.Error);
            Assert.Contains("locked", data.Error, StringComparison.OrdinalIgnoreCase);
        }
        Assert.Null(source.Load(new UiState(), Viewport.Standard, Frames.Now).Error);
    }

    [Fact]
    public void NoStatusYet_RedNoStatus()
    {
        using var store = TempStore.Empty();
        store.Write(w => w.Record(new OperationRecord(Frames.Now, OperationKind.State, Detail: "starting")));
        var vm = Frames.Build(store.Path, new UiState());
        Assert.Equal("NO STATUS", vm.Header.Light.Word);
        Assert.Same(DashboardVm.Empty, vm.Dashboard);
    }
}
