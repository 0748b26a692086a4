using Bifrost.Store.Records;
using Bifrost.Store.Writer;

namespace Bifrost.Tui.Tests.Support;

/// <summary>Portfolio runs as the daemon stores them: Monday's done run on its snapshot, Wednesday's blocked run (the
/// broker unreachable: no order), and Thursday's partial run (AAA refused for stale data) that fell back to Monday's.</summary>
internal static class PortfolioSample
{
    public static void Write(StoreWriter w, long now)
    {
        var minute = 60_000_000_000L;
        PortfolioSnapshotRecord Snapshot(string id, long at, int aaa, int bbb) =>
            new(id, at, "file", id + ".csv", "ab12", 1_000_000, 900_000, "hash-" + id, "{}",
                [new("AAA", 50.0, 0, aaa, 0.01, ""), new("BBB", 80.0, 0, bbb, 0.005, "")]);
        PortfolioRunOrderRecord Order(string symbol, int qty, int filled, string status, bool sent, string? reason, long? ib) =>
            new($"oi_p{symbol.ToLowerInvariant()}{ib ?? qty}", symbol, "buy", qty, filled, status, sent, reason, ib, ib is { } i ? 1000 + i : null, "[]", "{}");
        w.RecordPortfolioSnapshot(Snapshot("week-20260302", now - 3 * minute, 202, 61));
        w.RecordPortfolioRun(new("week-20260302-run", "week-20260302", "hash-week-20260302", "scheduled:week-20260302", "done", "[]", null, null, null,
            now - 3 * minute, now - 3 * minute, [Order("AAA", 202, 202, "filled", true, null, 1), Order("BBB", 61, 61, "filled", true, null, 2)]));
        w.RecordPortfolioSnapshot(Snapshot("week-20260304", now - 2 * minute, 202, 122));
        w.RecordPortfolioRun(new("week-20260304-run", "week-20260304", "hash-week-20260304", "scheduled:week-20260304", "blocked", "[\"connection_unavailable\"]",
            null, null, null, now - 2 * minute, now - 2 * minute, []));
        w.RecordPortfolioSnapshot(Snapshot("week-20260305", now - minute, 50, 61));
        w.RecordPortfolioRun(new("week-20260305-run", "week-20260305", "hash-week-20260305", "scheduled:week-20260305", "partial", "[\"AAA: market_data_error\"]",
            "week-20260302", "market_data_error", null, now - minute, now - minute,
            [Order("AAA", 152, 0, "rejected", false, "market_data_error", null), Order("BBB", 61, 61, "filled", true, null, 4)]));
    }
}
