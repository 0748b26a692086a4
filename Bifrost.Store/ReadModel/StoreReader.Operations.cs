using System.Text;
using Bifrost.Store.Records;
using Bifrost.Store.Sqlite;
using Microsoft.Data.Sqlite;

namespace Bifrost.Store.ReadModel;

public sealed partial class StoreReader
{
    private const string OperationColumns = "id, time_ns, kind, run_id, order_ref, contract_id, side, qty, price, detail, venue_ns";

    public IReadOnlyList<OperationRecord> QueryOperations(OperationQuery query)
    {
        var (where, parameters) = Filter(query, withCursor: true);
        parameters.Add(("@limit", query.Limit));
        var column = TimeColumn(query);
        return Query($"SELECT {OperationColumns} FROM operations{where} ORDER BY {column} DESC, id DESC LIMIT @limit",
            ReadOperation, parameters.ToArray());
    }

    /// <summary>How many operations match the filters (ignoring paging), e.g. for a scroll indicator.</summary>
    public long CountOperations(OperationQuery query)
    {
        var (where, parameters) = Filter(query, withCursor: false);
        return Query($"SELECT COUNT(*) FROM operations{where}", r => r.GetInt64(0), parameters.ToArray())[0];
    }

    public OperationRecord? GetOperation(long id) =>
        One($"SELECT {OperationColumns} FROM operations WHERE id = @id", ReadOperation, ("@id", id));

    private static (string Where, List<(string, object?)> Parameters) Filter(OperationQuery q, bool withCursor)
    {
        var clauses = new List<string>();
        var ps = new List<(string, object?)>();
        if (q.Kinds is { Count: > 0 } kinds)
        {
            var names = kinds.Select((k, i) => { ps.Add(($"@k{i}", EnumText<OperationKind>.ToText(k))); return $"@k{i}"; });
            clauses.Add($"kind IN ({string.Join(",", names)})");
        }
        var time = TimeColumn(q);
        if (q.TimeBase == OperationTimeBase.Venue) clauses.Add("venue_ns IS NOT NULL");
        if (q.FromNanos is { } from) { clauses.Add($"{time} >= @from"); ps.Add(("@from", from)); }
        if (q.ToNanos is { } to) { clauses.Add($"{time} < @to"); ps.Add(("@to", to)); }
        if (q.RunId is { } run) { clauses.Add("run_id = @run"); ps.Add(("@run", run)); }
        if (q.OrderRef is { } orderRef) { clauses.Add("order_ref = @ref"); ps.Add(("@ref", orderRef)); }
        if (q.ContractId is { } conId) { clauses.Add("contract_id = @con"); ps.Add(("@con", conId)); }
        if (withCursor && q.Before is { } c)
        {
            clauses.Add($"({time}, id) < (@ct, @cid)");
            ps.Add(("@ct", c.TimeNanos));
            ps.Add(("@cid", c.Id));
        }
        var where = new StringBuilder();
        if (clauses.Count > 0) where.Append(" WHERE ").AppendJoin(" AND ", clauses);
        return (where.ToString(), ps);
    }

    /// <summary>time_ns is the receive (wall) time, venue_ns the venue (engine) time (schema v4).</summary>
    private static string TimeColumn(OperationQuery q) => q.TimeBase == OperationTimeBase.Venue ? "venue_ns" : "time_ns";

    private static OperationRecord ReadOperation(SqliteDataReader r) =>
        new(r.GetInt64(1), EnumText<OperationKind>.Parse(r.GetString(2)), r.GetStringOrNull(3), r.GetStringOrNull(4),
            r.GetInt64OrNull(5), r.IsDBNull(6) ? null : EnumText<TradeSide>.Parse(r.GetString(6)), r.GetDoubleOrNull(7),
            r.GetDoubleOrNull(8), r.GetStringOrNull(9))
        {
            Id = r.GetInt64(0),
            VenueNanos = r.GetInt64OrNull(10),
        };
}
