namespace Bifrost.Domain.Trading

open Bifrost.Domain
open Bifrost.Domain.PortfolioRuns

/// The portfolio schedule inside the engine (docs/portfolio-runs.md, "Schedule"): on each clock tick `Schedule.tick`
/// decides; a build asks the shell for the newest signals file (LoadPortfolioSignals → PortfolioSignalsLoaded) and
/// freezes the slot's snapshot; pre-trade queues the slot's run on it; execute sends its orders through PortfolioFlow's
/// path (the FSM gates, OrderFlow.placeRef, idempotent refs). Runs and snapshots are named after the slot
/// (Workflow.slotRunId/slotSnapshotId), so a restart mid-slot finds them again. A missed phase or a slot that cannot go
/// on is reported (alert + operation), never skipped silently; the schedule state is persisted after every decision.
module PortfolioSchedule =
    let private meta = { ControlId = 0L; RequestedBy = "schedule" }

    let private alertAndNote (s: State) code slotId message =
        [ Emit.alert s Warning code message; Emit.note s OperationKind.AlertRaised slotId $"{code}: {message}" ]

    /// The slot cannot go on: reported once (alert SCHEDULE_FAILED), its later phases are only noted.
    let private failSlot (s: State) (slotId: string) (why: string) =
        let p = s.PortfolioSchedule
        if p.Failed.ContainsKey slotId then s, [ Emit.note s OperationKind.Intent slotId $"schedule {slotId}: not going on ({p.Failed.[slotId]})" ]
        else
            { s with PortfolioSchedule = { p with Failed = p.Failed |> Map.add slotId why } },
            alertAndNote s "SCHEDULE_FAILED" slotId $"schedule slot {slotId}: {why}"

    let private iso (t: Timestamp) = (Timestamp.toDateTimeUtc t).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture)

    let private lateText late = if late then " (late: run_late)" else ""

    let private preTradeContext (cfg: Config) (setup: PortfolioSetup) (s: State) : PreTradeContext =
        let dailyPnl, drawdown = PortfolioFlow.dayRisk cfg s
        { PortfolioValue = PortfolioFlow.account s "NetLiquidation"; CashAvailable = Funds.available s
          TradesToday = s.Daily.Trades; DailyPnl = dailyPnl; Drawdown = drawdown
          Positions = PortfolioFlow.positions setup s; Prices = PortfolioFlow.prices setup s }

    /// The slot's snapshot, by the slot's snapshot id: frozen by this session's build phase, or — after a restart
    /// between build and pre-trade — read back from the store at start (hash-checked by Snapshot.restore; a corrupt one
    /// is never in PortfolioSnapshots).
    let private slotSnapshot (s: State) (slotId: string) = s.PortfolioSnapshots |> Map.tryFind (Workflow.slotSnapshotId slotId)

    /// Pre-trade phase: queue the slot's run on its snapshot and clear or block it (broker down → blocked,
    /// connection_unavailable). Nothing is sent here.
    let private preTrade (cfg: Config) (setup: PortfolioSetup) (s: State) (slot: SlotPhase) late =
        let runId = Workflow.slotRunId slot.SlotId
        if s.PortfolioSchedule.Failed.ContainsKey slot.SlotId then failSlot s slot.SlotId "pre-trade not run"
        elif (PortfolioFlow.corrupt s).IsSome then failSlot s slot.SlotId $"pre-trade refused: {(PortfolioFlow.corrupt s).Value}"
        elif (Funds.currencyRefusal s).IsSome then failSlot s slot.SlotId $"pre-trade refused: {(Funds.currencyRefusal s).Value}"
        elif s.PortfolioRuns.ContainsKey runId then
            s, [ Emit.note s OperationKind.Intent runId $"schedule {slot.SlotId}: pre-trade: run {runId} exists already" ]
        else
            match slotSnapshot s slot.SlotId with
            | None -> failSlot s slot.SlotId "no snapshot to pre-trade (the build phase froze none, in this session or in the store)"
            | Some snapshot when not (PortfolioFlow.outsideUniverse setup snapshot).IsEmpty ->
                let foreign = PortfolioFlow.outsideUniverse setup snapshot |> String.concat ","
                failSlot s slot.SlotId $"snapshot {snapshot.Id} trades {foreign}, not in portfolio.universe now"
            | Some snapshot ->
                match RunMachine.queue runId snapshot (ScheduledSlot slot.SlotId) s.Now with
                | Error e -> failSlot s slot.SlotId $"{e.Field}: {e.Message}"
                | Ok run ->
                    let s = { s with PortfolioRuns = s.PortfolioRuns |> Map.add run.Id (run, meta) }
                    let head = [ Emit.note s OperationKind.Intent runId $"schedule {slot.SlotId}: pre-trade{lateText late}"; RecordPortfolioRun run ]
                    let events =
                        if PortfolioFlow.brokerDown s then [ PreTradeStarted; BrokerUnavailable ]
                        else [ PreTradeStarted; Workflow.preTrade setup.Settings.Limits (preTradeContext cfg setup s) snapshot ]
                    let s', cmds = PortfolioFlow.stepRun s runId events
                    s', head @ cmds

    let private sellsOnStalePositions (setup: PortfolioSetup) (s: State) (plan: PlannedLine list) =
        not s.PositionsFresh && not setup.Settings.Sizing.AllowShort
        && Execution.placements plan |> List.exists (fun (_, key, _, _) -> key.Side = Sell)

    /// Execute phase: the slot's cleared run plans against fresh quotes and sends through the engine's order path,
    /// gated exactly like an operator run (Running/Idle, nothing in flight, store ok, broker up).
    let private execute (cfg: Config) (setup: PortfolioSetup) (s: State) (slot: SlotPhase) late =
        let runId = Workflow.slotRunId slot.SlotId
        match s.PortfolioRuns |> Map.tryFind runId with
        | _ when s.PortfolioSchedule.Failed.ContainsKey slot.SlotId -> failSlot s slot.SlotId "execution not run"
        | None -> failSlot s slot.SlotId $"no run {runId} to execute (pre-trade did not queue one in this session)"
        | Some(run, _) when run.Status <> RunStatus.PreTrade || run.ClearedAt.IsNone ->
            if RunStatus.isTerminal run.Status then
                s, [ Emit.note s OperationKind.Intent runId $"schedule {slot.SlotId}: execute: run {runId} ended {RunStatus.name run.Status}, nothing to execute" ]
            else s, [ Emit.note s OperationKind.Intent runId $"schedule {slot.SlotId}: execute: run {runId} is {RunStatus.name run.Status}" ]
        | Some(run, _) ->
            let intent = Emit.note s OperationKind.Intent runId $"schedule {slot.SlotId}: execute{lateText late}"
            let snapshot = slotSnapshot s slot.SlotId
            // Refused exactly as an operator run is (PortfolioFlow.refusal): outside the session's hours, a corrupt
            // stored snapshot (SNAPSHOT_CORRUPT stops all portfolio trading, a slot's too), then the FSM gate.
            let refused = PortfolioFlow.refusal cfg s
            match snapshot, refused with
            | _ when refused.IsNone && PortfolioFlow.brokerDown s ->
                let s', cmds = PortfolioFlow.stepRun s runId [ BrokerUnavailable ]
                s', intent :: cmds
            | None, _ ->
                let s', cmds = PortfolioFlow.stepRun s runId [ CancelRequested "schedule (snapshot not in memory)" ]
                let s', more = failSlot s' slot.SlotId "the slot's snapshot is not in memory"
                s', intent :: cmds @ more
            | Some _, Some why ->
                let s', cmds = PortfolioFlow.stepRun s runId [ CancelRequested $"schedule ({why})" ]
                let s', more = failSlot s' slot.SlotId $"execution refused: {why}"
                s', intent :: cmds @ more
            | Some snapshot, None ->
                // Pre-trade again on the account, prices and day as they are now: the pre-trade phase judged them
                // minutes (or, with run_late, hours) ago, and a limit must hold when the orders go out.
                match Workflow.preTrade setup.Settings.Limits (preTradeContext cfg setup s) snapshot with
                | PreTradeBlocked _ as blocked ->
                    let s', cmds = PortfolioFlow.stepRun s runId [ blocked ]
                    s', intent :: cmds
                | _ ->
                    match PortfolioFlow.plan setup s run.Id snapshot with
                    | Error e ->
                        let s', cmds = PortfolioFlow.stepRun s runId [ CancelRequested "schedule (plan refused)" ]
                        let s', more = failSlot s' slot.SlotId $"{e.Field}: {e.Message}"
                        s', intent :: cmds @ more
                    | Ok plan when sellsOnStalePositions setup s plan ->
                        // The operator's sale in TWS shows only in IB's position update, which may lag it: a slot that
                        // sells plans on the positions it asks for, as an operator's selling run does (FreshPositions).
                        // Noted as held, not as the phase: the phase's line comes once, when it runs on the answer.
                        FreshPositions.hold s (HeldSlotExecute(slot, late, s.Now))
                            (Emit.note s OperationKind.Intent runId $"schedule {slot.SlotId}: held before execute{lateText late}: it sells, the account's positions asked for first (a sale by hand shows only in them)")
                    | Ok plan ->
                        let s, cmds = PortfolioFlow.stepRun s runId [ ExecutionStarted plan ]
                        let cmds = PortfolioFlow.capNotes s runId plan @ cmds @ PortfolioFlow.askForStale setup s plan
                        let running = s.PortfolioRuns.[runId] |> fst
                        if RunStatus.isTerminal running.Status then s, intent :: cmds
                        else
                            let s, placed, submitted = PortfolioFlow.execute cfg setup s running plan
                            let s', more = PortfolioFlow.afterExecute s runId meta submitted
                            s', intent :: cmds @ placed @ more

    /// A missed phase: reported (alert SCHEDULE_MISSED), and the slot's run, if one was queued, ends without trading.
    let private missed (s: State) (slot: SlotPhase) =
        let runId = Workflow.slotRunId slot.SlotId
        let text = $"schedule slot {slot.SlotId}: {SchedulePhase.name slot.Phase} due {iso slot.Due} was missed (not run late); the slot does not run"
        let report = alertAndNote s "SCHEDULE_MISSED" slot.SlotId text
        match s.PortfolioRuns |> Map.tryFind runId with
        | Some(run, _) when not (RunStatus.isTerminal run.Status) ->
            let s', cmds = PortfolioFlow.stepRun s runId [ CancelRequested "schedule (phase missed)" ]
            s', report @ cmds
        | _ -> s, report

    let private decide (cfg: Config) (setup: PortfolioSetup) (dir: string) (s: State, cmds: Command list) decision =
        match decision with
        | Fire(slot, late) ->
            match slot.Phase with
            | BuildSnapshot ->
                let p = s.PortfolioSchedule
                let note = Emit.note s OperationKind.Intent slot.SlotId $"schedule {slot.SlotId}: build from the newest signals file in {dir}{lateText late}"
                { s with PortfolioSchedule = { p with Awaiting = p.Awaiting |> Map.add slot.SlotId [] } }, cmds @ [ note; LoadPortfolioSignals(slot.SlotId, dir) ]
            | _ when s.PortfolioSchedule.Awaiting.ContainsKey slot.SlotId ->
                // The build's signals file has not been answered yet (phases due in the same tick, run_late): this
                // phase follows the answer.
                let p = s.PortfolioSchedule
                { s with PortfolioSchedule = { p with Awaiting = p.Awaiting |> Map.add slot.SlotId (p.Awaiting.[slot.SlotId] @ [ slot, late ]) } }, cmds
            | PreTradeCheck -> let s', more = preTrade cfg setup s slot late in s', cmds @ more
            | ExecuteRun -> let s', more = execute cfg setup s slot late in s', cmds @ more
        | Missed slot -> let s', more = missed s slot in s', cmds @ more
        | Skipped(slotId, _, reason) ->
            let why = match reason with Holiday -> "holiday" | Weekend -> "weekend, no session" | EarlyClose m -> $"early close at {m / 60:D2}:{m % 60:D2}, before execute_at"
            s, cmds @ [ Emit.note s OperationKind.Intent slotId $"schedule slot {slotId} skipped: {why}" ]

    /// Engine states in which the schedule decides: after the start-up sync (a missed slot is judged on a synced
    /// engine), and not once the engine is on its way out.
    let private deciding (s: State) =
        match s.Fsm with
        | Starting | Syncing _ | Stopping _ | Stopped -> false
        | _ -> true

    /// ClockTicked: the schedule's decisions due now, then PersistPortfolioSchedule when anything was decided (or the
    /// schedule was just armed). The state is persisted before the phases act: each phase is decided at most once.
    let onTick (cfg: Config) (s: State) =
        match s.PortfolioSetup with
        | Some({ Settings = { Schedule = Some sched; SignalsDir = Some dir } } as setup) when s.PortfolioSchedule.Loaded && deciding s && s.Now > Timestamp.zero ->
            let p = s.PortfolioSchedule
            match p.State with
            | None ->
                let armed = Schedule.arm s.Now
                { s with PortfolioSchedule = { p with State = Some armed } },
                [ PersistPortfolioSchedule(sched.Name, armed)
                  Emit.note s OperationKind.FsmChanged "" $"schedule {sched.Name} armed at {iso s.Now} (no stored state: earlier slots are not reported)" ]
            | Some state ->
                let state', decisions = Schedule.tick sched cfg.Calendar state s.Now
                if decisions.IsEmpty then { s with PortfolioSchedule = { p with State = Some state' } }, []
                else
                    let s = { s with PortfolioSchedule = { p with State = Some state' } }
                    decisions |> List.fold (decide cfg setup dir) (s, [ PersistPortfolioSchedule(sched.Name, state') ])
        | _ -> s, []

    /// The stored state, read at start. Decisions wait for it.
    let onRestored (s: State) (stored: ScheduleState option) =
        let p = s.PortfolioSchedule
        let note =
            match stored with
            | Some st -> [ Emit.note s OperationKind.FsmChanged "" $"schedule restored: handled through {iso st.HandledThrough}" ]
            | None -> []
        { s with PortfolioSchedule = { p with Loaded = true; State = (match stored with Some _ -> stored | None -> p.State) } }, note

    /// The shell's answer to LoadPortfolioSignals: freeze the slot's snapshot (insert only), or report the slot failed.
    let private freeze (s: State) (load: PortfolioSignalsLoad) =
        match s.PortfolioSetup with
        | None -> s, []
        | Some setup ->
            match load.File with
            | Error why -> failSlot s load.SlotId $"no signals: {why}"
            | Ok(fileName, _) when (Funds.currencyRefusal s).IsSome ->
                failSlot s load.SlotId $"snapshot from {fileName} refused: {(Funds.currencyRefusal s).Value}"
            | Ok(fileName, text) ->
                let snapshotId = Workflow.slotSnapshotId load.SlotId
                match s.PortfolioSnapshots |> Map.tryFind snapshotId with
                | Some taken ->
                    // Another snapshot has the slot's id (an operator run named it so): pre-trade would run that one as
                    // the slot. The slot fails, loudly, rather than trade a decision that is not this file's.
                    failSlot s load.SlotId
                        $"snapshot id {snapshotId} is taken by another snapshot ({SnapshotSource.describe taken.Source}); {fileName} not used"
                | None ->
                    let req =
                        { SnapshotId = snapshotId; Now = s.Now; FileName = fileName; Text = text; MaxSignalAge = setup.Settings.MaxSignalAge
                          Universe = setup.Settings.Universe; Inputs = PortfolioFlow.sizingInputs setup s }
                    match Workflow.buildSnapshot setup.Settings.Sizing req with
                    | Error e -> failSlot s load.SlotId $"snapshot from {fileName} refused: {BuildError.describe e}"
                    | Ok snapshot ->
                        { s with PortfolioSnapshots = s.PortfolioSnapshots |> Map.add snapshot.Id snapshot },
                        [ RecordPortfolioSnapshot snapshot
                          Emit.note s OperationKind.Intent load.SlotId
                              $"schedule {load.SlotId}: snapshot {snapshot.Id} frozen sha256:{snapshot.ContentHash} ({SnapshotSource.describe snapshot.Source}){PortfolioFlow.cashNote s}" ]

    /// A new signals file in the watched directory: checked as the next slot would build from it (parse, universe, age,
    /// sizing at current prices) without freezing anything — a note with its targets, or SIGNALS_INVALID naming the
    /// problem, so the operator can fix it before the slot. It trades nothing: only a slot or the operator starts a run.
    let onSignalsArrived (s: State) (file: Result<string * string, string>) =
        match s.PortfolioSetup, file with
        | None, _ -> s, []
        | Some _, Error why -> s, Emit.alertAndRecord s Warning "SIGNALS_INVALID" $"signals_dir: {why}"
        | Some _, Ok(fileName, _) when (Funds.currencyRefusal s).IsSome ->
            s, Emit.alertAndRecord s Warning "SIGNALS_INVALID" $"signals file {fileName} would be refused by the next slot: {(Funds.currencyRefusal s).Value}"
        | Some setup, Ok(fileName, text) ->
            let req =
                { SnapshotId = "signals-check"; Now = s.Now; FileName = fileName; Text = text; MaxSignalAge = setup.Settings.MaxSignalAge
                  Universe = setup.Settings.Universe; Inputs = PortfolioFlow.sizingInputs setup s }
            match Workflow.buildSnapshot setup.Settings.Sizing req with
            | Error e ->
                s, Emit.alertAndRecord s Warning "SIGNALS_INVALID"
                       $"signals file {fileName} would be refused by the next slot: {BuildError.describe e}"
            | Ok snapshot ->
                let targets = snapshot.Lines |> List.map (fun l -> $"{l.Symbol} {l.Current}->{l.Target}") |> String.concat ", "
                s, [ Emit.note s OperationKind.Intent "" $"signals file {fileName} checked: {targets} (sized at current prices; a slot sizes again when it builds)" ]

    /// The shell's answer to LoadPortfolioSignals: freeze the slot's snapshot, then the phases that came due meanwhile.
    let onSignalsLoaded (cfg: Config) (s: State) (load: PortfolioSignalsLoad) =
        let deferred = s.PortfolioSchedule.Awaiting |> Map.tryFind load.SlotId |> Option.defaultValue []
        let p = s.PortfolioSchedule
        let s = { s with PortfolioSchedule = { p with Awaiting = p.Awaiting |> Map.remove load.SlotId } }
        let s, cmds = freeze s load
        match s.PortfolioSetup with
        | Some({ Settings = { SignalsDir = Some dir } } as setup) ->
            deferred |> List.map Fire |> List.fold (decide cfg setup dir) (s, cmds)
        | _ -> s, cmds

    /// A held execute phase, on the broker's answer to the positions (or the broker down: execute then finds it down,
    /// blocked): run now, its sells capped at the account as reported (FreshPositions.release).
    let executeHeld (cfg: Config) (s: State) (slot: SlotPhase) late =
        match s.PortfolioSetup with
        | Some setup -> execute cfg setup s slot late
        | None -> s, []

    /// A held execute phase whose positions the broker did not answer (FreshPositions.refuseUnanswered): the slot's run
    /// ends without trading and the slot is reported failed (never a sale on the old report).
    let refuseHeld (s: State) (slot: SlotPhase) (why: string) =
        let s', stepped = PortfolioFlow.stepRun s (Workflow.slotRunId slot.SlotId) [ CancelRequested $"schedule ({why})" ]
        let s', more = failSlot s' slot.SlotId why
        s', stepped @ more
