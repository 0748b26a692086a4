namespace Bifrost.Store.Schema;

/// <summary>
/// Schema version 12 — whether a status's day P&amp;L was known (<c>pnl_daily_known</c>): a book without a valuation, or
/// a day without its baseline, wrote its day P&amp;L as 0, and the statistics took such a day's 0.00 as a flat day
/// (a losing month read as a winning one). The daily views give NULL for a day whose last status did not know it.
/// Rows from before read 1: as they were taken.
/// </summary>
internal static class V0012DailyPnlKnown
{
    public const string Sql = """
        ALTER TABLE status ADD COLUMN pnl_daily_known INTEGER NOT NULL DEFAULT 1 CHECK (pnl_daily_known IN (0, 1));
        ALTER TABLE status_history ADD COLUMN pnl_daily_known INTEGER NOT NULL DEFAULT 1 CHECK (pnl_daily_known IN (0, 1));

        DROP VIEW IF EXISTS daily_summary;
        DROP VIEW IF EXISTS daily_pnl;

        CREATE VIEW daily_pnl AS
            WITH stamped AS (
                SELECT h.id, h.pnl_realized, h.pnl_unrealized, h.pnl_fees, h.pnl_daily, h.pnl_daily_known,
                       COALESCE((SELECT d.day FROM session_days d WHERE h.time_ns >= d.start_ns AND h.time_ns < d.end_ns),
                                date(h.time_ns / 1000000000, 'unixepoch')) AS day
                FROM status_history h)
            SELECT day, pnl_realized, pnl_unrealized, pnl_fees,
                   CASE WHEN pnl_daily_known = 1 THEN pnl_daily END AS pnl_daily
            FROM stamped
            WHERE id IN (SELECT MAX(id) FROM stamped GROUP BY day);

        CREATE VIEW daily_summary AS
            WITH days AS (SELECT day FROM daily_pnl UNION SELECT day FROM daily_hedges)
            SELECT d.day, p.pnl_realized, p.pnl_unrealized, p.pnl_fees, p.pnl_daily,
                   COALESCE(x.hedge_orders, 0) AS hedge_orders,
                   COALESCE(x.hedges_filled, 0) AS hedges_filled,
                   COALESCE(x.hedge_qty, 0) AS hedge_qty
            FROM days d
            LEFT JOIN daily_pnl p ON p.day = d.day
            LEFT JOIN daily_hedges x ON x.day = d.day;
        """;
}
