using Bifrost.Store.Records;

namespace Bifrost.Store.ReadModel;

public sealed partial class StoreReader
{
    /// <summary>The daemon's current snapshot, or null if it has not written one yet.</summary>
    public StatusSnapshot? GetStatus() => One($"SELECT {StatusRows.Columns} FROM status WHERE id = 1", StatusRows.Read);

    /// <summary>Snapshots with fromNanos ≤ time &lt; toNanos, oldest first, at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<StatusSnapshot> GetStatusHistory(long fromNanos, long toNanos, int limit = 1000) =>
        Query($"""
            SELECT {StatusRows.Columns} FROM status_history WHERE time_ns >= @from AND time_ns < @to ORDER BY time_ns, id LIMIT @limit
            """, StatusRows.Read, ("@from", fromNanos), ("@to", toNanos), ("@limit", limit));
}
