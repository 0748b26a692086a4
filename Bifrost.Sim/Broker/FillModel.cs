namespace Bifrost.Sim.Broker;

/// <summary>The top of book the fill model trades against.</summary>
public readonly record struct TopOfBook(double Bid, double Ask, double BidSize, double AskSize, long TsNanos)
{
    public bool HasBid => Bid > 0 && double.IsFinite(Bid);
    public bool HasAsk => Ask > 0 && double.IsFinite(Ask);
    public double Mid => HasBid && HasAsk ? 0.5 * (Bid + Ask) : double.NaN;
}

public sealed record FillModelOptions
{
    /// <summary>Time from placeOrder to the broker's acknowledgement (Submitted).</summary>
    public long AckLatencyNanos { get; init; } = 2_000_000;
    /// <summary>Time from placeOrder until the order can trade (exchange round trip).</summary>
    public long FillLatencyNanos { get; init; } = 10_000_000;
    /// <summary>Fill no more than the displayed size at the touch per quote (the rest waits for the next quote).</summary>
    public bool PartialFillsBySize { get; init; } = true;
    public CommissionModel Commission { get; init; } = CommissionModel.IbFixed;
}

/// <summary>One code path for fills, shared by the backtester and the replay gateway: market orders take the touch,
/// limit orders trade when the touch crosses their limit (at the touch, i.e. with price improvement), and each
/// quote fills at most its displayed size when partial fills are on (none at a touch showing size 0).</summary>
public static class FillModel
{
    /// <summary>How much of `remaining` trades against `top` now, and at what price; (0, NaN) when nothing trades.</summary>
    public static (int Quantity, double Price) Match(int side, bool isLimit, double limit, int remaining, in TopOfBook top, bool partialBySize)
    {
        if (remaining <= 0) return (0, double.NaN);
        var buying = side > 0;
        var price = buying ? top.Ask : top.Bid;
        var size = buying ? top.AskSize : top.BidSize;
        if (!(price > 0) || !double.IsFinite(price)) return (0, double.NaN);
        if (isLimit && (buying ? price > limit + 1e-9 : price < limit - 1e-9)) return (0, double.NaN);
        // A price showing size 0 is a level nobody stands at (absent, NaN, is unknown size: the whole order trades).
        if (partialBySize && size == 0) return (0, double.NaN);
        var qty = remaining;
        if (partialBySize && size > 0 && double.IsFinite(size)) qty = (int)Math.Min(remaining, Math.Max(1.0, Math.Floor(size)));
        return (qty, price);
    }
}
