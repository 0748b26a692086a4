using Bifrost.Store.Files;
using Bifrost.Store.Sqlite;
using Bifrost.Store.Writer;
using Microsoft.Data.Sqlite;

namespace Bifrost.Store.Maintenance;

/// <summary>
/// Salvages a damaged store: creates a new store with the current schema and copies, table by table and row by row,
/// every row SQLite can still read from the damaged file (a read error ends that table; what was read is kept). The
/// status tables are not copied (the daemon rewrites them). The order journal and the broker's executions fill in what
/// was lost at the next start. The portfolio tables are copied too, parents first (their foreign keys): without
/// portfolio_schedule's handled-through mark a slot already executed that day ran again on the rebuilt store.
/// </summary>
public static class StoreSalvage
{
    private static readonly string[] Tables =
        ["runs", "orders", "fills", "operations", "alerts", "alert_deliveries", "control_queue", "engine_state", "run_metrics", "run_guard_blocks",
         "session_days", "portfolio_snapshots", "portfolio_snapshot_lines", "portfolio_runs", "portfolio_run_orders", "portfolio_schedule"];

    public sealed record Report(IReadOnlyList<string> Tables, bool Complete);

    public static Report Run(string damaged, string target)
    {
        // A pipe's open waited for a writer for ever, and a device or an empty file read as an empty store: "done".
        if (RegularFile.Problem(damaged) is { } notAStore) throw new IOException(notAStore);
        if (File.Exists(target)) throw new IOException($"'{target}' already exists; choose a new file");
        SqliteConnection? src = null;
        string? openError = null;
        try
        {
            src = StoreIntegrity.OpenReadOnly(damaged);
        }
        catch (SqliteException e)
        {
            openError = e.Message;
        }
        using (src)
        {
            // Copying a newer Bifrost's store into this build's schema would drop what it added without a word.
            // Not a store at all (no readable SQLite header): "rebuilt" would start the daemon on an empty store that
            // remembers no pause, halt or day's P&L. Refused, nothing created.
            var version = src is null ? null : SchemaVersion(src);
            if (src is null || version is null)
                throw new IOException($"'{damaged}' is not a readable SQLite store{(openError is null ? "" : $" ({openError})")}: nothing to salvage, no store created");
            if (version > Schema.Migrations.Latest)
                throw new StoreSchemaException(damaged, version.Value, Schema.Migrations.Latest, "Salvage it with the Bifrost that wrote it (refusing to downgrade it).");
            using (StoreWriter.Open(target)) { } // creates it 0600 with the current schema
            var lines = new List<string>();
            var complete = true;
            using var dst = StoreIntegrity.OpenWith(target, SqliteOpenMode.ReadWrite);
            foreach (var table in Tables)
            {
                var (copied, error) = CopyTable(src, dst, table);
                complete &= error is null;
                lines.Add($"{table}: {copied} row(s) copied" + (error is null ? "" : $", stopped at a damaged page: {error}"));
            }
            return new Report(lines, complete);
        }
    }

    /// <summary>The damaged file's schema version, or null when even its header cannot be read.</summary>
    private static int? SchemaVersion(SqliteConnection src)
    {
        try
        {
            return (int)src.ScalarLong("PRAGMA user_version;");
        }
        catch (SqliteException)
        {
            return null;
        }
    }

    private static (long Copied, string? Error) CopyTable(SqliteConnection src, SqliteConnection dst, string table)
    {
        List<string> columns;
        try
        {
            // A store from before the table existed (an older schema) has nothing to copy: not a loss.
            if (src.ScalarLong($"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'") == 0) return (0, null);
            var theirs = Columns(src, table).ToHashSet(StringComparer.Ordinal);
            columns = Columns(dst, table).Where(theirs.Contains).ToList();
        }
        catch (SqliteException e)
        {
            return (0, e.Message);
        }
        if (columns.Count == 0) return (0, "no readable columns");
        var list = string.Join(", ", columns);
        using var tx = dst.BeginTransaction();
        using var insert = dst.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = $"INSERT OR IGNORE INTO {table}({list}) VALUES ({string.Join(", ", columns.Select((_, i) => "@p" + i))})";
        var parameters = columns.Select((_, i) => insert.Parameters.Add("@p" + i, SqliteType.Blob)).ToArray();
        long copied = 0;
        string? error = null;
        try
        {
            using var read = src.CreateCommand();
            read.CommandText = $"SELECT {list} FROM {table}";
            using var r = read.ExecuteReader();
            while (r.Read())
            {
                for (var i = 0; i < columns.Count; i++)
                {
                    parameters[i].SqliteType = r.IsDBNull(i) ? SqliteType.Text : r.GetFieldType(i) == typeof(long) ? SqliteType.Integer
                        : r.GetFieldType(i) == typeof(double) ? SqliteType.Real : r.GetFieldType(i) == typeof(byte[]) ? SqliteType.Blob : SqliteType.Text;
                    parameters[i].Value = r.IsDBNull(i) ? DBNull.Value : r.GetValue(i);
                }
                try
                {
                    copied += insert.ExecuteNonQuery();
                }
                catch (SqliteException e) when (e.IsItemError())
                {
                    // a row the current schema refuses (e.g. an implausible control id): skipped
                }
            }
        }
        catch (SqliteException e)
        {
            error = e.Message;
        }
        tx.Commit();
        return (copied, error);
    }

    private static List<string> Columns(SqliteConnection c, string table)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT name FROM pragma_table_info('{table}')";
        using var r = cmd.ExecuteReader();
        var names = new List<string>();
        while (r.Read()) names.Add(r.GetString(0));
        return names;
    }
}
