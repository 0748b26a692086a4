namespace Bifrost.Domain

open System

/// How local exchange time relates to UTC. Computed arithmetically: the domain never consults the system's tz database.
type TimeZoneRule =
    | FixedOffset of minutes: int
    /// America/New_York: UTC−5, and UTC−4 from the second Sunday of March 02:00 to the first Sunday of November 02:00
    /// (before 2007 the first Sunday of April to the last Sunday of October; earlier rules back to 1967 too).
    | UsEastern

/// The exchange's trading sessions in local time, with holidays, early closes and windows where no order may be sent
/// (e.g. the daily TWS/Gateway restart).
type SessionCalendar =
    { Zone: TimeZoneRule
      /// Minutes after local midnight.
      OpenMinute: int
      CloseMinute: int
      /// Local dates (days since 1970-01-01) with no session.
      Holidays: Set<int>
      /// Local date → early close minute.
      EarlyCloses: Map<int, int>
      /// Local [start, end) minute windows with no new orders, every day; a window may wrap midnight (23:45–00:15).
      NoTradeWindows: (int * int) list }

/// Where an instant stands in its local trading day (`SessionCalendar.dayPhase`).
type DayPhase =
    | BeforeOpen
    | SessionOpen
    | AfterClose
    /// A weekend or a holiday: no session all day.
    | NoSession

module SessionCalendar =
    /// Regular US equity hours, 09:30–16:00 New York time.
    let usEquities =
        { Zone = UsEastern; OpenMinute = 570; CloseMinute = 960; Holidays = Set.empty; EarlyCloses = Map.empty
          NoTradeWindows = [] }

    /// Always open (every day, all day): for tests and 24h synthetic data.
    let alwaysOpen =
        { Zone = FixedOffset 0; OpenMinute = 0; CloseMinute = 1440; Holidays = Set.empty; EarlyCloses = Map.empty
          NoTradeWindows = [] }

    /// Days since the epoch of a calendar date.
    let dayOf (year: int) (month: int) (day: int) = int (DateOnly(year, month, day).DayNumber - DateOnly(1970, 1, 1).DayNumber)

    /// A day number as the trader reads it ("yyyy-MM-dd").
    let dayText (day: int) = DateOnly(1970, 1, 1).AddDays(day).ToString("yyyy-MM-dd", Globalization.CultureInfo.InvariantCulture)

    /// Parses "yyyy-MM-dd" into a day number.
    let parseDate (text: string) =
        match DateOnly.TryParseExact(text, "yyyy-MM-dd", Globalization.CultureInfo.InvariantCulture, Globalization.DateTimeStyles.None) with
        | true, d -> Ok(int (d.DayNumber - DateOnly(1970, 1, 1).DayNumber))
        | _ -> ValidationError.make "date" $"expected yyyy-MM-dd, got '{text}'"

    /// Parses "HH:mm" into minutes after midnight.
    let parseMinute (text: string) =
        match TimeOnly.TryParseExact(text, "HH:mm", Globalization.CultureInfo.InvariantCulture, Globalization.DateTimeStyles.None) with
        | true, t -> Ok(t.Hour * 60 + t.Minute)
        | _ -> ValidationError.make "time" $"expected HH:mm, got '{text}'"

    let private nthSundayUtc (year: int) (month: int) (n: int) (localHour: int) (offsetMinutes: int) =
        let first = DateTime(year, month, 1, 0, 0, 0, DateTimeKind.Utc)
        let toSunday = (7 - int first.DayOfWeek) % 7
        let day = first.AddDays(float (toSunday + 7 * (n - 1))).AddHours(float localHour)
        Timestamp.ofDateTimeUtc (day.AddMinutes(float -offsetMinutes))

    let private lastSundayUtc (year: int) (month: int) (localHour: int) (offsetMinutes: int) =
        let last = DateTime(year, month, DateTime.DaysInMonth(year, month), 0, 0, 0, DateTimeKind.Utc)
        let day = last.AddDays(float -(int last.DayOfWeek)).AddHours(float localHour)
        Timestamp.ofDateTimeUtc (day.AddMinutes(float -offsetMinutes))

    // The US rules by year, as the tz database's America/New_York has them: a backtest of 2005 data is judged by 2005's
    // (the NYSE calendar's holidays go back to 2000). Changes at 02:00 local: standard time (−5) going in, daylight (−4)
    // going out.
    let private dstBoundsOf (year: int) =
        let start =
            if year >= 2007 then nthSundayUtc year 3 2 2 -300
            elif year >= 1987 then nthSundayUtc year 4 1 2 -300
            elif year = 1974 then Timestamp.ofDateTimeUtc (DateTime(1974, 1, 6, 7, 0, 0, DateTimeKind.Utc))
            elif year = 1975 then lastSundayUtc 1975 2 2 -300
            else lastSundayUtc year 4 2 -300
        let stop = if year >= 2007 then nthSundayUtc year 11 1 2 -240 else lastSundayUtc year 10 2 -240
        struct (start.Nanos, stop.Nanos)

    // US daylight saving bounds (UTC nanos) per year, computed once: the offset is asked on every clock step.
    let private firstTabledYear = 1970
    let private dstTable = Array.init 300 (fun i -> dstBoundsOf (firstTabledYear + i))

    /// UTC offset in minutes in force at an instant.
    let utcOffset (zone: TimeZoneRule) (t: Timestamp) =
        match zone with
        | FixedOffset m -> m
        | UsEastern ->
            let year = (Timestamp.toDateTimeUtc t).Year
            let i = year - firstTabledYear
            let struct (dstStart, dstEnd) = if i >= 0 && i < dstTable.Length then dstTable.[i] else dstBoundsOf year
            if t.Nanos >= dstStart && t.Nanos < dstEnd then -240 else -300

    /// Local date (days since epoch) and minute of day.
    let localDayAndMinute (cal: SessionCalendar) (t: Timestamp) =
        let offset = utcOffset cal.Zone t
        let day = Timestamp.dayNumber offset t
        let localNanos = t.Nanos + int64 offset * 60L * Duration.nanosPerSecond
        let minute = int ((localNanos - int64 day * 86_400L * Duration.nanosPerSecond) / (60L * Duration.nanosPerSecond))
        // A struct tuple: this runs on every clock step and every guard check.
        struct (int day, minute)

    /// The trading date of an instant (local date), used to reset daily counters.
    let tradingDay (cal: SessionCalendar) (t: Timestamp) = int (Timestamp.dayNumber (utcOffset cal.Zone t) t)

    /// A Saturday or a Sunday (a day number).
    let isWeekend (day: int) =
        // 1970-01-01 was a Thursday.
        let dow = ((day % 7) + 7 + 4) % 7 // 0 = Sunday
        dow = 0 || dow = 6

    /// The no-trade window (start, end minutes) a local minute of day falls in, if any.
    let noTradeWindowAt (cal: SessionCalendar) (minute: int) =
        cal.NoTradeWindows |> List.tryFind (fun (s, e) -> if s <= e then minute >= s && minute < e else minute >= s || minute < e)

    /// Whether a local day has a session at all: not a weekend (unless the calendar is always open), not a holiday.
    let hasSession (cal: SessionCalendar) (day: int) =
        let alwaysOpen = cal.OpenMinute = 0 && cal.CloseMinute >= 1440
        (alwaysOpen || not (isWeekend day)) && not (cal.Holidays.Contains day)

    let private inSessionAt (cal: SessionCalendar) (day: int) (minute: int) =
        let close = cal.EarlyCloses |> Map.tryFind day |> Option.defaultValue cal.CloseMinute
        hasSession cal day && minute >= cal.OpenMinute && minute < close

    /// Whether the instant is inside a trading day's session hours (open..close, its early close on a half day),
    /// no-trade windows aside: the market's prices are the session's.
    let inSession (cal: SessionCalendar) (t: Timestamp) =
        let struct (day, minute) = localDayAndMinute cal t
        inSessionAt cal day minute

    /// Whether new orders may be sent at this instant.
    let isOpen (cal: SessionCalendar) (t: Timestamp) =
        let struct (day, minute) = localDayAndMinute cal t
        inSessionAt cal day minute && (noTradeWindowAt cal minute).IsNone

    /// When the session of `t`'s local day opens (its open minute, local time) as a UTC instant; zero for an
    /// always-open calendar (no open to count from).
    let openedAt (cal: SessionCalendar) (t: Timestamp) =
        if cal.OpenMinute = 0 && cal.CloseMinute >= 1440 then Timestamp.zero
        else
            let offset = utcOffset cal.Zone t
            let day = Timestamp.dayNumber offset t
            Timestamp((int64 day * 1440L + int64 cal.OpenMinute - int64 offset) * 60L * Duration.nanosPerSecond)

    /// Where an instant stands in its local day, for the day's P&L: whether its session has opened, closed, or the
    /// day has none (its prices are after-hours quotes beside the last close's option mids, never a session's).
    let dayPhase (cal: SessionCalendar) (t: Timestamp) =
        let struct (day, minute) = localDayAndMinute cal t
        if not (hasSession cal day) then NoSession
        elif minute < cal.OpenMinute then BeforeOpen
        elif minute >= (cal.EarlyCloses |> Map.tryFind day |> Option.defaultValue cal.CloseMinute) then AfterClose
        else SessionOpen

    /// True once the local day's session has closed (its early close on a half day): the day's P&L is final. Never
    /// on a day without a session (a weekend, a holiday): no session closed then.
    let isAfterClose (cal: SessionCalendar) (t: Timestamp) = dayPhase cal t = AfterClose

    /// The UTC instants [start, end) of a local date (days since 1970-01-01) in the calendar's zone: the session
    /// day's bounds, so shells without time zones (SQLite views) can group by session day.
    let dayBounds (cal: SessionCalendar) (day: int) =
        let midnight (d: int) =
            let guess = Timestamp(int64 d * 86_400L * Duration.nanosPerSecond)
            // The offset at local midnight; a second pass settles a guess that fell on the other side of a DST change.
            let first = Timestamp(guess.Nanos - int64 (utcOffset cal.Zone guess) * 60L * Duration.nanosPerSecond)
            Timestamp(guess.Nanos - int64 (utcOffset cal.Zone first) * 60L * Duration.nanosPerSecond)
        midnight day, midnight (day + 1)

    /// The zone's name as the configuration spells it.
    let zoneName (cal: SessionCalendar) =
        match cal.Zone with
        | UsEastern -> "America/New_York"
        | FixedOffset 0 -> "UTC"
        | FixedOffset m ->
            let sign = if m < 0 then "-" else "+"
            $"UTC{sign}{abs m / 60:D2}:{abs m % 60:D2}"
