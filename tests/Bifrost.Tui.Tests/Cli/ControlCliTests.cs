using System.Text.Json;
using Bifrost.Store.Control;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Tui.Cli;
using Bifrost.Tui.Tests.Support;

namespace Bifrost.Tui.Tests.Cli;

public sealed class ControlCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = CliMain.Run(args, stdout, stderr, () => Frames.Now);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static ControlCommand Only(TempStore store)
    {
        using var reader = StoreReader.Open(store.Path);
        return Assert.Single(reader.ListControlCommands());
    }

    [Fact]
    public void OrderBuyLimit_WritesTheManualOrderRow_ExternalByDefault()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var (code, output, _) = Run("order", "buy", "XYZ", "100", "--lmt", "101.25", "--store", store.Path, "--timeout", "1");
        Assert.Equal(0, code);
        var row = Only(store);
        Assert.Equal(ControlCommandKind.ManualOrder, row.Command);
        Assert.EndsWith("/cli", row.RequestedBy);
        var args = JsonDocument.Parse(row.ArgumentsJson).RootElement;
        Assert.Equal("XYZ", args.GetProperty("contract").GetString());
        Assert.Equal("buy", args.GetProperty("side").GetString());
        Assert.Equal(100, args.GetProperty("quantity").GetInt32());
        Assert.Equal("lmt", args.GetProperty("type").GetString());
        Assert.Equal(101.25, args.GetProperty("limit").GetDouble());
        Assert.False(args.GetProperty("risk_bypass").GetBoolean());
        Assert.False(args.GetProperty("adjusts_strategy").GetBoolean());
        Assert.Contains($"control #{row.Id} queued: manual_order — BUY 100 XYZ LMT 101.25, the operator's own (external) position", output);
        Assert.Contains("run: not started yet", output);
    }

    [Fact]
    public void OrderSellMarket_ConIdBypassAndAdjustsStrategy_AreExplicit()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var (code, output, _) = Run("order", "sell", "2001", "3", "--risk-bypass", "--adjusts-strategy", "--store", store.Path, "--timeout", "1");
        Assert.Equal(0, code);
        var args = JsonDocument.Parse(Only(store).ArgumentsJson).RootElement;
        Assert.Equal(2001, args.GetProperty("con_id").GetInt64());
        Assert.False(args.TryGetProperty("contract", out _));
        Assert.Equal("mkt", args.GetProperty("type").GetString());
        Assert.True(args.GetProperty("risk_bypass").GetBoolean());
        Assert.True(args.GetProperty("adjusts_strategy").GetBoolean());
        Assert.Contains("RISK BYPASS", output);
        Assert.Contains("adjusts the strategy's holdings", output);
    }

    [Fact]
    public void Rebalance_RepeatedTargets_SymbolsWithSpaces()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var (code, _, _) = Run("rebalance", "--target", "XYZ=-100", "--target", "XYZ 20260320 C 100=2", "--store", store.Path, "--timeout", "1");
        Assert.Equal(0, code);
        var row = Only(store);
        Assert.Equal(ControlCommandKind.Rebalance, row.Command);
        Assert.Equal("""{"targets":[{"contract":"XYZ","quantity":-100},{"contract":"XYZ 20260320 C 100","quantity":2}],"risk_bypass":false}""", row.ArgumentsJson);
    }

    [Theory]
    [InlineData("paper1-man7", """{"run_id":"paper1-man7"}""")]
    [InlineData("oi_paper1_12", """{"order_ref":"oi_paper1_12"}""")]
    public void Cancel_RunOrOrderRef(string target, string json)
    {
        using var store = TempStore.WithSample(Frames.Now);
        Assert.Equal(0, Run("cancel", target, "--store", store.Path, "--timeout", "1").Code);
        var row = Only(store);
        Assert.Equal(ControlCommandKind.Cancel, row.Command);
        Assert.Equal(json, row.ArgumentsJson);
    }

    [Fact]
    public void FlattenAll_WritesTheFlattenRow()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var (code, output, _) = Run("flatten-all", "--store", store.Path, "--timeout", "1");
        Assert.Equal(0, code);
        Assert.Equal(ControlCommandKind.Flatten, Only(store).Command);
        Assert.Contains("Flatten strategy exposure", output);
    }

    [Theory]
    [InlineData("order", "hold", "XYZ", "10")]
    [InlineData("order", "buy", "XYZ", "0")]
    [InlineData("order", "buy", "XYZ", "1.5")]
    [InlineData("order", "buy", "XYZ", "10", "--lmt", "-1")]
    [InlineData("order", "buy", "XYZ", "10", "--lmt", "NaN")]
    [InlineData("order", "buy", "XYZ")]
    [InlineData("rebalance")]
    [InlineData("rebalance", "--target", "XYZ")]
    [InlineData("cancel")]
    [InlineData("stats", "--by", "year")]
    [InlineData("alerts", "--ack", "x")]
    [InlineData("runs", "--lmt", "3")]
    public void BadArguments_ExitTwo_NothingWritten(params string[] args)
    {
        using var store = TempStore.WithSample(Frames.Now);
        var (code, _, err) = Run([.. args, "--store", store.Path]);
        Assert.Equal(2, code);
        Assert.StartsWith("bifrost-tui: ", err);
        using var reader = StoreReader.Open(store.Path);
        Assert.Empty(reader.ListControlCommands());
    }

    // A quantity's comma was dropped wherever it stood: "1,5" (one and a half, as half of Europe writes it) sent a
    // market order for 15, "2,00" one for 200. A separator is only a thousands separator now, in groups of three.
    [Theory]
    [InlineData("order", "buy", "XYZ", "1,5")]
    [InlineData("order", "buy", "XYZ", "2,00")]
    [InlineData("order", "sell", "XYZ", "1,0000")]
    [InlineData("order", "buy", "XYZ", "1_0")]
    [InlineData("order", "buy", "XYZ", ",100")]
    [InlineData("order", "buy", "XYZ", "100,")]
    [InlineData("order", "buy", "XYZ", "1,,000")]
    [InlineData("rebalance", "--target", "XYZ=-1,5")]
    [InlineData("confirm-book", "--leg", "XYZ 20260320 C 100=1,0")]
    public void Quantity_WithASeparatorOutsideThousandsGroups_IsRefused_NothingWritten(params string[] args)
    {
        using var store = TempStore.WithSample(Frames.Now);
        var (code, _, err) = Run([.. args, "--store", store.Path]);
        Assert.Equal(2, code);
        Assert.Contains("' (a comma only between thousands: 1,000)", err);
        using var reader = StoreReader.Open(store.Path);
        Assert.Empty(reader.ListControlCommands());
    }

    [Theory]
    [InlineData("1,000", 1000)]
    [InlineData("10_000", 10000)]
    [InlineData("1,234,567", 1234567)]
    [InlineData("+100", 100)]
    public void Quantity_WithThousandsSeparators_IsTheWholeNumber(string text, int quantity)
    {
        using var store = TempStore.WithSample(Frames.Now);
        var (code, _, _) = Run("order", "buy", "XYZ", text, "--store", store.Path, "--timeout", "1");
        Assert.Equal(0, code);
        Assert.Equal(quantity, JsonDocument.Parse(Only(store).ArgumentsJson).RootElement.GetProperty("quantity").GetInt32());
    }

    [Theory]
    [InlineData("order")]
    [InlineData("flatten-all")]
    [InlineData("rebalance")]
    [InlineData("cancel")]
    [InlineData("runs")]
    [InlineData("alerts")]
    [InlineData("stats")]
    [InlineData("status")]
    [InlineData("ops")]
    public void Help_EveryCommand_ExitZero(string command)
    {
        var (code, output, _) = Run(command, "--help");
        Assert.Equal(0, code);
        Assert.Contains("usage:", output);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("ops")]
    [InlineData("runs")]
    [InlineData("alerts")]
    [InlineData("stats")]
    [InlineData("flatten-all")]
    public void NotASqliteFile_ExitTwoWithReason(string command)
    {
        using var store = TempStore.Empty();
        File.WriteAllText(store.Path, "this is not a database, just text that is long enough to look like a header.......\n");
        var (code, output, err) = Run(command, "--store", store.Path);
        Assert.Equal(2, code);
        Assert.Contains("not a SQLite database", output + err);
    }

    // A status row whose JSON does not read (a damaged store) made `runs` and `ops --symbol` die with an unhandled
    // JsonException (exit 134) where the console and `status` say STORE UNAVAILABLE: now exit 2 with the reason.
    [Theory]
    [InlineData("status", "checks_json", "runs")]
    [InlineData("status", "positions_json", "ops", "--symbol", "XYZ")]
    public void BrokenJsonInTheStore_ExitTwoWithTheReason_NotACrash(string table, string column, params string[] command)
    {
        using var store = TempStore.WithSample(Frames.Now);
        using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={store.Path};Pooling=False"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = $"UPDATE {table} SET {column} = '[{{\"name\":\"conn'";
            Assert.True(cmd.ExecuteNonQuery() > 0);
        }
        var (code, _, err) = Run([.. command, "--store", store.Path]);
        Assert.Equal(2, code);
        Assert.StartsWith("STORE UNAVAILABLE: ", err);
    }

    // A rebalance's orders were followed as "oi_… sell 10/10 Filled; oi_… buy 120/120 Filled": which was the call and
    // which the hedge was not said. Each order now names its contract.
    [Fact]
    public void RebalanceWait_EachOrderNamesItsContract()
    {
        using var store = TempStore.WithSample(Frames.Now, status: Sample.Trader);
        using var daemon = FakeControlDaemon.Start(store, (c, w) =>
        {
            var run = $"{Sample.RunId}-reb{c.Id}";
            w.Record(new OperationRecord(Frames.Now, OperationKind.Control, run, Detail: "rebalance"));
            w.StartRun(new RunRecord(run, RunKind.Rebalance, Frames.Now, "{}", Sample.RunId));
            w.UpsertOrder(new OrderRecord($"oi_{run}_1", run, "rebalance", Sample.CallId, TradeSide.Sell, 10, "MKT", null, "DAY", "Filled",
                Frames.Now, Frames.Now, Filled: 10, AvgPrice: 3.4));
            w.UpsertOrder(new OrderRecord($"oi_{run}_2", run, "rebalance", Sample.StockId, TradeSide.Buy, 120, "MKT", null, "DAY", "Filled",
                Frames.Now, Frames.Now, Filled: 120, AvgPrice: 101.5));
            return (ControlOutcome.Done, "rebalanced");
        });
        var (code, output, _) = Run("rebalance", "--target", "XYZ 20260320 C 100=0", "--target", "XYZ=0", "--wait", "--timeout", "30", "--store", store.Path);
        Assert.Equal(0, code);
        Assert.Contains("oi_paper1-reb1_1 sell 10/10 XYZ 20260320 100 C Filled @ 3.40", output);
        Assert.Contains("oi_paper1-reb1_2 buy 120/120 XYZ Filled @ 101.50", output);
    }

    [Fact]
    public void OrderWait_DaemonFillsTheRun_PrintsRunAndExitsZero()
    {
        using var store = TempStore.WithSample(Frames.Now);
        using var daemon = FakeControlDaemon.Start(store, (c, w) =>
        {
            var run = $"{Sample.RunId}-man{c.Id}";
            w.Record(new OperationRecord(Frames.Now, OperationKind.Control, run, Detail: "manual order"));
            w.StartRun(new RunRecord(run, RunKind.Manual, Frames.Now, "{}", Sample.RunId));
            w.UpsertOrder(new OrderRecord($"oi_{run}_1", run, "manual", Sample.StockId, TradeSide.Buy, 10, "MKT", null, "DAY", "Filled",
                Frames.Now, Frames.Now, Filled: 10, AvgPrice: 101.5));
            return (ControlOutcome.Done, $"oi_{run}_1 buy 10/10 Filled");
        });
        var (code, output, _) = Run("order", "buy", "XYZ", "10", "--wait", "--timeout", "30", "--store", store.Path);
        Assert.Equal(0, code);
        Assert.Contains("run paper1-man1", output);
        Assert.Contains("result: done", output);
    }

    [Fact]
    public void OrderWait_Refused_ExitOneWithTheReason()
    {
        using var store = TempStore.WithSample(Frames.Now);
        using var daemon = FakeControlDaemon.Start(store, (_, _) => (ControlOutcome.Refused, "DATA_LAG: no fresh quote for XYZ"));
        var (code, output, _) = Run("order", "sell", "XYZ", "10", "--wait", "--timeout", "30", "--store", store.Path);
        Assert.Equal(1, code);
        Assert.Contains("result: failed — DATA_LAG: no fresh quote for XYZ", output);
    }

    [Fact]
    public void OrderWait_PartialFill_ExitOne()
    {
        using var store = TempStore.WithSample(Frames.Now);
        using var daemon = FakeControlDaemon.Start(store, (c, w) =>
        {
            var run = $"{Sample.RunId}-reb{c.Id}";
            w.Record(new OperationRecord(Frames.Now, OperationKind.Control, run, Detail: "rebalance"));
            w.UpsertOrder(new OrderRecord($"oi_{run}_1", run, "rebalance", Sample.StockId, TradeSide.Buy, 10, "MKT", null, "DAY", "Cancelled",
                Frames.Now, Frames.Now, Filled: 4, AvgPrice: 101.5));
            return (ControlOutcome.Done, "partial");
        });
        var (code, output, _) = Run("rebalance", "--target", "XYZ=10", "--wait", "--timeout", "30", "--store", store.Path);
        Assert.Equal(1, code);
        Assert.Contains("result: partial", output);
    }

    // A rebalance whose one contract was refused before it went out (its quote stale: market_data_error, an operation but
    // no order row) while the other filled in full ends `partial` at the daemon (Runs.summary: "partial: …; market_data_error
    // …", the run's summary status too). Judged from the order rows alone — every one filled — `--wait` said "result: done"
    // (exit 0, the daemon's words not shown) and `runs` listed the run done: the refused leg was never traded.
    [Fact]
    public void RebalanceWait_OneContractRefusedBeforeItWentOut_TheOtherFilled_IsPartial_ExitOne()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var refusal = "market_data_error: XYZ 20260320 C 100 has no fresh quote (asked for again: try again)";
        using var daemon = FakeControlDaemon.Start(store, (c, w) =>
        {
            var run = $"{Sample.RunId}-reb{c.Id}";
            w.StartRun(new RunRecord(run, RunKind.Rebalance, Frames.Now, "{}", Sample.RunId));
            w.Record(new OperationRecord(Frames.Now, OperationKind.Control, run, Detail: "rebalance"));
            w.Record(new OperationRecord(Frames.Now, OperationKind.Reject, run, null, Sample.CallId, TradeSide.Sell, 2, null, refusal));
            w.UpsertOrder(new OrderRecord($"oi_{run}_1", run, "rebalance", Sample.StockId, TradeSide.Buy, 10, "MKT", null, "DAY", "Filled",
                Frames.Now, Frames.Now, Filled: 10, AvgPrice: 101.5));
            var result = $"partial: oi_{run}_1 buy 10/10 Filled; {refusal}";
            w.EndRun(run, Frames.Now, JsonSerializer.Serialize(new { result, status = "partial" }));
            return (ControlOutcome.Done, result);
        });
        var (code, output, _) = Run("rebalance", "--target", "XYZ=-110", "--target", "XYZ 20260320 C 100=8", "--wait", "--timeout", "30", "--store", store.Path);
        Assert.Equal(1, code);
        Assert.Contains($"result: partial — partial: oi_{Sample.RunId}-reb", output);
        Assert.Contains(refusal, output);

        var runs = Run("runs", "--store", store.Path, "--utc");
        Assert.Matches($@"{Sample.RunId}-reb\d+ +rebalance +\S+ \S+  partial ", runs.Out);
    }

    // `--wait --timeout 10` gave up on an order the daemon had not taken yet, and left it queued: a daemon back within
    // control_max_age_seconds (60 s) still traded it, after the operator (or the script) had sent it again on the
    // timeout — two orders. A trading command still pending when --wait gives up is withdrawn now, so the retry is the
    // only one; a cancel (which only reduces) stays queued, as without --wait.
    [Fact]
    public void WaitTimesOut_OrderNotTakenYet_IsWithdrawn_TheDaemonCannotTakeItLater()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var (code, output, _) = Run("order", "buy", "XYZ", "100", "--wait", "--timeout", "1", "--store", store.Path);
        Assert.Equal(3, code);
        Assert.Contains("withdrawn", output);
        var row = Only(store);
        Assert.Equal(ControlStatus.Refused, row.Status);
        Assert.StartsWith("withdrawn by the command line", row.Result);
        using var queue = ControlQueue.Open(store.Path);
        Assert.Null(queue.TryClaimNext());

        var portfolio = Run("portfolio-run", "--target", "XYZ=100", "--wait", "--timeout", "1", "--store", store.Path);
        Assert.Equal(3, portfolio.Code);
        Assert.Contains("withdrawn", portfolio.Out);
        Assert.Null(queue.TryClaimNext());

        Assert.Equal(3, Run("cancel", "paper1", "--wait", "--timeout", "1", "--store", store.Path).Code);
        using var reader = StoreReader.Open(store.Path);
        Assert.Equal(ControlStatus.Pending, reader.ListControlCommands().Single(c => c.Command == ControlCommandKind.Cancel).Status);
    }

    [Fact]
    public void Wait_NoDaemon_TimesOutWithExitThree()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var (code, output, _) = Run("order", "buy", "XYZ", "1", "--wait", "--timeout", "1", "--store", store.Path);
        Assert.Equal(3, code);
        Assert.Contains("result: timed_out", output);
    }

    [Fact]
    public void OrderWithoutWait_RefusedAtOnce_SaysRefused_ExitsOne()
    {
        using var store = TempStore.WithSample(Frames.Now);
        // As the daemon does: the control operation names the run it would have made, then the command is refused.
        using var daemon = FakeControlDaemon.Start(store, (c, w) =>
        {
            w.Record(new OperationRecord(Frames.Now, OperationKind.Control, $"{Sample.RunId}-man{c.Id}", Detail: "manual order"));
            return (ControlOutcome.Refused, "PRICE_BAND: limit 95.00 is 6.1% from the mid");
        });
        var (code, output, _) = Run("order", "buy", "XYZ", "1", "--store", store.Path);
        Assert.Equal(1, code);
        Assert.Contains("refused: PRICE_BAND: limit 95.00 is 6.1% from the mid", output);
        Assert.DoesNotContain("run: ", output);
    }

    [Fact]
    public void OrderWithoutWait_Taken_PrintsTheRun_ExitsZero()
    {
        using var store = TempStore.WithSample(Frames.Now);
        using var daemon = FakeControlDaemon.Start(store, (c, w) =>
        {
            w.Record(new OperationRecord(Frames.Now, OperationKind.Control, $"{Sample.RunId}-man{c.Id}", Detail: "manual order"));
            return (ControlOutcome.Done, "placed");
        });
        var (code, output, _) = Run("order", "buy", "XYZ", "1", "--store", store.Path);
        Assert.Equal(0, code);
        Assert.Contains("run: paper1-man1", output);
    }

    // A manual run whose limit order rests at the broker.
    private static TempStore StoreWithRestingManualOrder() => TempStore.WithSample(Frames.Now, (_, w) =>
    {
        w.StartRun(new RunRecord("paper1-man5", RunKind.Manual, Frames.Now, "{}", Sample.RunId));
        w.UpsertOrder(new OrderRecord("oi_paper1-man5_1", "paper1-man5", "manual", Sample.StockId, TradeSide.Buy, 1, "LMT", 95, "DAY", "Submitted",
            Frames.Now, Frames.Now));
    });

    [Fact]
    public void CancelWait_CancelSentButOrderStillWorking_IsNotDone_TimesOut()
    {
        using var store = StoreWithRestingManualOrder();
        // The daemon sends the cancel and completes the control; the broker never confirms it.
        using var daemon = FakeControlDaemon.Start(store, (c, w) =>
        {
            w.Record(new OperationRecord(Frames.Now, OperationKind.Control, "", Detail: $"cancel run paper1-man5 by ops (#{c.Id})"));
            return (ControlOutcome.Done, "run paper1-man5: cancel sent for 1 order(s)");
        });
        var (code, output, _) = Run("cancel", "paper1-man5", "--wait", "--timeout", "2", "--store", store.Path);
        Assert.Equal(3, code);
        Assert.DoesNotContain("result: done", output);
        Assert.Contains("oi_paper1-man5_1 buy 0/1 XYZ Submitted", output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void CancelWait_OrderCancelled_IsDone_ExitsZero()
    {
        using var store = StoreWithRestingManualOrder();
        using var daemon = FakeControlDaemon.Start(store, (c, w) =>
        {
            w.Record(new OperationRecord(Frames.Now, OperationKind.Control, "", Detail: $"cancel run paper1-man5 by ops (#{c.Id})"));
            w.UpsertOrder(new OrderRecord("oi_paper1-man5_1", "paper1-man5", "manual", Sample.StockId, TradeSide.Buy, 1, "LMT", 95, "DAY", "Cancelled",
                Frames.Now, Frames.Now));
            return (ControlOutcome.Done, "run paper1-man5: cancel sent for 1 order(s)");
        });
        var (code, output, _) = Run("cancel", "paper1-man5", "--wait", "--timeout", "30", "--store", store.Path);
        Assert.Equal(0, code);
        Assert.Contains("result: done", output);
    }

    // A flatten under way: its market order (run paper1-flat9) not filled yet.
    private static TempStore StoreWithFlattenUnderWay() => TempStore.WithSample(Frames.Now, (_, w) =>
    {
        w.Record(new OperationRecord(Frames.Now, OperationKind.Control, "", Detail: "flatten by ops (#90)"));
        w.StartRun(new RunRecord("paper1-flat9", RunKind.Flatten, Frames.Now, "{}", Sample.RunId));
        w.UpsertOrder(new OrderRecord("oi_paper1_9", "paper1-flat9", "flatten", Sample.StockId, TradeSide.Buy, 61, "MKT", null, "DAY", "Submitted",
            Frames.Now, Frames.Now));
        w.Record(new OperationRecord(Frames.Now, OperationKind.Order, "paper1-flat9", "oi_paper1_9", Sample.StockId, TradeSide.Buy, 61, double.NaN, "flatten MKT"));
    });

    [Fact]
    public void FlattenAllWait_AlreadyFlattening_FollowsTheFlattenUnderWay_NotDone()
    {
        using var store = StoreWithFlattenUnderWay();
        using var daemon = FakeControlDaemon.Start(store, (c, w) =>
        {
            w.Record(new OperationRecord(Frames.Now, OperationKind.Control, "", Detail: $"flatten by ops (#{c.Id})"));
            return (ControlOutcome.Done, "already flattening");
        });
        var (code, output, _) = Run("flatten-all", "--wait", "--timeout", "2", "--store", store.Path);
        Assert.Equal(3, code);
        Assert.DoesNotContain("result: done", output);
    }

    [Theory]
    [InlineData("flatten strategy hedge at 0", "Filled", 0, "result: done — flatten strategy hedge at 0")]
    [InlineData("flatten incomplete: 61 shares still to trade after 3 orders", "Cancelled", 1, "result: failed — flatten incomplete")]
    public void FlattenAllWait_FlattenEnds_ResultIsTheFlattensOwn(string end, string orderStatus, int exit, string expected)
    {
        using var store = StoreWithFlattenUnderWay();
        using var daemon = FakeControlDaemon.Start(store, (c, w) =>
        {
            w.Record(new OperationRecord(Frames.Now, OperationKind.Control, "", Detail: $"flatten by ops (#{c.Id})"));
            w.UpsertOrder(new OrderRecord("oi_paper1_9", "paper1-flat9", "flatten", Sample.StockId, TradeSide.Buy, 61, "MKT", null, "DAY", orderStatus,
                Frames.Now, Frames.Now, Filled: orderStatus == "Filled" ? 61 : 0, AvgPrice: 101));
            w.Record(new OperationRecord(Frames.Now, OperationKind.ControlDone, "paper1-flat9", Detail: end));
            return (ControlOutcome.Done, "already flattening");
        });
        var (code, output, _) = Run("flatten-all", "--wait", "--timeout", "30", "--store", store.Path);
        Assert.Equal(exit, code);
        Assert.Contains(expected, output);
        Assert.Contains("run paper1-flat9", output);
    }
}
