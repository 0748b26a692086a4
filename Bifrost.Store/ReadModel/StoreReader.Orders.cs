using Bifrost.Store.Records;
using Bifrost.Store.Sqlite;
using Microsoft.Data.Sqlite;

namespace Bifrost.Store.ReadModel;

// Traceability run → orders → fills.
public sealed partial class StoreReader
{
    private const string OrderColumns = """
        order_ref, run_id, purpose, contract_id, side, qty, order_type, limit_price, tif, status, created_ns, updated_ns,
        ib_order_id, perm_id, filled, avg_price, reject_reason, reported_filled, cancel_requested
        """;

    private const string FillColumns = "exec_id, order_ref, contract_id, side, qty, price, time_ns, commission, perm_id, venue_ns, client_id, engine_client_id";

    public OrderRecord? GetOrder(string orderRef) =>
        One($"SELECT {OrderColumns} FROM orders WHERE order_ref = @ref", ReadOrder, ("@ref", orderRef));

    /// <summary>A run's orders, oldest first.</summary>
    public IReadOnlyList<OrderRecord> GetOrdersForRun(string runId) =>
        Query($"SELECT {OrderColumns} FROM orders WHERE run_id = @run ORDER BY created_ns, order_ref", ReadOrder, ("@run", runId));

    public IReadOnlyList<FillRecord> GetFillsForOrder(string orderRef) =>
        Query($"SELECT {FillColumns} FROM fills WHERE order_ref = @ref ORDER BY time_ns, exec_id", ReadFill, ("@ref", orderRef));

    /// <summary>Fills of a run's orders, oldest first.</summary>
    public IReadOnlyList<FillRecord> GetFillsForRun(string runId) =>
        Query($"""
            SELECT {FillColumns} FROM fills WHERE order_ref IN (SELECT order_ref FROM orders WHERE run_id = @run)
            ORDER BY time_ns, exec_id
            """, ReadFill, ("@run", runId));

    private static OrderRecord ReadOrder(SqliteDataReader r) =>
        new(r.GetString(0), r.GetStringOrNull(1), r.GetString(2), r.GetInt64(3), EnumText<TradeSide>.Parse(r.GetString(4)),
            r.GetDouble(5), r.GetString(6), r.GetDoubleOrNull(7), r.GetString(8), r.GetString(9), r.GetInt64(10), r.GetInt64(11),
            r.GetInt64OrNull(12), r.GetInt64OrNull(13), r.GetDouble(14), r.GetDoubleOrNull(15), r.GetStringOrNull(16), r.GetDouble(17), r.GetInt64(18) != 0);

    private static FillRecord ReadFill(SqliteDataReader r) =>
        new(r.GetString(0), r.GetStringOrNull(1), r.GetInt64(2), EnumText<TradeSide>.Parse(r.GetString(3)), r.GetDouble(4),
            r.GetDouble(5), r.GetInt64(6), r.GetDoubleOrNull(7), r.GetInt64OrNull(8))
        {
            VenueNanos = r.GetInt64OrNull(9),
            ClientId = (int?)r.GetInt64OrNull(10),
            EngineClientId = (int?)r.GetInt64OrNull(11),
        };
}
