namespace Bifrost.Store.Schema;

/// <summary>
/// Schema version 7 — what the console needs for NAV and a P&amp;L attribution that adds up, on status and its history:
/// <list type="bullet">
/// <item><c>account_json</c>: the account's numeric values as the broker last reported them (NetLiquidation,
/// TotalCashValue, AvailableFunds, BuyingPower, ExcessLiquidity, GrossPositionValue…), a JSON object; <c>{}</c> when
/// none was reported (and on rows written before this version).</item>
/// <item><c>attr_spread</c>, <c>attr_opening</c>, <c>attr_basis</c>: the attribution parts version 1 did not keep
/// (trading against the mark, P&amp;L carried in, mark against model). Rows written before this version read 0; the
/// console then shows the difference as "unattributed".</item>
/// </list>
/// </summary>
internal static class V0007AccountValuesAndAttribution
{
    public const string Sql = """
        ALTER TABLE status ADD COLUMN account_json TEXT NOT NULL DEFAULT '{}';
        ALTER TABLE status ADD COLUMN attr_spread REAL NOT NULL DEFAULT 0;
        ALTER TABLE status ADD COLUMN attr_opening REAL NOT NULL DEFAULT 0;
        ALTER TABLE status ADD COLUMN attr_basis REAL NOT NULL DEFAULT 0;

        ALTER TABLE status_history ADD COLUMN account_json TEXT NOT NULL DEFAULT '{}';
        ALTER TABLE status_history ADD COLUMN attr_spread REAL NOT NULL DEFAULT 0;
        ALTER TABLE status_history ADD COLUMN attr_opening REAL NOT NULL DEFAULT 0;
        ALTER TABLE status_history ADD COLUMN attr_basis REAL NOT NULL DEFAULT 0;
        """;
}
