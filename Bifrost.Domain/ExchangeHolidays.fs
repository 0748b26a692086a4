namespace Bifrost.Domain

open System

/// Which exchange's holiday rules a calendar follows, besides the holidays and early closes it lists.
type HolidayRules =
    /// Only the configured holidays and early closes.
    | NoHolidayRules
    /// The New York Stock Exchange's (its Rule 7.2 as applied in its published calendars), whose hours the US equity
    /// options follow: without them the engine took Christmas Day for a session (its quiet feed asked for again and
    /// told silent) and Christmas Eve's afternoon for trading hours after the 13:00 close.
    | Nyse

/// The NYSE's closed days and 13:00 early closes by rule, so a calendar never runs out of holidays at a year's end.
/// Unscheduled closures (a national day of mourning, a storm) are announced days ahead: the operator adds them to
/// `calendar.holidays`; those of the past are listed here so a backtest over them is right.
module ExchangeHolidays =
    /// The years the rules are expanded over (the calendar holds plain sets of days).
    let firstYear = 2000
    let lastYear = 2099

    /// The early close of an NYSE half day: 13:00 New York time (eligible index options trade to 13:15).
    let nyseEarlyCloseMinute = 13 * 60

    /// The NYSE's regular session, New York time: 09:30–16:00. The engine's orders are regular-hours orders (IB's
    /// outsideRth is never set): one sent outside it is held at IB for the next open.
    let nyseOpenMinute = 9 * 60 + 30
    let nyseCloseMinute = 16 * 60

    let private nth (year: int) (month: int) (dow: DayOfWeek) (n: int) =
        let first = DateOnly(year, month, 1)
        first.AddDays((int dow - int first.DayOfWeek + 7) % 7 + 7 * (n - 1))

    let private lastOf (year: int) (month: int) (dow: DayOfWeek) =
        let last = DateOnly(year, month, DateTime.DaysInMonth(year, month))
        last.AddDays(-((int last.DayOfWeek - int dow + 7) % 7))

    /// Easter Sunday (Gregorian; the anonymous algorithm in Meeus, Astronomical Algorithms).
    let easter (year: int) =
        let a = year % 19
        let b, c = year / 100, year % 100
        let d, e = b / 4, b % 4
        let f = (b + 8) / 25
        let g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i, k = c / 4, c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        DateOnly(year, month, (h + l - 7 * m + 114) % 31 + 1)

    /// A fixed-date holiday on a Saturday is observed the Friday before, on a Sunday the Monday after.
    let private observed (d: DateOnly) =
        match d.DayOfWeek with
        | DayOfWeek.Saturday -> d.AddDays -1
        | DayOfWeek.Sunday -> d.AddDays 1
        | _ -> d

    let private monToThu (d: DateOnly) = d.DayOfWeek >= DayOfWeek.Monday && d.DayOfWeek <= DayOfWeek.Thursday

    /// The closures the NYSE announced outside its rules since 2000 (9/11, presidents' days of mourning, Sandy).
    let nyseUnscheduled =
        [ DateOnly(2001, 9, 11); DateOnly(2001, 9, 12); DateOnly(2001, 9, 13); DateOnly(2001, 9, 14)
          DateOnly(2004, 6, 11); DateOnly(2007, 1, 2); DateOnly(2012, 10, 29); DateOnly(2012, 10, 30)
          DateOnly(2018, 12, 5); DateOnly(2025, 1, 9) ]

    /// The year's NYSE holidays by rule, in date order.
    let nyseHolidays (year: int) =
        [ let newYear = DateOnly(year, 1, 1)
          // A Saturday New Year's Day is not observed: the Friday before closes the accounting year (Rule 7.2).
          if newYear.DayOfWeek = DayOfWeek.Sunday then newYear.AddDays 1
          elif newYear.DayOfWeek <> DayOfWeek.Saturday then newYear
          nth year 1 DayOfWeek.Monday 3 // Martin Luther King, Jr. Day
          nth year 2 DayOfWeek.Monday 3 // Washington's Birthday
          (easter year).AddDays -2 // Good Friday
          lastOf year 5 DayOfWeek.Monday // Memorial Day
          if year >= 2022 then observed (DateOnly(year, 6, 19)) // Juneteenth
          observed (DateOnly(year, 7, 4)) // Independence Day
          nth year 9 DayOfWeek.Monday 1 // Labor Day
          nth year 11 DayOfWeek.Thursday 4 // Thanksgiving
          observed (DateOnly(year, 12, 25)) ] // Christmas

    /// The year's NYSE half days by rule (13:00 closes), in date order: the eve of Independence Day and of Christmas
    /// when it is a Monday to Thursday, and the day after Thanksgiving.
    let nyseEarlyCloses (year: int) =
        [ let july3 = DateOnly(year, 7, 3)
          if monToThu july3 then july3
          (nth year 11 DayOfWeek.Thursday 4).AddDays 1
          let christmasEve = DateOnly(year, 12, 24)
          if monToThu christmasEve then christmasEve ]

    /// Whether the NYSE is closed all day on a date by its rules or an announced closure (weekends aside): for the
    /// shells that lay out trading days (the tick generator, the replay gateway's loop), in any year.
    let isNyseHoliday (d: DateOnly) = List.contains d (nyseHolidays d.Year) || List.contains d nyseUnscheduled

    /// Whether the NYSE closes at 13:00 on a date by its rules.
    let isNyseHalfDay (d: DateOnly) = List.contains d (nyseEarlyCloses d.Year)

    let private dayNumber (d: DateOnly) = SessionCalendar.dayOf d.Year d.Month d.Day

    // Expanded once per process: every configuration parsed (a sweep parses one per point) shares them.
    let private nyseDays =
        lazy ([ for y in firstYear .. lastYear do yield! nyseHolidays y
                yield! nyseUnscheduled ] |> List.map dayNumber |> Set.ofList)
    let private nyseHalfDays =
        lazy (Map.ofList [ for y in firstYear .. lastYear do for d in nyseEarlyCloses y -> dayNumber d, nyseEarlyCloseMinute ])

    /// The rules' holidays (as day numbers) over firstYear..lastYear.
    let holidays (rules: HolidayRules) =
        match rules with
        | NoHolidayRules -> Set.empty
        | Nyse -> nyseDays.Value

    /// The rules' early closes (day number → close minute) over firstYear..lastYear.
    let earlyCloses (rules: HolidayRules) =
        match rules with
        | NoHolidayRules -> Map.empty
        | Nyse -> nyseHalfDays.Value

    /// A calendar with the rules' holidays and early closes added to its own: a configured early close wins over the
    /// rule's on its day, and a rule's close outside the calendar's hours (a session ending before 13:00) is left out.
    let apply (rules: HolidayRules) (cal: SessionCalendar) =
        match rules with
        | NoHolidayRules -> cal
        | _ ->
            let ruleCloses = earlyCloses rules |> Map.filter (fun _ m -> m > cal.OpenMinute && m < cal.CloseMinute)
            { cal with
                Holidays = Set.union (holidays rules) cal.Holidays
                EarlyCloses = Map.fold (fun acc day m -> Map.add day m acc) ruleCloses cal.EarlyCloses }

    /// What the calendar knows ahead of `day` (a day number), for the operator's start-up line: the next weekday with
    /// no session and the next half day with its close minute.
    let upcoming (cal: SessionCalendar) (day: int) =
        cal.Holidays |> Seq.tryFind (fun d -> d >= day && not (SessionCalendar.isWeekend d)),
        cal.EarlyCloses |> Seq.tryPick (fun (KeyValue(d, m)) -> if d >= day then Some(d, m) else None)
