using Bifrost.Store.Records;
using Microsoft.Data.Sqlite;

namespace Bifrost.Store.Writer.Sql;

internal sealed class OperationStatements(SqliteConnection c) : IDisposable
{
    private readonly Statement _insert = new(c, """
        INSERT INTO operations(time_ns, venue_ns, kind, run_id, order_ref, contract_id, side, qty, price, detail)
        VALUES (@time, @venue, @kind, @run, @ref, @contract, @side, @qty, @price, @detail)
        """);

    public void Insert(SqliteTransaction tx, OperationRecord o) =>
        _insert.Run(tx, o.TimeNanos, o.VenueNanos, Columns.Text(o.Kind), o.RunId, o.OrderRef, o.ContractId, Columns.Text(o.Side), o.Qty, o.Price, o.Detail);

    public void Dispose() => _insert.Dispose();
}
