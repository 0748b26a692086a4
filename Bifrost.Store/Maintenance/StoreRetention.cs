using Bifrost.Store.Sqlite;
using Microsoft.Data.Sqlite;

namespace Bifrost.Store.Maintenance;

/// <summary>
/// Retention for the high-volume rows only: guard-block operations (hundreds a day while a block stands) and the status
/// history older than the cutoff are deleted. Every position-changing row — orders, fills, and the operations of kinds
/// intent, order, status, fill, cancel, reject, control, risk halt, reconcile, anomaly, alert — is kept forever.
/// </summary>
public static class StoreRetention
{
    /// <summary>The operation kinds that may be pruned. Nothing else is ever deleted.</summary>
    public static readonly IReadOnlyList<string> PrunableOperationKinds = ["guard_block"];

    public sealed record Pruned(long GuardBlocks, long StatusHistory);

    /// <summary>Deletes prunable rows older than <paramref name="keep"/> before the newest row of their table (rows carry
    /// the engine's clock, which may be a replay's: the newest row, not the wall clock, is "now").</summary>
    public static Pruned Prune(string storePath, TimeSpan keep)
    {
        using var c = StoreIntegrity.OpenWith(storePath, SqliteOpenMode.ReadWrite);
        using var tx = c.BeginTransaction(deferred: false);
        // A newer Bifrost's store may keep rows under these names that it never meant to expire: refused, not guessed.
        Schema.Migrator.RequireCurrent(c, storePath, tx);
        var keepNs = keep.Ticks * 100;
        long Delete(string sql)
        {
            using var cmd = c.Command(sql, ("@keep", keepNs));
            cmd.Transaction = tx;
            return cmd.ExecuteNonQuery();
        }
        var blocks = Delete("""
            DELETE FROM operations WHERE kind = 'guard_block'
              AND time_ns < (SELECT MAX(time_ns) FROM operations) - @keep
            """);
        var history = Delete("DELETE FROM status_history WHERE time_ns < (SELECT MAX(time_ns) FROM status_history) - @keep");
        tx.Commit();
        return new Pruned(blocks, history);
    }
}
