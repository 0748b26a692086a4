using Bifrost.Store.Records;

namespace Bifrost.Store.Tests.Support;

/// <summary>Plausible records for tests.</summary>
internal static class Sample
{
    public const long T0 = 1_737_110_000_000_000_000; // 2025-01-17T10:33:20Z

    public static OperationRecord Op(int i, OperationKind kind = OperationKind.Intent, string? run = "run1") =>
        new(T0 + i * 1_000_000L, kind, run, $"oi_run1_{i}", 756733, TradeSide.Buy, 2, 1.25, $"op {i}");

    public static OrderRecord Order(string orderRef, string run = "run1", string purpose = "hedge", long created = T0) =>
        new(orderRef, run, purpose, 756733, TradeSide.Sell, 100, "LMT", 470.05, "DAY", "Submitted", created, created, IbOrderId: 1001);

    public static FillRecord Fill(string execId, string orderRef, long time = T0) =>
        new(execId, orderRef, 756733, TradeSide.Sell, 100, 470.05, time);

    public static StatusSnapshot Status(long time = T0, Health health = Health.Ok) => new()
    {
        TimeNanos = time,
        FsmState = "Running",
        Health = health,
        Checks = [new CheckResult("connection", Health.Ok), new CheckResult("quotes", Health.Degraded, "stale SPY")],
        BlockReasons = health == Health.Blocked ? ["DISCONNECTED"] : [],
        Positions =
        [
            new PositionEntry(495512563, "SPY 250620C450", "OPT", 10, 12.5, PositionOwner.Strategy),
            new PositionEntry(756733, "SPY", "STK", -300, 470.1, PositionOwner.Strategy, 470.2),
            new PositionEntry(756733, "SPY", "STK", 50, 460, PositionOwner.External),
        ],
        NetGreeks = new Greeks(12.5, 3.1, 40.2, -55.0),
        Pnl = new PnlSnapshot(120.5, -30.25, 4.1, 86.15, 50, -20, 10, 40, 6.15),
        Band = new HedgeBand(-50, 50, 0),
        Limits = [new LimitUsage("max_loss", 86.15, 5000)],
        Connection = "connected",
        MarketData = "ok",
        ConfigSummaryJson = """{"mode":"paper","account":"DU1234567"}""",
        HeartbeatNanos = time,
        DaemonPid = 4242,
        RunId = "run1",
    };
}
