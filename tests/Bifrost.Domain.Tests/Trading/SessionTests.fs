/// The session summary at stop (issue 13, "Sessions"): one operation line before the engine exits. The day's P&L is
/// the session's: after the close the stock re-marks on after-hours quotes while the options keep their 16:00 mids.
module Bifrost.Domain.Tests.Trading.SessionTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests.Fixtures

let private cfg = config 1

/// US equities hours, a 1,000 day-loss limit (10 calls K=100 held, hedged).
let private hours = { cfg with Calendar = SessionCalendar.usEquities; Risk = { cfg.Risk with DailyLossLimit = 1_000.0 } }
/// Monday 2025-12-29 + `d` days, New York time (December: UTC−5).
let private et (d: int) (h: int) (m: int) (s: float) =
    Timestamp.ofDateTimeUtc (System.DateTime(2025, 12, 29 + d, h, m, 0, System.DateTimeKind.Utc).AddHours(5.0).AddSeconds(s))
let private uq px t = at t (QuoteReceived(quote underlyingId (px - 0.01) (px + 0.01) t))
let private lq bid ask t = at t (QuoteReceived(quote (cid 2) bid ask t))
/// Started Monday 15:00 with the calls, hedged; the session closes at 16:00 with nothing moved (the close's P&L).
let private closedMonday (c: Config) =
    feedFilling c (State.initial c, [])
        [ at (et 0 15 0 0.0) (EngineStarted Restored.empty); at (et 0 15 0 0.1) (BrokerConnected [ c.Account ])
          at (et 0 15 0 0.2) (PositionReported(cid 2, 10, 3.0)); at (et 0 15 0 0.3) PositionsEnded
          at (et 0 15 0 0.3) OpenOrdersEnded; at (et 0 15 0 0.3) ExecutionsEnded
          lq 2.9 3.1 (et 0 15 0 0.4); uq 100.0 (et 0 15 0 0.5); at (et 0 15 0 1.0) ClockTicked
          uq 100.0 (et 0 15 59 59.0); lq 2.9 3.1 (et 0 15 59 59.0); at (et 0 16 0 1.0) ClockTicked ]
/// After hours the stock trades up to 103 (the short hedge loses ~1,800) while the calls keep their 16:00 mid.
let private afterHours = [ for i in 0 .. 40 -> uq (100.0 + 3.0 * float i / 40.0) (et 0 17 0 (float i * 5.0)) ] @ [ at (et 0 17 4 0.0) ClockTicked ]

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
