using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Store.Tests.Support;
using Bifrost.Store.Writer;

namespace Bifrost.Store.Tests.Writer;

/// <summary>What the daemon and the simulator write is what the monitor reads back.</summary>
public sealed class RecordRoundTripTests : IDisposable
{
    private readonly TempStore _store = new();

    public void Dispose() => _store.Dispose();

    private async Task<StoreReader> WriteThenRead(Action<StoreWriter> write)
    {
        await using (var writer = _store.OpenWriter())
        {
            write(writer);
            await writer.FlushAsync();
        }
        return StoreReader.Open(_store.Path);
    }

    [Fact]
    public async Task StatusSnapshot_RoundTripsWithPositionsOwnershipChecksAndPnl()
    {
        var status = Sample.Status(health: Health.Blocked) with
        {
            Pnl = Sample.Status().Pnl with { AttrSpread = 1.25, AttrOpening = -2.5, AttrBasis = 0.75 },
            AccountValues = new Dictionary<string, double> { ["NetLiquidation"] = 1_000_123.45, ["BuyingPower"] = 4e6 },
        };
        using var reader = await WriteThenRead(w => w.SetStatus(status));

        var read = reader.GetStatus()!;
        Assert.Equal(Health.Blocked, read.Health);
        Assert.Equal(["DISCONNECTED"], read.BlockReasons);
        Assert.Equal(status.Positions, read.Positions);
        Assert.Equal(status.Checks, read.Checks);
        Assert.Equal(status.Limits, read.Limits);
        Assert.Equal(status.AccountValues, read.AccountValues);
        Assert.Equal(status with { Checks = read.Checks, BlockReasons = read.BlockReasons, Positions = read.Positions, Limits = read.Limits, AccountValues = read.AccountValues }, read);
        Assert.Contains(read.Positions, p => p.Owner == PositionOwner.External);
    }

    [Fact]
    public async Task Heartbeat_TouchesOnlyTheHeartbeat_AndHistoryKeepsEverySnapshot()
    {
        using var reader = await WriteThenRead(w =>
        {
            w.SetStatus(Sample.Status());
            w.AppendHistory(Sample.Status());
            w.AppendHistory(Sample.Status(Sample.T0 + 1_000, Health.Degraded));
            w.Heartbeat(Sample.T0 + 5_000);
        });

        var status = reader.GetStatus()!;
        Assert.Equal(Sample.T0 + 5_000, status.HeartbeatNanos);
        Assert.Equal(Sample.T0, status.TimeNanos);
        var history = reader.GetStatusHistory(Sample.T0, Sample.T0 + 2_000);
        Assert.Equal([Health.Ok, Health.Degraded], history.Select(h => h.Health));
    }

    [Fact]
    public async Task DuplicateFill_IsIgnoredNotAnError_AndCommissionArrivesLater()
    {
        var rejected = 0;
        using var reader = await WriteThenRead(w =>
        {
            w.ItemRejected += _ => rejected++;
            w.AddFill(Sample.Fill("0000e0d5.01", "oi_run1_1"));
            w.AddFill(Sample.Fill("0000e0d5.01", "oi_run1_1") with { Price = 999 }); // IB re-sent it
            w.SetFillCommission("0000e0d5.01", 1.05);
        });

        var fill = Assert.Single(reader.GetFillsForOrder("oi_run1_1"));
        Assert.Equal(470.05, fill.Price);
        Assert.Equal(1.05, fill.Commission);
        Assert.Equal(0, rejected);
    }

    /// <summary>A restart judges a fill of our ref by the client that executed it and the engine that received it.</summary>
    [Fact]
    public async Task Fill_KeepsTheExecutionsClientIdAndTheEnginesOwn()
    {
        using var reader = await WriteThenRead(w =>
        {
            w.AddFill(Sample.Fill("0000e0d5.01", "oi_run1_1") with { PermId = 77, ClientId = 18, EngineClientId = 17 });
            w.AddFill(Sample.Fill("0000e0d5.02", "oi_run1_1")); // a backtest's: no client ids
        });

        var fills = reader.GetFillsForOrder("oi_run1_1").ToDictionary(f => f.ExecId);
        Assert.Equal((77L, (int?)18, (int?)17), (fills["0000e0d5.01"].PermId, fills["0000e0d5.01"].ClientId, fills["0000e0d5.01"].EngineClientId));
        Assert.Equal(((int?)null, (int?)null), (fills["0000e0d5.02"].ClientId, fills["0000e0d5.02"].EngineClientId));
    }

    [Fact]
    public async Task RepeatedFill_CarryingTheCommissionTheStoredOneLacks_FillsItIn_AndNeverOverwritesOne()
    {
        using var reader = await WriteThenRead(w =>
        {
            w.AddFill(Sample.Fill("0000e0d5.01", "oi_run1_1")); // stopped before its commissionReport
            w.AddFill(Sample.Fill("0000e0d5.01", "oi_run1_1") with { Price = 999, Commission = 1.05 }); // reqExecutions at the next start
            w.AddFill(Sample.Fill("0000e0d5.02", "oi_run1_1") with { Commission = 0.5 });
            w.AddFill(Sample.Fill("0000e0d5.02", "oi_run1_1") with { Commission = 7 });
        });

        var fills = reader.GetFillsForOrder("oi_run1_1").ToDictionary(f => f.ExecId);
        Assert.Equal(470.05, fills["0000e0d5.01"].Price);
        Assert.Equal(1.05, fills["0000e0d5.01"].Commission);
        Assert.Equal(0.5, fills["0000e0d5.02"].Commission);
    }

    [Fact]
    public async Task BrokersReportedFillCount_IsKeptBesideTheAppliedOne_AndNeverGoesDown()
    {
        // orderStatus "Cancelled filled=200" ahead of its execution: the broker's count is what a restart needs.
        using var reader = await WriteThenRead(w =>
        {
            w.UpsertOrder(Sample.Order("oi_run1_1"));
            w.UpdateOrder(new OrderProgress("oi_run1_1", "Cancelled", Sample.T0 + 50, Filled: 0, ReportedFilled: 200));
            w.UpdateOrder(new OrderProgress("oi_run1_1", "Cancelled", Sample.T0 + 60, ReportedFilled: 150)); // a stale repeat
            w.UpsertOrder(Sample.Order("oi_run1_1") with { Status = "Cancelled" });                            // a whole-row rewrite
        });
        var o = reader.GetOrder("oi_run1_1")!;
        Assert.Equal(("Cancelled", 0.0, 200.0), (o.Status, o.Filled, o.ReportedFilled));
    }

    [Fact]
    public async Task CancelAskedFor_IsKeptOnTheOrder_AndAStatusUpdateWithoutItDoesNotClearIt()
    {
        using var reader = await WriteThenRead(w =>
        {
            w.UpsertOrder(Sample.Order("oi_run1_1"));
            w.UpsertOrder(Sample.Order("oi_run1_2"));
            w.UpdateOrder(new OrderProgress("oi_run1_1", "Submitted", Sample.T0 + 50, CancelRequested: true));
            w.UpdateOrder(new OrderProgress("oi_run1_1", "Submitted", Sample.T0 + 60));            // IB repeats the status
            w.UpsertOrder(Sample.Order("oi_run1_1") with { Status = "Submitted" });                  // a whole-row rewrite
        });
        Assert.True(reader.GetOrder("oi_run1_1")!.CancelRequested);
        Assert.False(reader.GetOrder("oi_run1_2")!.CancelRequested);
    }

    [Fact]
    public async Task RunOrdersAndFills_AreTraceableFromTheRun()
    {
        using var reader = await WriteThenRead(w =>
        {
            w.StartRun(new RunRecord("run1", RunKind.Live, Sample.T0, """{"band":50}"""));
            w.UpsertOrder(Sample.Order("oi_run1_1"));
            w.UpsertOrder(Sample.Order("oi_run1_2", created: Sample.T0 + 10));
            w.UpsertOrder(Sample.Order("oi_other_1", run: "other"));
            w.UpdateOrder(new OrderProgress("oi_run1_1", "Filled", Sample.T0 + 50, Filled: 100, AvgPrice: 470.04, PermId: 18111));
            w.AddFill(Sample.Fill("e1", "oi_run1_1"));
            w.AddFill(Sample.Fill("e2", "oi_other_1"));
            w.EndRun("run1", Sample.T0 + 100, """{"hedges":1}""", new Dictionary<string, long> { ["STALE_QUOTE"] = 3, ["WIDE_SPREAD"] = 1 });
        });

        Assert.Equal(["oi_run1_1", "oi_run1_2"], reader.GetOrdersForRun("run1").Select(o => o.OrderRef));
        var filled = reader.GetOrder("oi_run1_1")!;
        Assert.Equal(("Filled", 100.0, 470.04, 18111L, 1001L, Sample.T0), (filled.Status, filled.Filled, filled.AvgPrice, filled.PermId!.Value,
            filled.IbOrderId!.Value, filled.CreatedNanos));
        Assert.Equal(["e1"], reader.GetFillsForRun("run1").Select(f => f.ExecId));
        var run = reader.GetRun("run1")!;
        Assert.Equal(Sample.T0 + 100, run.Run.EndedNanos);
        Assert.Equal(3, run.GuardBlocks["STALE_QUOTE"]);
        Assert.Null(run.Metrics);
    }

    /// <summary>A restart answers a flatten it finds unanswered by its run: the daemon writes the control's id with the
    /// flatten's run row. Runs of other kinds, and flattens written before (no control id), are not taken for one.</summary>
    [Fact]
    public async Task FlattenRunsByControl_FindsEachFlattensRunByTheControlItNames()
    {
        using var reader = await WriteThenRead(w =>
        {
            w.StartRun(new RunRecord("t1-flat3", RunKind.Flatten, Sample.T0, """{"control_id":7}""", "t1"));
            w.StartRun(new RunRecord("t1-flat9", RunKind.Flatten, Sample.T0 + 1, """{"control_id":12}""", "t1"));
            w.StartRun(new RunRecord("t1-flat2", RunKind.Flatten, Sample.T0 - 1, "{}", "t1"));
            w.StartRun(new RunRecord("t1-man4", RunKind.Manual, Sample.T0, """{"control_id":4}""", "t1"));
        });

        Assert.Equal(new Dictionary<long, string> { [7] = "t1-flat3", [12] = "t1-flat9" }, reader.FlattenRunsByControl());
    }

    /// <summary>`flatten-all --wait` finds the flatten's end by the control's own operation ("… (#7)"); a daemon killed
    /// right after the flatten's order went out may have lost that row (queued, not yet committed) while the journal
    /// kept the run's, which names the control: the end the restart writes is still found by it.</summary>
    [Fact]
    public async Task FindFlattenEnd_WithoutTheControlsOperation_IsFoundByTheRunThatNamesIt()
    {
        using var reader = await WriteThenRead(w =>
        {
            w.Record(new OperationRecord(Sample.T0, OperationKind.ControlDone, "t1-flat1", Detail: "flatten strategy hedge at 0")); // an earlier flatten's
            w.StartRun(new RunRecord("t1-flat3", RunKind.Flatten, Sample.T0 + 1, """{"control_id":7}""", "t1"));
            w.Record(new OperationRecord(Sample.T0 + 2, OperationKind.ControlDone, "t1-flat3", Detail: "flatten strategy hedge at 0 (followed to its end after an interruption: …)"));
        });

        Assert.Equal(("t1-flat3", "flatten strategy hedge at 0 (followed to its end after an interruption: …)"), reader.FindFlattenEnd(7));
        Assert.Null(reader.FindFlattenEnd(8));
    }

    [Fact]
    public async Task SimulatorBacktestsInASweep_AreListedWithMetricsAndGuardBlocksByReason()
    {
        using var reader = await WriteThenRead(w =>
        {
            w.StartRun(new RunRecord("sweep1", RunKind.Sweep, Sample.T0, """{"grid":"band"}"""));
            for (var i = 0; i < 3; i++)
            {
                var id = $"bt{i}";
                w.StartRun(new RunRecord(id, RunKind.Backtest, Sample.T0 + i, $$"""{"band":{{10 * i}}}""", "sweep1"));
                w.RecordRunMetrics(new RunMetrics(id, 100 * i, 90 * i, 5, 20, 1.1, 10, 9, 4));
                w.EndRun(id, Sample.T0 + 10 + i, null, new Dictionary<string, long> { ["STALE_QUOTE"] = i });
            }
            w.StartRun(new RunRecord("live1", RunKind.Live, Sample.T0 + 50));
        });

        var sims = reader.ListRuns(new RunQuery { Kinds = [RunKind.Backtest] });
        Assert.Equal(["bt2", "bt1", "bt0"], sims.Select(r => r.Run.RunId));
        Assert.Equal(200, sims[0].Metrics!.TotalPnl);
        Assert.Equal(2, sims[0].GuardBlocks["STALE_QUOTE"]);
        Assert.Equal(3, reader.ListRuns(new RunQuery { ParentRunId = "sweep1" }).Count);
        Assert.Equal(5, reader.ListRuns(new RunQuery()).Count);
    }

    [Fact]
    public async Task OrderIdHighWaterMark_NeverGoesDown()
    {
        await using var writer = _store.OpenWriter();
        writer.RecordNow(new StoreWrite.OrderIdHighWater(1050, Sample.T0));
        writer.RecordNow(new StoreWrite.OrderIdHighWater(1020, Sample.T0 + 1)); // stale
        using var reader = StoreReader.Open(_store.Path);
        Assert.Equal("1050", reader.GetEngineState(EngineKeys.NextOrderId));
        writer.SetEngineState(EngineKeys.RunSequence, "7", Sample.T0);
        await writer.FlushAsync();
        Assert.Equal("7", reader.GetEngineState(EngineKeys.RunSequence));
    }

    [Fact]
    public async Task DailySummary_TakesTheLastSnapshotOfEachDay_AndCountsHedgeOrders()
    {
        const long day = 86_400_000_000_000L;
        using var reader = await WriteThenRead(w =>
        {
            w.AppendHistory(Sample.Status(Sample.T0) with { Pnl = PnlSnapshot.Zero with { Daily = 10 } });
            w.AppendHistory(Sample.Status(Sample.T0 + 1_000) with { Pnl = PnlSnapshot.Zero with { Daily = 25 } });
            w.AppendHistory(Sample.Status(Sample.T0 + day) with { Pnl = PnlSnapshot.Zero with { Daily = -5 } });
            w.UpsertOrder(Sample.Order("h1") with { Filled = 100 });
            w.UpsertOrder(Sample.Order("h2"));
            w.UpsertOrder(Sample.Order("f1", purpose: "flatten"));
            w.UpsertOrder(Sample.Order("h3", created: Sample.T0 + day) with { Filled = 50 });
        });

        var days = reader.GetDailySummaries();
        Assert.Equal(2, days.Count);
        Assert.Equal((new DateOnly(2025, 1, 18), -5.0, 1L, 1L, 50.0), (days[0].Day, days[0].Daily!.Value, days[0].HedgeOrders, days[0].HedgesFilled, days[0].HedgeQty));
        Assert.Equal((new DateOnly(2025, 1, 17), 25.0, 2L, 1L, 100.0), (days[1].Day, days[1].Daily!.Value, days[1].HedgeOrders, days[1].HedgesFilled, days[1].HedgeQty));
    }

    [Fact]
    public async Task DailySummary_ADayWhoseLastStatusDidNotKnowItsPnl_HasNone_NotAFlatDay()
    {
        // The daemon writes an unknown day P&L (a book without a valuation at the day's last status) as 0: read back as
        // 0.00, the statistics counted it a flat day and summed its week as if it were one.
        const long day = 86_400_000_000_000L;
        using var reader = await WriteThenRead(w =>
        {
            w.AppendHistory(Sample.Status(Sample.T0) with { Pnl = PnlSnapshot.Zero with { Daily = -900 } });
            w.AppendHistory(Sample.Status(Sample.T0 + 1_000) with { Pnl = PnlSnapshot.Zero with { DailyKnown = false } });
            w.AppendHistory(Sample.Status(Sample.T0 + day) with { Pnl = PnlSnapshot.Zero with { DailyKnown = false } });
            w.AppendHistory(Sample.Status(Sample.T0 + day + 1_000) with { Pnl = PnlSnapshot.Zero with { Daily = 40 } });
            w.SetStatus(Sample.Status(Sample.T0 + day + 2_000) with { Pnl = PnlSnapshot.Zero with { DailyKnown = false } });
        });

        var days = reader.GetDailySummaries();
        Assert.Equal([40.0, null], days.Select(d => d.Daily));
        Assert.False(reader.GetStatus()!.Pnl.DailyKnown);
        Assert.Equal([true, false, false, true], reader.GetStatusHistory(0, long.MaxValue).OrderBy(h => h.TimeNanos).Select(h => h.Pnl.DailyKnown));
    }

    // A daemon running over a weekend labels Saturday like a trading day (day P&L 0.00): the label says the calendar had
    // no session, so the statistics can leave it out. A day never labelled (a backtest's UTC date) reads as one with a session.
    [Fact]
    public async Task DailySummary_ADayLabelledWithoutASession_SaysSo_AnUnlabelledDayHasOne()
    {
        const long day = 86_400_000_000_000L;
        const long friday = Sample.T0 - 38_000_000_000_000L; // 2025-01-17T00:00Z
        using var reader = await WriteThenRead(w =>
        {
            w.TryEnqueue(new StoreWrite.SessionDay("2025-01-17", friday, friday + day, "UTC"));
            w.TryEnqueue(new StoreWrite.SessionDay("2025-01-18", friday + day, friday + 2 * day, "UTC", HasSession: false));
            w.AppendHistory(Sample.Status(Sample.T0) with { Pnl = PnlSnapshot.Zero with { Daily = 25 } });
            w.AppendHistory(Sample.Status(Sample.T0 + day) with { Pnl = PnlSnapshot.Zero with { Daily = 0 } });
            w.AppendHistory(Sample.Status(Sample.T0 + 3 * day) with { Pnl = PnlSnapshot.Zero with { Daily = -5 } });
        });

        Assert.Equal([(new DateOnly(2025, 1, 20), true), (new DateOnly(2025, 1, 18), false), (new DateOnly(2025, 1, 17), true)],
            reader.GetDailySummaries().Select(d => (d.Day, d.HasSession)));
    }

    [Fact]
    public async Task EveryEnumValue_IsAcceptedByTheSchemaChecks()
    {
        using var reader = await WriteThenRead(w =>
        {
            var i = 0;
            foreach (var kind in Enum.GetValues<OperationKind>()) w.Record(Sample.Op(i++, kind) with { Side = TradeSide.Sell });
            foreach (var kind in Enum.GetValues<RunKind>()) w.StartRun(new RunRecord($"r{kind}", kind, Sample.T0));
            foreach (var sev in Enum.GetValues<AlertSeverity>()) w.RaiseAlert(new AlertRecord(Sample.T0, sev, "X", "m"));
            foreach (var h in Enum.GetValues<Health>()) w.AppendHistory(Sample.Status(health: h));
        });

        Assert.Equal(Enum.GetValues<OperationKind>().Length, reader.CountOperations(new OperationQuery()));
        Assert.Equal(Enum.GetValues<RunKind>().Length, reader.ListRuns(new RunQuery()).Count);
        Assert.Equal(Enum.GetValues<AlertSeverity>().Length, reader.GetAlerts().Count);
        Assert.Equal(Enum.GetValues<Health>().Length, reader.GetStatusHistory(0, long.MaxValue).Count);
    }

    [Fact]
    public async Task Alerts_AreListedNewestFirst_AndCanBeAcknowledged()
    {
        await using var writer = _store.OpenWriter();
        writer.RaiseAlert(new AlertRecord(Sample.T0, AlertSeverity.Warning, "FARM_DEGRADED", "2103 usfarm"));
        writer.RaiseAlert(new AlertRecord(Sample.T0 + 1, AlertSeverity.Critical, "STORE_WRITE_FAILED", "disk full"));
        await writer.FlushAsync();
        using var reader = StoreReader.Open(_store.Path);
        var alerts = reader.GetAlerts();
        Assert.Equal(["STORE_WRITE_FAILED", "FARM_DEGRADED"], alerts.Select(a => a.Code));

        writer.AcknowledgeAlert(alerts[1].Id);
        await writer.FlushAsync();

        Assert.Equal(["STORE_WRITE_FAILED"], reader.GetAlerts(unacknowledgedOnly: true).Select(a => a.Code));
    }
}
