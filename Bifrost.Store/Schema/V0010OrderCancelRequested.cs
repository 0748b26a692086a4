namespace Bifrost.Store.Schema;

/// <summary>
/// Schema version 10 — whether the engine asked the broker to cancel the order (<c>cancel_requested</c>, 0/1). A cancel
/// sent while the socket was down, or refused while the order stayed open, is sent again once the broker's open orders
/// are known (a sync's end): across a restart too, which needs the request on record. Rows from before read 0.
/// </summary>
internal static class V0010OrderCancelRequested
{
    public const string Sql = """
        ALTER TABLE orders ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1));
        """;
}
