namespace Bifrost.Store.Records;

/// <summary>
/// One exchange session day for the History screen (the daemon's session_days; the UTC date for rows it never labelled):
/// the last status snapshot's P&amp;L of that day and hedge order counts. <see cref="HasSession"/> false: a weekend or a
/// holiday the daemon ran through (its day P&amp;L 0.00 by construction, no hedges).
/// </summary>
public sealed record DailySummary(
    DateOnly Day, double? Realized, double? Unrealized, double? Fees, double? Daily, long HedgeOrders, long HedgesFilled, double HedgeQty,
    bool HasSession = true);
