namespace Bifrost.Store.Schema;

/// <summary>
/// Schema version 5 — hardening: <c>control_queue.os_user</c>, the operating-system user of the process that inserted a
/// control row when Bifrost's own writer did (the monitor and CLI fill it; a row inserted by hand with sqlite3 leaves it
/// NULL, "unknown"). <c>requested_by</c> stays the free text the writer gives. Write access to the store file (0600, the
/// daemon's user) is the control permission.
/// </summary>
internal static class V0005ControlWriterUser
{
    public const string Sql = """
        ALTER TABLE control_queue ADD COLUMN os_user TEXT;
        """;
}
