namespace Bifrost.Store.Schema;

/// <summary>
/// Schema version 11 — who executed each fill and who received it: IB's <c>client_id</c> of the execution and the
/// daemon's own (<c>engine_client_id</c>, its connection.client_id then). A fill of one of our refs from another client
/// id (a second engine with a copied configuration or store) was refused live; a restart must refuse it again, judged
/// by the engine that saw it, not by today's client id. Rows from before read NULL: the client is not judged (their
/// permId, contract and side still are).
/// </summary>
internal static class V0011FillClientIds
{
    public const string Sql = """
        ALTER TABLE fills ADD COLUMN client_id INTEGER;
        ALTER TABLE fills ADD COLUMN engine_client_id INTEGER;
        """;
}
