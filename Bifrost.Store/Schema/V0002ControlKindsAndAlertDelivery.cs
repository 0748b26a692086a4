namespace Bifrost.Store.Schema;

/// <summary>
/// Schema version 2 — the contract the safety, hardening and console work share:
/// <list type="bullet">
/// <item>control_queue accepts <c>cancel</c> (a run's or one order's working orders) and <c>confirm_book</c> (the operator
/// confirms the strategy's option book after a BOOK_MISMATCH), and refuses implausible ids: a row id outside
/// 1..2^53 would exhaust AUTOINCREMENT and no control could ever be sent again.</item>
/// <item>alerts record who acknowledged them and when (wall clock).</item>
/// <item>alert_deliveries: one row per delivery attempt outcome of the notifier (sent / failed + reason).</item>
/// </list>
/// SQLite cannot alter a CHECK constraint, so control_queue is rebuilt (rows and AUTOINCREMENT sequence kept).
/// </summary>
internal static class V0002ControlKindsAndAlertDelivery
{
    public const string Sql = """
        CREATE TABLE control_queue_v2 (
            id            INTEGER PRIMARY KEY AUTOINCREMENT CHECK (id BETWEEN 1 AND 9007199254740992),
            created_ns    INTEGER NOT NULL,
            created_iso   TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', created_ns / 1e9, 'unixepoch')) VIRTUAL,
            command       TEXT    NOT NULL CHECK (command IN ('stop','pause','resume','flatten','self_check','manual_order','rebalance','cancel','confirm_book')),
            args_json     TEXT    NOT NULL DEFAULT '{}',
            requested_by  TEXT    NOT NULL,
            status        TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','taken','done','refused')),
            taken_ns      INTEGER,
            result        TEXT,
            completed_ns  INTEGER
        );
        INSERT INTO control_queue_v2(id, created_ns, command, args_json, requested_by, status, taken_ns, result, completed_ns)
            SELECT id, created_ns, command, args_json, requested_by, status, taken_ns, result, completed_ns
            FROM control_queue WHERE id BETWEEN 1 AND 9007199254740992;
        DROP TABLE control_queue;
        ALTER TABLE control_queue_v2 RENAME TO control_queue;
        CREATE INDEX control_queue_pending ON control_queue(id) WHERE status = 'pending';

        ALTER TABLE alerts ADD COLUMN acknowledged_by TEXT;
        ALTER TABLE alerts ADD COLUMN acknowledged_ns INTEGER;

        -- The notifier's word on each alert it delivered or gave up on (one row per channel and outcome).
        CREATE TABLE alert_deliveries (
            id          INTEGER PRIMARY KEY,
            alert_id    INTEGER NOT NULL,
            channel     TEXT    NOT NULL,
            status      TEXT    NOT NULL CHECK (status IN ('sent','failed')),
            attempts    INTEGER NOT NULL,
            detail      TEXT    NOT NULL DEFAULT '',
            wall_ns     INTEGER NOT NULL,
            wall_iso    TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', wall_ns / 1e9, 'unixepoch')) VIRTUAL
        );
        CREATE INDEX alert_deliveries_alert ON alert_deliveries(alert_id);
        """;
}
