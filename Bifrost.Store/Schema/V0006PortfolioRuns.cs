namespace Bifrost.Store.Schema;

/// <summary>
/// Schema version 6 — portfolio runs (issue 13, docs/portfolio-runs.md):
/// <list type="bullet">
/// <item>portfolio_snapshots + portfolio_snapshot_lines: frozen decision snapshots with their content hash and the
/// canonical text it was taken over; insert only (triggers refuse UPDATE and DELETE).</item>
/// <item>portfolio_runs: one row per run, always referencing its snapshot (foreign key), status as the run machine has
/// it, block/failure reasons, the fallback target when one was decided.</item>
/// <item>portfolio_run_orders: each order of a run by its idempotent ref, with IB ids, reason, fills and status times.</item>
/// <item>control_queue accepts <c>portfolio_run</c>. SQLite cannot alter a CHECK constraint, so control_queue is rebuilt
/// (rows, os_user and the AUTOINCREMENT sequence kept), as in version 2.</item>
/// </list>
/// </summary>
internal static class V0006PortfolioRuns
{
    public const string Sql = """
        CREATE TABLE portfolio_snapshots (
            id              TEXT    PRIMARY KEY,
            created_ns      INTEGER NOT NULL,
            source_kind     TEXT    NOT NULL CHECK (source_kind IN ('file','operator')),
            source_name     TEXT    NOT NULL,
            source_sha256   TEXT,
            portfolio_value REAL    NOT NULL,
            cash_available  REAL,
            content_hash    TEXT    NOT NULL,
            canonical_text  TEXT    NOT NULL
        );
        CREATE TABLE portfolio_snapshot_lines (
            snapshot_id TEXT    NOT NULL REFERENCES portfolio_snapshots(id),
            symbol      TEXT    NOT NULL,
            price       REAL,
            current_qty INTEGER NOT NULL,
            target_qty  INTEGER NOT NULL,
            weight      REAL    NOT NULL,
            notes       TEXT    NOT NULL DEFAULT '',
            PRIMARY KEY (snapshot_id, symbol)
        );
        CREATE TRIGGER portfolio_snapshots_no_update BEFORE UPDATE ON portfolio_snapshots
            BEGIN SELECT RAISE(ABORT, 'portfolio snapshots are immutable'); END;
        CREATE TRIGGER portfolio_snapshots_no_delete BEFORE DELETE ON portfolio_snapshots
            BEGIN SELECT RAISE(ABORT, 'portfolio snapshots are immutable'); END;
        CREATE TRIGGER portfolio_snapshot_lines_no_update BEFORE UPDATE ON portfolio_snapshot_lines
            BEGIN SELECT RAISE(ABORT, 'portfolio snapshots are immutable'); END;
        CREATE TRIGGER portfolio_snapshot_lines_no_delete BEFORE DELETE ON portfolio_snapshot_lines
            BEGIN SELECT RAISE(ABORT, 'portfolio snapshots are immutable'); END;

        CREATE TABLE portfolio_runs (
            id                   TEXT    PRIMARY KEY,
            snapshot_id          TEXT    NOT NULL REFERENCES portfolio_snapshots(id),
            snapshot_hash        TEXT    NOT NULL,
            purpose              TEXT    NOT NULL,
            status               TEXT    NOT NULL CHECK (status IN ('queued','pre_trade','running','done','partial','failed','blocked')),
            reasons_json         TEXT    NOT NULL DEFAULT '[]',
            fallback_snapshot_id TEXT,
            fallback_reason      TEXT,
            cancel_requested_by  TEXT,
            created_ns           INTEGER NOT NULL,
            created_iso          TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', created_ns / 1e9, 'unixepoch')) VIRTUAL,
            updated_ns           INTEGER NOT NULL
        );
        CREATE INDEX portfolio_runs_created ON portfolio_runs(created_ns);

        CREATE TABLE portfolio_run_orders (
            order_ref         TEXT    PRIMARY KEY,
            run_id            TEXT    NOT NULL REFERENCES portfolio_runs(id),
            symbol            TEXT    NOT NULL,
            side              TEXT    NOT NULL CHECK (side IN ('buy','sell')),
            quantity          INTEGER NOT NULL,
            filled            INTEGER NOT NULL,
            status            TEXT    NOT NULL CHECK (status IN ('planned','working','filled','rejected','cancelled')),
            sent              INTEGER NOT NULL CHECK (sent IN (0,1)),
            reason            TEXT,
            ib_order_id       INTEGER,
            perm_id           INTEGER,
            fills_json        TEXT    NOT NULL DEFAULT '[]',
            status_times_json TEXT    NOT NULL DEFAULT '[]'
        );
        CREATE INDEX portfolio_run_orders_run ON portfolio_run_orders(run_id);

        CREATE TABLE control_queue_v6 (
            id            INTEGER PRIMARY KEY AUTOINCREMENT CHECK (id BETWEEN 1 AND 9007199254740992),
            created_ns    INTEGER NOT NULL,
            created_iso   TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', created_ns / 1e9, 'unixepoch')) VIRTUAL,
            command       TEXT    NOT NULL CHECK (command IN ('stop','pause','resume','flatten','self_check','manual_order','rebalance','cancel','confirm_book','portfolio_run')),
            args_json     TEXT    NOT NULL DEFAULT '{}',
            requested_by  TEXT    NOT NULL,
            status        TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','taken','done','refused')),
            taken_ns      INTEGER,
            result        TEXT,
            completed_ns  INTEGER,
            os_user       TEXT
        );
        INSERT INTO control_queue_v6(id, created_ns, command, args_json, requested_by, status, taken_ns, result, completed_ns, os_user)
            SELECT id, created_ns, command, args_json, requested_by, status, taken_ns, result, completed_ns, os_user FROM control_queue;
        DROP TABLE control_queue;
        ALTER TABLE control_queue_v6 RENAME TO control_queue;
        CREATE INDEX control_queue_pending ON control_queue(id) WHERE status = 'pending';
        """;
}
