namespace Bifrost.Sim.Broker;

/// <summary>Per-execution commission, IB "fixed" style: per share (stocks) or per contract (options), an order
/// minimum charged with the order's first execution, and a cap as a fraction of the trade value (stocks).</summary>
public sealed record CommissionModel(double PerShare, double StockOrderMinimum, double StockMaxFractionOfValue, double PerContract, double OptionOrderMinimum)
{
    /// <summary>IB Pro fixed pricing (US): $0.005/share, $1.00 minimum, 1% cap; options $0.65/contract, $1.00 minimum.</summary>
    public static CommissionModel IbFixed { get; } = new(0.005, 1.00, 0.01, 0.65, 1.00);
    public static CommissionModel Zero { get; } = new(0, 0, 1, 0, 0);

    public double For(bool option, int quantity, double price, int multiplier, bool firstExecutionOfOrder)
    {
        if (option)
        {
            var c = PerContract * quantity;
            return firstExecutionOfOrder ? Math.Max(c, OptionOrderMinimum) : c;
        }
        var fee = PerShare * quantity;
        if (firstExecutionOfOrder) fee = Math.Max(fee, StockOrderMinimum);
        var cap = StockMaxFractionOfValue * quantity * price * multiplier;
        return Math.Round(Math.Min(fee, Math.Max(cap, 0.0)), 6);
    }
}
