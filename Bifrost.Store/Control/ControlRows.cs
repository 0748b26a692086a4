using Bifrost.Store.Records;
using Bifrost.Store.Sqlite;
using Microsoft.Data.Sqlite;

namespace Bifrost.Store.Control;

/// <summary>The control_queue row ⇄ <see cref="ControlCommand"/> mapping, shared by the queue and the reader.</summary>
internal static class ControlRows
{
    public const string Columns = "id, created_ns, command, args_json, requested_by, status, taken_ns, result, completed_ns, os_user";

    public static ControlCommand Read(SqliteDataReader r) => new(
        r.GetInt64(0),
        r.GetInt64(1),
        EnumText<ControlCommandKind>.Parse(r.GetString(2)),
        r.GetString(3),
        r.GetString(4),
        EnumText<ControlStatus>.Parse(r.GetString(5)),
        r.GetInt64OrNull(6),
        r.GetStringOrNull(7),
        r.GetInt64OrNull(8),
        r.GetStringOrNull(9));
}
