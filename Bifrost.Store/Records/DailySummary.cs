namespace Bifrost.Store.Records;

/// <summary>
/// One exchange session day for the History screen (the daemon's session_days; the UTC date for rows it never labelled):
/// the last status snapshot's P&amp;L of that day and hedge order counts.
/// </summary>
public sealed record DailySummary(
    DateOnly Day, double? Realized, double? Unrealized, double? Fees, double? Daily, long HedgeOrders, long HedgesFilled, double HedgeQty);
