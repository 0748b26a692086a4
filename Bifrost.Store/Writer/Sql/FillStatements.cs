using Bifrost.Store.Records;
using Microsoft.Data.Sqlite;

namespace Bifrost.Store.Writer.Sql;

internal sealed class FillStatements(SqliteConnection c) : IDisposable
{
    // IB repeats execDetails (reconnects, reqExecutions at startup): the first copy of an execId wins, the rest are no-ops.
    private readonly Statement _insert = new(c, """
        INSERT INTO fills(exec_id, order_ref, perm_id, contract_id, side, qty, price, commission, time_ns)
        VALUES (@exec, @ref, @perm, @contract, @side, @qty, @price, @commission, @time)
        ON CONFLICT(exec_id) DO NOTHING
        """);

    private readonly Statement _commission = new(c, "UPDATE fills SET commission = @commission WHERE exec_id = @exec");

    public void Insert(SqliteTransaction tx, FillRecord f) =>
        _insert.Run(tx, f.ExecId, f.OrderRef, f.PermId, f.ContractId, Columns.Text(f.Side), f.Qty, f.Price, f.Commission, f.TimeNanos);

    public void Commission(SqliteTransaction tx, string execId, double commission) => _commission.Run(tx, commission, execId);

    public void Dispose()
    {
        _insert.Dispose();
        _commission.Dispose();
    }
}
