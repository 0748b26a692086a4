using Bifrost.Store.Records;
using Bifrost.Store.Writer;

namespace Bifrost.Tui.Tests.Support;

/// <summary>
/// Realistic store contents: a paper session scalping gamma on an XYZ straddle, a strategy-owned short hedge of 120
/// shares and an external long of 50, operations of every kind, a flatten run, a sweep with two backtests and their
/// guard blocks, two days of history.
/// </summary>
internal static class Sample
{
    public const long Second = 1_000_000_000;
    public const string RunId = "paper1";
    public const long StockId = 1001, CallId = 2001, PutId = 2002;

    public static StatusSnapshot Status(long now) => new()
    {
        TimeNanos = now,
        FsmState = "Hedging",
        Health = Health.Ok,
        Checks = [new CheckResult("connection", Health.Ok), new CheckResult("market_data", Health.Ok), new CheckResult("store", Health.Ok)],
        BlockReasons = [],
        Positions =
        [
            new PositionEntry(CallId, "XYZ 20260320 100 C", "OPT", 10, 3.20, PositionOwner.Strategy, 3.45),
            new PositionEntry(PutId, "XYZ 20260320 100 P", "OPT", 10, 2.90, PositionOwner.Strategy, 2.70),
            new PositionEntry(StockId, "XYZ", "STK", -120, 101.02, PositionOwner.Strategy, 101.40),
            new PositionEntry(StockId, "XYZ", "STK", 50, 99.80, PositionOwner.External, 101.40),
        ],
        NetGreeks = new Greeks(62, 4.1, 120.5, -35.2),
        Pnl = new PnlSnapshot(120.50, -40.10, 6.30, 74.10, 80.20, -35.00, 10.10, 1.00, -0.50),
        Band = new HedgeBand(-100, 100, 0),
        Limits = [new LimitUsage("max_position", 1200, 3000), new LimitUsage("daily_loss", 4200, 5000), new LimitUsage("max_daily_trades", 510, 500)],
        Connection = "connected",
        MarketData = "ok",
        ConfigSummaryJson = """{"mode":"paper","account":"DU1234567","control":{"cancel_on_stop":true,"after_flatten":"pause","flatten_target":"zero"}}""",
        HeartbeatNanos = now - Second / 2,
        DaemonPid = 4242,
        RunId = RunId,
    };

    /// <summary>The daemon's config summary as it writes it now: contracts, multipliers, the fat-finger ceiling.</summary>
    public const string TraderSummary = """
        {"mode":"paper","account":"DU1234567","underlying":"XYZ","underlying_con_id":1001,
         "legs":[{"con_id":2001,"contract":"XYZ 20260320 C 100","right":"C","strike":100,"expiry":"20260320","multiplier":100,"quantity":10},
                 {"con_id":2002,"right":"P","strike":100,"expiry":"20260320","multiplier":100,"quantity":10}],
         "control":{"max_manual_quantity":500,"max_manual_notional":250000,"limit_price_band":0.05}}
        """;

    /// <summary>The sample status with what the console's trader units, account and forms read.</summary>
    public static StatusSnapshot Trader(StatusSnapshot s) => s with
    {
        ConfigSummaryJson = TraderSummary,
        // The daemon did not know the put's description: it wrote the con id. The console names it from the config.
        Positions = [.. s.Positions.Select(p => p.ContractId == Sample.PutId ? p with { Symbol = "2002" } : p),
            new PositionEntry(777, "777", "OPT", 1, 1.0, PositionOwner.External)],
        NetGreeks = new Greeks(62, 4.1, 1205.0, -3650.0),
        Pnl = s.Pnl with { AttrSpread = 20.00, AttrOpening = 3.00, AttrBasis = 1.60 },
        AccountValues = new Dictionary<string, double> { ["NetLiquidation"] = 1_012_345.67, ["TotalCashValue"] = 990_000, ["GrossPositionValue"] = 22_345.67 },
    };

    /// <summary>Writes the sample; operations are spaced one second apart ending at <paramref name="now"/>.</summary>
    public static void Fill(StoreWriter w, long now, StatusSnapshot status)
    {
        var day = 86_400 * Second;
        w.StartRun(new RunRecord(RunId, RunKind.Live, now - 3600 * Second, """{"mode":"paper"}"""));
        var t = now - 20 * Second;
        w.Record(new OperationRecord(t, OperationKind.State, RunId, Detail: "Syncing -> Hedging"));
        w.Record(new OperationRecord(t + 1 * Second, OperationKind.Intent, RunId, "oi_paper1_1", StockId, TradeSide.Sell, 100, 101.05, "delta 162 > band 100"));
        w.RecordNow(new StoreWrite.Order(new OrderRecord("oi_paper1_1", RunId, "hedge", StockId, TradeSide.Sell, 100, "LMT", 101.05, "DAY", "Submitted",
            t + 2 * Second, t + 2 * Second, IbOrderId: 11, PermId: 9001)));
        w.Record(new OperationRecord(t + 2 * Second, OperationKind.Order, RunId, "oi_paper1_1", StockId, TradeSide.Sell, 100, 101.05, "placeOrder id 11"));
        w.Record(new OperationRecord(t + 3 * Second, OperationKind.Fill, RunId, "oi_paper1_1", StockId, TradeSide.Sell, 100, 101.04, "exec 0001.01"));
        w.AddFill(new FillRecord("0001.01", "oi_paper1_1", StockId, TradeSide.Sell, 100, 101.04, t + 3 * Second, 1.05, 9001));
        w.UpdateOrder(new OrderProgress("oi_paper1_1", "Filled", t + 3 * Second, Filled: 100, AvgPrice: 101.04));
        w.Record(new OperationRecord(t + 4 * Second, OperationKind.GuardBlock, RunId, Detail: "WIDE_SPREAD 62bps > 50bps"));
        w.Record(new OperationRecord(t + 5 * Second, OperationKind.Intent, RunId, "oi_paper1_2", StockId, TradeSide.Sell, 20, 101.30, "delta 120 > band 100"));
        w.RecordNow(new StoreWrite.Order(new OrderRecord("oi_paper1_2", RunId, "hedge", StockId, TradeSide.Sell, 20, "LMT", 101.30, "DAY", "Submitted",
            t + 6 * Second, t + 6 * Second, IbOrderId: 12)));
        w.Record(new OperationRecord(t + 6 * Second, OperationKind.Order, RunId, "oi_paper1_2", StockId, TradeSide.Sell, 20, 101.30, "placeOrder id 12"));
        w.Record(new OperationRecord(t + 7 * Second, OperationKind.Cancel, RunId, "oi_paper1_2", StockId, TradeSide.Sell, 20, 101.30, "stale after 5s"));
        w.Record(new OperationRecord(t + 8 * Second, OperationKind.Reject, RunId, "oi_paper1_3", StockId, TradeSide.Buy, 10, 101.20, "201 order rejected: margin"));
        w.Record(new OperationRecord(t + 9 * Second, OperationKind.Alert, RunId, Detail: "FARM_DEGRADED 2103 usfarm"));
        w.Record(new OperationRecord(t + 10 * Second, OperationKind.Control, RunId, Detail: "pause by ops@desk/tui"));
        w.Record(new OperationRecord(t + 11 * Second, OperationKind.ControlDone, RunId, Detail: "paused"));
        w.Record(new OperationRecord(now, OperationKind.Fill, RunId, "oi_paper1_4", StockId, TradeSide.Sell, 20, 101.38, "exec 0001.02 hedge 2"));
        w.RaiseAlert(new AlertRecord(t + 9 * Second, AlertSeverity.Warning, "FARM_DEGRADED", "2103 usfarm"));

        // Yesterday's and today's snapshots for the History screen.
        w.AppendHistory(status with { TimeNanos = now - day, Pnl = status.Pnl with { Realized = 310, Daily = 290 } });
        w.AppendHistory(status);

        // A finished flatten run, and a sweep with two backtests and their guard blocks.
        w.StartRun(new RunRecord("flatten_1", RunKind.Flatten, now - 7200 * Second));
        w.EndRun("flatten_1", now - 7190 * Second, """{"closed":80}""");
        w.StartRun(new RunRecord("sweep_7", RunKind.Sweep, now - 2 * day, """{"grid":"band 50..150"}"""));
        w.StartRun(new RunRecord("bt_7_a", RunKind.Backtest, now - 2 * day + Second, """{"band":50}""", ParentRunId: "sweep_7"));
        w.RecordRunMetrics(new RunMetrics("bt_7_a", 812.5, 900, 87.5, 120, 1.4, 60, 58, 58));
        w.EndRun("bt_7_a", now - 2 * day + 60 * Second, "{}", new Dictionary<string, long> { ["STALE_QUOTE"] = 12, ["WIDE_SPREAD"] = 3 });
        w.StartRun(new RunRecord("bt_7_b", RunKind.Backtest, now - 2 * day + 2 * Second, """{"band":150}""", ParentRunId: "sweep_7"));
        w.RecordRunMetrics(new RunMetrics("bt_7_b", -42, 10, 52, 300, null, 20, 20, 20));
        w.EndRun("bt_7_b", now - 2 * day + 90 * Second, "{}", new Dictionary<string, long> { ["COOLDOWN"] = 5 });
        w.EndRun("sweep_7", now - 2 * day + 100 * Second, "{}");

        w.SetStatus(status);
    }
}
