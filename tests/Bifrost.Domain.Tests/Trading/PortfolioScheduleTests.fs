/// The portfolio schedule inside the reducer: clock ticks → build (the shell answers with the newest signals file) →
/// pre-trade → execute through the portfolio run path; missed, failed and refused slots are reported. The property
/// restarts the engine with only what the store keeps (orders, fills, the engine memory, the schedule's handled-through
/// instant, the runs and snapshots).
module Bifrost.Domain.Tests.Trading.PortfolioScheduleTests

open System
open Expecto
open FsCheck
open FsCheck.FSharp
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.PortfolioRuns
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures

let private cfg = config 1
let private aaa = cid 50
let private bbb = cid 51

/// Weekdays at 10:00 / 10:02 / 10:04 UTC (the fixture's calendar is always open, UTC); grace 60 s.
let private schedule runLate =
    ScheduleConfig.create "daily" [ DayOfWeek.Monday; DayOfWeek.Tuesday; DayOfWeek.Wednesday; DayOfWeek.Thursday; DayOfWeek.Friday ]
        600 602 604 (Duration.ofSeconds 60.0) runLate cfg.Calendar
    |> Result.get

let private setup runLate = portfolioSetup 0.01 100_000.0 1_000 (Some(schedule runLate))

let private iso (t: Timestamp) = (Timestamp.toDateTimeUtc t).ToString("yyyy-MM-ddTHH:mm:ssZ")
let private signalsAt (t: Timestamp) =
    let time = iso (Timestamp.add (Duration.ofSeconds (-60.0)) t)
    $"symbol,action,score,confidence,time\nAAA,buy,1,1,{time}\nBBB,buy,0.5,1,{time}\n"

/// Fresh quotes for every instrument at `t` (the scalper's too: nothing goes stale between ticks).
let private quotesAt (t: Timestamp) =
    [ at t (QuoteReceived(quote underlyingId 99.99 100.01 t))
      for l in cfg.Strategy.Legs do
          at t (QuoteReceived(quote l.Option.ContractId 2.9 3.1 t))
      at t (QuoteReceived(quote aaa 49.99 50.01 t))
      at t (QuoteReceived(quote bbb 79.99 80.01 t)) ]

/// The harness's broker and shell: fills every order at once, answers a signals request with a file (or none), and
/// keeps what the store would (the schedule's last persisted state, the runs).
type private World =
    { /// The engine's configuration (the module's `cfg`, or its calendar changed).
      Cfg: Config
      State: State
      Signals: bool
      Persisted: ScheduleState option
      StoredRuns: Map<string, Run>
      StoredSnapshots: Map<string, Snapshot>
      Log: (Timestamp * Command) list
      Fills: int
      /// The broker rejects the next order (IB 201) instead of filling it.
      RejectNext: bool
      /// What the account holds (legs as configured, plus every fill): reported at a reconnect's sync.
      Positions: Map<ContractId, int> }

let private legPositions = cfg.Strategy.Legs |> List.map (fun l -> l.Option.ContractId, l.Quantity) |> Map.ofList

let rec private feed (w: World) (e: Event) =
    let s, cmds = Reducer.step w.Cfg w.State e
    let w =
        { w with
            State = s
            Log = w.Log @ (cmds |> List.map (fun c -> s.Now, c))
            Persisted = cmds |> List.fold (fun p c -> match c with PersistPortfolioSchedule(_, st) -> Some st | _ -> p) w.Persisted
            StoredRuns = cmds |> List.fold (fun m c -> match c with RecordPortfolioRun r -> m |> Map.add r.Id r | _ -> m) w.StoredRuns
            StoredSnapshots = cmds |> List.fold (fun m c -> match c with RecordPortfolioSnapshot x -> m |> Map.add x.Id x | _ -> m) w.StoredSnapshots }
    cmds |> List.fold (fun (w: World) c ->
        match c with
        | PlaceOrder o when w.RejectNext ->
            feed { w with RejectNext = false } (at s.Now (OrderErrorReported(o.IbOrderId, 201, "Order rejected - reason: model reject")))
        | PlaceOrder o ->
            let price = if o.ContractId = aaa then 50.0 elif o.ContractId = bbb then 80.0 else 100.0
            let held = w.Positions |> Map.tryFind o.ContractId |> Option.defaultValue 0
            feed { w with Fills = w.Fills + 1; Positions = w.Positions |> Map.add o.ContractId (held + Side.sign o.Side * o.Quantity) }
                (at s.Now (execFor o o.Quantity price $"x{w.Fills}"))
        | LoadPortfolioSignals(slot, _) ->
            let file = if w.Signals then Ok("signals.csv", signalsAt s.Now) else Error "no signals file (*.csv, *.json) in '/signals'"
            feed w (at s.Now (PortfolioSignalsLoaded { SlotId = slot; File = file }))
        | _ -> w) w

let private feedAll w events = events |> List.fold feed w

/// Start-up at `t` to Running/Idle (the scalper's hedge filled), the portfolio configured, then what the store kept.
let private bootIn (cfg: Config) runLate (t: Timestamp) (persisted: ScheduleState option) (runs: Run list) (snapshots: Snapshot list) (signals: bool) =
    let s = State.initial cfg
    let w = { Cfg = cfg; State = s; Signals = signals; Persisted = persisted; StoredRuns = runs |> List.map (fun r -> r.Id, r) |> Map.ofList
              StoredSnapshots = snapshots |> List.map (fun x -> x.Id, x) |> Map.ofList; Log = []; Fills = 0
              RejectNext = false; Positions = legPositions }
    let ms n = Timestamp.add (Duration.ofSeconds (float n / 1000.0)) t
    let w =
        feedAll w
            [ at t (EngineStarted Restored.empty)
              at (ms 100) (BrokerConnected [ cfg.Account ])
              for l in cfg.Strategy.Legs do
                  at (ms 200) (PositionReported(l.Option.ContractId, l.Quantity, 3.0))
              at (ms 300) PositionsEnded
              at (ms 300) OpenOrdersEnded
              at (ms 300) ExecutionsEnded ]
    let w = feedAll w (quotesAt (ms 400))
    let w =
        feedAll w
            [ at (ms 500) (PortfolioConfigured(setup runLate))
              at (ms 500) (AccountValueReported("NetLiquidation", 1_000_000.0, "USD"))
              at (ms 500) (AccountValueReported("AvailableFunds", 1_000_000.0, "USD"))
              if not snapshots.IsEmpty then at (ms 500) (PortfolioSnapshotsRestored(snapshots |> List.map SnapshotIntact))
              if not runs.IsEmpty then at (ms 500) (PortfolioRunsRestored runs)
              at (ms 500) (PortfolioScheduleRestored persisted) ]
    { w with Log = [] }

let private bootWith runLate t persisted runs snapshots signals = bootIn cfg runLate t persisted runs snapshots signals

let private boot runLate t persisted runs signals = bootWith runLate t persisted runs [] signals

let private tickAt (w: World) (t: Timestamp) = feedAll w (quotesAt t @ [ at t ClockTicked ])

/// Monday 2025-12-29 (the fixture's t0's day) at hh:mm:ss UTC, plus whole days.
let private monday (days: int) (h: int) (m: int) (sec: int) =
    let midnight = Timestamp.ofUnixSeconds (Timestamp.nanos t0 / Duration.nanosPerSecond / 86_400L * 86_400L)
    Timestamp.add (Duration.ofSeconds (float (days * 86_400 + h * 3600 + m * 60 + sec))) midnight

let private details (w: World) = w.Log |> List.choose (function _, RecordOperation o -> Some o.Detail | _ -> None)
let private alertsOf (w: World) = w.Log |> List.choose (function _, RaiseAlert a -> Some a | _ -> None)
let private ordersOf (w: World) = w.Log |> List.choose (function _, PlaceOrder o -> Some o | _ -> None)

let private runTicks (w: World) (ts: Timestamp list) = ts |> List.fold tickAt w

let private everyTen (fromT: Timestamp) (toT: Timestamp) =
    Seq.unfold (fun t -> if t > toT then None else Some(t, Timestamp.add (Duration.ofSeconds 10.0) t)) fromT |> List.ofSeq

// ---------------------------------------------------------------- the model-based property

type private Action =
    /// The clock moves on this many seconds (quotes stay fresh), then ticks.
    | Advance of seconds: int
    /// The daemon is killed and started again, knowing only what the store kept.
    | Restart
    /// The signals directory gains or loses its file.
    | ToggleSignals
    /// The clock moves on this many seconds with the portfolio's symbols silent (the scalper's feed goes on), then ticks.
    | Silent of seconds: int
    /// The broker connection drops for this many seconds (no quotes, ticks go on), then reconnects and syncs.
    | Outage of seconds: int
    /// The broker rejects the next order.
    | RejectNext

let private genAction =
    Gen.frequency
        [ 12, Gen.choose (5, 150) |> Gen.map Advance
          2, Gen.choose (600, 7_200) |> Gen.map Advance
          1, Gen.choose (20_000, 200_000) |> Gen.map Advance
          2, Gen.constant Restart
          1, Gen.constant ToggleSignals
          3, Gen.choose (6, 300) |> Gen.map Silent
          2, Gen.choose (5, 400) |> Gen.map Outage
          2, Gen.constant RejectNext ]

let private genScenario =
    gen {
        let! runLate = Gen.elements [ false; true ]
        let! startMinute = Gen.choose (590, 606) // around the first slot (10:00 / 10:02 / 10:04)
        let! n = Gen.choose (10, 120)
        let! actions = Gen.listOfLength n genAction
        return runLate, startMinute, actions
    }

/// kill -9, then a start on what the store keeps: the orders, fills (the holdings), seen executions and engine memory
/// (`restoredFrom`), the schedule's persisted state, the runs and snapshots; the broker reports the account as it is.
let private restartFrom runLate (w: World) (t: Timestamp) =
    let ms n = Timestamp.add (Duration.ofSeconds (float n / 1000.0)) t
    let cost id = if id = aaa then 50.0 elif id = bbb then 80.0 elif id = underlyingId then 100.0 else 3.0
    let w' =
        feedAll { w with State = State.initial cfg; Log = [] }
            [ at t (EngineStarted(restoredFrom w.State))
              at (ms 100) (BrokerConnected [ cfg.Account ])
              for KeyValue(id, q) in w.Positions do
                  if q <> 0 then at (ms 200) (PositionReported(id, q, cost id))
              at (ms 300) PositionsEnded
              at (ms 300) OpenOrdersEnded
              at (ms 300) ExecutionsEnded ]
    let w' = feedAll w' (quotesAt (ms 400))
    let runs = w.StoredRuns |> Map.toList |> List.map snd |> List.sortBy (fun r -> r.CreatedAt)
    let w' =
        feedAll w'
            [ at (ms 500) (PortfolioConfigured(setup runLate))
              at (ms 500) (AccountValueReported("NetLiquidation", 1_000_000.0, "USD"))
              at (ms 500) (AccountValueReported("AvailableFunds", 1_000_000.0, "USD"))
              if not w.StoredSnapshots.IsEmpty then
                  at (ms 500) (PortfolioSnapshotsRestored(w.StoredSnapshots |> Map.toList |> List.map (snd >> SnapshotIntact)))
              if not runs.IsEmpty then at (ms 500) (PortfolioRunsRestored runs)
              at (ms 500) (PortfolioScheduleRestored w.Persisted) ]
    { w' with Log = [] }

/// A tick at `t` with only the scalper's quotes: the portfolio's symbols have gone quiet.
let private silentTickAt (w: World) (t: Timestamp) =
    let portfolio = set [ aaa; bbb ]
    let scalper = quotesAt t |> List.filter (fun e -> match e.Payload with QuoteReceived q -> not (portfolio.Contains q.ContractId) | _ -> true)
    feedAll w (scalper @ [ at t ClockTicked ])

/// Runs a scenario; returns every command with its time, the instant of the last tick, and the instants the portfolio's
/// symbols were quoted.
let private play (runLate: bool, startMinute: int, actions: Action list) =
    let start = monday 0 (startMinute / 60) (startMinute % 60) 0
    let w0 = tickAt (boot runLate start None [] true) start // the first tick arms the schedule at `start`
    let step (w: World, log, now: Timestamp, signals, quoted) a =
        match a with
        | Advance secs ->
            let now = Timestamp.add (Duration.ofSeconds (float secs)) now
            let w' = tickAt { w with Log = [] } now
            w', log @ w'.Log, now, signals, now :: quoted
        | Silent secs ->
            let now = Timestamp.add (Duration.ofSeconds (float secs)) now
            let w' = silentTickAt { w with Log = [] } now
            w', log @ w'.Log, now, signals, quoted
        | ToggleSignals -> { w with Signals = not signals }, log, now, not signals, quoted
        | RejectNext -> { w with RejectNext = true }, log, now, signals, quoted
        | Outage secs ->
            let down = Timestamp.add (Duration.ofSeconds (float secs)) now
            let back = Timestamp.add (Duration.ofSeconds 0.1) down
            let w' = feedAll { w with Log = [] } [ at now (BrokerDisconnected "model drop"); at down ClockTicked ]
            let w' =
                feedAll w'
                    [ at back (BrokerConnected [ cfg.Account ])
                      for KeyValue(id, q) in w'.Positions do
                          if q <> 0 then at back (PositionReported(id, q, 3.0))
                      at back PositionsEnded
                      at back OpenOrdersEnded
                      at back ExecutionsEnded ]
            let w' = tickAt w' back
            w', log @ w'.Log, back, signals, back :: quoted
        | Restart ->
            // A restarted engine starts with fresh quotes for everything (quoted 0.4 s after its start).
            let now = Timestamp.add (Duration.ofSeconds 1.0) now
            let w' = restartFrom runLate { w with Signals = signals } now
            w', log, now, signals, Timestamp.add (Duration.ofSeconds 0.4) now :: quoted
    let w, log, last, _, quoted = actions |> List.fold step (w0, [], start, true, [ start ])
    start, log, last, quoted, w

let private scheduleProperty =
    Props.property "The schedule decides each phase of a slot once across restarts, stale quotes, broker outages and rejects; a missed slot is reported, never run late unless run_late; no order on stale data" 200
        (Prop.forAll (Arb.fromGen genScenario) (fun ((runLate, _, _) as scenario) ->
            let start, log, last, quoted, final = play scenario
            let sched = schedule runLate
            let ops = log |> List.choose (function t, RecordOperation o -> Some(t, o.Detail) | _ -> None)
            let alerts = log |> List.choose (function _, RaiseAlert a -> Some a | _ -> None)
            let slots =
                [ SessionCalendar.tradingDay cfg.Calendar start .. SessionCalendar.tradingDay cfg.Calendar last ]
                |> List.filter (fun d -> sched.Weekdays.Contains(Schedule.weekday d))
                |> List.map (Schedule.phasesOf sched cfg.Calendar)
            let phaseOps (p: SlotPhase) =
                let phase = match p.Phase with BuildSnapshot -> "build" | PreTradeCheck -> "pre-trade" | ExecuteRun -> "execute"
                let prefix = $"schedule {p.SlotId}: {phase}"
                ops |> List.filter (fun (_, d) -> d.StartsWith(prefix, StringComparison.Ordinal))
            let reported (slotId: string) =
                alerts |> List.exists (fun a -> (a.Code = "SCHEDULE_MISSED" || a.Code = "SCHEDULE_FAILED") && a.Message.Contains slotId)
            let onceEach = slots |> List.concat |> List.forall (fun p -> (phaseOps p).Length <= 1)
            let neverLate =
                slots |> List.concat |> List.forall (fun p ->
                    phaseOps p |> List.forall (fun (t, _) ->
                        if runLate then SessionCalendar.tradingDay cfg.Calendar t = p.Day else t <= Timestamp.add sched.Grace p.Due))
            let decided =
                // Armed at `start`: every slot that began after it and whose execution time passed was decided
                // (executed) or reported (missed / failed).
                slots
                |> List.filter (fun ps -> (List.head ps).Due > start && Timestamp.add sched.Grace (List.last ps).Due < last)
                |> List.forall (fun ps -> not (phaseOps (List.last ps)).IsEmpty || reported (List.head ps).SlotId)
            let orderRefs = log |> List.choose (function _, PlaceOrder o -> Some(OrderRef.value o.Ref) | _ -> None)
            let noSecondOrder = (List.distinct orderRefs).Length = orderRefs.Length
            let missedNeverTraded =
                alerts
                |> List.filter (fun a -> a.Code = "SCHEDULE_MISSED")
                |> List.forall (fun a ->
                    slots |> List.concat |> List.filter (fun p -> a.Message.Contains p.SlotId) |> List.forall (fun p ->
                        let runId = Workflow.slotRunId p.SlotId
                        // the miss reported before any of the slot's orders would contradict "does not run"
                        let missAt = log |> List.tryFindIndex (function _, RaiseAlert x -> x = a | _ -> false)
                        let orderAfter = log |> List.indexed |> List.exists (fun (i, c) -> match c with _, PlaceOrder o -> o.RunId = runId && Some i > missAt | _ -> false)
                        not orderAfter))
            // No order on stale data: every portfolio order goes out within max_quote_age (5 s) of its symbol's quote.
            let onFreshData =
                log |> List.forall (function
                    | t, PlaceOrder o when o.Purpose = PortfolioTrade ->
                        quoted |> List.exists (fun q -> q <= t && Duration.toSeconds (Timestamp.since q t) <= 5.0)
                    | _ -> true)
            // Faults tell the truth: a run with an order the broker rejected never ends `done`, and a run blocked
            // (connection_unavailable) sent no order.
            let lastRuns = log |> List.choose (function _, RecordPortfolioRun r -> Some(r.Id, r) | _ -> None) |> Map.ofList
            let rejectTold =
                lastRuns |> Map.forall (fun _ r ->
                    not (r.Orders |> List.exists (fun o -> o.Reason |> Option.exists (fun x -> x.Contains "model reject")))
                    || r.Status = RunStatus.Partial || r.Status = RunStatus.Failed || r.Status = RunStatus.Running)
            let blockedSentNothing =
                lastRuns |> Map.forall (fun _ r ->
                    r.Status <> RunStatus.Blocked
                    || not (log |> List.exists (function _, PlaceOrder o -> o.RunId = r.Id | _ -> false)))
            // Restarts keep the book: what the strategy owns of each symbol is what the account holds (every AAA and BBB
            // fill is the strategy's), and the same signals every day never buy past their target (AAA 200, BBB 62),
            // however often the engine restarts between the slots.
            let held id = final.Positions |> Map.tryFind id |> Option.defaultValue 0
            let bookKept = State.qtyOf final.State aaa = held aaa && State.qtyOf final.State bbb = held bbb
            let withinTarget = held aaa >= 0 && held aaa <= 200 && held bbb >= 0 && held bbb <= 62
            let failures =
                [ if not bookKept then $"the strategy owns AAA {State.qtyOf final.State aaa}, BBB {State.qtyOf final.State bbb}; the account holds {held aaa}, {held bbb}"
                  if not withinTarget then $"bought past the target: AAA {held aaa} (200), BBB {held bbb} (62)"
                  if not rejectTold then "a run with a rejected order ended done"
                  if not blockedSentNothing then "a blocked run sent an order"
                  if not onceEach then "a phase decided twice"
                  if not onFreshData then "a portfolio order sent on stale data"
                  if not neverLate then "a phase ran late"
                  if not decided then "a slot past its execution was neither executed nor reported"
                  if not noSecondOrder then "an order ref sent twice"
                  if not missedNeverTraded then "a missed slot traded" ]
            match failures with
            | [] -> true
            | fs ->
                let trace = log |> List.choose (function t, RecordOperation o -> Some $"{iso t} {o.Detail}" | _ -> None)
                failwithf "%s\n%s" (String.concat "; " fs) (String.concat "\n" trace)))

/// The scenarios are not vacuous: slots trade, and some executions meet silent symbols (market_data_error, not sent),
/// a broker reject, and a broker outage.
let private scheduleCoverage =
    Props.seeded "The schedule scenarios trade, and meet silent symbols at execution" <| fun seed ->
        let mutable orders, staleRejects, brokerRejects, blocked = 0, 0, 0, 0
        for scenario in Gen.sampleWithSeed seed 60 600 genScenario do
            let _, log, _, _, _ = play scenario
            let finals = log |> List.choose (function _, RecordPortfolioRun r -> Some r | _ -> None)
            brokerRejects <- brokerRejects + (finals |> List.filter (fun r -> r.Orders |> List.exists (fun o -> o.Reason |> Option.exists (fun x -> x.Contains "model reject"))) |> List.length |> min 1)
            blocked <- blocked + (finals |> List.filter (fun r -> r.Status = RunStatus.Blocked && r.Reasons |> List.exists (fun x -> x.Contains "connection_unavailable")) |> List.length |> min 1)
            orders <- orders + (log |> List.filter (function _, PlaceOrder o -> o.Purpose = PortfolioTrade | _ -> false) |> List.length)
            staleRejects <- staleRejects + (log |> List.filter (function _, RecordPortfolioRun r -> r.Orders |> List.exists (fun o -> o.Reason = Some Execution.marketDataError) | _ -> false) |> List.length |> min 1)
        printfn "schedule coverage: %d portfolio orders, %d scenarios with a market_data_error, %d with a broker reject, %d with a run blocked connection_unavailable" orders staleRejects brokerRejects blocked
        Expect.isGreaterThan orders 0 "portfolio orders"
        Expect.isGreaterThan staleRejects 0 "scenarios with an order refused for stale data"
        Expect.isGreaterThan brokerRejects 0 "scenarios where the broker rejected a slot's order"
        Expect.isGreaterThan blocked 0 "scenarios where a slot executed while the broker was down"

[<Tests>]
let tests =
    testList "Trading.PortfolioSchedule" [
        test "SignalsFileArrives_Valid_IsCheckedAtOnce_TargetsNoted_NothingTradedOrFrozen" {
            let w = boot false (monday 0 9 0 0) None [] true
            let w = feed w (at (monday 0 9 0 1) (PortfolioSignalsArrived(Ok("next.csv", signalsAt (monday 0 9 0 1)))))
            let note = details w |> List.exactlyOne
            Expect.stringContains note "signals file next.csv checked: AAA 0->" "the targets by symbol"
            Expect.stringContains note "BBB 0->" "both symbols"
            Expect.isEmpty (ordersOf w) "nothing traded"
            Expect.isEmpty (w.Log |> List.filter (function _, RecordPortfolioSnapshot _ -> true | _ -> false)) "nothing frozen"
            Expect.isEmpty (alertsOf w) "no alert"
        }
        test "SignalsFileArrives_Invalid_RaisesSignalsInvalid_NamingTheProblem_BeforeTheSlot" {
            let w = boot false (monday 0 9 0 0) None [] true
            let bad = "symbol,action,score,confidence,time\nAAA,buy,1,1,2025-12-29T08:59:00Z\nZZZ,buy,1,1,2025-12-29T08:59:00Z\n"
            let w = feed w (at (monday 0 9 0 1) (PortfolioSignalsArrived(Ok("bad.csv", bad))))
            let alert = alertsOf w |> List.exactlyOne
            Expect.equal (alert.Code, alert.Severity) ("SIGNALS_INVALID", Warning) "a warning, not a pause"
            Expect.stringContains alert.Message "bad.csv" "names the file"
            Expect.stringContains alert.Message "ZZZ" "names the symbol outside the universe"
            Expect.equal (FsmState.name w.State.Fsm) "Running/Idle" "trading goes on"
            let w = feed w (at (monday 0 9 0 2) (PortfolioSignalsArrived(Error "cannot read signals_dir '/signals': denied")))
            Expect.stringContains (alertsOf w |> List.last).Message "denied" "an unreadable directory is said too"
        }
        test "Schedule_Slot_BuildPreTradeExecute_SendsTheSnapshotsOrdersUnderTheSlotRun" {
            let w = boot false (monday 0 9 59 0) None [] true
            Expect.equal (FsmState.name w.State.Fsm, w.State.PortfolioSchedule.Loaded, w.State.PortfolioSetup.IsSome) ("Running/Idle", true, true) "booted"
            let w = runTicks w (everyTen (monday 0 9 59 10) (monday 0 10 5 0))
            let ds = details w
            Expect.exists ds (fun d -> d.StartsWith "schedule daily-20251229: build") (String.concat "\n" ds)
            Expect.exists ds (fun d -> d.StartsWith "schedule daily-20251229: snapshot daily-20251229 frozen") "snapshot frozen"
            Expect.exists ds (fun d -> d.StartsWith "schedule daily-20251229: pre-trade") "pre-trade"
            Expect.exists ds (fun d -> d.StartsWith "schedule daily-20251229: execute") "execute"
            let orders = ordersOf w |> List.filter (fun o -> o.Purpose = PortfolioTrade)
            Expect.equal (orders |> List.map (fun o -> o.ContractId, o.Side, o.Quantity)) [ aaa, Buy, 200; bbb, Buy, 62 ] "sized like an operator run"
            Expect.all orders (fun o -> o.RunId = "daily-20251229-run") "under the slot's run"
            Expect.equal (w.StoredRuns.["daily-20251229-run"].Status) RunStatus.Done "done"
            Expect.equal w.StoredRuns.["daily-20251229-run"].SnapshotId "daily-20251229" "the slot's snapshot"
            Expect.equal w.State.Fsm (Running Idle) "free for the next run"
            let persisted = w.Log |> List.choose (function _, PersistPortfolioSchedule(name, st) -> Some(name, st) | _ -> None)
            Expect.equal persisted.Length 4 "persisted when armed and after each deciding tick"
            Expect.isEmpty (alertsOf w) "no alert"
        }

        test "Schedule_NoSignalsFile_SlotFailedWithAlert_NothingSent" {
            let w = boot false (monday 0 9 59 0) None [] false
            let w = runTicks w (everyTen (monday 0 9 59 10) (monday 0 10 5 0))
            Expect.isEmpty (ordersOf w |> List.filter (fun o -> o.Purpose = PortfolioTrade)) "nothing sent"
            let failed = alertsOf w |> List.filter (fun a -> a.Code = "SCHEDULE_FAILED")
            Expect.equal failed.Length 1 "reported once"
            Expect.stringContains failed.Head.Message "no signals file" "says why"
            Expect.isFalse (w.StoredRuns.ContainsKey "daily-20251229-run") "no run without a snapshot"
        }

        // A no-trade window added to the engine's calendar over an execute_at (the config refuses one written so, but
        // the engine's rule must hold on its own: an operator run at the same minute is refused).
        test "ScheduledRun_InANoTradeWindow_IsRefused" {
            let windowed = { cfg with Calendar = { cfg.Calendar with NoTradeWindows = [ 603, 610 ] } }
            let w = bootIn windowed false (monday 0 9 59 0) None [] [] true
            let w = runTicks w (everyTen (monday 0 9 59 10) (monday 0 10 6 0))
            Expect.isEmpty (ordersOf w |> List.filter (fun o -> o.Purpose = PortfolioTrade)) "no market order inside the window"
            Expect.notEqual w.StoredRuns.["daily-20251229-run"].Status RunStatus.Done "the slot's run did not trade"
            Expect.isTrue (RunStatus.isTerminal w.StoredRuns.["daily-20251229-run"].Status) "the slot's run ended"
            let failed = alertsOf w |> List.filter (fun a -> a.Code = "SCHEDULE_FAILED")
            Expect.equal failed.Length 1 "reported once"
            Expect.stringContains failed.Head.Message "outside the session's hours" "the operator's refusal, word for word"
        }

        test "Schedule_WhilePaused_ExecuteRefused_RunFailed_NothingSent" {
            let w = boot false (monday 0 9 59 0) None [] true
            let w = runTicks w (everyTen (monday 0 9 59 10) (monday 0 10 3 0))
            let w = feed w (at (monday 0 10 3 1) (ControlRequested(Pause, meta 5L)))
            Expect.equal w.State.Fsm Paused "paused"
            let w = runTicks w (everyTen (monday 0 10 3 10) (monday 0 10 6 0))
            Expect.isEmpty (ordersOf w |> List.filter (fun o -> o.Purpose = PortfolioTrade)) "nothing sent while paused"
            Expect.equal w.StoredRuns.["daily-20251229-run"].Status RunStatus.Failed "the slot's run ends"
            Expect.exists (alertsOf w) (fun a -> a.Code = "SCHEDULE_FAILED" && a.Message.Contains "Paused") "reported with the FSM state"
        }

        // The operator cancels the slot's run between its pre-trade and its execution (the targets look wrong): the
        // cancel was refused ("no working orders") and the slot sent its orders at execute_at all the same.
        test "Schedule_OperatorCancelsTheSlotsRunBeforeExecute_RunEndsCancelled_NothingSent" {
            let w = boot false (monday 0 9 59 0) None [] true
            let w = runTicks w (everyTen (monday 0 9 59 10) (monday 0 10 3 0))
            Expect.equal w.StoredRuns.["daily-20251229-run"].Status RunStatus.PreTrade "premise: cleared, waiting for execute_at"
            let w = feed w (at (monday 0 10 3 1) (ControlRequested(CancelRun "daily-20251229-run", meta 5L)))
            let answer = w.Log |> List.tryPick (function _, CompleteControl(5L, outcome) -> Some outcome | _ -> None)
            Expect.equal answer (Some(Done "run daily-20251229-run: cancelled before its orders went out")) "the cancel is done"
            let w = runTicks w (everyTen (monday 0 10 3 10) (monday 0 10 6 0))
            Expect.isEmpty (ordersOf w |> List.filter (fun o -> o.Purpose = PortfolioTrade)) "nothing sent"
            let run = w.StoredRuns.["daily-20251229-run"]
            Expect.equal (run.Status, run.CancelRequestedBy) (RunStatus.Failed, Some "test") "the run ends, cancelled by the operator"
            Expect.isEmpty (alertsOf w |> List.filter (fun a -> a.Code.StartsWith "FALLBACK")) "no fallback: the operator cancelled it"
        }

        // Mirrors PortfolioRequestsTests' SnapshotCorrupt_AtStart_…: the operator resumes so the scalper trades, and the
        // slot is refused as the operator's runs are — it failed loudly instead of sending real orders.
        test "SnapshotCorrupt_AtStart_OperatorResumes_ScheduledSlotRefused_NothingSent" {
            let w = boot false (monday 0 9 58 0) None [] true
            let w = feed w (at (monday 0 9 58 1) (PortfolioSnapshotsRestored [ SnapshotCorrupt("old2", "snapshot.content_hash: does not match") ]))
            Expect.equal w.State.Fsm Paused "a critical alert pauses"
            let w = feed w (at (monday 0 9 58 2) (ControlRequested(Resume, meta 5L)))
            Expect.equal w.State.Fsm (Running Idle) "resumed: the scalper trades again"
            let w = runTicks w (everyTen (monday 0 9 59 0) (monday 0 10 7 0))
            Expect.isEmpty (ordersOf w |> List.filter (fun o -> o.Purpose = PortfolioTrade)) "no portfolio order from the slot"
            let failed = alertsOf w |> List.filter (fun a -> a.Code = "SCHEDULE_FAILED")
            Expect.equal failed.Length 1 "reported once"
            Expect.stringContains failed.Head.Message "fail their hash check" "the operator's refusal, word for word"
            Expect.isFalse (w.StoredRuns |> Map.exists (fun _ r -> r.Status = RunStatus.Done)) "no run done"
        }

        // The slot's first line takes the last order id below the request ids: the halt its second line meets stands
        // (before, the slot's RunPending overwrote it and the critical alert made it a Paused a resume lifted).
        test "Schedule_SlotReachingTheOrderIdLimit_StaysHaltedOrderRefExhausted" {
            let w = boot false (monday 0 9 59 0) None [] true
            let w = runTicks { w with State = { w.State with NextOrderId = 1_999_999_999 } } (everyTen (monday 0 9 59 10) (monday 0 10 5 0))
            Expect.equal (ordersOf w |> List.map (fun o -> o.ContractId, o.IbOrderId)) [ aaa, 1_999_999_999 ] "one line sent, under the last id"
            Expect.isTrue (match w.State.Fsm with Halted(OrderRefExhausted _) -> true | _ -> false) (FsmState.name w.State.Fsm)
            Expect.equal w.StoredRuns.["daily-20251229-run"].Status RunStatus.Partial "partial: BBB ended by the halt"
        }
        test "Schedule_RestartAfterTheSlot_MissedReported_NothingSentLate" {
            let w = boot false (monday 0 9 0 0) None [] true
            let w = runTicks w [ monday 0 9 0 10 ] // armed at 09:00:10 and persisted
            let w = boot false (monday 0 10 30 0) w.Persisted [] true // the daemon was down over the slot
            let w = runTicks w [ monday 0 10 30 10 ]
            let missed = alertsOf w |> List.filter (fun a -> a.Code = "SCHEDULE_MISSED")
            Expect.equal missed.Length 1 "the slot's miss reported once"
            Expect.stringContains missed.Head.Message "daily-20251229" "names the slot"
            Expect.isEmpty (ordersOf w |> List.filter (fun o -> o.Purpose = PortfolioTrade)) "nothing sent late"
            let w = runTicks { w with Log = [] } (everyTen (monday 0 10 30 20) (monday 0 10 32 0))
            Expect.isEmpty (alertsOf w |> List.filter (fun a -> a.Code = "SCHEDULE_MISSED")) "not reported again"
        }

        test "Schedule_RunLate_SameDay_AllPhasesInOneTick_Trades" {
            let w = boot true (monday 0 9 0 0) None [] true
            let w = runTicks w [ monday 0 9 0 10 ]
            let w = boot true (monday 0 10 30 0) w.Persisted [] true
            let w = runTicks w [ monday 0 10 30 10 ]
            Expect.isEmpty (alertsOf w) "not missed: run late"
            Expect.equal (ordersOf w |> List.filter (fun o -> o.Purpose = PortfolioTrade) |> List.length) 2 "traded late"
            Expect.exists (details w) (fun d -> d.StartsWith "schedule daily-20251229: execute (late: run_late)") "flagged late"
        }

        test "Schedule_RestartBetweenPreTradeAndExecute_RunEndsByTheRestart_NoOrders" {
            let w = boot false (monday 0 9 59 0) None [] true
            let w = runTicks w (everyTen (monday 0 9 59 10) (monday 0 10 2 30))
            Expect.equal w.StoredRuns.["daily-20251229-run"].Status RunStatus.PreTrade "pre-traded"
            let w = boot false (monday 0 10 2 40) w.Persisted (w.StoredRuns |> Map.toList |> List.map snd) true
            let w = runTicks w (everyTen (monday 0 10 2 50) (monday 0 10 6 0))
            Expect.equal w.StoredRuns.["daily-20251229-run"].Status RunStatus.Failed "cancelled by the restart"
            Expect.isEmpty (ordersOf w |> List.filter (fun o -> o.Purpose = PortfolioTrade)) "nothing sent"
            Expect.exists (details w) (fun d -> d.StartsWith "schedule daily-20251229: execute: run daily-20251229-run ended failed") "execute says why"
        }

        // Found end to end (PortfolioScheduleRestartEndToEndTests): the restart ended the slot's run with only a note (the
        // slot silently did not trade), and the operator's cancel after it was refused "no working orders" — the very
        // answer that meant, before, that the slot would send its orders at execute_at all the same.
        test "Schedule_RestartBetweenPreTradeAndExecute_ToldScheduleFailed_TheOperatorsCancelAnsweredAsEnded" {
            let w = boot false (monday 0 9 59 0) None [] true
            let w = runTicks w (everyTen (monday 0 9 59 10) (monday 0 10 2 30))
            // The stored runs fed after the boot (which forgets its own log), as the daemon feeds them at start.
            let runs = w.StoredRuns |> Map.toList |> List.map snd
            let w = feed (boot false (monday 0 10 2 40) w.Persisted [] true) (at (monday 0 10 2 41) (PortfolioRunsRestored runs))
            Expect.equal w.StoredRuns.["daily-20251229-run"].Status RunStatus.Failed "ended by the restart"
            let failed = alertsOf w |> List.filter (fun a -> a.Code = "SCHEDULE_FAILED")
            Expect.equal failed.Length 1 "told at the restart, once"
            Expect.stringContains failed.Head.Message "daily-20251229" "names the slot"
            Expect.stringContains failed.Head.Message "nothing sent" "says nothing went out"
            let w = feed w (at (monday 0 10 2 45) (ControlRequested(CancelRun "daily-20251229-run", meta 5L)))
            let answer = w.Log |> List.tryPick (function _, CompleteControl(5L, outcome) -> Some outcome | _ -> None)
            Expect.equal answer (Some(Done "run daily-20251229-run: already ended failed (cancelled by restart) before its orders went out: nothing was sent")) "answered as ended"
            let w = runTicks w (everyTen (monday 0 10 2 50) (monday 0 10 6 0))
            Expect.isEmpty (ordersOf w |> List.filter (fun o -> o.Purpose = PortfolioTrade)) "nothing sent"
            Expect.equal (alertsOf w |> List.filter (fun a -> a.Code = "SCHEDULE_FAILED")).Length 1 "not told again at execute"
        }

        test "Schedule_RestartBetweenBuildAndPreTrade_PreTradesTheStoredSnapshot_AndTrades" {
            let w = boot false (monday 0 9 59 0) None [] true
            let w = runTicks w (everyTen (monday 0 9 59 10) (monday 0 10 0 30))
            let frozen = Expect.wantSome (w.StoredSnapshots |> Map.tryFind "daily-20251229") "the build phase stored the slot's snapshot"
            // kill -9 after the build: only the store is left (the schedule state, the snapshot); the signals file is gone.
            let w = bootWith false (monday 0 10 1 0) w.Persisted [] [ frozen ] false
            let w = runTicks w (everyTen (monday 0 10 1 10) (monday 0 10 5 0))
            Expect.isEmpty (alertsOf w |> List.filter (fun a -> a.Code.StartsWith "SCHEDULE_")) "neither failed nor missed"
            Expect.equal w.StoredRuns.["daily-20251229-run"].SnapshotId "daily-20251229" "the run is on the stored snapshot"
            Expect.equal w.StoredRuns.["daily-20251229-run"].Status RunStatus.Done "done"
            Expect.equal (ordersOf w |> List.filter (fun o -> o.Purpose = PortfolioTrade) |> List.length) 2 "traded"
        }

        test "Config_Schedule_BadValues_NameTheirKey" {
            let baseJson (schedule: string) (dir: string) =
                $"""{{ "portfolio": {{ "universe": ["AAA"], "max_position_size": 0.1, {dir}
                     "risk": {{ "max_position_fraction": 0.1, "max_position_shares": 100, "max_order_notional": 1000, "max_daily_trades": 5,
                               "daily_loss_limit": 100, "max_drawdown": 100 }}, "schedule": {schedule} }} }}"""
            let good = """{ "name": "weekly", "days": ["Mon"], "build_at": "09:35", "pre_trade_at": "09:40", "execute_at": "09:45" }"""
            let parse s d = PortfolioSettingsJson.parse "SPY" SessionCalendar.usEquities (baseJson s d)
            let field s d = match parse s d with Error e -> e.Field | Ok _ -> "ok"
            let dir = "\"signals_dir\": \"/var/signals\","
            match parse good dir with
            | Ok(Some settings) ->
                Expect.equal (settings.Schedule |> Option.map (fun c -> c.Name, c.ExecuteAt, c.Grace)) (Some("weekly", 585, Duration.ofSeconds 60.0)) "parsed"
                Expect.equal settings.SignalsDir (Some "/var/signals") "dir"
            | other -> failtestf "expected settings, got %A" other
            Expect.equal (field good "") "portfolio.schedule" "a schedule needs signals_dir"
            Expect.equal (field (good.Replace("\"Mon\"", "\"Monday\"")) dir) "portfolio.schedule.days[0]" "day name"
            Expect.equal (field (good.Replace("09:45", "9:45")) dir) "portfolio.schedule.execute_at" "HH:MM"
            Expect.equal (field (good.Replace("09:45", "17:00")) dir) "portfolio.schedule.execute_at" "outside the session"
            Expect.equal (field (good.Replace("09:35", "09:50")) dir) "portfolio.schedule.build_at/pre_trade_at/execute_at" "order"
            Expect.equal (field (good.Replace("}", ", \"grace_s\": 0 }")) dir) "portfolio.schedule.grace_s" "grace"
            Expect.equal (field (good.Replace("}", ", \"grace_s\": 3601 }")) dir) "portfolio.schedule.grace_s" "grace above an hour"
            Expect.equal (field (good.Replace("}", ", \"grace_s\": 3600 }")) dir) "ok" "an hour"
            Expect.equal (field (good.Replace("}", ", \"run_late\": 1 }")) dir) "portfolio.schedule.run_late" "run_late"
            Expect.equal (field (good.Replace("}", ", \"every\": 1 }")) dir) "portfolio.schedule.every" "unknown key"
            Expect.equal (field good "\"signals_dir\": \"relative\",") "portfolio.signals_dir" "absolute dir"
        }

        test "Config_Portfolio_AgesBeyondTheirBoundOrSectorsOutsideTheUniverse_AreRefusedNamingTheKey" {
            // A huge age turned its check off; a sector for a typo ("APPL") left AAPL outside its sector cap; "aapl"
            // beside "AAPL" kept one of the two silently.
            let json (extra: string) =
                $"""{{ "portfolio": {{ "universe": ["AAPL", "XOM"], "max_position_size": 0.1, {extra}
                     "risk": {{ "max_position_fraction": 0.1, "max_position_shares": 100, "max_order_notional": 1000, "max_daily_trades": 5,
                               "daily_loss_limit": 100, "max_drawdown": 100, "max_sector_weight": 0.5 }} }} }}"""
            let field extra = match PortfolioSettingsJson.parse "SPY" SessionCalendar.usEquities (json extra) with Error e -> e.Field | Ok _ -> "ok"
            Expect.equal (field "\"max_quote_age_s\": 1e300,") "portfolio.max_quote_age_s" "quote age off"
            Expect.equal (field "\"max_quote_age_s\": 3600,") "ok" "an hour"
            Expect.equal (field "\"max_signal_age_s\": 1e300,") "portfolio.max_signal_age_s" "signal age off"
            Expect.equal (field "\"max_signal_age_s\": 604800,") "ok" "a week"
            Expect.equal (field "\"sectors\": { \"APPL\": \"tech\", \"XOM\": \"energy\" },") "portfolio.sectors.APPL" "outside the universe"
            Expect.equal (field "\"sectors\": { \"AAPL\": \"tech\", \"aapl\": \"energy\" },") "portfolio.sectors" "given twice"
            Expect.equal (field "\"sectors\": { \"AAPL\": \" \" },") "portfolio.sectors.AAPL" "an empty sector"
            Expect.equal (field "\"sectors\": { \"aapl\": \"tech\", \"XOM\": \"energy\" },") "ok" "any case"
        }

        test "Config_Portfolio_MaxSpreadBps_Defaults50_OutsideZeroToTenThousandIsRefusedNamingTheKey" {
            // Without a bound a market order went into any quote: 45.00/55.00, or an ask with no bid.
            let json (extra: string) =
                $"""{{ "portfolio": {{ "universe": ["AAPL"], "max_position_size": 0.1, {extra}
                     "risk": {{ "max_position_fraction": 0.1, "max_position_shares": 100, "max_order_notional": 1000, "max_daily_trades": 5,
                               "daily_loss_limit": 100, "max_drawdown": 100 }} }} }}"""
            let parse extra = PortfolioSettingsJson.parse "SPY" SessionCalendar.usEquities (json extra)
            let limit extra = match parse extra with Ok(Some p) -> string p.MaxSpreadBps | Ok None -> "none" | Error e -> e.Field
            Expect.equal (limit "") "50" "the default: guards.max_spread_bps's"
            Expect.equal (limit "\"max_spread_bps\": 25,") "25" "set"
            Expect.equal (limit "\"max_spread_bps\": 10000,") "10000" "the bound"
            for bad in [ "0"; "-5"; "10001"; "1e300"; "\"50\"" ] do
                Expect.equal (limit $"\"max_spread_bps\": {bad},") "portfolio.max_spread_bps" $"refused: {bad}"
            match parse "\"max_spread_bps\": 0," with
            | Error e -> Expect.stringContains e.Message "(0, 10,000]" "says the range"
            | other -> failtestf "expected an error, got %A" other
        }

        scheduleProperty
        scheduleCoverage
    ]
