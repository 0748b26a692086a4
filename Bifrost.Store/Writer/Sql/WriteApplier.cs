using Microsoft.Data.Sqlite;

namespace Bifrost.Store.Writer.Sql;

/// <summary>Applies one <see cref="StoreWrite"/> inside the caller's transaction (the writer's connection only).</summary>
internal sealed class WriteApplier(SqliteConnection c) : IDisposable
{
    private readonly OperationStatements _operations = new(c);
    private readonly OrderStatements _orders = new(c);
    private readonly FillStatements _fills = new(c);
    private readonly AlertStatements _alerts = new(c);
    private readonly StatusStatements _status = new(c);
    private readonly RunStatements _runs = new(c);
    private readonly EngineStateStatements _state = new(c);
    private readonly SessionDayStatements _days = new(c);
    private readonly PortfolioStatements _portfolio = new(c);

    public void Apply(SqliteTransaction tx, StoreWrite item)
    {
        switch (item)
        {
            case StoreWrite.Operation w: _operations.Insert(tx, w.Record); break;
            case StoreWrite.Order w: _orders.Upsert(tx, w.Record); break;
            case StoreWrite.OrderUpdate w: _orders.Progress(tx, w.Progress); break;
            case StoreWrite.Fill w: _fills.Insert(tx, w.Record); break;
            case StoreWrite.FillCommission w: _fills.Commission(tx, w.ExecId, w.Commission); break;
            case StoreWrite.Alert w: _alerts.Insert(tx, w.Record, w.Handle); break;
            case StoreWrite.AlertDelivered w: _alerts.Delivered(tx, w.Handle, w.Delivery); break;
            case StoreWrite.AlertAcknowledged w: _alerts.Acknowledge(tx, w.AlertId); break;
            case StoreWrite.Status w: _status.Replace(tx, w.Snapshot); break;
            case StoreWrite.Heartbeat w: _status.Heartbeat(tx, w.TimeNanos); break;
            case StoreWrite.History w: _status.Append(tx, w.Snapshot); break;
            case StoreWrite.RunStarted w: _runs.Start(tx, w.Run); break;
            case StoreWrite.RunEnded w: _runs.End(tx, w); break;
            case StoreWrite.RunResult w: _runs.Metrics(tx, w.Metrics); break;
            case StoreWrite.EngineState w: _state.Set(tx, w.Key, w.Value, w.TimeNanos); break;
            case StoreWrite.OrderIdHighWater w: _state.RaiseHighWater(tx, w.NextOrderId, w.TimeNanos); break;
            case StoreWrite.SessionDay w: _days.Upsert(tx, w); break;
            case StoreWrite.PortfolioSnapshot w: _portfolio.Snapshot(tx, w.Record); break;
            case StoreWrite.PortfolioRun w: _portfolio.Run(tx, w.Record); break;
            case StoreWrite.PortfolioSchedule w: _portfolio.Schedule(tx, w.Name, w.HandledThroughNanos); break;
            case StoreWrite.FlushMarker: break; // nothing to write: completed by the batch loop after commit
            default: throw new InvalidOperationException($"unknown store write {item.GetType().Name}");
        }
    }

    public void Dispose()
    {
        _operations.Dispose();
        _orders.Dispose();
        _fills.Dispose();
        _alerts.Dispose();
        _status.Dispose();
        _runs.Dispose();
        _state.Dispose();
        _days.Dispose();
        _portfolio.Dispose();
    }
}
