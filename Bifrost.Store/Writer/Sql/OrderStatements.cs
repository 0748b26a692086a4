using Bifrost.Store.Records;
using Microsoft.Data.Sqlite;

namespace Bifrost.Store.Writer.Sql;

internal sealed class OrderStatements(SqliteConnection c) : IDisposable
{
    // created_ns is kept from the first write; broker ids are never erased by a later write that lacks them. The broker's
    // reported fill count only grows (it is the highest one seen); a cancel asked for stays asked for.
    private readonly Statement _upsert = new(c, """
        INSERT INTO orders(order_ref, ib_order_id, perm_id, run_id, purpose, contract_id, side, qty, order_type, limit_price,
                           tif, status, filled, avg_price, reject_reason, created_ns, updated_ns, reported_filled,
                           cancel_requested)
        VALUES (@ref, @ib, @perm, @run, @purpose, @contract, @side, @qty, @type, @limit, @tif, @status, @filled, @avg, @reject,
                @created, @updated, @reported, @cancel)
        ON CONFLICT(order_ref) DO UPDATE SET
            ib_order_id = COALESCE(excluded.ib_order_id, ib_order_id),
            perm_id = COALESCE(excluded.perm_id, perm_id),
            run_id = excluded.run_id, purpose = excluded.purpose, contract_id = excluded.contract_id, side = excluded.side,
            qty = excluded.qty, order_type = excluded.order_type, limit_price = excluded.limit_price, tif = excluded.tif,
            status = excluded.status, filled = excluded.filled, avg_price = excluded.avg_price,
            reject_reason = excluded.reject_reason, updated_ns = excluded.updated_ns,
            reported_filled = MAX(excluded.reported_filled, reported_filled),
            cancel_requested = MAX(excluded.cancel_requested, cancel_requested)
        """);

    private readonly Statement _progress = new(c, """
        UPDATE orders SET status = @status, updated_ns = @updated,
            filled = COALESCE(@filled, filled), avg_price = COALESCE(@avg, avg_price),
            ib_order_id = COALESCE(@ib, ib_order_id), perm_id = COALESCE(@perm, perm_id),
            reject_reason = COALESCE(@reject, reject_reason),
            reported_filled = MAX(COALESCE(@reported, 0), reported_filled),
            cancel_requested = MAX(COALESCE(@cancel, 0), cancel_requested)
        WHERE order_ref = @ref
        """);

    public void Upsert(SqliteTransaction tx, OrderRecord o) =>
        _upsert.Run(tx, o.OrderRef, o.IbOrderId, o.PermId, o.RunId, o.Purpose, o.ContractId, Columns.Text(o.Side), o.Qty,
            o.OrderType, o.LimitPrice, o.Tif, o.Status, o.Filled, o.AvgPrice, o.RejectReason, o.CreatedNanos, o.UpdatedNanos, o.ReportedFilled, o.CancelRequested);

    public void Progress(SqliteTransaction tx, OrderProgress p) =>
        _progress.Run(tx, p.Status, p.UpdatedNanos, p.Filled, p.AvgPrice, p.IbOrderId, p.PermId, p.RejectReason, p.ReportedFilled, p.CancelRequested, p.OrderRef);

    public void Dispose()
    {
        _upsert.Dispose();
        _progress.Dispose();
    }
}
