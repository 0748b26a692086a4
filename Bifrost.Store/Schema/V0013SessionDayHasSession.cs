namespace Bifrost.Store.Schema;

/// <summary>
/// Schema version 13 — whether a labelled day had a session (<c>session_days.has_session</c>): a daemon left running
/// over a weekend or a holiday labels those days too (day P&amp;L 0.00, no hedges), and the statistics counted them as
/// days without a gain (the win rate, the histogram). The daily summary says so per day; unlabelled days (rows from
/// before version 3, backtests) and labels from before this version read 1: as they were taken.
/// </summary>
internal static class V0013SessionDayHasSession
{
    public const string Sql = """
        ALTER TABLE session_days ADD COLUMN has_session INTEGER NOT NULL DEFAULT 1 CHECK (has_session IN (0, 1));

        DROP VIEW IF EXISTS daily_summary;

        CREATE VIEW daily_summary AS
            WITH days AS (SELECT day FROM daily_pnl UNION SELECT day FROM daily_hedges)
            SELECT d.day, p.pnl_realized, p.pnl_unrealized, p.pnl_fees, p.pnl_daily,
                   COALESCE(x.hedge_orders, 0) AS hedge_orders,
                   COALESCE(x.hedges_filled, 0) AS hedges_filled,
                   COALESCE(x.hedge_qty, 0) AS hedge_qty,
                   COALESCE((SELECT s.has_session FROM session_days s WHERE s.day = d.day), 1) AS has_session
            FROM days d
            LEFT JOIN daily_pnl p ON p.day = d.day
            LEFT JOIN daily_hedges x ON x.day = d.day;
        """;
}
