namespace Bifrost.Store.Records;

/// <summary>
/// One UTC day for the History screen: the last status snapshot's P&amp;L of that day and hedge order counts.
/// (A US options session lies within one UTC date, so UTC days are trading days.)
/// </summary>
public sealed record DailySummary(
    DateOnly Day, double? Realized, double? Unrealized, double? Fees, double? Daily, long HedgeOrders, long HedgesFilled, double HedgeQty);
