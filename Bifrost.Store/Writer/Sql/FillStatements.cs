using Bifrost.Store.Records;
using Microsoft.Data.Sqlite;

namespace Bifrost.Store.Writer.Sql;

internal sealed class FillStatements(SqliteConnection c) : IDisposable
{
    // IB repeats execDetails (reconnects, reqExecutions at startup): the first copy of an execId wins, except that a
    // commission the stored copy still lacks (the daemon stopped before its commissionReport) is taken from a later one.
    private readonly Statement _insert = new(c, """
        INSERT INTO fills(exec_id, order_ref, perm_id, contract_id, side, qty, price, commission, time_ns, venue_ns, client_id, engine_client_id)
        VALUES (@exec, @ref, @perm, @contract, @side, @qty, @price, @commission, @time, @venue, @client, @engine)
        ON CONFLICT(exec_id) DO UPDATE SET commission = excluded.commission
        WHERE fills.commission IS NULL AND excluded.commission IS NOT NULL
        """);

    private readonly Statement _commission = new(c, "UPDATE fills SET commission = @commission WHERE exec_id = @exec");

    public void Insert(SqliteTransaction tx, FillRecord f) =>
        _insert.Run(tx, f.ExecId, f.OrderRef, f.PermId, f.ContractId, Columns.Text(f.Side), f.Qty, f.Price, f.Commission, f.TimeNanos, f.VenueNanos, f.ClientId, f.EngineClientId);

    public void Commission(SqliteTransaction tx, string execId, double commission) => _commission.Run(tx, commission, execId);

    public void Dispose()
    {
        _insert.Dispose();
        _commission.Dispose();
    }
}
