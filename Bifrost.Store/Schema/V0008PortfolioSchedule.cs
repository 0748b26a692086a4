namespace Bifrost.Store.Schema;

/// <summary>
/// Schema version 8 — the portfolio schedule's only state (docs/portfolio-runs.md, "Schedule"): per schedule name, the
/// instant through which every phase due has been decided (fired, reported missed or skipped). Written after every
/// clock tick that decided something; read once at start, so each phase of a slot is decided once across restarts.
/// </summary>
internal static class V0008PortfolioSchedule
{
    public const string Sql = """
        CREATE TABLE portfolio_schedule (
            name               TEXT PRIMARY KEY,
            handled_through_ns INTEGER NOT NULL
        );
        """;
}
