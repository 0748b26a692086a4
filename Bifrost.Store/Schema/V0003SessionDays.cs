namespace Bifrost.Store.Schema;

/// <summary>
/// Schema version 3 — the "day" is the exchange session day in the calendar's zone, not the UTC date. SQLite has no
/// time zones, so the daemon labels each session day it trades with its UTC bounds (<c>session_days</c>), and the
/// daily views group by the label; an instant no label covers (rows from before this version, backtests) falls back
/// to its UTC date. Independent of every other migration: it only adds a table and rebuilds the three views.
/// </summary>
internal static class V0003SessionDays
{
    public const string Sql = """
        CREATE TABLE session_days (
            day       TEXT    PRIMARY KEY,
            start_ns  INTEGER NOT NULL,
            end_ns    INTEGER NOT NULL CHECK (end_ns > start_ns),
            zone      TEXT    NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX session_days_start ON session_days(start_ns);

        DROP VIEW IF EXISTS daily_summary;
        DROP VIEW IF EXISTS daily_pnl;
        DROP VIEW IF EXISTS daily_hedges;

        -- History screen: the last snapshot of each session day (its P&L) and that day's hedge orders.
        CREATE VIEW daily_pnl AS
            WITH stamped AS (
                SELECT h.id, h.pnl_realized, h.pnl_unrealized, h.pnl_fees, h.pnl_daily,
                       COALESCE((SELECT d.day FROM session_days d WHERE h.time_ns >= d.start_ns AND h.time_ns < d.end_ns),
                                date(h.time_ns / 1000000000, 'unixepoch')) AS day
                FROM status_history h)
            SELECT day, pnl_realized, pnl_unrealized, pnl_fees, pnl_daily
            FROM stamped
            WHERE id IN (SELECT MAX(id) FROM stamped GROUP BY day);

        CREATE VIEW daily_hedges AS
            WITH stamped AS (
                SELECT o.filled,
                       COALESCE((SELECT d.day FROM session_days d WHERE o.created_ns >= d.start_ns AND o.created_ns < d.end_ns),
                                date(o.created_ns / 1000000000, 'unixepoch')) AS day
                FROM orders o
                WHERE o.purpose = 'hedge')
            SELECT day,
                   COUNT(*) AS hedge_orders,
                   SUM(CASE WHEN filled > 0 THEN 1 ELSE 0 END) AS hedges_filled,
                   SUM(filled) AS hedge_qty
            FROM stamped
            GROUP BY day;

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
