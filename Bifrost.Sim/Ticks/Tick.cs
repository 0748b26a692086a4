namespace Bifrost.Sim.Ticks;

/// <summary>One row of the canonical tick schema: a top-of-book quote (and last trade) of one instrument.
/// Prices NaN when absent; sizes in shares or contracts; <see cref="Iv"/> NaN when the file has none.</summary>
public readonly record struct Tick(long TsNanos, int ConId, double Bid, double Ask, double Last, double BidSize, double AskSize, double Iv);
