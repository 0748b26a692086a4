namespace Bifrost.Domain.Trading

open Bifrost.Domain
open Bifrost.Domain.PortfolioRuns

/// Portfolio runs inside the engine (docs/portfolio-runs.md): a request freezes a snapshot from signals, pre-trades it,
/// and sends its orders through the same order path as every other order (OrderFlow.placeRef: IB ids, the journal,
/// the FSM gates) under the idempotent `oi_p…` refs of Execution.plan. Broker reports on those orders drive
/// RunMachine; the run's status is recorded on every change, and a finished run decides its fallback.
module PortfolioFlow =
    let private input (s: State) ev = { Event = ev; VenueTime = s.Now; ReceivedAt = s.Now }

    let private symbolOf (setup: PortfolioSetup) conId = PortfolioSetup.symbolOf setup conId

    let onConfigured (s: State) (setup: PortfolioSetup) =
        let quotes = setup.Contracts |> Map.toList |> List.map (fun (_, id) -> id, Quote.empty id) |> Map.ofList
        let s' = { s with PortfolioSetup = Some setup; PortfolioQuotes = quotes; PortfolioPrices = PortfolioPrices.inUniverse s.PortfolioPrices (PortfolioSetup.contractIds setup) }
        let symbols = setup.Contracts |> Map.toList |> List.map (fun (sym, id) -> $"{sym}={ContractId.value id}") |> String.concat " "
        s', [ Emit.note s OperationKind.FsmChanged "" $"portfolio configured: {symbols}"
              if s.Connectivity.SocketUp then SubscribeMarketData(PortfolioSetup.contractIds setup) ]

    /// Strategy-owned shares of each universe symbol now.
    let positions (setup: PortfolioSetup) (s: State) =
        setup.Contracts |> Map.map (fun _ id -> State.qtyOf s id)

    /// What the whole account holds of each universe symbol (the broker's positions, all client ids), less the engine's
    /// own sells since each was reported (OwnSells): what a sell without allow_short may take.
    let accountPositions (setup: PortfolioSetup) (s: State) =
        setup.Contracts |> Map.map (fun _ id -> OwnSells.held s id)

    /// A quote fit to size and trade at: two-sided and within portfolio.max_spread_bps (Execution.quoteProblem).
    let private fit (setup: PortfolioSetup) (sym: string) (q: Quote) =
        (Execution.quoteProblem setup.Settings.MaxSpreadBps sym q.Bid q.Ask).IsNone

    /// The prices a snapshot is sized at: each symbol's accepted mid, when its quote is fit to trade at. A symbol whose
    /// first quote after a restart is held (a possible bad print), whose quote is one-sided or too wide (the last
    /// trade standing in for a mid, or a mid anywhere in a 10 % spread), or that has not been quoted at all since the
    /// start (a ticker TWS dropped or refused), is sized at the price the engine remembered for it (the last two-sided
    /// mid), as a symbol held live is sized at its accepted one: the line is planned and then not sent
    /// (market_data_error, naming the quote; its quote asked for again), so the run says it did not trade it instead of
    /// noting it NO_PRICE and ending done — an exit signal of a symbol unquoted since a restart was dropped that way.
    let prices (setup: PortfolioSetup) (s: State) =
        setup.Contracts
        |> Map.toList
        |> List.choose (fun (sym, id) ->
            let q = s.PortfolioQuotes |> Map.tryFind id
            let mid = q |> Option.filter (fit setup sym) |> Option.map Quote.mid |> Option.defaultValue nan
            let p = if System.Double.IsNaN mid then PortfolioPrices.find s.PortfolioPrices id else mid
            if System.Double.IsFinite p && p > 0.0 then Some(sym, p) else None)
        |> Map.ofList

    /// The quotes an execution may price orders from: accepted, with a mid, and their two sides (Execution refuses a
    /// one-sided or wide one, naming it); a symbol whose last quote is held as a possible bad quote has none (its order
    /// is not sent: market_data_error).
    let executionQuotes (setup: PortfolioSetup) (s: State) =
        setup.Contracts |> Map.toList |> List.choose (fun (sym, id) ->
            s.PortfolioQuotes |> Map.tryFind id
            |> Option.filter (fun q -> System.Double.IsFinite(Quote.mid q) && not (s.HeldQuotes.ContainsKey id))
            |> Option.map (fun q -> sym, { Price = Quote.mid q; Bid = q.Bid; Ask = q.Ask; ReceivedAt = q.ReceiveTime })) |> Map.ofList

    /// An account figure in dollars (NaN when none: not reported, or the account reports another currency, Funds).
    let account (s: State) key =
        if s.AccountCurrency.IsSome then nan else s.AccountValues |> Map.tryFind key |> Option.defaultValue nan

    let known (setup: PortfolioSetup) (s: State) =
        [ for KeyValue(_, o) in s.Orders do
              if o.Purpose = PortfolioTrade then
                  match symbolOf setup o.ContractId with
                  | Some sym ->
                      { Ref = OrderRef.value o.Ref; Symbol = sym; Side = o.Side; Quantity = o.Quantity; Filled = o.Filled
                        Working = Order.isWorking o }
                  | None -> () ]

    /// What planning a run's orders needs now: the operator's run and a schedule slot plan alike.
    let executionInputs (setup: PortfolioSetup) (s: State) (runId: string) : ExecutionInputs =
        { RunId = runId; Now = s.Now; MaxQuoteAge = setup.Settings.MaxQuoteAge; MaxSpreadBps = setup.Settings.MaxSpreadBps
          Positions = positions setup s; Account = accountPositions setup s; AllowShort = setup.Settings.Sizing.AllowShort
          Known = known setup s; Quotes = executionQuotes setup s }

    /// A run's plan (Execution.plan): a line of a symbol the exchange halted is not sent, whatever its quote says
    /// (market_data_error naming the halt: ExchangeHalts).
    let plan (setup: PortfolioSetup) (s: State) (runId: string) (snapshot: Snapshot) =
        let rec halted (line: PlannedLine) =
            match line with
            | Place(ref, key, qty, _) | NoFreshQuote(ref, key, qty) | UnfitQuote(ref, key, qty, _) ->
                match setup.Contracts |> Map.tryFind key.Symbol |> Option.bind (fun id -> s.TradingHalts |> Map.tryFind id) with
                | Some(halt, _) ->
                    UnfitQuote(ref, key, qty, $"{Execution.marketDataError}: UNDERLYING_HALTED: {key.Symbol} halted by the exchange ({TradingHalt.name halt}): an order would wait at IB for the reopening auction and fill at its price; nothing sent")
                | None -> line
            | CappedSell(inner, why) -> CappedSell(halted inner, why)
            | AlreadySent _ | AtTarget _ -> line
        let planned = Execution.plan (executionInputs setup s runId) snapshot
        if s.TradingHalts.IsEmpty then planned else planned |> Result.map (List.map halted)

    /// A finished run's answer to its control: its status, each order and the reasons.
    let private answer (run: Run) =
        let detail =
            let orders = run.Orders |> List.map (fun o -> $"{o.Key.Symbol} {Side.name o.Key.Side} {o.Filled}/{o.Quantity} {RunOrderStatus.name o.Status}")
            RunStatus.name run.Status + ": " + String.concat "; " (orders @ run.Reasons)
        detail, (match run.Status with RunStatus.Done | RunStatus.Partial -> Done detail | _ -> Refused detail)

    /// A schedule slot's run that ended short of its snapshot — blocked (pre-trade, the broker down), or partial — with
    /// no fallback alert saying so. An operator's run answers its control; a slot's has none, and the unattended
    /// rebalance was left undone with only an operation line. A run someone cancelled is told by who cancelled it (the
    /// operator, the schedule's SCHEDULE_FAILED, the restart's).
    let private slotShortfall (s: State) (run: Run) (detail: string) =
        match run.Purpose, run.Status with
        | ScheduledSlot slotId, (RunStatus.Blocked | RunStatus.Partial | RunStatus.Failed) when run.CancelRequestedBy.IsNone ->
            Emit.alertAndRecord s Warning "SCHEDULE_FAILED" $"schedule slot {slotId}: run {run.Id} {detail}; the portfolio is not at snapshot {run.SnapshotId}'s targets"
        | _ -> []

    /// A finished run: record it, decide its fallback (alert), answer the control, free the engine for the next run.
    let private finish (s: State) (run: Run) (meta: ControlMeta) =
        let decision = Fallback.decide s.PortfolioHistory run s.Now
        let run = Fallback.record decision run
        let detail, outcome = answer run
        let alert =
            match Fallback.alert decision with
            | Some a -> Emit.alertAndRecord s (if a.Critical then Critical else Warning) a.Code a.Message
            | None -> slotShortfall s run detail
        let fsm = match s.Fsm with Running(RunPending(id, _)) when id = run.Id -> Running Idle | f -> f
        { s with
            Fsm = fsm
            PortfolioRuns = s.PortfolioRuns |> Map.add run.Id (run, meta)
            PortfolioHistory = s.PortfolioHistory @ [ Fallback.summary run ] },
        [ RecordPortfolioRun run
          Emit.note s OperationKind.ControlCompleted run.Id $"portfolio run {run.Id} {detail}"
          CompleteControl(meta.ControlId, outcome) ]
        @ alert

    /// Applies run events in order; an edge the machine does not have is an anomaly (never thrown). The run is
    /// recorded once after the batch; reaching a terminal status finishes it (once).
    let stepRun (s: State) (runId: string) (events: RunEvent list) =
        match s.PortfolioRuns |> Map.tryFind runId with
        | None -> s, []
        | Some(run0, meta) ->
            let run, problems =
                events |> List.fold (fun (r, errs) ev ->
                    match RunMachine.step r (input s ev) with
                    | Ok r' -> r', errs
                    | Error e -> r, errs @ [ $"run {e.RunId} {RunStatus.name e.From} on {e.Event}: {e.Detail}" ]) (run0, [])
            let anomalies = problems |> List.map (fun p -> Emit.note s OperationKind.Anomaly runId p)
            let s = { s with PortfolioRuns = s.PortfolioRuns |> Map.add runId (run, meta); Anomalies = s.Anomalies + problems.Length }
            if run = run0 then s, anomalies
            elif RunStatus.isTerminal run.Status && not (RunStatus.isTerminal run0.Status) then
                let s', cmds = finish s run meta
                s', anomalies @ cmds
            else s, anomalies @ [ RecordPortfolioRun run ]

    /// FSM and link gates: a portfolio run needs the engine running and nothing else in flight (like an operator run).
    let gate (s: State) =
        match s.Fsm with
        | Running Idle when not (Set.isEmpty s.Open) -> Some "an order is in flight"
        | Running Idle when not s.StoreOk -> Some "store unavailable"
        | Running Idle -> None
        | Running _ -> Some "an order is in flight"
        | other -> Some $"state {FsmState.name other} does not accept orders"

    /// The day's P&L and the drawdown as pre-trade sees them: NaN (no new exposure) while a strategy holding has no
    /// mark, because an unmarked holding is carried at cost and its loss would not show. The session's figure, as the
    /// strategy's limits judge it (State.limitsPnl): a slot's pre-trade before the open judged the stock's pre-market
    /// marks beside the options' last-close mids, and a gap day's hedge loss without the calls' gain blocked the slot.
    let dayRisk (cfg: Config) (s: State) =
        if not (State.isValued cfg s) then nan, nan
        else
            let total = State.limitsPnl cfg s
            total - s.Daily.StartPnl, PreTradeRisk.drawdown (State.highWaterWith s total) total

    let brokerDown (s: State) = not (State.brokerUp s)

    /// Sends each planned order under its key's ref; OrderSubmitted follows each PlaceOrder.
    let execute (cfg: Config) (setup: PortfolioSetup) (s: State) (run: Run) (plan: PlannedLine list) =
        Execution.placements plan
        |> List.fold (fun (s: State, cmds, events) (ref, key, qty, price) ->
            match s.Fsm with
            | Halted _ -> s, cmds, events // a line found no order id: the rest is not sent (one halt, one alert)
            | _ ->
                let conId = setup.Contracts.[key.Symbol]
                let s', c, placed = OrderFlow.placeRef cfg s ref run.Id PortfolioTrade conId key.Side qty Market false price
                let events = match placed with Some r -> events @ [ OrderSubmitted(OrderRef.value r) ] | None -> events
                s', cmds @ c, events) (s, [], [])

    /// After `execute`: the engine waits for the run, unless a placement halted it (ORDER_REF_EXHAUSTED: no order id
    /// left). That halt stands — RunPending over it, then the critical alert's pause, made it a Paused a plain resume
    /// lifted — and the lines not sent end with it; those sent are followed until they settle.
    let afterExecute (s: State) (runId: string) (meta: ControlMeta) (submitted: RunEvent list) =
        match s.Fsm with
        | Halted why -> stepRun s runId (submitted @ [ CancelRequested $"the halt ({BlockReason.code (BlockReason.ofHalt why)})" ])
        | _ -> stepRun { s with Fsm = Running(RunPending(runId, meta)) } runId submitted

    /// The account as a snapshot is frozen from: NetLiquidation, the cash the engine has not spent since the last
    /// AvailableFunds report (Funds.available), portfolio quote mids, owned shares.
    let sizingInputs (setup: PortfolioSetup) (s: State) : SizingInputs =
        { PortfolioValue = account s "NetLiquidation"; CashAvailable = Funds.available s; Prices = prices setup s; Positions = positions setup s }

    /// The session-hours rule for a portfolio run's market orders, one for the operator's runs and the schedule's
    /// (a no-trade window counts as outside: SessionCalendar.isOpen). Outside the session its market orders, sized on
    /// tonight's prices, would wait for the next open and fill at whatever it gaps to, or be cancelled by run_timeout
    /// before it (a run that did nothing, reported late).
    let outOfHours (cfg: Config) (s: State) =
        if Classifier.hours cfg.Calendar s.Now = OutOfHours then
            Some "outside the session's hours (calendar): a portfolio run's market orders would wait for the next open; run it in the session"
        else None

    /// SNAPSHOT_CORRUPT stops every portfolio run, the operator's and the schedule's, until the store is repaired.
    let corrupt (s: State) =
        if s.PortfolioCorrupt.IsEmpty then None
        else Some $"""portfolio trading stopped: stored snapshot(s) fail their hash check ({String.concat "; " s.PortfolioCorrupt}); the store must be repaired and the daemon restarted"""

    /// Why no portfolio run may start now (None: it may), the operator's or a slot's execute. Broker down is not a
    /// refusal: the run is recorded blocked. An account reporting in another currency than USD (ACCOUNT_CURRENCY) has
    /// no NetLiquidation or cash in dollars to size or check a run with (Funds.onAccountValue).
    let refusal (cfg: Config) (s: State) =
        match s.PortfolioSetup, outOfHours cfg s with
        | None, _ -> Some "no portfolio configured (the configuration has no portfolio section)"
        | Some _, Some outside -> Some outside
        | Some _, None when (corrupt s).IsSome -> corrupt s
        | Some _, None when (Funds.currencyRefusal s).IsSome -> Funds.currencyRefusal s
        | Some _, None -> if brokerDown s then None else gate s

    /// Symbols a snapshot trades that the portfolio may not trade now (the universe changed since it was frozen, e.g. a
    /// symbol dropped or made the scalper's underlying). Such a snapshot is refused whole: run without them it is a
    /// portfolio nobody decided on, and their orders met "market_data_error" instead of the real reason.
    let outsideUniverse (setup: PortfolioSetup) (snapshot: Snapshot) =
        Snapshot.tradingLines snapshot |> List.map _.Symbol |> List.filter (fun sym -> not (setup.Contracts.ContainsKey sym))

    /// Lines without a fresh quote are not sent (market_data_error); with the broker up their quotes are asked for again
    /// at once, so a rerun of the snapshot (`portfolio_rerun`) finds a symbol whose feed was only quiet quoted again.
    let askForStale (setup: PortfolioSetup) (s: State) (plan: PlannedLine list) =
        let ids = plan |> List.choose (Execution.carried >> function NoFreshQuote(_, key, _) -> setup.Contracts |> Map.tryFind key.Symbol | _ -> None)
                       |> List.filter (fun id -> not (s.HeldQuotes.ContainsKey id)) // a held price passes on its own (PRICE_JUMP)
        if ids.IsEmpty || brokerDown s then [] else [ SubscribeMarketData ids ]

    /// Each sell the plan cut to the account's holding, noted on the run (the cut line sends less, or nothing).
    let capNotes (s: State) (runId: string) (plan: PlannedLine list) =
        Execution.caps plan |> List.map (fun why -> Emit.note s OperationKind.Intent runId why)

    /// Answers a portfolio control with a refusal (nothing frozen, nothing sent).
    let refuseControl (s: State) (runId: string) (meta: ControlMeta) (head: Command list) why =
        s, head @ [ Emit.note s OperationKind.ControlCompleted runId $"refused: {why}"; CompleteControl(meta.ControlId, Refused why) ]

    /// Queues a run on a frozen snapshot, pre-trades it and sends its orders (or records why not). `head`: the commands
    /// due first (control received, the snapshot's record when it is new). A snapshot run again (by id, or as a
    /// fallback) is the same frozen decision: Execution.plan sends only what the live position still lacks.
    let startRun (cfg: Config) (s: State) (setup: PortfolioSetup) (runId: string) (purpose: RunPurpose) (meta: ControlMeta)
                 (snapshot: Snapshot) (head: Command list) =
        let refuse why = refuseControl s runId meta head why
        let s = { s with PortfolioSnapshots = s.PortfolioSnapshots |> Map.add snapshot.Id snapshot }
        match RunMachine.queue runId snapshot purpose s.Now, outsideUniverse setup snapshot with
        | _, (_ :: _ as foreign) ->
            refuse $"""snapshot {snapshot.Id} trades {String.concat "," foreign}, not in portfolio.universe now"""
        | Error e, _ -> refuse $"{e.Field}: {e.Message}"
        | Ok run, [] ->
            let s = { s with PortfolioRuns = s.PortfolioRuns |> Map.add run.Id (run, meta) }
            let head = head @ [ RecordPortfolioRun run ]
            if brokerDown s then
                let s', cmds = stepRun s run.Id [ PreTradeStarted; BrokerUnavailable ]
                s', head @ cmds
            else
                let positions = positions setup s
                let inputs = sizingInputs setup s
                let dailyPnl, drawdown = dayRisk cfg s
                let ctx =
                    { PortfolioValue = inputs.PortfolioValue; CashAvailable = inputs.CashAvailable; TradesToday = s.Daily.Trades
                      DailyPnl = dailyPnl; Drawdown = drawdown; Positions = positions; Prices = inputs.Prices }
                match Workflow.preTrade setup.Settings.Limits ctx snapshot with
                | PreTradeBlocked _ as blocked ->
                    let s', cmds = stepRun s run.Id [ PreTradeStarted; blocked ]
                    s', head @ cmds
                | cleared ->
                    match plan setup s run.Id snapshot with
                    | Error e -> refuse $"{e.Field}: {e.Message}"
                    | Ok plan ->
                        let s, cmds = stepRun s run.Id [ PreTradeStarted; cleared; ExecutionStarted plan ]
                        let cmds = capNotes s run.Id plan @ cmds @ askForStale setup s plan
                        let running = s.PortfolioRuns.[run.Id] |> fst
                        if RunStatus.isTerminal running.Status then s, head @ cmds
                        else
                            let s, placed, submitted = execute cfg setup s running plan
                            let s', more = afterExecute s run.Id meta submitted
                            s', head @ cmds @ placed @ more

    /// "; cash …" when the cash sized with is the broker's AvailableFunds less what the engine took since (Funds).
    let cashNote (s: State) = match Funds.describe s with "" -> "" | d -> $"; {d}"

    /// The snapshot is frozen and stored before anything else happens to it.
    /// The note says how its cash came about when the engine's own orders took some since the broker's report.
    let freezeNote (s: State) (runId: string) (snapshot: Snapshot) =
        [ RecordPortfolioSnapshot snapshot
          Emit.note s OperationKind.Intent runId $"snapshot {snapshot.Id} frozen sha256:{snapshot.ContentHash} ({SnapshotSource.describe snapshot.Source}){cashNote s}" ]

    let onRunRequested (cfg: Config) (s: State) (r: PortfolioRunRequest) =
        let received = Emit.note s OperationKind.ControlReceived r.RunId $"portfolio run by {r.Meta.RequestedBy}: signals {r.FileName}"
        let refuse why = refuseControl s r.RunId r.Meta [ received ] why
        match s.PortfolioSetup, refusal cfg s with
        | None, _ -> refuse "no portfolio configured (the configuration has no portfolio section)"
        | _, Some why -> refuse why
        | Some _, None when s.PortfolioRuns.ContainsKey r.RunId -> refuse $"run {r.RunId} exists already"
        | Some _, None when s.PortfolioSnapshots.ContainsKey r.SnapshotId -> refuse $"snapshot_id: snapshot {r.SnapshotId} exists already"
        | Some setup, None ->
            let req =
                { SnapshotId = r.SnapshotId; Now = s.Now; FileName = r.FileName; Text = r.Text; MaxSignalAge = setup.Settings.MaxSignalAge
                  Universe = setup.Settings.Universe; Inputs = sizingInputs setup s }
            match Workflow.buildSnapshot setup.Settings.Sizing req with
            | Error e -> refuse $"snapshot refused: {BuildError.describe e}"
            | Ok snapshot -> startRun cfg s setup r.RunId (OperatorRequested r.Meta.RequestedBy) r.Meta snapshot (received :: freezeNote s r.RunId snapshot)

    /// Runs read back from the store at start. A finished run joins the fallback history; a running one is followed
    /// again (its orders are restored with the engine's, so executions reported during the sync finish it; its refs are
    /// never minted again). A run that crashed before execution never sent anything: it ends failed, cancelled by the
    /// restart (no fallback: nothing traded), never re-run silently.
    let onRestored (s: State) (runs: Run list) =
        let restartMeta = { ControlId = 0L; RequestedBy = "restart" }
        // A run whose command a killed daemon left unanswered answers it (handed back by the restart): before, the
        // restart refused it while the run went on to fill.
        let metaOf (r: Run) = s.ResumedControls |> Map.tryFind r.Id |> Option.defaultValue restartMeta
        let answered =
            [ for r in runs do
                  match s.ResumedControls |> Map.tryFind r.Id with
                  | Some m when RunStatus.isTerminal r.Status -> CompleteControl(m.ControlId, snd (answer r))
                  | _ -> () ]
        let s =
            { s with
                PortfolioRuns = runs |> List.fold (fun m r -> m |> Map.add r.Id (r, metaOf r)) s.PortfolioRuns
                PortfolioHistory = s.PortfolioHistory @ (runs |> List.filter (fun r -> RunStatus.isTerminal r.Status) |> List.map Fallback.summary) }
        let note = Emit.note s OperationKind.FsmChanged "" $"portfolio: {runs.Length} run(s) restored"
        // A running run's order still `planned` went out only if the engine's book (the store with the journal merged)
        // holds it: its journal line is written before the wire. One the book lacks never left, and nothing else would
        // ever settle it (the run stayed "running" for good): it ends cancelled by the restart, never re-sent on an old
        // decision.
        let inBook (o: RunOrder) = OrderRef.create o.Ref |> Result.toOption |> Option.exists s.Orders.ContainsKey
        let eventsOf (r: Run) =
            match r.Status with
            | RunStatus.Queued | RunStatus.PreTrade -> [ CancelRequested "restart" ]
            | RunStatus.Running ->
                let planned = r.Orders |> List.filter (fun o -> o.Status = RunOrderStatus.Planned)
                (planned |> List.filter inBook |> List.map (fun o -> OrderSubmitted o.Ref))
                @ (if planned |> List.exists (inBook >> not) then [ CancelRequested "restart (never sent)" ] else [])
            | _ -> []
        // A slot's run the restart ends before its execution: the slot does not trade. Told (SCHEDULE_FAILED) — before,
        // only execute's note said so, and the slot went untraded with no word to anyone.
        let told =
            [ for r in runs do
                  match r.Purpose, r.Status with
                  | ScheduledSlot slotId, (RunStatus.Queued | RunStatus.PreTrade) ->
                      yield! Emit.alertAndRecord s Warning "SCHEDULE_FAILED"
                                 $"schedule slot {slotId}: run {r.Id} ended by the restart before its orders went out (nothing sent); the slot does not run (to run its snapshot: bifrost-tui portfolio-run --snapshot {r.SnapshotId})"
                  | _ -> () ]
        runs
        |> List.fold (fun (s: State, cmds) r ->
            match eventsOf r with
            | [] when r.Status = RunStatus.Running ->
                // Every order settled (fills the store kept, merged by the daemon) but the run's row said running: no
                // broker event is left to end it, so it ends here.
                let settled = RunMachine.settle r
                if settled = r then s, cmds else let s', more = finish s settled (metaOf r) in s', cmds @ more
            | [] -> s, cmds
            | events -> let s', more = stepRun s r.Id events in s', cmds @ more) (s, note :: told @ answered)

    /// The portfolio run an order belongs to, by its ref.
    let private runOfOrder (s: State) (ref: string) =
        s.PortfolioRuns |> Map.tryPick (fun id (run, _) -> if run.Orders |> List.exists (fun o -> o.Ref = ref) then Some id else None)

    /// An execution just applied by OrderFlow (new exec id): the run's fill, with IB's ids.
    let onExecution (s: State) (wasNew: bool) (x: ExecutionReport) (e: Event) =
        if not wasNew || s.PortfolioRuns.IsEmpty then s, []
        else
            match runOfOrder s x.Ref with
            | None -> s, []
            | Some runId ->
                let fill = { ExecId = ExecId.value x.ExecId; Quantity = x.Quantity; Price = x.Price; Commission = None; VenueTime = e.Venue; ReceivedAt = e.Received }
                stepRun s runId [ FillReceived(x.Ref, fill) ]

    let onCommission (s: State) (execId: ExecId) (commission: float) =
        let id = ExecId.value execId
        match s.PortfolioRuns |> Map.tryPick (fun runId (run, _) ->
                  run.Orders |> List.tryPick (fun o ->
                      match o.Fills |> List.tryFind (fun f -> f.ExecId = id) with
                      | Some f when f.Commission.IsNone -> Some(runId, o.Ref)
                      | _ -> None)) with
        | Some(runId, ref) -> stepRun s runId [ FillCommissionReported(ref, id, commission) ]
        | None -> s, []

    /// After any order event: acknowledgements (IB ids), rejects and cancels of portfolio orders, from the order book.
    let afterOrders (s: State) =
        if s.PortfolioRuns.IsEmpty then s, []
        else
            s.PortfolioRuns
            |> Map.toList
            |> List.fold (fun (s: State, cmds) (runId, (run, _)) ->
                let events =
                    [ for ro in run.Orders do
                          // Called on every order event (hedges too), over every run restored: a settled order (its
                          // perm id known, no longer planned or working) can yield nothing, so it costs no lookup.
                          let settled = ro.PermId.IsSome && ro.Status <> RunOrderStatus.Planned && ro.Status <> RunOrderStatus.Working
                          match (if settled then None else OrderRef.create ro.Ref |> Result.toOption |> Option.bind (fun r -> s.Orders |> Map.tryFind r)) with
                          | None -> ()
                          | Some o ->
                              if o.PermId <> 0L && ro.PermId.IsNone then OrderAcknowledged(ro.Ref, o.IbOrderId, o.PermId)
                              match o.Status, ro.Status with
                              | (Rejected | Inactive), (RunOrderStatus.Planned | RunOrderStatus.Working) ->
                                  OrderRejectedByBroker(ro.Ref, (if o.RejectReason = "" then OrderStatus.name o.Status else o.RejectReason))
                              | Cancelled, RunOrderStatus.Working -> OrderCancelConfirmed ro.Ref
                              | _ -> () ]
                if events.IsEmpty then s, cmds
                else
                    let s', more = stepRun s runId events
                    s', cmds @ more) (s, [])

    /// The link went down: a running run's unsent orders are rejected (connection_unavailable); sent orders live on.
    /// A run still queued or at pre-trade is a schedule slot's waiting for execute_at (an operator's run goes from
    /// request to its orders in one step), with nothing at the broker: execute checks the link, the gate and pre-trade
    /// itself when it comes. Blocked here, a blip minutes before execute_at (TWS restarting) lost the slot.
    let onBrokerDown (s: State) =
        s.PortfolioRuns
        |> Map.toList
        |> List.filter (fun (_, (run, _)) -> run.Status = RunStatus.Running)
        |> List.fold (fun (s: State, cmds) (runId, _) ->
            let s', more = stepRun s runId [ BrokerUnavailable ]
            s', cmds @ more) (s, [])
