namespace Bifrost.Store.Schema;

/// <summary>
/// Schema version 4 — two clocks on every operations, alerts and fills row, each said for what it is:
/// <list type="bullet">
/// <item><c>time_ns</c> (unchanged column) is the <b>receive (wall) time</b>: the host's clock when the daemon took the
/// input that caused the row. It is always set, and it is what "the last 10 minutes" means (monitor, <c>ops --since</c>).</item>
/// <item><c>venue_ns</c> (new) is the <b>venue time</b>: the engine's clock, i.e. the broker's (the replay gateway's
/// session time under <c>daemon.clock: broker</c>, the host's under <c>system</c>) — the time the reducer reasoned in
/// (trading hours, cooldowns). NULL when that clock was not known yet (before the broker's first time reply), never 0.</item>
/// </list>
/// Rows written before this version have <c>venue_ns</c> NULL: which clock stamped their <c>time_ns</c> is not known.
/// Orders keep <c>created_ns</c>/<c>updated_ns</c> in venue time (the engine's clock), as before.
/// </summary>
internal static class V0004OperationTimes
{
    public const string Sql = """
        ALTER TABLE operations ADD COLUMN venue_ns INTEGER;
        ALTER TABLE operations ADD COLUMN venue_iso TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', venue_ns / 1e9, 'unixepoch')) VIRTUAL;
        CREATE INDEX operations_venue_time ON operations(venue_ns, id) WHERE venue_ns IS NOT NULL;

        ALTER TABLE alerts ADD COLUMN venue_ns INTEGER;
        ALTER TABLE alerts ADD COLUMN venue_iso TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', venue_ns / 1e9, 'unixepoch')) VIRTUAL;

        ALTER TABLE fills ADD COLUMN venue_ns INTEGER;
        ALTER TABLE fills ADD COLUMN venue_iso TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', venue_ns / 1e9, 'unixepoch')) VIRTUAL;
        """;
}
