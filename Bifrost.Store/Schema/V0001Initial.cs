namespace Bifrost.Store.Schema;

/// <summary>
/// Schema version 1. Times are Unix nanoseconds (int64) with a generated ISO column beside them for humans (VIRTUAL:
/// computed on read, costs nothing on the write path). Enum columns are CHECKed against the words the code writes;
/// the lists are frozen here on purpose (a new value needs a new migration), and a test checks they match the enums.
/// Foreign keys only where both rows come from the same writer step (run children), so a row arriving "early" on the
/// synchronous path can never be refused.
/// </summary>
internal static class V0001Initial
{
    private const string StatusColumns = """
        time_ns             INTEGER NOT NULL,
        time_iso            TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', time_ns / 1e9, 'unixepoch')) VIRTUAL,
        fsm_state           TEXT    NOT NULL,
        health              TEXT    NOT NULL CHECK (health IN ('ok','degraded','blocked')),
        checks_json         TEXT    NOT NULL DEFAULT '[]',
        block_reasons_json  TEXT    NOT NULL DEFAULT '[]',
        positions_json      TEXT    NOT NULL DEFAULT '[]',
        delta               REAL    NOT NULL DEFAULT 0,
        gamma               REAL    NOT NULL DEFAULT 0,
        vega                REAL    NOT NULL DEFAULT 0,
        theta               REAL    NOT NULL DEFAULT 0,
        pnl_realized        REAL    NOT NULL DEFAULT 0,
        pnl_unrealized      REAL    NOT NULL DEFAULT 0,
        pnl_fees            REAL    NOT NULL DEFAULT 0,
        pnl_daily           REAL    NOT NULL DEFAULT 0,
        attr_gamma          REAL    NOT NULL DEFAULT 0,
        attr_theta          REAL    NOT NULL DEFAULT 0,
        attr_vega           REAL    NOT NULL DEFAULT 0,
        attr_delta          REAL    NOT NULL DEFAULT 0,
        attr_residual       REAL    NOT NULL DEFAULT 0,
        band_lower          REAL,
        band_upper          REAL,
        band_target         REAL,
        limits_json         TEXT    NOT NULL DEFAULT '[]',
        connection          TEXT    NOT NULL DEFAULT '',
        market_data         TEXT    NOT NULL DEFAULT '',
        config_json         TEXT    NOT NULL DEFAULT '{}',
        heartbeat_ns        INTEGER NOT NULL,
        heartbeat_iso       TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', heartbeat_ns / 1e9, 'unixepoch')) VIRTUAL,
        daemon_pid          INTEGER NOT NULL DEFAULT 0,
        run_id              TEXT
        """;

    public const string Sql = $$"""
        CREATE TABLE schema_migrations (
            version     INTEGER PRIMARY KEY,
            name        TEXT    NOT NULL,
            applied_ns  INTEGER NOT NULL
        );

        -- The current snapshot: exactly one row (id = 1), replaced whole.
        CREATE TABLE status (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            {{StatusColumns}}
        );

        -- The same snapshot appended on change and at an interval (R-H1); the writer's caller decides when.
        CREATE TABLE status_history (
            id INTEGER PRIMARY KEY,
            {{StatusColumns}}
        );
        CREATE INDEX status_history_time ON status_history(time_ns);

        -- R-M4: every intent, order, status change, fill, cancel, reject, control, guard block, alert… Append-only.
        CREATE TABLE operations (
            id          INTEGER PRIMARY KEY,
            time_ns     INTEGER NOT NULL,
            time_iso    TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', time_ns / 1e9, 'unixepoch')) VIRTUAL,
            kind        TEXT    NOT NULL CHECK (kind IN ('intent','order','status','fill','cancel','reject','control',
                                'control_done','guard_block','risk_halt','state','reconcile','anomaly','alert')),
            run_id      TEXT,
            order_ref   TEXT,
            contract_id INTEGER,
            side        TEXT CHECK (side IN ('buy','sell')),
            qty         REAL,
            price       REAL,
            detail      TEXT
        );
        CREATE INDEX operations_time ON operations(time_ns, id);
        CREATE INDEX operations_kind_time ON operations(kind, time_ns);
        CREATE INDEX operations_run_time ON operations(run_id, time_ns) WHERE run_id IS NOT NULL;
        CREATE INDEX operations_order_ref ON operations(order_ref) WHERE order_ref IS NOT NULL;

        CREATE TABLE runs (
            run_id          TEXT PRIMARY KEY,
            kind            TEXT NOT NULL CHECK (kind IN ('live','hedge','manual','flatten','rebalance','backtest','sweep')),
            parent_run_id   TEXT,
            started_ns      INTEGER NOT NULL,
            started_iso     TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', started_ns / 1e9, 'unixepoch')) VIRTUAL,
            ended_ns        INTEGER,
            ended_iso       TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', ended_ns / 1e9, 'unixepoch')) VIRTUAL,
            params_json     TEXT NOT NULL DEFAULT '{}',
            summary_json    TEXT
        );
        CREATE INDEX runs_started ON runs(started_ns);
        CREATE INDEX runs_parent ON runs(parent_run_id) WHERE parent_run_id IS NOT NULL;

        -- Result metrics per run (backtests and sweeps from the simulator; live runs optionally).
        CREATE TABLE run_metrics (
            run_id       TEXT PRIMARY KEY REFERENCES runs(run_id) ON DELETE CASCADE,
            total_pnl    REAL    NOT NULL,
            realized_pnl REAL    NOT NULL,
            fees         REAL    NOT NULL,
            max_drawdown REAL    NOT NULL,
            sharpe       REAL,
            orders       INTEGER NOT NULL,
            fills        INTEGER NOT NULL,
            hedges       INTEGER NOT NULL,
            metrics_json TEXT    NOT NULL DEFAULT '{}'
        );

        CREATE TABLE run_guard_blocks (
            run_id  TEXT    NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
            reason  TEXT    NOT NULL,
            count   INTEGER NOT NULL,
            PRIMARY KEY (run_id, reason)
        ) WITHOUT ROWID;

        CREATE TABLE orders (
            order_ref     TEXT PRIMARY KEY,
            ib_order_id   INTEGER,
            perm_id       INTEGER,
            run_id        TEXT,
            purpose       TEXT    NOT NULL,
            contract_id   INTEGER NOT NULL,
            side          TEXT    NOT NULL CHECK (side IN ('buy','sell')),
            qty           REAL    NOT NULL,
            order_type    TEXT    NOT NULL,
            limit_price   REAL,
            tif           TEXT    NOT NULL,
            status        TEXT    NOT NULL,
            filled        REAL    NOT NULL DEFAULT 0,
            avg_price     REAL,
            reject_reason TEXT,
            created_ns    INTEGER NOT NULL,
            created_iso   TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', created_ns / 1e9, 'unixepoch')) VIRTUAL,
            updated_ns    INTEGER NOT NULL
        );
        CREATE INDEX orders_run ON orders(run_id) WHERE run_id IS NOT NULL;
        CREATE INDEX orders_perm ON orders(perm_id) WHERE perm_id IS NOT NULL;
        CREATE INDEX orders_created ON orders(created_ns);

        -- order_ref is not a foreign key: fills of manual orders (other client ids) name orders we never placed.
        CREATE TABLE fills (
            exec_id     TEXT PRIMARY KEY,
            order_ref   TEXT,
            perm_id     INTEGER,
            contract_id INTEGER NOT NULL,
            side        TEXT    NOT NULL CHECK (side IN ('buy','sell')),
            qty         REAL    NOT NULL,
            price       REAL    NOT NULL,
            commission  REAL,
            time_ns     INTEGER NOT NULL,
            time_iso    TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', time_ns / 1e9, 'unixepoch')) VIRTUAL
        );
        CREATE INDEX fills_order_ref ON fills(order_ref) WHERE order_ref IS NOT NULL;
        CREATE INDEX fills_time ON fills(time_ns);

        CREATE TABLE alerts (
            id           INTEGER PRIMARY KEY,
            time_ns      INTEGER NOT NULL,
            time_iso     TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', time_ns / 1e9, 'unixepoch')) VIRTUAL,
            severity     TEXT    NOT NULL CHECK (severity IN ('info','warning','critical')),
            code         TEXT    NOT NULL,
            message      TEXT    NOT NULL,
            acknowledged INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX alerts_time ON alerts(time_ns);

        -- Written by the monitor, claimed exactly once by the daemon (status pending → taken → done | refused).
        CREATE TABLE control_queue (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            created_ns    INTEGER NOT NULL,
            created_iso   TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', created_ns / 1e9, 'unixepoch')) VIRTUAL,
            command       TEXT    NOT NULL CHECK (command IN ('stop','pause','resume','flatten','self_check','manual_order','rebalance')),
            args_json     TEXT    NOT NULL DEFAULT '{}',
            requested_by  TEXT    NOT NULL,
            status        TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','taken','done','refused')),
            taken_ns      INTEGER,
            result        TEXT,
            completed_ns  INTEGER
        );
        CREATE INDEX control_queue_pending ON control_queue(id) WHERE status = 'pending';

        -- Engine key/value state for crash recovery: next order id high-water mark, run sequence, …
        CREATE TABLE engine_state (
            key         TEXT PRIMARY KEY,
            value       TEXT    NOT NULL,
            updated_ns  INTEGER NOT NULL
        ) WITHOUT ROWID;

        -- History screen: the last snapshot of each UTC day (its P&L) and that day's hedge orders.
        CREATE VIEW daily_pnl AS
            SELECT date(h.time_ns / 1000000000, 'unixepoch') AS day,
                   h.pnl_realized, h.pnl_unrealized, h.pnl_fees, h.pnl_daily
            FROM status_history h
            WHERE h.id IN (SELECT MAX(id) FROM status_history GROUP BY time_ns / 86400000000000);

        CREATE VIEW daily_hedges AS
            SELECT date(created_ns / 1000000000, 'unixepoch') AS day,
                   COUNT(*) AS hedge_orders,
                   SUM(CASE WHEN filled > 0 THEN 1 ELSE 0 END) AS hedges_filled,
                   SUM(filled) AS hedge_qty
            FROM orders
            WHERE purpose = 'hedge'
            GROUP BY created_ns / 86400000000000;

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
