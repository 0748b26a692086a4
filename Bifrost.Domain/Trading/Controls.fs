namespace Bifrost.Domain.Trading

open Bifrost.Domain

/// Operator controls as one flat (state, control) table.
module Controls =
    let private reply (s: State) (meta: ControlMeta) outcome =
        let text = match outcome with Done t -> t | Refused t -> $"refused: {t}"
        [ Emit.note s OperationKind.ControlCompleted "" text; CompleteControl(meta.ControlId, outcome) ]

    /// Running again, with the risk class judged at the resume (not the halt's, which would refuse every hedge until
    /// the next clock tick). The anomalies reported so far count as seen: the count only went up, so the light stayed
    /// YELLOW for the life of the process and hid every later YELLOW.
    let private resumeRunning (s: State) (risk: RiskClass) =
        let pending = State.workingOrders s |> List.tryFind (fun o -> o.Purpose = Hedge)
        { s with Fsm = Running(match pending with Some o -> HedgePending o.Ref | None -> Idle); PausedBy = ""; HedgeRejects = 0; Risk = risk; Anomalies = 0 }

    /// Stopping: the day's P&L kept, working orders cancelled (`cancel_on_stop`), stopped once they are confirmed.
    let stop (cfg: Config) (s: State) (meta: ControlMeta) =
        // The day's last P&L before the engine stops: the next day (a restart) starts from it. Once the session has
        // closed it is the close's: an evening valuation mixes after-hours stock marks with the options' 16:00 mids.
        // Before the day's session opened (or on a day without one) it is the close the day started from, for the
        // same reason.
        let last =
            if s.Daily.Closed then s.Daily.LastPnl
            else
                match SessionCalendar.dayPhase cfg.Calendar s.Now with
                | BeforeOpen | NoSession when System.Double.IsFinite s.Daily.StartPnl -> s.Daily.StartPnl
                | _ when State.pnlKnown cfg s -> State.totalPnl cfg s
                | _ -> s.Daily.LastPnl
        let s = { s with Fsm = Stopping(s.Now, meta); Daily = { s.Daily with LastPnl = last } }
        // A cancel asked for before (one lost while the socket was down, its sync never ended) is said again: the
        // engine stands down with every cancel it meant delivered, not left to a reconnect that may not come.
        let again = if s.Connectivity.SocketUp then OrderFlow.resendCancels s "stop requested: cancel sent again" else []
        let s, cancels = if cfg.Control.CancelOnStop then OrderFlow.cancelWorking s "stop requested" else s, []
        let cancels = again @ cancels
        let s', done' = Progress.checkStopping cfg s
        s', cancels @ done'

    /// A cancel naming the flatten's run, or one of its orders.
    let private cancelsFlatten (s: State) (run: FlattenRun) (control: Control) =
        match control with
        | CancelRun r -> r = run.RunId
        | CancelOrderRef r -> s.Orders |> Map.exists (fun ref o -> OrderRef.value ref = r && o.RunId = run.RunId)
        | _ -> false

    let private decide (cfg: Config) (s: State) (control: Control) (meta: ControlMeta) : State * Command list =
        match s.Fsm, control with
        | Stopped, _ -> s, reply s meta (Refused "stopped")
        | _, RunSelfCheck -> s, Emit.publish cfg s :: reply s meta (Done(Health.name (SelfCheck.run cfg s).Health))
        | Stopping _, _ -> s, reply s meta (Refused "stopping")
        // The operator cancelling the flatten's run or order ends the flatten: before, its order cancelled, the flatten
        // sent the next one at once (up to three), undoing the operator's cancel.
        | Flattening run, (CancelRun _ | CancelOrderRef _) when cancelsFlatten s run control ->
            let s', cmds = Runs.cancel s meta control
            let s' = { s' with Fsm = Runs.pausedAfter run }
            let hedge = State.qtyOf s' (State.underlyingId cfg)
            s', cmds @ Runs.flattenEnded s' run (Refused $"cancelled by {meta.RequestedBy} (#{meta.ControlId}): nothing more sent; the hedge at {hedge} shares")
        | _, (CancelRun _ | CancelOrderRef _) -> Runs.cancel s meta control
        | _, Stop -> stop cfg s meta
        // Pause
        | Running _, Pause -> { s with Fsm = Paused }, reply s meta (Done "paused")
        | Paused, Pause -> s, reply s meta (Done "already paused")
        // A sync that ends in a remembered halt (a restart, a reconnect while halted) stays halted: a pause must not
        // turn it into Paused, whose resume judges only the limits (a book mismatch would trade on).
        | Syncing { ResumeTo = ResumeHalted why }, Pause -> s, reply s meta (Done $"already halted ({HaltReason.describe why}): the sync ends halted")
        | Syncing p, Pause -> { s with Fsm = Syncing { p with ResumeTo = ResumePaused } }, reply s meta (Done "will pause after sync")
        | Halted _, Pause -> s, reply s meta (Refused "halted: resume or flatten")
        | Flattening _, Pause -> s, reply s meta (Refused "flattening")
        | Starting, Pause -> s, reply s meta (Refused "not connected yet")
        // Resume
        // A limit breached since the last clock tick (e.g. a flatten out of a risk halt ends Paused) is judged here as
        // when resuming the halt itself. Unvalued (a restart before quotes) it cannot be: an unknown P&L would pass as 0,
        // and a daily-loss halt flattened into Paused resumed on a restart before its legs were quoted.
        | Paused, Resume when not (State.isValued cfg s) ->
            let unmarked = State.unmarkedText cfg s
            s, reply s meta (Refused $"the book is not valued yet: unmarked {unmarked}; the limits cannot be judged: resume once every holding is quoted")
        | Paused, Resume ->
            match State.riskNow cfg s with
            | Error still -> s, reply s meta (Refused $"still breached: {HaltReason.describe still}")
            | Ok cls ->
                let s', cmds = Hedging.evaluate cfg (resumeRunning s cls)
                s', reply s meta (Done "resumed") @ cmds
        // A resume while running is how the operator says "seen" of the anomalies an engine running on reported.
        | Running _, Resume when s.Anomalies > 0 ->
            { s with Anomalies = 0 }, reply s meta (Done $"already running; {s.Anomalies} anomalies taken as seen")
        | Running _, Resume -> s, reply s meta (Done "already running")
        // Resuming a remembered halt is judged once the sync has ended (the book valued, the account checked); "will run
        // after sync" ran past a risk halt until the first valued clock step halted it again.
        | Syncing { ResumeTo = ResumeHalted why }, Resume ->
            s, reply s meta (Refused $"halted ({HaltReason.describe why}) before this sync: resume once it has ended, when the halt is judged")
        | Syncing p, Resume -> { s with Fsm = Syncing { p with ResumeTo = ResumeRunning }; PausedBy = "" }, reply s meta (Done "will run after sync")
        | Halted(AccountMismatch _), Resume -> s, reply s meta (Refused "account mismatch")
        | Halted(BookMismatch _), Resume -> s, reply s meta (Refused "book mismatch: confirm the option book (confirm_book) first")
        // Refused while no order could be sent. The way out (another client id, TWS's order ids reset, a shorter run_id)
        // is a restart, which remembers the halt: once ids and refs are there again, it is resumed as a risk halt is
        // (before, it was refused for good and the hedger never traded again).
        | Halted(OrderRefExhausted _), Resume when (OrderFlow.orderIdProblem s.NextOrderId).IsSome ->
            s, reply s meta (Refused (OrderFlow.orderIdProblem s.NextOrderId).Value)
        | Halted(OrderRefExhausted _), Resume when Result.isError (OrderRef.forRun cfg.RunId s.NextOrderSeq) ->
            s, reply s meta (Refused "order refs exhausted: shorten run_id and restart")
        // The resume takes in what paused it before the halt: a PausedBy left standing came back as a pause after the
        // next restart (Sync.resumeTargetFor), with no alert and the hedger stopped.
        | Halted(ReconcileFailed _ | AnotherEngine _), Resume ->
            let s', cmds = Sync.start { s with PausedBy = "" } ResumeRunning
            s', reply s meta (Done "reconciling again") @ cmds
        // Without a mark for every holding (after a restart, before quotes) the P&L is not known: "back within limits"
        // cannot be said, and an unknown P&L would pass as 0.
        | Halted _, Resume when not (State.isValued cfg s) ->
            let unmarked = State.unmarkedText cfg s
            s, reply s meta (Refused $"risk halt: P&L not known yet (unmarked {unmarked}); resume once every holding is quoted")
        | Halted _, Resume ->
            match State.riskNow cfg s with
            | Ok cls -> resumeRunning s cls, reply s meta (Done "risk back within limits: resumed")
            | Error still -> s, reply s meta (Refused $"still breached: {HaltReason.describe still}")
        | Flattening _, Resume -> s, reply s meta (Refused "flattening")
        | Starting, Resume -> s, reply s meta (Refused "not connected yet")
        // Flatten. One the engine cannot carry out now still stops the strategy's trading: the operator asked to get
        // out, and a running engine (or a sync bound to run) hedged on as soon as the broker came back.
        | Running _, FlattenExposure when not s.Connectivity.SocketUp || not s.Connectivity.IbUp ->
            { s with Fsm = Paused }, reply s meta (Refused "broker down: nothing sent; paused (no hedging until you resume): flatten again once the broker is back")
        | (Paused | Halted _), FlattenExposure when not s.Connectivity.SocketUp || not s.Connectivity.IbUp ->
            s, reply s meta (Refused "broker down: nothing sent; flatten again once the broker is back")
        | (Running _ | Paused | Halted _), FlattenExposure -> Runs.startFlatten cfg s meta
        | Flattening _, FlattenExposure -> s, reply s meta (Done "already flattening")
        | Syncing p, FlattenExposure when p.ResumeTo = ResumeRunning ->
            { s with Fsm = Syncing { p with ResumeTo = ResumePaused } },
            reply s meta (Refused "not reconciled yet: nothing sent; the sync ends paused: flatten again once it has")
        | (Starting | Syncing _), FlattenExposure -> s, reply s meta (Refused "not reconciled yet: nothing sent; flatten again once the sync has ended")

    let onControl (cfg: Config) (s: State) (control: Control) (meta: ControlMeta) =
        let received = Emit.note s OperationKind.ControlReceived "" $"{Control.name control} by {meta.RequestedBy} (#{meta.ControlId})"
        let before = s.Fsm
        let s', cmds = decide cfg s control meta
        s', received :: cmds @ Emit.fsmChange s' before
