using Bifrost.Store.Schema;
using Microsoft.Data.Sqlite;

namespace Bifrost.Store.Sqlite;

/// <summary>Opens connections with the store's pragmas. Pooling is off: each owner holds its connection for its lifetime.</summary>
internal static class StoreConnection
{
    /// <summary>The writer's connection: creates the file (0600) if needed, sets WAL, and migrates the schema.</summary>
    public static SqliteConnection OpenWriter(string path, StoreOptions options)
    {
        StoreFile.EnsureCreated(path);
        var connection = Open(path, SqliteOpenMode.ReadWrite, options);
        try
        {
            // journal_mode is persistent in the file; setting it here makes every later reader see WAL.
            connection.Execute("PRAGMA journal_mode=WAL;");
            Migrator.Migrate(connection, path);
            StoreFile.RestrictSidecars(path);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A connection to an existing, initialised store (monitor side): never creates or migrates. ReadOnly for readers —
    /// in WAL mode readers and the writer do not block each other.
    /// </summary>
    public static SqliteConnection OpenExisting(string path, SqliteOpenMode mode, StoreOptions options)
    {
        if (!File.Exists(path)) throw new StoreUnavailableException(path, "the file does not exist (has the daemon run yet?)");
        SqliteConnection connection;
        try
        {
            connection = Open(path, mode, options);
        }
        catch (SqliteException e)
        {
            throw new StoreUnavailableException(path, e.Message, e);
        }
        try
        {
            Migrator.RequireCurrent(connection, path);
            return connection;
        }
        catch (SqliteException e)
        {
            // SQLite opens lazily: a file that is not a database (or is damaged) fails on the first read, here.
            connection.Dispose();
            throw new StoreUnavailableException(path, e.SqliteErrorCode == 26 ? $"not a SQLite database ({e.Message})" : e.Message, e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static SqliteConnection Open(string path, SqliteOpenMode mode, StoreOptions options)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = mode,
            Pooling = false,
            Cache = SqliteCacheMode.Private,
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds)),
        };
        var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        var busyMs = (long)options.BusyTimeout.TotalMilliseconds;
        var sync = options.Durability == Durability.PowerLoss ? "FULL" : "NORMAL";
        connection.Execute($"PRAGMA busy_timeout={busyMs}; PRAGMA foreign_keys=ON; PRAGMA synchronous={sync};");
        return connection;
    }
}
