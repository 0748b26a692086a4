/// The host's clock stepping under the engine (NTP, an operator, a suspend). The engine's time is monotonic: it
/// follows a step forward and not one back. Before, a step back froze every timer of the engine (its "now" never goes
/// back), and a restart on a clock behind the remembered session day re-armed that day's trade limit and lost its P&L
/// baseline.
module Bifrost.Domain.Tests.Trading.ClockStepTests

open Expecto
open FsCheck
open FsCheck.FSharp
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures
open Bifrost.Domain.Tests.Trading.BrokerModel
open Bifrost.Domain.Tests.Trading.RestartProperties

let private hours (h: float) = Duration.ofSeconds (3600.0 * h)

/// The restart alphabet with restarts on a host whose clock went back 1–30 hours (the model's days start at 05:00 UTC,
/// so many cross a session day). Legs expire in 90 days: a clock gone back does not un-expire a leg here.
let genClockBackScenario =
    gen {
        let! legCount = Gen.choose (1, 3)
        let! n = Gen.choose (30, 120)
        let action = Gen.frequency [ 12, genRestartAction legCount; 1, Gen.choose (1, 30) |> Gen.map ClockBackRestart ]
        let! actions = Gen.listOfLength n action
        return legCount, actions
    }

/// Each step's before and after, a restart's taken from the state killed to the state restored.
let private transitions (steps: Step list) (restarts: RestartPoint list) =
    let at = restarts |> List.map (fun r -> r.At, r) |> Map.ofList
    steps |> List.mapi (fun i st -> match at.TryFind i with Some r -> r.Before, st | None -> st.Before, st)

let private behind (cfg: Config) (arr: Step[]) (r: RestartPoint) =
    SessionCalendar.tradingDay cfg.Calendar arr.[r.At].After.Now < r.Before.Daily.Day

let private clockBackRuns f =
    Prop.forAll (Arb.fromGen genClockBackScenario) (fun (legCount, actions) ->
        let cfg = restartConfig legCount None
        let steps, restarts = runWithRestarts cfg actions
        f cfg steps restarts)

[<Tests>]
let tests =
    testList "Trading.ClockStep" [
        testCase "ClockSteppedBack_WhileRunning_RaisesCritical_AndPauses" <| fun () ->
            let cfg = config 1
            let s, _ = runAll cfg (startEvents cfg 100.0)
            let s, cmds = Reducer.step cfg s (at (sec 2.0) (ClockStepped -3_600_000_000_000L))
            let a = alerts cmds |> List.find (fun a -> a.Code = "CLOCK_STEPPED")
            Expect.equal a.Severity Critical "critical"
            Expect.stringContains a.Message "went back 3,600 s" "says how far"
            Expect.stringContains a.Message "restart the daemon" "and the way out"
            Expect.equal s.Fsm Paused "paused for the operator"
            Expect.stringContains s.PausedBy "CLOCK_STEPPED" "by the step"

        testCase "ClockSteppedForward_WhileRunning_RaisesCritical_AndPauses" <| fun () ->
            let cfg = config 1
            let s, _ = runAll cfg (startEvents cfg 100.0)
            let s, cmds = Reducer.step cfg s (at (sec 2.0) (ClockStepped 7_200_000_000_000L))
            let a = alerts cmds |> List.find (fun a -> a.Code = "CLOCK_STEPPED")
            Expect.stringContains a.Message "jumped 7,200 s ahead" "says how far"
            Expect.equal s.Fsm Paused "paused"

        testCase "Restart_OnAClockBehindTheRememberedDay_KeepsThatDaysTradesAndBaseline_AndPausesUntilResumed" <| fun () ->
            let cfg = restartConfig 1 None
            let s, cmds = runAll cfg (startEvents cfg 100.0)
            let hedge = placed cmds |> List.exactlyOne
            let filled = { IbOrderId = hedge.IbOrderId; PermId = 1000L + int64 hedge.IbOrderId; Ref = OrderRef.value hedge.Ref; Status = FullyFilled; Filled = hedge.Quantity; AvgFillPrice = 100.0; Reason = "" }
            let s, _ = Reducer.run cfg s [ at (sec 1.0) (OrderStatusReported filled); at (sec 1.0) (execFor hedge hedge.Quantity 100.0 "e1"); at (sec 2.0) ClockTicked ]
            Expect.equal s.Daily.Trades 1 "one trade today"
            Expect.isFalse (System.Double.IsNaN s.Daily.StartPnl) "the day's baseline is known"
            let restored =
                { Restored.empty with
                    Orders = s.Orders |> Map.toList |> List.map snd; Holdings = Portfolio.holdings s.Portfolio; SeenExecIds = [ ExecId.create "e1" |> Result.get ]
                    OrderIdHighWater = hedge.IbOrderId; NextOrderSeq = 2L; Memory = Some(Restart.memoryOf s) }
            // The host's clock went back a day (and a little) while the daemon was down.
            let back = Timestamp.add (Duration.ofSeconds 10.0) t0 |> Timestamp.add (Duration.ofSeconds (-86_400.0 - 3_600.0))
            let r, cmds = Reducer.step cfg (State.initial cfg) (at back (EngineStarted restored))
            Expect.equal r.Daily.Day s.Daily.Day "the remembered day is still the day"
            Expect.equal r.Daily.Trades 1 "its trade stays counted"
            Expect.equal r.Daily.StartPnl s.Daily.StartPnl "and its P&L baseline"
            let a = alerts cmds |> List.find (fun a -> a.Code = "CLOCK_BEHIND")
            Expect.equal a.Severity Critical "critical"
            Expect.stringContains a.Message (SessionCalendar.dayText s.Daily.Day) "names the remembered day"
            // The sync ends paused: the operator looks at the host's clock first.
            let positions = [ for id, h in Portfolio.holdings s.Portfolio do at back (PositionReported(id, h.Quantity, h.AvgCost)) ]
            let r, _ = Reducer.run cfg r ([ at back (BrokerConnected [ cfg.Account ]) ] @ positions
                                          @ [ at back PositionsEnded; at back OpenOrdersEnded; at back (execFor hedge hedge.Quantity 100.0 "e1"); at back ExecutionsEnded ])
            Expect.equal r.Fsm Paused "paused after the sync"
            // Hours pass on the wrong clock, still before the remembered day: the day is not rolled back, nor re-armed.
            let r, _ = Reducer.step cfg r (at (Timestamp.add (hours 2.0) back) ClockTicked)
            Expect.equal (r.Daily.Day, r.Daily.Trades) (s.Daily.Day, 1) "still the remembered day's count"

        testCase "Restart_OnAClockBeforeTheLastOrder_SameDay_RaisesClockBehind_ButNotWithinAMinutesSlack" <| fun () ->
            let cfg = restartConfig 1 None
            let s, cmds = runAll cfg (startEvents cfg 100.0)
            let hedge = placed cmds |> List.exactlyOne
            let restored = { Restored.empty with Orders = s.Orders |> Map.toList |> List.map snd; OrderIdHighWater = hedge.IbOrderId; Memory = Some(Restart.memoryOf s) }
            let placedAt = s.Orders.[hedge.Ref].PlacedAt
            let restartAt (secondsAfter: float) = Reducer.step cfg (State.initial cfg) (at (Timestamp.add (Duration.ofSeconds secondsAfter) placedAt) (EngineStarted restored))
            let _, cmds = restartAt -600.0
            let a = alerts cmds |> List.find (fun a -> a.Code = "CLOCK_BEHIND")
            Expect.equal a.Severity Critical "critical"
            Expect.stringContains a.Message (OrderRef.value hedge.Ref) "names the order placed later than the clock reads"
            let _, cmds = restartAt -30.0
            Expect.isEmpty (alerts cmds) "within the slack: nothing"
            let _, cmds = restartAt 5.0
            Expect.isEmpty (alerts cmds) "a plain restart: nothing"

        testCase "Restart_OnALaterDay_StartsTheNewDay_WithoutAClockAlert" <| fun () ->
            let cfg = restartConfig 1 None
            let s, _ = runAll cfg (startEvents cfg 100.0)
            let s, _ = Reducer.run cfg s [ at (sec 2.0) ClockTicked ]
            let restored = { Restored.empty with Orders = s.Orders |> Map.toList |> List.map snd; Memory = Some(Restart.memoryOf s) }
            let r, cmds = Reducer.step cfg (State.initial cfg) (at (Timestamp.add (hours 25.0) t0) (EngineStarted restored))
            Expect.equal r.Daily.Day (s.Daily.Day + 1) "the next day"
            Expect.equal r.Daily.Trades 0 "with its own count"
            Expect.isEmpty (alerts cmds) "nothing to warn of"

        // The day's counts are the engine's: whatever the host's clock does across restarts (here it goes back 1–30
        // hours at some, with hours passing, pauses, fills, rebalances, stale data and faults in between), the session
        // day the engine counts never goes back, its trades never fall and its P&L baseline, once known, stays. Fails
        // without the restore's rule ("the session day went back") and without the clock-only-forward day roll.
        Props.property "A session day's trade count and P&L baseline are never re-armed by a host clock gone back, across restarts" 300
            (clockBackRuns (fun _ steps restarts ->
                transitions steps restarts |> List.forall (fun (before, st) ->
                    let b, a = before.Daily, st.After.Daily
                    if b.Day < 0 then true
                    elif a.Day < b.Day then failwithf "the session day went back from %s to %s on %A" (SessionCalendar.dayText b.Day) (SessionCalendar.dayText a.Day) st.Event.Payload
                    elif a.Day = b.Day && a.Trades < b.Trades then failwithf "the day's trades fell from %d to %d on %A" b.Trades a.Trades st.Event.Payload
                    elif a.Day = b.Day && System.Double.IsFinite b.StartPnl && a.StartPnl <> b.StartPnl then
                        failwithf "the day's P&L baseline moved from %g to %g on %A" b.StartPnl a.StartPnl st.Event.Payload
                    else true)))
        // Fails closed: after a restart whose clock reads a day before the remembered one, the engine trades only once
        // the operator has looked (resume or flatten).
        Props.property "After a restart on a clock behind the remembered session day, nothing is traded until the operator resumes" 300
            (clockBackRuns (fun cfg steps restarts ->
                let arr = Array.ofList steps
                restarts |> List.filter (behind cfg arr) |> List.forall (fun r ->
                    if not (alerts arr.[r.At].Commands |> List.exists (fun a -> a.Code = "CLOCK_BEHIND" && a.Severity = Critical)) then
                        failwithf "no CLOCK_BEHIND at the restart of step %d" r.At
                    arr |> Seq.skip r.At |> Seq.takeWhile (fun st -> not (operatorResumes st.Event))
                    |> Seq.forall (fun st ->
                        match placed st.Commands with
                        | [] -> true
                        | o :: _ -> failwithf "order %s (%A) on a clock behind the remembered day, before the operator answered" (OrderRef.value o.Ref) o.Purpose))))
        Props.property "GREEN stays safe across restarts on a host clock gone back" 300
            (clockBackRuns (fun cfg steps _ -> SafetyProperties.Invariants.greenIsSafe cfg steps))
        Props.property "No order on stale data across restarts on a host clock gone back" 300
            (clockBackRuns (fun cfg steps _ -> SafetyProperties.Invariants.noOrderOnStaleData cfg steps))
        Props.seeded "The clock-back scenarios restart on a clock behind the remembered day, with trades counted on it" (fun seed ->
            let runs = Gen.sampleWithSeed seed 60 150 genClockBackScenario
            let mutable behindDays, withTrades = 0, 0
            for legCount, actions in runs do
                let cfg = restartConfig legCount None
                let steps, restarts = runWithRestarts cfg actions
                let arr = Array.ofList steps
                for r in restarts |> List.filter (behind cfg arr) do
                    behindDays <- behindDays + 1
                    if r.Before.Daily.Trades > 0 then withTrades <- withTrades + 1
            printfn "clock-back coverage: %d restarts behind the remembered day, %d with trades counted" behindDays withTrades
            Expect.isGreaterThan behindDays 20 "restarts behind the remembered day"
            Expect.isGreaterThan withTrades 10 "with trades counted on it")
    ]
