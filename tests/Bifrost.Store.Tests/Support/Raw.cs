using Microsoft.Data.Sqlite;

namespace Bifrost.Store.Tests.Support;

/// <summary>A plain SQLite connection to the test store, to inspect or sabotage it behind the library's back.</summary>
internal static class Raw
{
    public static SqliteConnection Open(string path, int busyMs = 5000)
    {
        var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, DefaultTimeout = 30 }.ToString());
        c.Open();
        Exec(c, $"PRAGMA busy_timeout={busyMs};");
        return c;
    }

    public static void Exec(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    public static long Scalar(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar());
    }

    public static long Scalar(string path, string sql)
    {
        using var c = Open(path);
        return Scalar(c, sql);
    }
}
