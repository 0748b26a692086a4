namespace Bifrost.Store.Schema;

/// <summary>
/// Schema version 9 — the broker's own fill count on each order (<c>reported_filled</c>, the highest orderStatus
/// <c>filled</c> seen), beside <c>filled</c> (the executions applied). IB may report a fill in orderStatus before its
/// execDetails; if the daemon dies in between and restarts on a later session day, reqExecutions no longer lists it, and
/// only this count tells the restart's sync that the order filled more than the executions show (ORDER_OUTCOME_UNKNOWN
/// instead of hedging the same shares again). Rows from before this version read 0: the executions alone, as before.
/// </summary>
internal static class V0009OrderReportedFilled
{
    public const string Sql = """
        ALTER TABLE orders ADD COLUMN reported_filled REAL NOT NULL DEFAULT 0;
        """;
}
