using Bifrost.Store.Sqlite;
using Microsoft.Data.Sqlite;

namespace Bifrost.Store.Schema;

/// <summary>
/// Applies pending migrations in one IMMEDIATE transaction and records the version in PRAGMA user_version (in the same
/// transaction, so a crash leaves either the old or the new schema) and in schema_migrations (for humans). Opening a store
/// written by newer code fails with <see cref="StoreSchemaException"/> instead of guessing.
/// </summary>
internal static class Migrator
{
    public static void Migrate(SqliteConnection connection, string path)
    {
        if (Version(connection) == Migrations.Latest) return;
        using var tx = connection.BeginTransaction(deferred: false);
        // Re-read under the write lock: another writer (daemon vs simulator) may have migrated meanwhile.
        var current = Version(connection, tx);
        if (current > Migrations.Latest)
            throw new StoreSchemaException(path, current, Migrations.Latest,
                "The store was written by a newer Bifrost; upgrade this program (refusing to touch it).");
        foreach (var m in Migrations.All.Where(m => m.Version > current))
        {
            connection.Execute(m.Sql, tx);
            using var record = connection.Command(
                "INSERT INTO schema_migrations(version, name, applied_ns) VALUES (@v, @n, @t)",
                ("@v", m.Version), ("@n", m.Name), ("@t", Records.UnixNanos.Now()));
            record.Transaction = tx;
            record.ExecuteNonQuery();
            connection.Execute($"PRAGMA user_version = {m.Version};", tx);
        }
        tx.Commit();
    }

    /// <summary>For connections that must not migrate (monitor): the schema must be exactly the one this build knows.</summary>
    public static void RequireCurrent(SqliteConnection connection, string path, SqliteTransaction? tx = null)
    {
        var v = Version(connection, tx);
        if (v == Migrations.Latest) return;
        if (v == 0) throw new StoreUnavailableException(path, "the store is not initialised yet (the daemon creates it)");
        throw new StoreSchemaException(path, v, Migrations.Latest,
            v > Migrations.Latest ? "The store was written by a newer Bifrost; upgrade this program." : "Start the daemon once to upgrade the store.");
    }

    private static int Version(SqliteConnection connection, SqliteTransaction? tx = null) =>
        (int)connection.ScalarLong("PRAGMA user_version;", tx);
}
