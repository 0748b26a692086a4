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
        // is the independent check, over the years the current US rule has held.
        Props.seeded "New York's offset matches the system tz database at random instants, 2007-2099" <| fun rnd ->
            let zone = TimeZoneInfo.FindSystemTimeZoneById "America/New_York"
            let first = DateTime(2007, 1, 1, 0, 0, 0, DateTimeKind.Utc)
            let span = (DateTime(2100, 1, 1, 0, 0, 0, DateTimeKind.Utc) - first).TotalMinutes |> int64
            let instants =
                Gen.sampleWithSeed rnd 10 5_000 (Gen.choose64 (0L, span - 1L))
                |> Array.map (fun m -> first.AddMinutes(float m))
            for t in instants do
                let expected = int (zone.GetUtcOffset t).TotalMinutes
                Expect.equal (SessionCalendar.utcOffset UsEastern (Timestamp.ofDateTimeUtc t)) expected $"offset at {t:o}"
        testCase "Each DST change of 2007-2099 falls between the same two minutes as in the tz database" <| fun () ->
            let zone = TimeZoneInfo.FindSystemTimeZoneById "America/New_York"
            for year in 2007 .. 2099 do
                for month in [ 3; 11 ] do
                    // Walk the month's minutes at 10-minute steps around 06:00-08:00 UTC on each Sunday.
                    for day in 1 .. 28 do
                        let d = DateTime(year, month, day, 5, 50, 0, DateTimeKind.Utc)
                        if d.DayOfWeek = DayOfWeek.Sunday then
                            for step in 0 .. 15 do
                                let t = d.AddMinutes(float (10 * step))
                                Expect.equal (SessionCalendar.utcOffset UsEastern (Timestamp.ofDateTimeUtc t)) (int (zone.GetUtcOffset t).TotalMinutes) $"offset at {t:o}"
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
