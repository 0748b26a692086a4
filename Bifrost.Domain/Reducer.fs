namespace Bifrost.Domain.Trading

open Bifrost.Domain
open Bifrost.Domain.Strategy

/// The pure core: `step : Config -> State -> Event -> State * Command list`, total over every (state, event).
/// Like Elm's `update`, it dispatches each event to the one function of its concern; the shell decides nothing.
module Reducer =
    /// A critical alert pauses new strategy orders until the operator resumes (a product requirement): Running →
    /// Paused, a sync in progress ends Paused. Halted, Flattening and Stopping keep their own course.
    // The stages after a handler (here and below) hand the step's result on when they have nothing to do. F# rebuilds
    // the pair wherever such a stage reads it (inline or not, `let s, cmds = result` or fst/snd: the IL of `step` has
    // the `newobj`), a tuple per event, so `step` tests for a result no stage would touch before running them.
    /// Critical alerts delivered as critical that do not pause: the stock portfolio's own (Fallback.runOnlyAlerts), and
    /// ACCOUNT_CURRENCY — what needs the account's dollars refuses on its own (portfolio runs, a buy held to buying
    /// power), while pausing would also stop the hedger's sells and every hedge with check_buying_power off, leaving
    /// the options' delta open over figures the hedge does not use.
    let private notPausing = PortfolioRuns.Fallback.runOnlyAlerts |> Set.add Funds.currencyAlert

    let inline private pauseOnCritical (result: State * Command list) =
        let s, cmds = result
        match cmds |> List.tryPick (function RaiseAlert a when a.Severity = Critical && not (notPausing.Contains a.Code) -> Some a.Code | _ -> None) with
        | None -> result
        | Some code ->
            let why = $"critical alert {code}"
            match s.Fsm with
            | Running _ ->
                let s' = { s with Fsm = Paused; PausedBy = why }
                s', cmds @ [ Emit.note s' OperationKind.FsmChanged "" $"{FsmState.name s.Fsm} -> Paused: paused by {why}; resume is the operator's" ]
            | Syncing p when p.ResumeTo = ResumeRunning ->
                let s' = { s with Fsm = Syncing { p with ResumeTo = ResumePaused }; PausedBy = why }
                s', cmds @ [ Emit.note s' OperationKind.FsmChanged "" $"will pause after sync: {why}; resume is the operator's" ]
            // Raised while restoring (before the first sync, e.g. a stored snapshot failing its hash): the sync ends Paused.
            | Starting ->
                let s' = { s with PausedBy = why }
                s', cmds @ [ Emit.note s' OperationKind.FsmChanged "" $"will pause after sync: {why}; resume is the operator's" ]
            | _ -> s, cmds

    /// The envelope's times are the truth; copy the quote only when they differ.
    let private stamp (e: Event) (q: Quote) =
        if q.VenueTime.Nanos = e.Venue.Nanos && q.ReceiveTime.Nanos = e.Received.Nanos then q
        else { q with VenueTime = e.Venue; ReceiveTime = e.Received }

    /// Order events settle activities (hedge pending, runs, flatten, stop) and change the book's quantities.
    /// A fill or an FSM move changes what the light promises (a breach, a hedge in flight): the status is published at
    /// once, not at the next heartbeat, so the operator never sees an old GREEN over a new breach. Order events are rare.
    /// A critical alert raised by the order event pauses a hedge in flight first, so the hedge the same step would
    /// decide next (a hedge filled, rejected or cancelled frees the hedger) is not sent (e.g. OVERFILL,
    /// HEDGE_REJECTED). An operator run settles (its control completes) and pauses after.
    let private afterOrders (cfg: Config) (before: State) (result: State * Command list) =
        let s, cmds = match (fst result).Fsm with Running(HedgePending _) -> pauseOnCritical result | _ -> result
        let s = { s with Book = Book.aggregate s.Legs s.Portfolio }
        let s, runs = PortfolioFlow.afterOrders s
        let s', more = Progress.afterOrders cfg s
        let moved =
            FsmState.name before.Fsm <> FsmState.name s'.Fsm
            || not (LanguagePrimitives.PhysicalEquality before.Portfolio s'.Portfolio) && before.Portfolio <> s'.Portfolio
        match s'.Fsm with
        | Running _ | Paused | Halted _ | Flattening _ when moved -> { s' with LastPublishAt = s'.Now }, cmds @ runs @ more @ [ Emit.publish cfg s' ]
        | _ -> s', cmds @ runs @ more

    /// An execution unlike its order (EXECUTION_MISMATCH) leaves that order's fill unknown, and a correction of one
    /// (EXECUTION_CORRECTED) its price or quantity in doubt; the hedger would wait for executions that never match
    /// (delta out of band, ORDER_IN_FLIGHT, for good). The account is reconciled again
    /// at once, ending Paused: the order is settled from the broker's own view, and one whose fill the executions do
    /// not show halts on ORDER_OUTCOME_UNKNOWN with its way out (confirm_book). A mismatch during a sync is left to it.
    let private resyncOnMismatch (result: State * Command list) =
        let s, cmds = result
        match s.Fsm with
        | Running(Idle | HedgePending _) | Paused ->
            match cmds |> List.tryPick (function RaiseAlert a when a.Code = "EXECUTION_MISMATCH" || a.Code = "EXECUTION_CORRECTED" -> Some a.Code | _ -> None) with
            | Some code ->
                let s', sync = Sync.start { s with PausedBy = $"critical alert {code}" } ResumePaused
                s', cmds @ sync @ Emit.fsmChange s' s.Fsm
            | None -> result
        | _ -> result

    /// Runs a portfolio hook after the main handler: its commands follow the handler's.
    // Inline, so a hook given partially applied (`PortfolioSchedule.onTick cfg`) is a call, not a closure per event.
    let inline private andThen (hook: State -> State * Command list) (result: State * Command list) =
        let s, cmds = result
        let hooked = hook s
        let s', more = hooked
        if cmds.IsEmpty then hooked
        elif more.IsEmpty && LanguagePrimitives.PhysicalEquality s s' then result
        else s', cmds @ more

    /// An account figure (Funds.onAccountValue); the first one not in dollars raises ACCOUNT_CURRENCY, once.
    let private accountValue (s: State) key value currency =
        let s' = Funds.onAccountValue s key value currency
        match s.AccountCurrency, s'.AccountCurrency with
        | None, Some c ->
            s', Emit.alertAndRecord s Critical Funds.currencyAlert
                    $"{Funds.currencyText c} ({key} {value} not taken): portfolio runs are refused, and with risk.check_buying_power every buy held to buying power; use a USD-based account"
        | _ -> s', []

    /// True when the order of `ref` has more filled after the step than before (its execution was applied).
    let private filledMore (before: State) (after: State) (ref: string) =
        match OrderRef.create ref with
        | Ok r ->
            match before.Orders.TryFind r, after.Orders.TryFind r with
            | Some b, Some a -> a.Filled > b.Filled
            | _ -> false
        | Error _ -> false

    let rec private dispatch (cfg: Config) (s: State) (e: Event) : State * Command list =
        match e.Payload with
        | EngineStarted r -> Restart.restore cfg s r
        | QuoteReceived q -> MarketData.onQuote cfg s s.Now (stamp e q)
        | TickReceived(id, field, value) -> MarketData.onTick cfg s s.Now e.Venue id field value
        | OptionComputationReceived(id, iv) -> MarketData.onOptionComputation cfg s s.Now id iv
        | ClockTicked -> Clock.onTick cfg s s.Now |> andThen (PortfolioSchedule.onTick cfg) |> andThen (FreshPositions.refuseUnanswered PortfolioSchedule.refuseHeld)
        | ClockStepped step -> Clock.onStepped s step
        | BrokerConnected accounts -> Connectivity.onConnected cfg s accounts
        // Run requests held for the account's positions are handled as the broker down (blocked, nothing sent).
        | BrokerDisconnected reason -> Connectivity.onDisconnected s reason |> andThen PortfolioFlow.onBrokerDown |> andThen (positionsAnswered cfg)
        | ConnectivityLost -> Connectivity.onConnectivityLost s |> andThen PortfolioFlow.onBrokerDown |> andThen (positionsAnswered cfg)
        | ServerConnectivityBroken -> Connectivity.onServerBroken s |> andThen PortfolioFlow.onBrokerDown |> andThen (positionsAnswered cfg)
        | ConnectivityRestored maintained -> Connectivity.onConnectivityRestored cfg s maintained
        | FarmStatusChanged(farm, name, ok) -> Connectivity.onFarm cfg s farm name ok
        | MarketDataRefused(id, code, message) -> FeedWatch.onRefused cfg s id code message
        | TradingHaltReported(id, halt) -> MarketData.onTradingHalt cfg s s.Now id halt
        | NextValidIdReceived id -> Connectivity.onNextValidId s id
        | OrderStatusReported r -> OrderFlow.onStatus s r |> afterOrders cfg s
        | OpenOrderReported r -> Sync.onOpenOrder cfg s r |> afterOrders cfg s
        | OpenOrdersEnded -> Sync.onOpenOrdersEnded cfg s
        | ExecutionReported x ->
            let isNew = not (s.SeenExecs.Contains x.ExecId)
            match (if isNew then ExecId.revisionOf s.SeenExecs x.ExecId else None) with
            | Some original -> OrderFlow.onCorrection s x original (OptionBook.contractName cfg s x.ContractId) |> resyncOnMismatch |> afterOrders cfg s
            | None ->
                // A portfolio run counts only the fills its order took: one the book refused as another order's or
                // another client's (FillRule: EXECUTION_MISMATCH, ANOTHER_ENGINE) is not the run's either.
                Restart.onExecution cfg (Funds.onExecution (OwnSells.onExecution s x) x) x
                |> andThen (fun s' -> PortfolioFlow.onExecution s' (isNew && filledMore s s' x.Ref) x e) |> resyncOnMismatch
                |> andThen (Sync.onUnlistedFill cfg x) |> afterOrders cfg s
        | ExecutionsEnded -> Sync.onExecutionsEnded cfg s
        | CommissionReported(id, c) -> OrderFlow.onCommission (Funds.onCommission s id c) id c |> andThen (fun s -> PortfolioFlow.onCommission s id c)
        | PositionReported(id, qty, cost) -> Sync.onPosition cfg id { OwnSells.onPosition s id with Portfolio = Portfolio.setBroker id qty cost s.Portfolio }
        | PositionsEnded -> Sync.onPositionsEnded cfg s |> andThen (positionsAnswered cfg)
        | AccountValueReported(key, value, currency) -> accountValue s key value currency
        | OrderErrorReported(id, code, message) -> OrderFlow.onOrderError s id code message |> afterOrders cfg s
        | StoreFailed reason -> { s with StoreOk = false }, Emit.alertAndRecord s Critical "STORE_FAILED" $"{reason}: new orders blocked"
        | StoreRecovered -> { s with StoreOk = true }, [ Emit.note s OperationKind.FsmChanged "" "store recovered" ]
        // Recorded and shown on the light; no alert of its own (it would go to the failing channel too).
        | AlertChannelFailed(channel, reason) ->
            { s with AlertChannelsFailing = Map.add channel reason s.AlertChannelsFailing },
            [ Emit.note s OperationKind.FsmChanged "" $"alert channel {channel} failing: {reason}" ]
        | AlertChannelRecovered channel ->
            { s with AlertChannelsFailing = Map.remove channel s.AlertChannelsFailing },
            [ Emit.note s OperationKind.FsmChanged "" $"alert channel {channel} delivering again" ]
        | ControlRequested(CancelRun runId, meta) when PortfolioRequests.awaitsExecution s runId -> PortfolioRequests.onCancelBeforeExecution s runId meta
        | ControlRequested(CancelRun runId, meta) when PortfolioRequests.endedUnsent s runId -> PortfolioRequests.onCancelOfEndedRun s runId meta
        | ControlRequested(control, meta) -> Controls.onControl cfg s control meta
        | ManualOrderRequested m -> Runs.manual cfg s m
        | RebalanceRequested r -> Runs.rebalance cfg s r
        | BookConfirmRequested c -> OptionBook.confirm cfg s c (fun s -> Sync.start s ResumePaused)
        | PortfolioConfigured setup -> PortfolioFlow.onConfigured s setup
        | PortfolioRunRequested r -> PortfolioFlow.onRunRequested cfg s r |> FreshPositions.unlessStale s e
        | PortfolioRunsRestored runs -> PortfolioFlow.onRestored s runs
        | PortfolioScheduleRestored stored -> PortfolioSchedule.onRestored s stored
        | PortfolioSignalsLoaded load -> PortfolioSchedule.onSignalsLoaded cfg s load
        | PortfolioSignalsArrived file -> PortfolioSchedule.onSignalsArrived s file
        | PortfolioRerunRequested r -> PortfolioRequests.onRerun cfg s r |> FreshPositions.unlessStale s e
        | PortfolioTargetsRequested r -> PortfolioRequests.onTargets cfg s r |> FreshPositions.unlessStale s e
        | PortfolioSnapshotsRestored snaps -> PortfolioRequests.onSnapshotsRestored s snaps

    /// The positions answered, or the broker down: the portfolio work held for them (FreshPositions) is handled now.
    and private positionsAnswered (cfg: Config) (s: State) =
        FreshPositions.release (dispatch cfg) (PortfolioSchedule.executeHeld cfg) s

    /// Market data changes the memory only through an order it caused (the day's count), an FSM move, a leg settled at
    /// expiry by the first price after a restart, or a price (the underlying's, a portfolio symbol's) or a leg's mark
    /// vol that moved the remembered one's refresh distance (a write per such move): a cheap check on the hot path.
    let private memoryLeftByMarketData (before: State) (s: State) =
        s.Daily.Trades = before.Daily.Trades && LanguagePrimitives.PhysicalEquality s.Fsm before.Fsm
        && LanguagePrimitives.PhysicalEquality s.ExpiredLegs before.ExpiredLegs
        && (let m = s.Memory.LastSpot in let n = LastSpot.next m (State.spot s) in n = m || System.Double.IsNaN n)
        && LegVols.leftBy s.Memory.LegVols before.Legs s.Legs
        && LanguagePrimitives.PhysicalEquality s.PortfolioPrices before.PortfolioPrices && RememberedFloat.same s.TakenPnl before.TakenPnl

    let inline private savedAfterMarketData (before: State) (result: State * Command list) =
        if memoryLeftByMarketData before (fst result) then result else Restart.saveIfChanged (fst result) (snd result)

    /// Guard blocks counted for the session summary (no commands, the usual case on the hot path: nothing to do).
    let inline private blocksCounted (result: State * Command list) =
        let s, cmds = result
        if cmds.IsEmpty then result else Session.countBlocks s cmds, cmds

    /// A market-data result every stage would hand on as it is: no commands (nothing to pause on or count) and the
    /// memory left as it was (nothing to save).
    let private quiet (before: State) (result: State * Command list) =
        (snd result).IsEmpty && memoryLeftByMarketData before (fst result)

    /// The P&L the engine took the book at, taken at the first step that knows it (State.withTaken): a NaN test after.
    let inline private taken (cfg: Config) (result: State * Command list) =
        if System.Double.IsNaN (fst result).TakenPnl then State.withTaken cfg (fst result), snd result else result

    let private stepUnlessStopped (cfg: Config) (s: State) (e: Event) : State * Command list =
        match s.Fsm with
        | Stopped -> s, [] // terminal: a stopped engine decides nothing more
        | _ ->
            // "Now" is the receive time, and never goes backwards.
            // (int64 comparisons: the Timestamp struct's generic comparison boxes, and this runs on every event)
            let now = if e.Received.Nanos > s.Now.Nanos then e.Received else s.Now
            match e.Payload with
            // The hot path: the quote handler sets Now in its single state copy.
            | QuoteReceived q ->
                let result = MarketData.onQuote cfg s now (stamp e q) |> taken cfg
                if quiet s result then result else result |> blocksCounted |> savedAfterMarketData s
            // Streamed ticks (the live feed): the handlers take `now` too, for the same single copy.
            | TickReceived(id, field, value) ->
                let result = MarketData.onTick cfg s now e.Venue id field value |> taken cfg
                if quiet s result then result else result |> pauseOnCritical |> blocksCounted |> savedAfterMarketData s
            | OptionComputationReceived(id, iv) ->
                let result = MarketData.onOptionComputation cfg s now id iv |> taken cfg
                if quiet s result then result else result |> pauseOnCritical |> blocksCounted |> savedAfterMarketData s
            // Anything else may change what a restart must remember: saved when it did (after a critical alert's pause).
            | _ ->
                let handled =
                    match e.Payload with
                    // The clock step's revaluation sets Now in its own state copy (a step every clock second).
                    | ClockTicked ->
                        let clocked = Clock.onTick cfg s now
                        // Without a portfolio set up the schedule has nothing to do (its hook would return the state as is).
                        if (fst clocked).PortfolioSetup.IsNone then clocked
                        else
                            let scheduled = clocked |> andThen (PortfolioSchedule.onTick cfg)
                            let s' = fst scheduled
                            // Runs held for the account's positions are judged only while there are any (the usual step).
                            if s'.HeldForPositions.IsEmpty then scheduled
                            else scheduled |> andThen (FreshPositions.refuseUnanswered PortfolioSchedule.refuseHeld)
                    | _ -> dispatch cfg (if now.Nanos = s.Now.Nanos then s else { s with Now = now }) e
                let handled = taken cfg handled
                // No commands and nothing remembered changed (the usual clock step): every stage below would pass it on.
                if (snd handled).IsEmpty && Restart.plainlyUnchanged (fst handled) then handled else
                let result = handled |> pauseOnCritical |> blocksCounted
                let s', cmds = result
                // Unchanged memory implies a running, paused or flattening engine, which the stop summary leaves alone.
                if Restart.plainlyUnchanged s' then result
                else
                    let s', cmds = Session.atStop cfg s (s', cmds)
                    Restart.saveIfChanged s' cmds

    let step (cfg: Config) (s: State) (e: Event) : State * Command list =
        let result =
            match s.Fsm with
            // Whatever moves the FSM off an operator run (pause, halt, reconnect, flatten, stop) leaves it followed apart.
            | Running(RunPending _) -> stepUnlessStopped cfg s e |> Runs.keepFollowing s
            // Whatever moves it off a flatten without ending it (a stop, a halt) answers the flatten's control.
            | Flattening _ -> stepUnlessStopped cfg s e |> Runs.answerInterruptedFlatten cfg s
            | _ -> stepUnlessStopped cfg s e
        match e.Payload with
        | QuoteReceived _ | TickReceived _ | OptionComputationReceived _ -> result // market data settles no order
        | _ when (fst result).DetachedRuns.IsEmpty -> result
        | _ ->
            // A run followed apart ends in the step that settled its last order (an order event, a sync's end). A flatten
            // handed back by a restart that ends short pages (FLATTEN_INCOMPLETE): an engine the operator resumed meanwhile
            // pauses on it as on any critical alert, remembered so.
            let s', cmds = result
            let s', ended = Runs.settleDetached s'
            if ended.IsEmpty then result
            else
                let s', ended = pauseOnCritical (s', ended)
                Restart.saveIfChanged s' (cmds @ ended)

    /// Folds a sequence of events; returns the final state and every command in order.
    let run (cfg: Config) (s: State) (events: Event seq) =
        let mutable state = s
        let commands = ResizeArray()
        for e in events do
            let s', cmds = step cfg state e
            state <- s'
            commands.AddRange cmds
        state, List.ofSeq commands
