using Bifrost.Store.Sqlite;
using Microsoft.Data.Sqlite;

namespace Bifrost.Store.Maintenance;

/// <summary>The store failed its start-up integrity check: the daemon must not connect to the broker on it.</summary>
public sealed class StoreCorruptException(string path, string detail)
    : Exception($"store.path: '{path}' is damaged ({detail}). Refusing to start on it. Recover: stop here, keep the damaged file " +
                $"for inspection, then either restore the latest backup (`bifrost-daemon backup` copies) with `bifrost-daemon restore --store '{path}' " +
                "--from BACKUP.db` (it keeps the damaged file and its -wal beside it; a copy over the file alone mixes in that -wal), or salvage " +
                $"what is readable into a new store with `bifrost-daemon rebuild-store --from '{path}' --to NEW.db` and point " +
                "store.path at it (the order journal is merged and today's executions are re-read from the broker at the next start).")
{
    public string StorePath { get; } = path;
    public string Detail { get; } = detail;
}

/// <summary>
/// The start-up check, before anything connects: the file header, the WAL header and SQLite's <c>PRAGMA quick_check</c>
/// (every page and index structure, O(N) but without cross-checking index contents). A store that does not exist yet is
/// fine (the writer creates it); anything else damaged throws <see cref="StoreCorruptException"/> saying how to recover.
/// </summary>
public static class StoreIntegrity
{
    private static readonly byte[] Magic = "SQLite format 3\0"u8.ToArray();

    public static void Check(string path)
    {
        if (!File.Exists(path)) return;
        var detail = Problem(path);
        if (detail is not null) throw new StoreCorruptException(path, detail);
    }

    /// <summary>What is wrong with the store file, or null when it passes.</summary>
    public static string? Problem(string path)
    {
        var length = new FileInfo(path).Length;
        if (length == 0) return null; // an empty file is an empty database: the writer initialises it
        if (length < 100) return $"the file is {length} bytes, shorter than a SQLite header (truncated)";
        var header = new byte[100];
        using (var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)) f.ReadExactly(header);
        if (!header.AsSpan(0, 16).SequenceEqual(Magic)) return "bad header: not a SQLite database";
        var pageSize = (header[16] << 8) | header[17];
        if (pageSize == 1) pageSize = 65536;
        if (pageSize < 512 || (pageSize & (pageSize - 1)) != 0) return $"bad header: page size {pageSize}";
        var pages = (long)BigEndian(header, 28);
        // The in-header size is valid only when the change counter matches version-valid-for, and the main file alone
        // holds the database only when no WAL frames are pending (a checkpoint cut short by a full disk leaves pages in
        // the WAL): then quick_check, which reads through the WAL, is the judge.
        var walPending = File.Exists(path + "-wal") && new FileInfo(path + "-wal").Length > 0;
        var sizeValid = BigEndian(header, 24) == BigEndian(header, 92);
        if (length % pageSize != 0 || (!walPending && sizeValid && pages > 0 && length < pages * pageSize))
            return $"the file is {length} bytes, not the {pages} pages of {pageSize} bytes its header records (truncated)";
        var walProblem = WalProblem(path + "-wal");
        if (walProblem is not null) return walProblem;
        try
        {
            var cs = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
            using var c = new SqliteConnection(cs);
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA quick_check(5);";
            using var r = cmd.ExecuteReader();
            var lines = new List<string>();
            while (r.Read()) lines.Add(r.GetString(0));
            return lines is ["ok"] ? null : "quick_check: " + string.Join("; ", lines);
        }
        catch (SqliteException e)
        {
            return $"SQLite error {e.SqliteErrorCode}: {e.Message}";
        }
    }

    private static uint BigEndian(byte[] b, int at) => (uint)b[at] << 24 | (uint)b[at + 1] << 16 | (uint)b[at + 2] << 8 | b[at + 3];

    /// <summary>A WAL whose header is not SQLite's is garbage that SQLite would silently ignore, losing commits: refuse.</summary>
    private static string? WalProblem(string wal)
    {
        if (!File.Exists(wal)) return null;
        var length = new FileInfo(wal).Length;
        if (length == 0) return null;
        if (length < 32) return $"the write-ahead log '{wal}' is {length} bytes, shorter than its header (truncated)";
        var h = new byte[32];
        using (var f = new FileStream(wal, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)) f.ReadExactly(h);
        var magic = (uint)h[0] << 24 | (uint)h[1] << 16 | (uint)h[2] << 8 | h[3];
        return magic is 0x377f0682 or 0x377f0683 ? null : $"the write-ahead log '{wal}' has a bad header (not a SQLite WAL)";
    }

    internal static SqliteConnection OpenReadOnly(string path) =>
        OpenWith(path, SqliteOpenMode.ReadOnly);

    internal static SqliteConnection OpenWith(string path, SqliteOpenMode mode)
    {
        var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString());
        c.Open();
        c.Execute("PRAGMA busy_timeout=5000;");
        return c;
    }
}
