/// The session summary at stop (issue 13, "Sessions"): one operation line before the engine exits. The day's P&L is
/// the session's: after the close the stock re-marks on after-hours quotes while the options keep their 16:00 mids.
module Bifrost.Domain.Tests.Trading.SessionTests

open Expecto
open FsCheck.FSharp
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures

let private cfg = config 1

/// US equities hours, a 1,000 day-loss limit (10 calls K=100 held, hedged).
let private hours = { cfg with Calendar = SessionCalendar.usEquities; Risk = { cfg.Risk with DailyLossLimit = 1_000.0 } }
/// Monday 2025-12-29 + `d` days, New York time (December: UTC−5).
let private et (d: int) (h: int) (m: int) (s: float) =
    Timestamp.ofDateTimeUtc (System.DateTime(2025, 12, 29, h, m, 0, System.DateTimeKind.Utc).AddDays(float d).AddHours(5.0).AddSeconds(s))
let private uq px t = at t (QuoteReceived(quote underlyingId (px - 0.01) (px + 0.01) t))
let private lq bid ask t = at t (QuoteReceived(quote (cid 2) bid ask t))
/// Started on day `d` at 15:00 with the calls, hedged; the session closes at 16:00 with nothing moved (the close's P&L).
let private closedOn (d: int) (c: Config) =
    feedFilling c (State.initial c, [])
        [ at (et d 15 0 0.0) (EngineStarted Restored.empty); at (et d 15 0 0.1) (BrokerConnected [ c.Account ])
          at (et d 15 0 0.2) (PositionReported(cid 2, 10, 3.0)); at (et d 15 0 0.3) PositionsEnded
          at (et d 15 0 0.3) OpenOrdersEnded; at (et d 15 0 0.3) ExecutionsEnded
          lq 2.9 3.1 (et d 15 0 0.4); uq 100.0 (et d 15 0 0.5); at (et d 15 0 1.0) ClockTicked
          uq 100.0 (et d 15 59 59.0); lq 2.9 3.1 (et d 15 59 59.0); at (et d 16 0 1.0) ClockTicked ]
let private closedMonday = closedOn 0
/// After hours on day `d` the stock trades up to 103 (the short hedge loses ~1,800) while the calls keep their 16:00 mid.
let private afterHoursOn (d: int) = [ for i in 0 .. 40 -> uq (100.0 + 3.0 * float i / 40.0) (et d 17 0 (float i * 5.0)) ] @ [ at (et d 17 4 0.0) ClockTicked ]
let private afterHours = afterHoursOn 0
/// Clock steps through days `first` .. `last` at the hours a day without a session still has (before the open, the
/// session's hours, after the close), up to (not including) the instant `until`.
let private ticksThrough (first: int) (last: int) (until: Timestamp) =
    [ for d in first .. last do for h in [ 0; 8; 12; 16; 17; 23 ] -> at (et d h 1 0.0) ClockTicked ]
    |> List.filter (fun e -> e.Received.Nanos < until.Nanos)

/// What may happen between a session's close and the next session's open.
type private Between =
    | AfterHoursQuote of price: float
    | Tick
    | StopAndRestart

/// From a close to the next session: a weekend (Friday 2026-01-02 to Monday) or a holiday (Wednesday 2025-12-31 to
/// Friday, New Year's Day closed), with after-hours quotes, clock steps and restarts (state rebuilt from what the store
/// keeps) at random instants in between; then the next day's pre-market and open.
let private genGap =
    gen {
        let! overHoliday = Gen.elements [ false; true ]
        let closeDay, nextDay = if overHoliday then 2, 4 else 4, 7
        let span = (nextDay - closeDay) * 1440 - 16 * 60 + 9 * 60 + 29 // 16:01 on the close's day to 09:30 the next day
        let! n = Gen.choose (1, 30)
        let! what =
            Gen.listOfLength n (Gen.frequency [ 5, Gen.choose (-500, 500) |> Gen.map (fun c -> AfterHoursQuote(100.0 + float c / 100.0))
                                                3, Gen.constant Tick
                                                1, Gen.constant StopAndRestart ])
        let! minutes = Gen.listOfLength n (Gen.choose (0, span - 1))
        return overHoliday, closeDay, nextDay, List.zip (List.sort minutes) what
    }

/// Runs the close, the gap and the next open; the close's P&L and the next day's baseline at its open.
let private runGap (overHoliday: bool, closeDay: int, nextDay: int, gap: (int * Between) list) =
    let c = if overHoliday then { hours with Calendar = { hours.Calendar with Holidays = Set.singleton (SessionCalendar.dayOf 2026 1 1) } } else hours
    let s, _ = closedOn closeDay c
    let close = State.totalPnl c s
    let instant (minute: int) = Timestamp.add (Duration.ofSeconds (float minute * 60.0)) (et closeDay 16 1 0.0)
    let mutable last = 100.0
    let step (s: State) (minute: int, what: Between) =
        let t = instant minute
        match what with
        | AfterHoursQuote px -> last <- px; fst (feedFilling c (s, []) [ uq px t; at t ClockTicked ])
        | Tick -> fst (feedFilling c (s, []) [ at t ClockTicked ])
        | StopAndRestart ->
            let s, _ = feedFilling c (s, []) [ at t (ControlRequested(Stop, meta 1L)); at t ClockTicked ]
            let r = Timestamp.add (Duration.ofSeconds 1.0) t
            fst (feedFilling c (State.initial c, [])
                    [ at r (EngineStarted { restoredFrom s with Memory = Some(Restart.memoryOf s) }); at r (BrokerConnected [ c.Account ])
                      at r (PositionReported(cid 2, 10, 3.0)); at r (PositionReported(underlyingId, State.hedgePosition c s, 100.0))
                      at r PositionsEnded; at r OpenOrdersEnded; at r ExecutionsEnded; lq 2.9 3.1 r; uq last r ])
    let s = gap |> List.fold step s
    let s, _ = feedFilling c (s, []) [ at (et nextDay 9 29 30.0) ClockTicked; uq 100.0 (et nextDay 9 30 1.0); at (et nextDay 9 30 2.0) ClockTicked ]
    close, s

[<Tests>]
let tests =
    testList "Trading.Session" [
        test "RunningOverMidnight_TheNextDayStartsFromTheClose_NotTheAfterHoursMarks" {
            let s, _ = closedMonday hours
            let close = State.totalPnl hours s
            Expect.isTrue s.Daily.Closed "the close recorded"
            let s, _ = feedFilling hours (s, []) afterHours
            Expect.isLessThan (State.totalPnl hours s - close) -1_000.0 "the mixed after-hours total is far from the close"
            let s, _ = feedFilling hours (s, []) [ at (et 1 0 0 1.0) ClockTicked ]
            Expect.equal s.Daily.Day (SessionCalendar.tradingDay hours.Calendar (et 1 0 0 1.0)) "the day rolled"
            Expect.floatClose Accuracy.high s.Daily.StartPnl close "Tuesday starts from Monday's close"
        }
        test "AfterHoursMarks_DoNotTripTheDailyLossLimit" {
            let s, _ = closedMonday hours
            let s, cmds = feedFilling hours (s, []) afterHours
            Expect.isLessThan (State.dailyPnl hours s) -1_000.0 "the mixed valuation is past the limit"
            Expect.isTrue (match s.Fsm with Running _ -> true | _ -> false) $"not halted on it: {FsmState.name s.Fsm}"
            Expect.isFalse (alerts cmds |> List.exists (fun a -> a.Code = "RISK_HALT")) "no RISK_HALT"
        }
        test "ResumeInTheEvening_IsJudgedOnTheClose_NotTheAfterHoursMarks" {
            let s, _ = closedMonday hours
            let s, _ = feedFilling hours (s, []) [ at (et 0 16 30 0.0) (ControlRequested(Pause, meta 1L)) ]
            let s, _ = feedFilling hours (s, []) afterHours
            Expect.isLessThan (State.dailyPnl hours s) -1_000.0 "the mixed valuation is past the limit"
            let s, cmds = feedFilling hours (s, []) [ at (et 0 17 5 0.0) (ControlRequested(Resume, meta 2L)) ]
            Expect.exists cmds (function CompleteControl(2L, Done "resumed") -> true | _ -> false) $"resumed on the close's P&L: {cmds}"
            Expect.isTrue (match s.Fsm with Running _ -> true | _ -> false) "running (no hedge until the open)"
        }
        test "StopInTheEvening_KeepsTheClosesPnlAsTheNextDaysBaseline" {
            let s, _ = closedMonday hours
            let close = State.totalPnl hours s
            let s, _ = feedFilling hours (s, []) afterHours
            let s, _ = feedFilling hours (s, []) [ at (et 0 19 0 0.0) (ControlRequested(Stop, meta 1L)); at (et 0 19 0 1.0) ClockTicked ]
            Expect.equal s.Fsm Stopped "stopped"
            let saved = Restart.memoryOf s
            Expect.floatClose Accuracy.high saved.DayLastPnl close "the close's P&L saved, not the evening's mixed total"
            // Restarted on Tuesday from the store: the day starts from Monday's close.
            let r, _ = Reducer.step hours (State.initial hours) (at (et 1 9 0 0.0) (EngineStarted { restoredFrom s with Memory = Some saved }))
            Expect.floatClose Accuracy.high r.Daily.StartPnl close "Tuesday's baseline is the close"
        }
        // Restore's promise: a restarted engine agrees with a running one.
        test "RestartInTheEvening_KeepsTheClose_AsARunningEngineDoes" {
            let s, _ = closedMonday hours
            let close = State.totalPnl hours s
            let memory = Restart.memoryOf s
            let hedge = State.hedgePosition hours s
            let r, _ =
                feedFilling hours (State.initial hours, [])
                    [ at (et 0 17 0 0.0) (EngineStarted { restoredFrom s with Memory = Some memory }); at (et 0 17 0 0.1) (BrokerConnected [ hours.Account ])
                      at (et 0 17 0 0.2) (PositionReported(cid 2, 10, 3.0)); at (et 0 17 0 0.2) (PositionReported(underlyingId, hedge, 100.0))
                      at (et 0 17 0 0.3) PositionsEnded; at (et 0 17 0 0.3) OpenOrdersEnded; at (et 0 17 0 0.3) ExecutionsEnded
                      lq 2.9 3.1 (et 0 17 0 0.4) ]
            let r, _ = feedFilling hours (r, []) afterHours
            Expect.floatClose Accuracy.high r.Daily.LastPnl close "the close kept, not re-recorded from after-hours marks"
            let r, _ = feedFilling hours (r, []) [ at (et 1 0 0 1.0) ClockTicked ]
            Expect.floatClose Accuracy.high r.Daily.StartPnl close "Tuesday starts from the close, as the running engine's does"
        }
        // A day without a session has no close of its own: a weekend's "after the close" valuation is the stock's
        // after-hours quotes against Friday's option mids, and Monday's loss limit was measured from it.
        test "RunningOverAWeekend_MondayStartsFromFridaysClose_NotTheWeekendsMarks" {
            let s, _ = closedOn 4 hours // Friday 2026-01-02
            let close = State.totalPnl hours s
            let s, _ = feedFilling hours (s, []) (afterHoursOn 4)
            Expect.isLessThan (State.totalPnl hours s - close) -1_000.0 "the mixed after-hours total is far from the close"
            let monday = et 7 9 0 0.0
            let s, _ = feedFilling hours (s, []) (ticksThrough 5 7 monday)
            Expect.equal s.Daily.Day (SessionCalendar.tradingDay hours.Calendar monday) "Monday counted"
            Expect.floatClose Accuracy.high s.Daily.StartPnl close "Monday starts from Friday's close"
        }
        // What the operator reads is what the limits judge: the status's day P&L (the dashboard's "today", the day's row
        // in the statistics, the last status of the day) and the light's limits are the session's, not the evening's
        // after-hours stock marks beside the calls' 16:00 mid (a ~1,800 loss no session traded at).
        test "AfterTheCloseAndOnSaturday_TheStatusAndTheLight_ShowTheSessionsDayPnl_NotTheAfterHoursMarks" {
            let c = { hours with Risk = { hours.Risk with MaxDrawdown = 1_500.0 } }
            let s, _ = closedOn 4 c // Friday 2026-01-02
            let session = State.totalPnl c s - s.Daily.StartPnl
            let s, _ = feedFilling c (s, []) (afterHoursOn 4)
            Expect.isLessThan (State.dailyPnl c s) -1_000.0 "the mixed after-hours valuation is past the day's limit"
            let shows (when': string) (day: float) (s: State) =
                Expect.floatClose Accuracy.high (Emit.snapshot c s).DailyPnl day $"{when'}: the status's day P&L"
                let report = SelfCheck.run c s
                let limits = report.Checks |> List.find (fun k -> k.Name = "risk_limits")
                Expect.isTrue limits.Passed $"{when'}: no limit breached in the light ({limits.Detail})"
                Expect.isFalse (report.BlockReasons |> List.exists (fun r -> r = BlockReason.DailyLossLimit || r = BlockReason.RiskHalt))
                    $"{when'}: no DAILY_LOSS_LIMIT or RISK_HALT named ({report.BlockReasons})"
            shows "Friday evening" session s
            let s, _ = feedFilling c (s, []) (ticksThrough 5 5 (et 5 13 0 0.0))
            Expect.equal s.Daily.Day (SessionCalendar.tradingDay c.Calendar (et 5 12 1 0.0)) "Saturday counted"
            shows "Saturday (no session)" 0.0 s
        }
        test "StopOnSaturday_RestartOnMonday_StartsFromFridaysClose" {
            let s, _ = closedOn 4 hours
            let close = State.totalPnl hours s
            let s, _ = feedFilling hours (s, []) (afterHoursOn 4)
            let s, _ = feedFilling hours (s, []) (ticksThrough 5 5 (et 5 18 0 0.0) @ [ at (et 5 18 0 0.0) (ControlRequested(Stop, meta 1L)); at (et 5 18 0 1.0) ClockTicked ])
            Expect.equal s.Fsm Stopped "stopped"
            let saved = Restart.memoryOf s
            Expect.floatClose Accuracy.high saved.DayLastPnl close "Saturday's last P&L is Friday's close"
            let r, _ = Reducer.step hours (State.initial hours) (at (et 7 9 0 0.0) (EngineStarted { restoredFrom s with Memory = Some saved }))
            Expect.floatClose Accuracy.high r.Daily.StartPnl close "Monday's baseline is Friday's close"
        }
        test "RestartOnSaturday_RunOverTheWeekend_MondayStartsFromFridaysClose" {
            let s, _ = closedOn 4 hours
            let close = State.totalPnl hours s
            let s, _ = feedFilling hours (s, []) (afterHoursOn 4 @ [ at (et 4 19 0 0.0) (ControlRequested(Stop, meta 1L)); at (et 4 19 0 1.0) ClockTicked ])
            let hedge = State.hedgePosition hours s
            let sat = et 5 10 0 0.0
            let r, _ =
                feedFilling hours (State.initial hours, [])
                    [ at sat (EngineStarted { restoredFrom s with Memory = Some(Restart.memoryOf s) }); at sat (BrokerConnected [ hours.Account ])
                      at sat (PositionReported(cid 2, 10, 3.0)); at sat (PositionReported(underlyingId, hedge, 100.0))
                      at sat PositionsEnded; at sat OpenOrdersEnded; at sat ExecutionsEnded
                      lq 2.9 3.1 sat; uq 103.0 sat ]
            let monday = et 7 9 0 0.0
            let r, _ = feedFilling hours (r, []) (ticksThrough 5 7 monday |> List.filter (fun e -> e.Received.Nanos > sat.Nanos))
            Expect.floatClose Accuracy.high r.Daily.StartPnl close "Monday starts from Friday's close"
        }
        test "OverAHoliday_TheNextDayStartsFromTheLastSessionsClose" {
            let newYear = SessionCalendar.dayOf 2026 1 1
            let c = { hours with Calendar = { hours.Calendar with Holidays = Set.singleton newYear } }
            let s, _ = closedOn 2 c // Wednesday 2025-12-31
            let close = State.totalPnl c s
            let s, _ = feedFilling c (s, []) (afterHoursOn 2)
            let friday = et 4 9 0 0.0
            let s, _ = feedFilling c (s, []) (ticksThrough 3 4 friday)
            Expect.floatClose Accuracy.high s.Daily.StartPnl close "Friday starts from Wednesday's close, not the holiday's marks"
        }
        test "StopBeforeTheOpen_KeepsTheCloseTheDayStartedFrom_NotThePreMarketMarks" {
            let s, _ = closedMonday hours
            let close = State.totalPnl hours s
            let s, _ = feedFilling hours (s, []) [ at (et 1 0 0 1.0) ClockTicked ]
            let preMarket = [ for i in 0 .. 40 -> uq (100.0 + 3.0 * float i / 40.0) (et 1 8 0 (float i * 5.0)) ]
            let s, _ = feedFilling hours (s, []) (preMarket @ [ at (et 1 8 5 0.0) (ControlRequested(Stop, meta 1L)); at (et 1 8 5 1.0) ClockTicked ])
            Expect.isLessThan (State.totalPnl hours s - close) -1_000.0 "the pre-market total is far from the close"
            let saved = Restart.memoryOf s
            Expect.floatClose Accuracy.high saved.DayLastPnl close "the close the day started from, not the pre-market total"
            let r, _ = Reducer.step hours (State.initial hours) (at (et 2 9 0 0.0) (EngineStarted { restoredFrom s with Memory = Some saved }))
            Expect.floatClose Accuracy.high r.Daily.StartPnl close "Wednesday starts from Monday's close"
        }
        // The model: between two sessions nothing a session traded at is seen — the stock's after-hours quotes beside
        // the options' last mids — so the next session day's loss limit counts from the last session's close, whatever
        // the gap holds (days without a session, after-hours moves, restarts rebuilt from the store's memory).
        Props.property "The next session day's P&L baseline is the last session's close, across weekends, holidays and restarts" 200
            (Prop.forAll (Arb.fromGen genGap) (fun gap ->
                let close, s = runGap gap
                let _, _, nextDay, _ = gap
                Expect.equal s.Daily.Day (SessionCalendar.tradingDay hours.Calendar (et nextDay 9 30 2.0)) "the next session day counted"
                Expect.floatClose Accuracy.high s.Daily.StartPnl close $"the baseline is the close ({List.length (let _, _, _, g = gap in g)} steps between)"))
        test "Stop_AfterAHedge_SummaryLine_OrdersFillsPnlFees_BeforeExit" {
            let s, cmds = runAll cfg (startEvents cfg 100.0)
            let hedge = placed cmds |> List.exactlyOne
            let s, _ = Reducer.step cfg s (at (sec 1.0) (execFor hedge hedge.Quantity 100.0 "e1"))
            let s, _ = Reducer.step cfg s (at (sec 1.1) (CommissionReported(ExecId.create "e1" |> Result.get, 1.25)))
            let s, stop = Reducer.step cfg s (at (sec 2.0) (ControlRequested(Stop, meta 9L)))
            Expect.equal s.Fsm Stopped "stopped"
            let summaries = ops stop |> List.filter (fun o -> o.Detail.StartsWith "session summary:")
            Expect.equal summaries.Length 1 "one summary"
            let text = summaries.Head.Detail
            Expect.stringContains text "orders 1 (Filled 1)" "orders by status"
            Expect.stringContains text "fills 1" "fills"
            Expect.stringContains text "fees 1.25" "fees"
            Expect.stringContains text "blocks 0" "no block"
            let index p = stop |> List.findIndex p
            Expect.isLessThan (index (function RecordOperation o -> o.Detail.StartsWith "session summary:" | _ -> false)) (index (function Exit _ -> true | _ -> false)) "before the exit"
            let _, after = Reducer.step cfg s (at (sec 3.0) ClockTicked)
            Expect.isEmpty after "stopped: nothing more, no second summary"
        }
    ]
