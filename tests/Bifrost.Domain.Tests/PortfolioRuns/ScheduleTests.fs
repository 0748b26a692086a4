module Bifrost.Domain.Tests.PortfolioRuns.ScheduleTests

open System
open Expecto
open FsCheck
open FsCheck.FSharp
open Bifrost.Domain
open Bifrost.Domain.PortfolioRuns
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.PortfolioRuns.PortfolioFixtures

let private cal = SessionCalendar.usEquities

let private weekly runLate (cal: SessionCalendar) =
    ScheduleConfig.create "weekly" [ DayOfWeek.Monday ] 575 580 585 (Duration.ofSeconds 60.0) runLate cal |> Result.get

/// Ticks from `fromIso` every `every` seconds until `toIso`.
let private ticks (fromIso: string) (toIso: string) (everySeconds: float) =
    let t0, t1 = at fromIso, at toIso
    Seq.unfold (fun t -> if t > t1 then None else Some(t, Timestamp.add (Duration.ofSeconds everySeconds) t)) t0 |> List.ofSeq

let private run cfg cal (state: ScheduleState) (ts: Timestamp list) =
    ts |> List.fold (fun (s, acc) t -> let s', ds = Schedule.tick cfg cal s t in s', acc @ ds) (state, [])

let private describe = function
    | Fire(p, late) -> $"""fire {p.SlotId} {SchedulePhase.name p.Phase}{if late then " late" else ""}"""
    | Missed p -> $"missed {p.SlotId} {SchedulePhase.name p.Phase}"
    | Skipped(slot, _, reason) -> $"skipped {slot} %A{reason}"

let private genTicks =
    let gap = Gen.frequency [ 8, Gen.choose (5, 90); 1, Gen.choose (600, 20_000); 1, Gen.choose (20_000, 400_000) ]
    gen {
        let! gaps = Gen.listOf gap
        let start = at "2026-12-04T13:00:00Z"
        return start, gaps |> List.scan (fun t g -> Timestamp.add (Duration.ofSeconds (float g)) t) start |> List.tail
    }

[<Tests>]
let tests =
    testList "PortfolioRuns.Schedule" [
        testCase "Create_ValidatesOrderDaysAndSession_NamingTheKey" <| fun () ->
            let key r = match r with Error (e: ValidationError) -> e.Field | Ok _ -> "ok"
            Expect.equal (key (ScheduleConfig.create "weekly" [] 575 580 585 1L false cal)) "portfolio.schedule.days" "no day"
            Expect.equal (key (ScheduleConfig.create "weekly" [ DayOfWeek.Monday ] 585 580 585 1L false cal)) "portfolio.schedule.times" "out of order"
            Expect.equal (key (ScheduleConfig.create "weekly" [ DayOfWeek.Monday ] 500 500 500 1L false cal)) "portfolio.schedule.execute_at" "before the open"
            Expect.equal (key (ScheduleConfig.create "week ly" [ DayOfWeek.Monday ] 575 580 585 1L false cal)) "portfolio.schedule.name" "name"
        testCase "WeeklyMonday_FiresBuildPreTradeExecute_OnceEach_AtTheirTimes" <| fun () ->
            let _, ds = run (weekly false cal) cal (Schedule.arm (at "2026-12-07T14:00:00Z")) (ticks "2026-12-07T14:00:00Z" "2026-12-07T15:30:00Z" 7.0)
            Expect.equal (ds |> List.map describe) [ "fire weekly-20261207 build"; "fire weekly-20261207 pre_trade"; "fire weekly-20261207 execute" ] "three phases"
            let dues = ds |> List.map (function Fire(p, _) -> p.Due | _ -> Timestamp.zero)
            Expect.equal dues [ at "2026-12-07T14:35:00Z"; at "2026-12-07T14:40:00Z"; at "2026-12-07T14:45:00Z" ] "09:35/09:40/09:45 New York (EST)"
        testCase "SummerTime_UsesTheExchangeZone" <| fun () ->
            let p = Schedule.phasesOf (weekly false cal) cal (SessionCalendar.dayOf 2026 7 6)
            Expect.equal (p |> List.map _.Due) [ at "2026-07-06T13:35:00Z"; at "2026-07-06T13:40:00Z"; at "2026-07-06T13:45:00Z" ] "EDT"
        testCase "Holiday_SkipsTheSlot_ReportedOnce" <| fun () ->
            let holiday = { cal with Holidays = set [ SessionCalendar.dayOf 2026 12 7 ] }
            let _, ds = run (weekly false holiday) holiday (Schedule.arm (at "2026-12-07T14:00:00Z")) (ticks "2026-12-07T14:00:00Z" "2026-12-07T16:00:00Z" 30.0)
            Expect.equal (ds |> List.map describe) [ "skipped weekly-20261207 Holiday" ] "skipped"
        testCase "WeekendListedInDays_SkipsTheSlot_ReportedOnce_NotBuiltAndRefused" <| fun () ->
            let everyDay = ScheduleConfig.create "daily" [ for d in 0 .. 6 -> enum<DayOfWeek> d ] 575 580 585 (Duration.ofSeconds 60.0) false cal |> Result.get
            // Friday 2026-12-04's slot fires; Saturday's and Sunday's have no session.
            let _, ds = run everyDay cal (Schedule.arm (at "2026-12-04T14:00:00Z")) (ticks "2026-12-04T14:00:00Z" "2026-12-06T16:00:00Z" 60.0)
            Expect.equal (ds |> List.map describe)
                [ "fire daily-20261204 build"; "fire daily-20261204 pre_trade"; "fire daily-20261204 execute"
                  "skipped daily-20261205 Weekend"; "skipped daily-20261206 Weekend" ] "the weekend's slots skipped"
        testCase "EarlyCloseBeforeExecution_SkipsTheSlot" <| fun () ->
            let early = { cal with EarlyCloses = Map [ SessionCalendar.dayOf 2026 12 7, 780 ] }
            let late = ScheduleConfig.create "weekly" [ DayOfWeek.Monday ] 900 905 930 (Duration.ofSeconds 60.0) false early |> Result.get
            let _, ds = run late early (Schedule.arm (at "2026-12-07T14:00:00Z")) (ticks "2026-12-07T14:00:00Z" "2026-12-07T21:00:00Z" 60.0)
            Expect.equal (ds |> List.map describe) [ "skipped weekly-20261207 EarlyClose 780" ] "closes 13:00 before 15:30"
        testCase "DaemonDownOverTheSlot_ReportsItMissed_AndDoesNotRunItLate" <| fun () ->
            let state = Schedule.arm (at "2026-12-04T20:00:00Z")
            let _, ds = run (weekly false cal) cal state (ticks "2026-12-07T14:42:00Z" "2026-12-07T16:00:00Z" 10.0)
            Expect.equal (ds |> List.map describe) [ "missed weekly-20261207 build" ] "one report; pre-trade and execute go with it"
        testCase "DaemonDownOverTheSlot_RunLateConfigured_RunsTodaysSlotLateInOrder" <| fun () ->
            let _, ds = run (weekly true cal) cal (Schedule.arm (at "2026-12-04T20:00:00Z")) (ticks "2026-12-07T14:42:00Z" "2026-12-07T16:00:00Z" 10.0)
            Expect.equal (ds |> List.map describe)
                [ "fire weekly-20261207 build late"; "fire weekly-20261207 pre_trade late"; "fire weekly-20261207 execute" ] "late, then on time"
        testCase "RunLate_RestartAfterTodaysClose_SlotIsMissed_NotTradedAfterHours" <| fun () ->
            // Back at 17:00 New York, after the 16:00 close: "late" fired build, pre-trade and execute at once, sending
            // market orders after the session (IB holds a DAY order to the next open, a decision a day old at the gap).
            let _, ds = Schedule.tick (weekly true cal) cal (Schedule.arm (at "2026-12-04T20:00:00Z")) (at "2026-12-07T22:00:00Z")
            Expect.equal (ds |> List.map describe) [ "missed weekly-20261207 build" ] "missed, reported once"
        testCase "ExecutionWithinItsGraceButAfterTheClose_IsMissed_NeverFired" <| fun () ->
            // 15:45 / 15:50 / 15:55 New York with an hour's grace; back at 16:10: on time by the grace, but after the
            // close its market orders would wait at the broker for the next open.
            let cfg = ScheduleConfig.create "weekly" [ DayOfWeek.Monday ] 945 950 955 (Duration.ofSeconds 3600.0) false cal |> Result.get
            let state, before = run cfg cal (Schedule.arm (at "2026-12-07T20:40:00Z")) (ticks "2026-12-07T20:40:00Z" "2026-12-07T20:52:00Z" 60.0)
            Expect.equal (before |> List.map describe) [ "fire weekly-20261207 build"; "fire weekly-20261207 pre_trade" ] "build and pre-trade before the close"
            let _, after = Schedule.tick cfg cal state (at "2026-12-07T21:10:00Z")
            Expect.equal (after |> List.map describe) [ "missed weekly-20261207 execute" ] "missed after the close"
        testCase "DownForTwoWeeks_EachMissedSlotIsReported_NoneRunsLate" <| fun () ->
            let _, ds = Schedule.tick (weekly true cal) cal (Schedule.arm (at "2026-12-01T17:00:00Z")) (at "2026-12-15T15:00:00Z")
            Expect.equal (ds |> List.map describe) [ "missed weekly-20261207 build"; "missed weekly-20261214 build" ] "older days are never run late"
        testCase "ClockSteppingBack_NeverRefires" <| fun () ->
            let cfg = weekly false cal
            let s, first = run cfg cal (Schedule.arm (at "2026-12-07T14:30:00Z")) [ at "2026-12-07T14:35:10Z" ]
            let _, again = run cfg cal s [ at "2026-12-07T14:35:00Z"; at "2026-12-07T14:35:10Z" ]
            Expect.equal (first |> List.map describe, again) ([ "fire weekly-20261207 build" ], []) "once"
        testCase "Restart_FromThePersistedValue_DoesNotRefireTheSlot" <| fun () ->
            let cfg = weekly false cal
            let s, _ = run cfg cal (Schedule.arm (at "2026-12-07T14:00:00Z")) (ticks "2026-12-07T14:00:00Z" "2026-12-07T14:41:00Z" 5.0)
            let persisted = s.HandledThrough.Nanos
            let _, after = run cfg cal { HandledThrough = Timestamp persisted } (ticks "2026-12-07T14:41:00Z" "2026-12-07T15:00:00Z" 5.0)
            Expect.equal (after |> List.map describe) [ "fire weekly-20261207 execute" ] "only what was left"
        Props.property "The schedule fires exactly once per slot across restarts (state rebuilt from the persisted value only)" 500
            (Prop.forAll (Arb.fromGen genTicks) (fun (start, ticks) ->
                let cfg = weekly false cal
                let straight = ticks |> run cfg cal (Schedule.arm start) |> snd
                // A restart before every tick: the state is dropped and rebuilt from the stored int64 alone.
                let _, withRestarts =
                    ticks |> List.fold (fun (stored: int64, acc) t ->
                        let state', ds = Schedule.tick cfg cal { HandledThrough = Timestamp stored } t
                        state'.HandledThrough.Nanos, acc @ ds) ((Schedule.arm start).HandledThrough.Nanos, [])
                let keyOf = function
                    | Fire(p, _) | Missed p -> Some(p.SlotId, p.Phase)
                    | Skipped _ -> None
                let keys = withRestarts |> List.choose keyOf
                let bySlot =
                    withRestarts |> List.groupBy (function Fire(p, _) | Missed p -> p.SlotId | Skipped(s, _, _) -> s)
                // Fired phases of a slot are a prefix of build → pre-trade → execute, ended by at most one Missed.
                let wellFormed (_, ds: ScheduleDecision list) =
                    let phases = ds |> List.map (function Fire(p, _) -> "F" + SchedulePhase.name p.Phase | Missed p -> "M" + SchedulePhase.name p.Phase | Skipped _ -> "S")
                    let fired = phases |> List.takeWhile (fun s -> s.StartsWith "F") |> List.map (fun s -> s.Substring 1)
                    let rest = phases |> List.skip fired.Length
                    fired = ([ "build"; "pre_trade"; "execute" ] |> List.truncate fired.Length)
                    && rest.Length <= 1
                let lastTick = match ticks with [] -> start | _ -> List.last ticks
                let complete =
                    // Every Monday slot whose execution time has passed was decided (fired in full, or reported missed).
                    [ SessionCalendar.tradingDay cal start .. SessionCalendar.tradingDay cal lastTick ]
                    |> List.filter (fun d -> Schedule.weekday d = DayOfWeek.Monday)
                    |> List.map (Schedule.phasesOf cfg cal)
                    |> List.filter (fun ps -> (List.head ps).Due > start && (List.last ps).Due <= lastTick)
                    |> List.forall (fun ps ->
                        let slot = (List.head ps).SlotId
                        let ds = bySlot |> List.tryFind (fun (s, _) -> s = slot) |> Option.map snd |> Option.defaultValue []
                        ds.Length = 3 && ds |> List.forall (function Fire _ -> true | _ -> false)
                        || ds |> List.exists (function Missed _ -> true | _ -> false))
                Props.same straight withRestarts
                && (List.distinct keys).Length = keys.Length
                && bySlot |> List.forall wellFormed
                && complete))
    ]
