namespace Bifrost.Domain.Trading

open Bifrost.Domain

/// The timer: day roll, time decay, intraday risk evaluation, stop timeout, interval hedges, status heartbeat.
module Clock =
    // A new high-water mark copies the state; an unchanged one does not (this runs every clock step).
    let private withHighWater (s: State) (total: float) = if total > s.HighWater then { s with HighWater = total } else s

    let private evaluateRisk (cfg: Config) (s: State) =
        let total = State.totalPnl cfg s
        match s.Fsm with
        // Without a mark for every holding the P&L is not known (e.g. just after a restart, before quotes): judging
        // the restored high-water mark or day baseline against a partial figure would halt on nothing.
        | _ when not (State.isValued cfg s) -> s, []
        | Running _ | Paused | Syncing _ ->
            let s = withHighWater s total
            match Risk.evaluate cfg.Risk { TotalPnl = total; DailyPnl = State.dailyPnlOf s total; HighWater = s.HighWater } with
            | Ok cls when cls = s.Risk -> s, []
            | Ok cls -> { s with Risk = cls }, [ Emit.note s OperationKind.FsmChanged "" ("risk " + ClassNames.risk cls) ]
            | Error reason ->
                let s = { s with Fsm = Halted reason; Risk = RiskHalted }
                let s, cancels = OrderFlow.cancelWorking s "risk halt"
                s, cancels @ [ Emit.note s OperationKind.HaltRaised "" (HaltReason.describe reason) ] @ Emit.alertAndRecord s Critical "RISK_HALT" (HaltReason.describe reason)
        | _ -> withHighWater s total, []

    let private stopTimeout (cfg: Config) (s: State) =
        match s.Fsm with
        | Stopping(since, meta) when Timestamp.since since s.Now >= cfg.Control.StopTimeout ->
            let s' = { s with Fsm = Stopped }
            s', Emit.alertAndRecord s Warning "STOP_TIMEOUT" "cancels not confirmed before the stop timeout; exiting"
                @ [ CompleteControl(meta.ControlId, Done "stopped (timeout)"); Emit.publish cfg s'; Exit 0 ]
        | _ -> s, []

    /// The status snapshot (with its self-check) is published every `control.self_check_seconds` and whenever the FSM
    /// moved; ticks in between only run the timers. A tick a little early (timer jitter) still counts as due.
    let private publishDue (cfg: Config) (before: FsmState) (s: State) =
        let every = cfg.Control.SelfCheckEvery
        s.LastPublishAt = Timestamp.zero
        || Timestamp.since s.LastPublishAt s.Now >= every - every / 10L
        || FsmState.name before <> FsmState.name s.Fsm

    let onTick (cfg: Config) (s: State) =
        let before = s.Fsm
        let s = State.rollDay cfg s
        let s, expired = match s.Fsm with Starting | Syncing _ -> s, [] | _ -> Expiry.settle s
        let s = if System.Double.IsNaN(State.spot s) then s else MarketData.revalueAt cfg s s.Now s.Underlying
        let s, risk = evaluateRisk cfg s
        let s, stop = stopTimeout cfg s
        let s, runTimeout = Runs.timeout cfg s
        let s, hedge = Hedging.evaluate cfg s
        let s, publish =
            match s.Fsm with
            | Stopped -> s, []
            | _ when publishDue cfg before s -> { s with LastPublishAt = s.Now }, [ Emit.publish cfg s ]
            | _ -> s, []
        s, expired @ risk @ stop @ runTimeout @ hedge @ Emit.fsmChange s before @ publish
