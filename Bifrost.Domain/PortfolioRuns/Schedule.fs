namespace Bifrost.Domain.PortfolioRuns

open System
open Bifrost.Domain

/// The three steps of a scheduled rebalance, in order.
type SchedulePhase =
    /// Build the snapshot from the newest signals.
    | BuildSnapshot
    /// Pre-trade risk on that snapshot.
    | PreTradeCheck
    /// Execute it.
    | ExecuteRun

module SchedulePhase =
    let name = function BuildSnapshot -> "build" | PreTradeCheck -> "pre_trade" | ExecuteRun -> "execute"

/// A rebalance schedule in the exchange's time zone (the calendar's). Constrained: built only through `create`.
type ScheduleConfig =
    private
        { name: string
          weekdays: Set<DayOfWeek>
          buildAt: int
          preTradeAt: int
          executeAt: int
          grace: Duration
          runLate: bool }
    member c.Name = c.name
    member c.Weekdays = c.weekdays
    /// Minutes after local midnight.
    member c.BuildAt = c.buildAt
    member c.PreTradeAt = c.preTradeAt
    member c.ExecuteAt = c.executeAt
    /// A phase seen this late (tick after its time) still counts as on time; later than this it is missed.
    member c.Grace = c.grace
    /// When true, a missed phase of today's slot runs late (flagged) instead of being skipped; earlier days never do.
    member c.RunLate = c.runLate

module ScheduleConfig =
    /// Validates the schedule against the calendar: phases in order, execution inside the regular session.
    let create (name: string) (weekdays: DayOfWeek list) buildAt preTradeAt executeAt (grace: Duration) runLate (cal: SessionCalendar) =
        let key k = $"portfolio.schedule.{k}"
        if String.IsNullOrWhiteSpace name || name.Length > 16 || name |> Seq.exists (fun c -> not (Char.IsAsciiLetterOrDigit c || c = '-')) then
            ValidationError.make (key "name") $"must be 1–16 letters, digits or '-', got '{name}'"
        elif weekdays.IsEmpty then ValidationError.make (key "days") "at least one weekday is required"
        elif [ buildAt; preTradeAt; executeAt ] |> List.exists (fun m -> m < 0 || m >= 1440) then
            ValidationError.make (key "times") "times must be within the day (00:00–23:59)"
        elif not (buildAt <= preTradeAt && preTradeAt <= executeAt) then
            ValidationError.make (key "times") "build_at <= pre_trade_at <= execute_at is required"
        elif executeAt < cal.OpenMinute || executeAt >= cal.CloseMinute then
            ValidationError.make (key "execute_at") "must be inside the regular session (calendar open..close)"
        elif (SessionCalendar.noTradeWindowAt cal executeAt).IsSome then
            let s, e = (SessionCalendar.noTradeWindowAt cal executeAt).Value
            let hm m = $"{m / 60:D2}:{m % 60:D2}"
            ValidationError.make (key "execute_at") $"is inside calendar.no_trade_windows {hm s}-{hm e}: its orders would be refused every day"
        elif grace <= 0L then ValidationError.make (key "grace") "must be > 0"
        else
            Ok { name = name; weekdays = Set.ofList weekdays; buildAt = buildAt; preTradeAt = preTradeAt; executeAt = executeAt
                 grace = grace; runLate = runLate }

/// One phase of one slot (a slot = the schedule on one local date).
type SlotPhase =
    { /// `{name}-{yyyyMMdd}` (local exchange date): the key runs and snapshots of the slot are named after.
      SlotId: string
      /// Local date, days since 1970-01-01.
      Day: int
      Phase: SchedulePhase
      Due: Timestamp }

type SkipReason =
    | Holiday
    /// A Saturday or a Sunday listed in `days` on a calendar without weekend sessions.
    | Weekend
    | EarlyClose of closeMinute: int

/// What a clock tick decides.
type ScheduleDecision =
    /// Do this phase now (late = run late by configuration).
    | Fire of phase: SlotPhase * late: bool
    /// This phase was missed (the daemon was down or the clock jumped); it and the rest of its slot do not run.
    | Missed of phase: SlotPhase
    /// The slot's date has no session, or closes before the execution time.
    | Skipped of slotId: string * day: int * reason: SkipReason

/// The only state the schedule needs across restarts: every phase due at or before `HandledThrough` has been fired,
/// reported missed or skipped. Persist it after each tick that decided something; restart from the stored value.
type ScheduleState =
    { HandledThrough: Timestamp }

/// The schedule, evaluated on clock ticks (time is an input). A phase fires on the first tick at or after its time,
/// within the grace; each phase is decided exactly once because the state moves past it in the same step.
module Schedule =
    /// A fresh schedule handles nothing before `now`: slots before it was armed are not reported.
    let arm (now: Timestamp) = { HandledThrough = now }

    let private epochDay = DateOnly(1970, 1, 1).DayNumber

    let slotId (cfg: ScheduleConfig) (day: int) = $"""{cfg.Name}-{DateOnly.FromDayNumber(epochDay + day).ToString("yyyyMMdd")}"""

    /// 0 = Sunday, as DayOfWeek. 1970-01-01 was a Thursday.
    let weekday (day: int) = enum<DayOfWeek> (((day % 7) + 7 + 4) % 7)

    /// The UTC instant of a local date and minute in the calendar's zone (offset taken at the date's noon: zone
    /// changes happen at 02:00, outside any trading schedule).
    let instant (cal: SessionCalendar) (day: int) (minute: int) =
        let localNanos = (int64 day * 1440L + int64 minute) * 60L * Duration.nanosPerSecond
        let noon = Timestamp(int64 day * 86_400L * Duration.nanosPerSecond + 12L * 3600L * Duration.nanosPerSecond)
        Timestamp(localNanos - int64 (SessionCalendar.utcOffset cal.Zone noon) * 60L * Duration.nanosPerSecond)

    let phasesOf (cfg: ScheduleConfig) (cal: SessionCalendar) (day: int) =
        [ BuildSnapshot, cfg.BuildAt; PreTradeCheck, cfg.PreTradeAt; ExecuteRun, cfg.ExecuteAt ]
        |> List.map (fun (p, m) -> { SlotId = slotId cfg day; Day = day; Phase = p; Due = instant cal day m })

    /// At most this many days back are examined after a long outage (older slots are past reporting one by one).
    let maxLookbackDays = 400

    let private decideSlot (cfg: ScheduleConfig) (cal: SessionCalendar) (handled: Timestamp) (now: Timestamp) (today: int) (day: int) =
        let phases = phasesOf cfg cal day
        let pending = phases |> List.filter (fun p -> p.Due > handled)
        let first = List.head phases
        let last = List.last phases
        if pending.IsEmpty || not (cfg.Weekdays.Contains(weekday day)) then [], handled
        // A slot with no session is reported once, when its first phase comes due; its phases are then all handled.
        elif cal.Holidays.Contains day then
            if first.Due > now then [], handled else [ Skipped(first.SlotId, day, Holiday) ], max handled last.Due
        // A weekend has no session either: run, its snapshot was built and its execution refused outside the session's
        // hours (SCHEDULE_FAILED, a warning every Saturday and Sunday the days listed).
        elif not (SessionCalendar.hasSession cal day) then
            if first.Due > now then [], handled else [ Skipped(first.SlotId, day, Weekend) ], max handled last.Due
        else
            match cal.EarlyCloses |> Map.tryFind day with
            | Some close when cfg.ExecuteAt >= close ->
                if first.Due > now then [], handled else [ Skipped(first.SlotId, day, EarlyClose close) ], max handled last.Due
            | _ ->
                // run_late runs today's slot late only while today's session is still open: after the close its
                // market orders would wait at the broker for the next open, a day-old decision at the gap.
                let close = cal.EarlyCloses |> Map.tryFind day |> Option.defaultValue cal.CloseMinute
                let sessionLeft = now < instant cal day close
                // Walk the pending phases in order; the first missed one takes the rest of the slot with it.
                let rec walk (ps: SlotPhase list) acc (h: Timestamp) =
                    match ps with
                    | [] -> List.rev acc, h
                    | p :: _ when p.Due > now -> List.rev acc, h
                    | p :: rest ->
                        let late = Timestamp.since p.Due now > cfg.Grace
                        // Within its grace but after the close: its market orders would wait for the next open.
                        let closed = p.Phase = ExecuteRun && not sessionLeft
                        if not late && not closed then walk rest (Fire(p, false) :: acc) (max h p.Due)
                        elif cfg.RunLate && day = today && sessionLeft then walk rest (Fire(p, true) :: acc) (max h p.Due)
                        else List.rev (Missed p :: acc), max h last.Due
                walk pending [] handled

    /// One clock tick: the decisions due by `now`, oldest first, and the state to persist. A tick at or before the
    /// handled point decides nothing (a clock that steps back never re-fires a phase).
    let tick (cfg: ScheduleConfig) (cal: SessionCalendar) (state: ScheduleState) (now: Timestamp) =
        if now <= state.HandledThrough then state, []
        else
            let firstDay = SessionCalendar.tradingDay cal state.HandledThrough
            let today = SessionCalendar.tradingDay cal now
            let from = max firstDay (today - maxLookbackDays)
            let handled, decisions =
                [ from .. today ]
                |> List.fold (fun (h, acc) day ->
                    let ds, h' = decideSlot cfg cal h now today day
                    h', acc @ ds) (state.HandledThrough, [])
            { HandledThrough = max handled now }, decisions
