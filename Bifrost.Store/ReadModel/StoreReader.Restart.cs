using Bifrost.Store.Records;

namespace Bifrost.Store.ReadModel;

// What a restart reads beyond a run's own orders and fills.
public sealed partial class StoreReader
{
    /// <summary>Every stored fill on these contracts (the option legs), any owner, oldest first: the strategy's own
    /// come with its runs; the others are external and tell how the account's external quantity moved.</summary>
    public IReadOnlyList<FillRecord> GetFillsOnContracts(IReadOnlyCollection<long> contractIds)
    {
        if (contractIds.Count == 0) return [];
        var list = string.Join(",", contractIds.Select(id => id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return Query($"SELECT {FillColumns} FROM fills WHERE contract_id IN ({list}) ORDER BY time_ns, exec_id", ReadFill);
    }

    /// <summary>The order refs starting with <paramref name="prefix"/> that stored fills carry and no stored order has: the
    /// executions of orders the store lost (a backup restored over it, pages a salvage could not read).</summary>
    public IReadOnlyList<string> GetFillRefsWithoutOrder(string prefix) =>
        Query("""
            SELECT DISTINCT order_ref FROM fills
            WHERE substr(order_ref, 1, length(@prefix)) = @prefix AND order_ref NOT IN (SELECT order_ref FROM orders)
            """, r => r.GetString(0), ("@prefix", prefix));
}
