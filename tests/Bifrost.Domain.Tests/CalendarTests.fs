module Bifrost.Domain.Tests.CalendarTests

open System
open Xunit
open Bifrost.Domain

let private utc y m d h mi = Timestamp.ofDateTimeUtc (DateTime(y, m, d, h, mi, 0, DateTimeKind.Utc))

[<Fact>]
let ``New York is UTC-5 in winter and UTC-4 in summer`` () =
    Assert.Equal(-300, SessionCalendar.utcOffset UsEastern (utc 2026 1 15 15 0))
    Assert.Equal(-240, SessionCalendar.utcOffset UsEastern (utc 2026 7 15 15 0))
    // 2026: DST from Sunday 8 March 07:00 UTC to Sunday 1 November 06:00 UTC.
    Assert.Equal(-300, SessionCalendar.utcOffset UsEastern (utc 2026 3 8 6 59))
    Assert.Equal(-240, SessionCalendar.utcOffset UsEastern (utc 2026 3 8 7 0))
    Assert.Equal(-240, SessionCalendar.utcOffset UsEastern (utc 2026 11 1 5 59))
    Assert.Equal(-300, SessionCalendar.utcOffset UsEastern (utc 2026 11 1 6 0))

[<Fact>]
let ``US equities open 09:30 to 16:00 New York time on weekdays`` () =
    let cal = SessionCalendar.usEquities
    Assert.False(SessionCalendar.isOpen cal (utc 2026 1 15 14 29)) // 09:29 EST
    Assert.True(SessionCalendar.isOpen cal (utc 2026 1 15 14 30))
    Assert.True(SessionCalendar.isOpen cal (utc 2026 1 15 20 59))
    Assert.False(SessionCalendar.isOpen cal (utc 2026 1 15 21 0)) // 16:00 EST
    Assert.True(SessionCalendar.isOpen cal (utc 2026 7 15 13 30)) // 09:30 EDT
    Assert.False(SessionCalendar.isOpen cal (utc 2026 1 17 15 0)) // Saturday

[<Fact>]
let ``Holidays close the day and early closes end it at 13:00`` () =
    let thanksgiving = SessionCalendar.parseDate "2026-11-26" |> Result.get
    let blackFriday = SessionCalendar.parseDate "2026-11-27" |> Result.get
    let cal = { SessionCalendar.usEquities with Holidays = Set.ofList [ thanksgiving ]; EarlyCloses = Map.ofList [ blackFriday, 780 ] }
    Assert.False(SessionCalendar.isOpen cal (utc 2026 11 26 16 0))
    Assert.True(SessionCalendar.isOpen cal (utc 2026 11 27 17 59)) // 12:59 EST
    Assert.False(SessionCalendar.isOpen cal (utc 2026 11 27 18 0)) // 13:00 EST

[<Fact>]
let ``A no-trade window blocks orders inside the session`` () =
    let cal = { SessionCalendar.usEquities with NoTradeWindows = [ 600, 615 ] }
    Assert.False(SessionCalendar.isOpen cal (utc 2026 1 15 15 5)) // 10:05 EST
    Assert.True(SessionCalendar.isOpen cal (utc 2026 1 15 15 15))

[<Fact>]
let ``Bad dates and times are errors naming the format`` () =
    match SessionCalendar.parseDate "26/11/2026" with
    | Error e -> Assert.Contains("yyyy-MM-dd", e.Message)
    | Ok _ -> failwith "accepted"
    match SessionCalendar.parseMinute "25:00" with
    | Error e -> Assert.Contains("HH:mm", e.Message)
    | Ok _ -> failwith "accepted"

[<Fact>]
let ``A no-trade window may wrap midnight`` () =
    let cal = { SessionCalendar.alwaysOpen with NoTradeWindows = [ 23 * 60 + 45, 15 ] }
    Assert.False(SessionCalendar.isOpen cal (utc 2026 1 15 23 50))
    Assert.False(SessionCalendar.isOpen cal (utc 2026 1 16 0 10))
    Assert.True(SessionCalendar.isOpen cal (utc 2026 1 16 0 15))
    Assert.True(SessionCalendar.isOpen cal (utc 2026 1 15 23 44))
