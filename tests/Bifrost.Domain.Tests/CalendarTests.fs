module Bifrost.Domain.Tests.CalendarTests

open System
open Expecto
open FsCheck.FSharp
open Bifrost.Domain

let private utc y m d h mi = Timestamp.ofDateTimeUtc (DateTime(y, m, d, h, mi, 0, DateTimeKind.Utc))

[<Tests>]
let tests =
    testList "Calendar" [
        testCase "New York is UTC-5 in winter and UTC-4 in summer" <| fun () ->
            Expect.equal (SessionCalendar.utcOffset UsEastern (utc 2026 1 15 15 0)) -300 "SessionCalendar.utcOffset UsEastern (utc 2026 1 15 15 0)"
            Expect.equal (SessionCalendar.utcOffset UsEastern (utc 2026 7 15 15 0)) -240 "SessionCalendar.utcOffset UsEastern (utc 2026 7 15 15 0)"
            // 2026: DST from Sunday 8 March 07:00 UTC to Sunday 1 November 06:00 UTC.
            Expect.equal (SessionCalendar.utcOffset UsEastern (utc 2026 3 8 6 59)) -300 "SessionCalendar.utcOffset UsEastern (utc 2026 3 8 6 59)"
            Expect.equal (SessionCalendar.utcOffset UsEastern (utc 2026 3 8 7 0)) -240 "SessionCalendar.utcOffset UsEastern (utc 2026 3 8 7 0)"
            Expect.equal (SessionCalendar.utcOffset UsEastern (utc 2026 11 1 5 59)) -240 "SessionCalendar.utcOffset UsEastern (utc 2026 11 1 5 59)"
            Expect.equal (SessionCalendar.utcOffset UsEastern (utc 2026 11 1 6 0)) -300 "SessionCalendar.utcOffset UsEastern (utc 2026 11 1 6 0)"
        // The domain computes New York time arithmetically (its DST bounds tabled per year); the system's tz database
        // is the independent check, over every year a timestamp or a backtest's data can name (the rules before 2007
        // included: the NYSE calendar's holidays go back to 2000).
        Props.seeded "New York's offset matches the system tz database at random instants, 1970-2099" <| fun rnd ->
            let zone = TimeZoneInfo.FindSystemTimeZoneById "America/New_York"
            let first = DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc)
            let span = (DateTime(2100, 1, 1, 0, 0, 0, DateTimeKind.Utc) - first).TotalMinutes |> int64
            let instants =
                Gen.sampleWithSeed rnd 10 5_000 (Gen.choose64 (0L, span - 1L))
                |> Array.map (fun m -> first.AddMinutes(float m))
            for t in instants do
                let expected = int (zone.GetUtcOffset t).TotalMinutes
                Expect.equal (SessionCalendar.utcOffset UsEastern (Timestamp.ofDateTimeUtc t)) expected $"offset at {t:o}"
        testCase "Each DST change of 1970-2099 falls between the same two minutes as in the tz database" <| fun () ->
            let zone = TimeZoneInfo.FindSystemTimeZoneById "America/New_York"
            for year in 1970 .. 2099 do
                // The months the US rules have changed clocks in: 1974's 6 January, 1975's 23 February, April and
                // October before 2007, March and November since.
                for month in [ 1; 2; 3; 4; 10; 11 ] do
                    // Walk the month's minutes at 10-minute steps around 06:00-08:00 UTC on each Sunday.
                    for day in 1 .. 28 do
                        let d = DateTime(year, month, day, 5, 50, 0, DateTimeKind.Utc)
                        if d.DayOfWeek = DayOfWeek.Sunday then
                            for step in 0 .. 15 do
                                let t = d.AddMinutes(float (10 * step))
                                Expect.equal (SessionCalendar.utcOffset UsEastern (Timestamp.ofDateTimeUtc t)) (int (zone.GetUtcOffset t).TotalMinutes) $"offset at {t:o}"
        // Before 2007 New York kept standard time until April's first Sunday and went back on October's last: with the
        // 2007 rule for every year, a backtest of March 2005 opened the session at 08:30 EST, closed it at 15:00, and
        // settled the March expiry on the 15:00 price, an hour before the options stopped trading.
        testCase "March2005_SessionAndExpiry_AreNewYorksOfThatYear_StandardTimeUntilAprilsFirstSunday" <| fun () ->
            let cal = SessionCalendar.usEquities
            Expect.isFalse (SessionCalendar.isOpen cal (utc 2005 3 21 14 0)) "09:00 EST: before the open"
            Expect.isTrue (SessionCalendar.isOpen cal (utc 2005 3 21 20 30)) "15:30 EST: in the session"
            Expect.equal (ConfigJson.expiryInstant cal 20050318) (utc 2005 3 18 21 0) "the March 2005 expiry: 16:00 EST"
            Expect.equal (ConfigJson.expiryInstant cal 20051028) (utc 2005 10 28 20 0) "October 28, 2005: still 16:00 EDT"
            Expect.equal (ConfigJson.expiryInstant cal 20051104) (utc 2005 11 4 21 0) "November 4, 2005: 16:00 EST"
            Expect.equal (SessionCalendar.dayBounds cal (SessionCalendar.dayOf 2005 3 21)) (utc 2005 3 21 5 0, utc 2005 3 22 5 0) "the session day's bounds"
        testCase "US equities open 09:30 to 16:00 New York time on weekdays" <| fun () ->
            let cal = SessionCalendar.usEquities
            Expect.isFalse (SessionCalendar.isOpen cal (utc 2026 1 15 14 29)) "SessionCalendar.isOpen cal (utc 2026 1 15 14 29)" // 09:29 EST
            Expect.isTrue (SessionCalendar.isOpen cal (utc 2026 1 15 14 30)) "SessionCalendar.isOpen cal (utc 2026 1 15 14 30)"
            Expect.isTrue (SessionCalendar.isOpen cal (utc 2026 1 15 20 59)) "SessionCalendar.isOpen cal (utc 2026 1 15 20 59)"
            Expect.isFalse (SessionCalendar.isOpen cal (utc 2026 1 15 21 0)) "SessionCalendar.isOpen cal (utc 2026 1 15 21 0)" // 16:00 EST
            Expect.isTrue (SessionCalendar.isOpen cal (utc 2026 7 15 13 30)) "SessionCalendar.isOpen cal (utc 2026 7 15 13 30)" // 09:30 EDT
            Expect.isFalse (SessionCalendar.isOpen cal (utc 2026 1 17 15 0)) "SessionCalendar.isOpen cal (utc 2026 1 17 15 0)" // Saturday
        testCase "OpenedAt_IsTheSessionsOpen_InUtc_EitherSideOfDst" <| fun () ->
            let cal = SessionCalendar.usEquities
            Expect.equal (SessionCalendar.openedAt cal (utc 2026 1 15 20 59)) (utc 2026 1 15 14 30) "09:30 EST"
            Expect.equal (SessionCalendar.openedAt cal (utc 2026 7 15 13 31)) (utc 2026 7 15 13 30) "09:30 EDT"
            Expect.equal (SessionCalendar.openedAt SessionCalendar.alwaysOpen (utc 2026 7 15 13 31)) Timestamp.zero "no open to count from"
        testCase "Holidays close the day and early closes end it at 13:00" <| fun () ->
            let thanksgiving = SessionCalendar.parseDate "2026-11-26" |> Result.get
            let blackFriday = SessionCalendar.parseDate "2026-11-27" |> Result.get
            let cal = { SessionCalendar.usEquities with Holidays = Set.ofList [ thanksgiving ]; EarlyCloses = Map.ofList [ blackFriday, 780 ] }
            Expect.isFalse (SessionCalendar.isOpen cal (utc 2026 11 26 16 0)) "SessionCalendar.isOpen cal (utc 2026 11 26 16 0)"
            Expect.isTrue (SessionCalendar.isOpen cal (utc 2026 11 27 17 59)) "SessionCalendar.isOpen cal (utc 2026 11 27 17 59)" // 12:59 EST
            Expect.isFalse (SessionCalendar.isOpen cal (utc 2026 11 27 18 0)) "SessionCalendar.isOpen cal (utc 2026 11 27 18 0)" // 13:00 EST
        testCase "A no-trade window blocks orders inside the session" <| fun () ->
            let cal = { SessionCalendar.usEquities with NoTradeWindows = [ 600, 615 ] }
            Expect.isFalse (SessionCalendar.isOpen cal (utc 2026 1 15 15 5)) "SessionCalendar.isOpen cal (utc 2026 1 15 15 5)" // 10:05 EST
            Expect.isTrue (SessionCalendar.isOpen cal (utc 2026 1 15 15 15)) "SessionCalendar.isOpen cal (utc 2026 1 15 15 15)"
        testCase "Bad dates and times are errors naming the format" <| fun () ->
            match SessionCalendar.parseDate "26/11/2026" with
            | Error e -> Expect.stringContains e.Message "yyyy-MM-dd" "e.Message"
            | Ok _ -> failwith "accepted"
            match SessionCalendar.parseMinute "25:00" with
            | Error e -> Expect.stringContains e.Message "HH:mm" "e.Message"
            | Ok _ -> failwith "accepted"
        testCase "A no-trade window may wrap midnight" <| fun () ->
            let cal = { SessionCalendar.alwaysOpen with NoTradeWindows = [ 23 * 60 + 45, 15 ] }
            Expect.isFalse (SessionCalendar.isOpen cal (utc 2026 1 15 23 50)) "SessionCalendar.isOpen cal (utc 2026 1 15 23 50)"
            Expect.isFalse (SessionCalendar.isOpen cal (utc 2026 1 16 0 10)) "SessionCalendar.isOpen cal (utc 2026 1 16 0 10)"
            Expect.isTrue (SessionCalendar.isOpen cal (utc 2026 1 16 0 15)) "SessionCalendar.isOpen cal (utc 2026 1 16 0 15)"
            Expect.isTrue (SessionCalendar.isOpen cal (utc 2026 1 15 23 44)) "SessionCalendar.isOpen cal (utc 2026 1 15 23 44)"
    ]
