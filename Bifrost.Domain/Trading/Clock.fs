namespace Bifrost.Domain.Trading

open Bifrost.Domain

/// The timer: day roll, time decay, intraday risk evaluation, stop timeout, interval hedges, status heartbeat.
module Clock =
    // A new high-water mark copies the state; an unchanged one does not (this runs every clock step). The first valued
    // P&L sets it (State.highWaterWith).
    let private withHighWater (s: State) (total: float) =
        if total > s.HighWater || (System.Double.IsNaN s.HighWater && System.Double.IsFinite total) then { s with HighWater = total } else s

    // The step's parts return struct pairs: a clock step runs every second of a backtest, and each pair would be an
    // allocation.
    let private evaluateRisk (cfg: Config) (valued: bool) (s: State) =
        let total = State.totalPnl cfg s
        match s.Fsm with
        // Without a mark for every holding the P&L is not known (e.g. just after a restart, before quotes): judging
        // the restored high-water mark or day baseline against a partial figure would halt on nothing.
        | _ when not valued -> struct (s, [])
        // A trader's day is the session: out of it the stock re-marks on after-hours quotes while the options keep the
        // close's mids, a mixed total no one can trade at, which would loosen (or falsely trip) the limits and raise the
        // high-water mark. So the limits are judged only in session hours (none is judged from the close to the next
        // open, when the marks are the market's again), by a running engine and a restarted one alike; the close's
        // P&L is recorded (recordClose) and the next day starts from it (State.rollDay, Restart.restore).
        | _ when not (SessionCalendar.inSession cfg.Calendar s.Now) -> struct (s, [])
        | Running _ | Paused | Syncing _ ->
            let s = withHighWater s total
            match Risk.evaluate cfg.Risk { TotalPnl = total; DailyPnl = State.dailyPnlOf s total; HighWater = s.HighWater; TakenPnl = State.takenWith s total } with
            | Ok cls when cls = s.Risk -> struct (s, [])
            | Ok cls -> struct ({ s with Risk = cls }, [ Emit.note s OperationKind.FsmChanged "" ("risk " + ClassNames.risk cls) ])
            // A breach during a sync ends the sync Halted, but the sync finishes: halting at once dropped its end, so
            // the book check and the orders in doubt were never judged and a plain resume ran an unreconciled engine.
            // A sync already bound for a halt keeps that halt (a BOOK_MISMATCH is not traded for a resumable risk halt).
            // (The light names the coming halt from the sync's target; the risk class is left alone, else a sync that
            // ends in another halt and is resumed would run with a stale RiskHalted blocking every hedge.)
            | Error _ when (match s.Fsm with Syncing { ResumeTo = ResumeHalted _ } -> true | _ -> false) -> struct (s, [])
            | Error reason when (match s.Fsm with Syncing _ -> true | _ -> false) ->
                let s = match s.Fsm with Syncing p -> { s with Fsm = Syncing { p with ResumeTo = ResumeHalted reason } } | _ -> s
                let s, cancels = OrderFlow.cancelForHalt reason s "risk halt"
                struct (s, cancels @ [ Emit.note s OperationKind.HaltRaised "" (HaltReason.describe reason + ": halted once the sync ends") ]
                           @ Emit.alertAndRecord s Critical "RISK_HALT" (HaltReason.describe reason))
            | Error reason ->
                let s, halt = OrderFlow.haltOnRisk s reason
                struct (s, halt)
        | _ -> struct (withHighWater s total, [])

    let private stopTimeout (cfg: Config) (s: State) =
        match s.Fsm with
        | Stopping(since, meta) when Timestamp.since since s.Now >= cfg.Control.StopTimeout ->
            let s' = { s with Fsm = Stopped }
            struct (s', Emit.alertAndRecord s Warning "STOP_TIMEOUT" "cancels not confirmed before the stop timeout; exiting"
                        @ [ CompleteControl(meta.ControlId, Done "stopped (timeout)"); Emit.publish cfg s'; Exit 0 ])
        | _ -> struct (s, [])

    /// A hedge order still working after `strategy.hedge_timeout_seconds` (a limit the market ran from, an order
    /// held at the broker) is cancelled and the operator told; once the cancel is confirmed the hedge is decided again
    /// at the current price (Progress.afterOrders). If it filled meanwhile, the cancel is refused and the fill counts.
    /// Paused too (the operator's pause, a critical alert's): a pause decides nothing new, but a hedge left working
    /// through it would fill hours later against a delta it was never sized for; it is decided again on the resume.
    let private hedgeTimeout (cfg: Config) (s: State) =
        match s.Fsm with
        | Running(HedgePending _) | Paused ->
            let stuck =
                State.workingOrders s
                |> List.filter (fun o -> o.Purpose = Hedge && not o.CancelRequested && Timestamp.since o.PlacedAt s.Now >= cfg.Strategy.HedgeTimeout
                                         // IB holds it for the reopening auction: left there (ExchangeHalts), not cancelled.
                                         && not (ExchangeHalts.isHalted s o.ContractId))
            if stuck.IsEmpty then struct (s, [])
            else
                let s' = stuck |> List.fold (fun s o -> State.putOrder { o with CancelRequested = true } s) s
                let names = stuck |> List.map (fun o -> $"{OrderRef.value o.Ref} {Side.name o.Side} {o.Filled}/{o.Quantity}") |> String.concat ", "
                let secs = Duration.toSeconds cfg.Strategy.HedgeTimeout
                struct (s',
                        [ for o in stuck do
                              CancelOrder(o.Ref, o.IbOrderId)
                              Emit.orderOp s OperationKind.CancelSent o nan $"hedge timeout: unfilled after {secs:F0} s" ]
                        @ Emit.alertAndRecord s Warning "HEDGE_STUCK"
                              (match s.Fsm with
                               | Paused -> $"hedge {names} unfilled after {secs:F0} s while paused: cancelled, to be decided again at the current price once resumed"
                               | _ -> $"hedge {names} unfilled after {secs:F0} s: cancelled, to be decided again at the current price"))
        | _ -> struct (s, [])

    /// Tells the operator why (a warning) and reconciles with the broker now; a flatten under way is ended by it.
    let private reconcileNow (s: State) code text why =
        let alert = Emit.alertAndRecord s Warning code text
        let s, interrupted = Sync.flattenInterrupted why s
        let s', sync = Sync.start s (Sync.resumeTargetOf s.Fsm)
        struct (s', alert @ interrupted @ sync)

    /// An order the broker reported done whose fills have not all arrived as executions holds the hedger
    /// (ORDER_IN_FLIGHT: its fill is neither in the book nor ruled out). IB sends executions first as a rule; one still
    /// missing after `reconcile.execution_wait_seconds` is asked for: the account is reconciled (positions, open
    /// orders, today's executions) and the sync settles the order from them, or, if they do not show the fill either,
    /// halts on ORDER_OUTCOME_UNKNOWN with its way out (confirm_book). Without it the hedger waited (YELLOW, delta
    /// drifting) until a reconnect or a restart. Only with the broker reachable; a sync ends every such order, so this
    /// cannot repeat on the same one.
    let private executionsOverdue (cfg: Config) (s: State) =
        match s.Fsm with
        | Running _ | Paused | Halted _ | Flattening _ when not s.Open.IsEmpty && s.Connectivity.SocketUp && s.Connectivity.IbUp ->
            let overdue =
                [ for r in s.Open do
                      let o = s.Orders.[r]
                      if OrderStatus.isTerminal o.Status && Timestamp.since o.DoneAt s.Now >= cfg.Control.ExecutionWait then o ]
            if overdue.IsEmpty then struct (s, [])
            else
                let secs = Duration.toSeconds cfg.Control.ExecutionWait
                let names =
                    overdue
                    |> List.map (fun o -> $"{OrderRef.value o.Ref} {OrderStatus.name o.Status} {Sync.reportedFilled o}/{o.Quantity}, executions show {o.Filled}")
                    |> String.concat "; "
                reconcileNow s "EXECUTIONS_OVERDUE" $"{names} after {secs:F0} s: reconciling with the broker" "executions overdue"
        | _ -> struct (s, [])

    /// A cancel of ours the broker refused as unknown or not cancellable (10147, 10148, 161, 135) on an order that no status or
    /// execution has settled within `reconcile.execution_wait_seconds`: nothing more will come (an order IB never
    /// acknowledged), and the hedger stood blocked for good (ORDER_IN_FLIGHT, delta unhedged). The account is
    /// reconciled, as for executions overdue: the sync settles an order the broker lists, or makes one it does not
    /// list Inactive and halts on ORDER_OUTCOME_UNKNOWN. The usual race (a fill beating the cancel: 10148, then Filled)
    /// settles within the wait and reconciles nothing. Only with the broker reachable; settled orders are forgotten.
    let private cancelsRefused (cfg: Config) (s: State) =
        if s.CancelsRefused.IsEmpty then struct (s, [])
        else
            let pending = s.CancelsRefused |> Map.filter (fun r _ -> s.Open.Contains r && Order.isWorking s.Orders.[r])
            let s = if pending.Count = s.CancelsRefused.Count then s else { s with CancelsRefused = pending }
            match s.Fsm with
            | Running _ | Paused | Halted _ | Flattening _ when s.Connectivity.SocketUp && s.Connectivity.IbUp ->
                let due = pending |> Map.filter (fun _ at -> Timestamp.since at s.Now >= cfg.Control.ExecutionWait)
                if due.IsEmpty then struct (s, [])
                else
                    let secs = Duration.toSeconds cfg.Control.ExecutionWait
                    let names =
                        due |> Map.toList
                        |> List.map (fun (r, _) -> let o = s.Orders.[r] in $"{OrderRef.value r} {OrderStatus.name o.Status} {o.Filled}/{o.Quantity}")
                        |> String.concat "; "
                    reconcileNow s "CANCEL_REFUSED" $"cancel of {names} refused by the broker (unknown or not cancellable) and no status for {secs:F0} s: reconciling with the broker" "a cancel refused"
            | _ -> struct (s, [])

    /// The P&L limits (daily loss, drawdown, stop-loss, take-profit) are judged on a valued book only (evaluateRisk):
    /// a holding without a two-sided quote — a portfolio stock whose data never came after a restart — left them
    /// unjudged for the day under a YELLOW light, with no word to anyone. Told once (LIMITS_UNCHECKED, a warning: an
    /// order adding risk waits already, and the hedger only trades delta back) after twice `guards.stale_after` of it
    /// in session, and noted when they are judged again.
    let private limitsUnchecked (cfg: Config) (valued: bool) (s: State) =
        match s.Fsm with
        | Running _ | Paused | Halted _ ->
            // The usual step (valued, nothing pending) asks no calendar.
            if valued then
                if s.UnvaluedSince.Nanos = 0L then struct (s, [])
                else
                    let note = if s.UnvaluedTold then [ Emit.note s OperationKind.FsmChanged "" "LIMITS_CHECKED: every holding marked again; the P&L limits are judged" ] else []
                    struct ({ s with UnvaluedSince = Timestamp.zero; UnvaluedTold = false }, note)
            elif not (SessionCalendar.inSession cfg.Calendar s.Now) then struct (s, [])
            elif s.UnvaluedSince.Nanos = 0L then struct ({ s with UnvaluedSince = s.Now }, [])
            elif not s.UnvaluedTold && Timestamp.since s.UnvaluedSince s.Now >= 2L * cfg.Guards.StaleAfter then
                let secs = Duration.toSeconds (Timestamp.since s.UnvaluedSince s.Now)
                struct ({ s with UnvaluedTold = true },
                        Emit.alertAndRecord s Warning "LIMITS_UNCHECKED"
                            $"no two-sided quote for {State.unmarkedText cfg s} for {secs:F0} s: the day's P&L and its limits (daily loss, drawdown, stop) are not being checked; an order adding risk waits until every holding is quoted")
            else struct (s, [])
        | _ -> struct (s, [])

    /// The status snapshot (with its self-check) is published every `control.self_check_seconds` and whenever the FSM
    /// moved; ticks in between only run the timers. A tick a little early (timer jitter) still counts as due.
    let private publishDue (cfg: Config) (before: FsmState) (s: State) =
        let every = cfg.Control.SelfCheckEvery
        s.LastPublishAt = Timestamp.zero
        || Timestamp.since s.LastPublishAt s.Now >= every - every / 10L
        || FsmState.name before <> FsmState.name s.Fsm

    /// The step's first part, in full: the clock moves to `now`, the day rolls, expired legs leave the book, the book
    /// is revalued.
    let advanceFull (cfg: Config) (s: State) (now: Timestamp) =
        let s = State.rollDay cfg (if now.Nanos = s.Now.Nanos then s else { s with Now = now })
        let s, expired = match s.Fsm with Starting | Syncing _ -> s, [] | _ -> Expiry.settle cfg s
        struct ((if System.Double.IsNaN(State.spot s) then s else MarketData.revalueAt cfg s s.Now s.Underlying), expired)

    /// True when the step at `now` has no day to roll and no leg to expire, and the book can be valued.
    let plainStep (cfg: Config) (s: State) (now: Timestamp) =
        not (System.Double.IsNaN(State.spot s)) && not (System.Double.IsNaN s.Daily.StartPnl)
        && SessionCalendar.tradingDay cfg.Calendar now <= s.Daily.Day && not (Expiry.anyPastAt now s)

    /// `advanceFull`, as one state copy when the step is plain (the usual one): the revaluation sets Now itself. A
    /// property checks the two agree on every plain step.
    let advance (cfg: Config) (s: State) (now: Timestamp) =
        if plainStep cfg s now then struct (MarketData.revalueAt cfg s now s.Underlying, []) else advanceFull cfg s now

    /// The day's P&L once its session has closed (saved with the memory): a restart on a later day starts its day from
    /// it. Recorded once, at the first valued clock step after the close (over a stop's earlier value); not again that
    /// day (after-hours quotes would rewrite the memory every step).
    /// A day without a session (a weekend, a holiday) records none: it ends where it started (State.rollDay,
    /// Restart.restore, Controls.stop).
    let private recordClose (cfg: Config) (valued: bool) (s: State) =
        if s.Daily.Closed || not valued || not (SessionCalendar.isAfterClose cfg.Calendar s.Now) then s
        else { s with Daily = { s.Daily with LastPnl = State.totalPnl cfg s; Closed = true } }

    /// The host's clock stepped (ClockStepped): the engine cannot be sure of the time its session hours, day limits,
    /// expiries and timers rest on, so it says so (a critical alert: the engine pauses for the operator).
    let onStepped (s: State) (stepNanos: int64) =
        let seconds = float (abs stepNanos) / 1e9
        let text =
            if stepNanos >= 0L then
                $"the host's clock jumped {seconds:N0} s ahead of the engine's (a suspend or a clock change); the engine follows it: "
                + "check the host's time (NTP) before resuming"
            else
                $"the host's clock went back {seconds:N0} s; the engine keeps its own time, now {seconds:N0} s ahead of the host's "
                + "(no timer stops, no day's limits re-arm): check the host's time (NTP), then restart the daemon to take the corrected clock"
        s, Emit.alertAndRecord s Critical "CLOCK_STEPPED" text

    /// The clock step at `now` (the reducer's clock, never earlier than the state's).
    let onTick (cfg: Config) (s: State) (now: Timestamp) =
        let before = s.Fsm
        let struct (s, expired) = advance cfg s now
        // Whether every holding has a mark: the step's marks are set by now (advance), and nothing below moves them.
        let valued = State.isValued cfg s
        // The close, the high-water mark and the limits are taken from the book the engine took, not the empty one before
        // the first sync's end (State.pnlKnown).
        let known = valued && State.bookTaken s
        let s = recordClose cfg known s
        let struct (s, risk) = evaluateRisk cfg known s
        let struct (s, stop) = stopTimeout cfg s
        let struct (s, runTimeout) =
            match s.Fsm with
            | Running(RunPending _) -> let s, cmds = Runs.timeout cfg s in struct (s, cmds)
            // Not while starting or syncing (the broker's view of the orders is not in yet), nor with the socket down.
            | Starting | Syncing _ -> struct (s, [])
            // Runs followed apart, and portfolio runs the engine moved off: timed out as the FSM's run is (Reducer.step
            // ends the former once their orders settle, PortfolioFlow the latter).
            | _ when (not s.DetachedRuns.IsEmpty || Runs.anyPortfolioWorking s) && s.Connectivity.SocketUp ->
                let s, cmds = Runs.timeout cfg s in struct (s, cmds)
            | _ -> struct (s, [])
        let struct (s, stuck) = hedgeTimeout cfg s
        let struct (s, flatten) =
            match s.Fsm with
            | Flattening _ ->
                let s, c = Runs.flattenTimeout cfg (fun s -> Controls.stop cfg s { ControlId = 0L; RequestedBy = "flatten timeout" }) s
                struct (s, c)
            | _ -> struct (s, [])
        let struct (s, overdue) = executionsOverdue cfg s
        let struct (s, refused) = cancelsRefused cfg s
        let struct (s, askedAgain) = match s.Fsm with Syncing _ -> (let s, c = Sync.askAgainIfStalled s in struct (s, c)) | _ -> struct (s, [])
        let struct (s, feed) = FeedWatch.check cfg s
        let struct (s, unchecked) = limitsUnchecked cfg valued s
        let s, hedge = Hedging.evaluate cfg s
        let struct (s, publish) =
            match s.Fsm with
            | Stopped -> struct (s, [])
            | _ when publishDue cfg before s -> struct ({ s with LastPublishAt = s.Now }, [ Emit.publish cfg s ])
            | _ -> struct (s, [])
        s, expired @ risk @ stop @ runTimeout @ stuck @ flatten @ overdue @ refused @ askedAgain @ feed @ unchecked @ hedge @ Emit.fsmChange s before @ publish
