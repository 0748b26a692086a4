using Bifrost.Domain;
using Bifrost.Sim.Ticks;

namespace Bifrost.Sim.Gateway;

/// <summary>
/// The calendar arithmetic of <c>--loop</c>: each pass of the tick file is replayed as the next trading day (weekends,
/// the NYSE's holidays and the given ones skipped), every venue time shifted by the same whole number of calendar days (US/Eastern wall
/// time kept across a daylight-saving change), and no pass reaches the earliest option expiry in the file.
/// </summary>
public static class SessionLoop
{
    /// <summary>The first weekday after <paramref name="day"/> that is neither an NYSE holiday (by rule, as the engine's
    /// calendar has them) nor one of <paramref name="holidays"/>.</summary>
    public static DateOnly NextTradingDay(DateOnly day, IReadOnlyCollection<DateOnly> holidays)
    {
        var next = day.AddDays(1);
        while (next.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday || holidays.Contains(next) || ExchangeHolidays.isNyseHoliday(next))
            next = next.AddDays(1);
        return next;
    }

    /// <summary>The last day a pass may be replayed on: the day before the earliest option expiry in the file (the
    /// option legs stay alive, with at least a day to run), or <see cref="DateOnly.MaxValue"/> for a file without options.</summary>
    public static DateOnly LastDay(IEnumerable<ContractKey> contracts)
    {
        var expiries = contracts.Where(k => k.IsOption).Select(k => k.ExpiryYyyymmdd).ToList();
        if (expiries.Count == 0) return DateOnly.MaxValue;
        var first = expiries.Min();
        return new DateOnly(first / 10_000, first / 100 % 100, first % 100).AddDays(-1);
    }

    /// <summary>Nanoseconds to add to the file's venue times so that its first tick, at <paramref name="firstTickNanos"/>,
    /// falls on <paramref name="day"/> at the same US/Eastern wall time.</summary>
    public static long ShiftNanos(long firstTickNanos, DateOnly day)
    {
        var local = ReplayGateway.EasternLocal(firstTickNanos);
        var target = day.ToDateTime(TimeOnly.FromDateTime(local));
        var targetLocalNanos = (target - DateTime.UnixEpoch).Ticks * 100;
        // the offset of the target day (EST or EDT), looked up at a guess a few hours off at most
        var offsetMinutes = ReplayGateway.EasternOffsetMinutes(targetLocalNanos + 5L * 3_600_000_000_000);
        return targetLocalNanos - offsetMinutes * 60_000_000_000L - firstTickNanos;
    }

    /// <summary>US/Eastern date of a venue time.</summary>
    public static DateOnly DateOf(long nanos) => DateOnly.FromDateTime(ReplayGateway.EasternLocal(nanos));
}
