namespace Bifrost.Sim.Broker;

/// <summary>Commission, IB "fixed" style: per share (stocks) or per contract (options), with a minimum and (stocks) a cap
/// as a fraction of the trade value, both per order as IB's are. Each execution pays what it adds to its order's
/// commission, so an order filled in parts pays the minimum once: 3 × 100 shares cost $1.50, not $1 + 2 × $0.50.</summary>
public sealed record CommissionModel(double PerShare, double StockOrderMinimum, double StockMaxFractionOfValue, double PerContract, double OptionOrderMinimum)
{
    /// <summary>IB Pro fixed pricing (US): $0.005/share, $1.00 minimum, 1% cap; options $0.65/contract, $1.00 minimum.</summary>
    public static CommissionModel IbFixed { get; } = new(0.005, 1.00, 0.01, 0.65, 1.00);
    public static CommissionModel Zero { get; } = new(0, 0, 1, 0, 0);

    /// <summary>The commission of an order that has traded <paramref name="quantity"/> for <paramref name="value"/>
    /// (price × quantity × multiplier, summed over its executions); 0 before its first execution.</summary>
    public double ForOrder(bool option, int quantity, double value)
    {
        if (quantity <= 0) return 0.0;
        if (option) return Math.Max(PerContract * quantity, OptionOrderMinimum);
        var fee = Math.Max(PerShare * quantity, StockOrderMinimum);
        return Math.Round(Math.Min(fee, Math.Max(StockMaxFractionOfValue * value, 0.0)), 6);
    }

    /// <summary>What one execution of <paramref name="quantity"/> at <paramref name="price"/> adds to the commission of
    /// an order that had traded <paramref name="filledBefore"/> for <paramref name="valueBefore"/>.</summary>
    public double For(bool option, int quantity, double price, int multiplier, int filledBefore, double valueBefore) =>
        Math.Round(ForOrder(option, filledBefore + quantity, valueBefore + quantity * price * multiplier) - ForOrder(option, filledBefore, valueBefore), 6);
}
