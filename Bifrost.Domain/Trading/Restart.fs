namespace Bifrost.Domain.Trading

open Bifrost.Domain
open Bifrost.Domain.Strategy

/// Whose a Bifrost order ref is.
type RefOwner =
    /// Not minted by Bifrost (the operator's own client, TWS): external.
    | NotBifrost
    /// This run or one of its child runs (`{run}-man7`, `{run}-reb3`, `{run}-flat12`).
    | ThisRun
    /// Another Bifrost run the configuration expects on this account (`reconcile.expected_other_runs`): external.
    | ExpectedRun of runId: string
    /// Another Bifrost run nobody said to expect: ANOTHER_ENGINE.
    | OtherRun of runId: string

/// Restart: the state rebuilt from what the store holds (orders, fills, the engine memory) through EngineStarted,
/// the memory saved whenever it changes, and the other engines a restart may meet on the account.
module Restart =
    /// The run part of `oi_{run}_{seq}`.
    let runOfRef (ref: string) =
        if not (OrderRef.isBifrost ref) then None
        else
            let body = ref.Substring 3
            let i = body.LastIndexOf '_'
            Some(if i > 0 then body.Substring(0, i) else body)

    /// A child run id is `{run}-{letters}{digits}` (the shells mint man/reb/flat this way).
    let private isChildOf (runId: string) (candidate: string) =
        candidate.StartsWith(runId + "-", System.StringComparison.Ordinal)
        && (let rest = candidate.Substring(runId.Length + 1)
            let letters = rest |> Seq.takeWhile System.Char.IsAsciiLetterLower |> Seq.length
            letters > 0 && letters < rest.Length && rest.Substring letters |> Seq.forall System.Char.IsAsciiDigit)

    let owner (cfg: Config) (ref: string) =
        match runOfRef ref with
        | None -> NotBifrost
        | Some run when run = cfg.RunId || isChildOf cfg.RunId run -> ThisRun
        | Some run when cfg.Control.ExpectedOtherRuns |> List.contains run -> ExpectedRun run
        | Some run -> OtherRun run

    // ------------------------------------------------------------------ another engine

    /// How otherClientRef marks a ref of this run from another client: a copy of this engine, not another run.
    let private copyMark = " (a second engine with run_id "

    /// Names the refs with the way out that fits them: another run may be expected, but a copy of this run (its
    /// run_id listed there is refused by the configuration) has to stop or take a run_id and a store of its own.
    let private anotherEngineText (cfg: Config) (refs: Set<string>) =
        let copies, others = refs |> Set.partition (fun r -> r.Contains(copyMark, System.StringComparison.Ordinal))
        let ways =
            [ if not others.IsEmpty then "list its run id in reconcile.expected_other_runs if it is expected"
              if not copies.IsEmpty then
                  $"two engines cannot share run_id {cfg.RunId}: stop the other one, or give it a run_id and a store of its own" ]
        "another Bifrost run trades this account: " + String.concat ", " refs + " (" + String.concat "; " ways + ")"

    /// Another run's ref seen. During sync it is judged when the sync finishes; otherwise it halts now.
    let noteForeign (cfg: Config) (s: State) (ref: string) =
        let s = { s with ForeignRefs = s.ForeignRefs.Add ref }
        match s.Fsm with
        | Starting | Syncing _ | Stopping _ | Stopped | Halted(AnotherEngine _) -> s, []
        | _ ->
            let reason = AnotherEngine(anotherEngineText cfg s.ForeignRefs)
            let s = { s with Fsm = Halted reason }
            let s, cancels = OrderFlow.cancelWorking s "another engine on the account"
            s, cancels @ [ Emit.note s OperationKind.HaltRaised "" (HaltReason.describe reason) ]
               @ Emit.alertAndRecord s Critical "ANOTHER_ENGINE" (anotherEngineText cfg s.ForeignRefs)

    /// The engine's client id a report of this ref is judged by (FillRule): only a ref of this run's is (another run's
    /// is judged by its run). A restart passes the one the fill was recorded under.
    let clientJudging (cfg: Config) (ref: string) (engine: int option) = if owner cfg ref = ThisRun then engine else None

    /// True when a report of a ref of this run comes from another client id: a second engine with our run_id (a copied
    /// configuration or store) whose refs are ours too; only the client id tells its orders and fills from ours.
    let isOtherClient (cfg: Config) (ref: string) (clientId: int) =
        FillRule.otherClient (clientJudging cfg ref cfg.Control.ClientId) clientId

    /// What ForeignRefs notes for such a ref, so the ANOTHER_ENGINE text names the client and the run.
    let otherClientRef (cfg: Config) (ref: string) (clientId: int) =
        let run = runOfRef ref |> Option.defaultValue cfg.RunId
        $"{ref}{copyMark}{run} on client {clientId})"

    /// The halt a sync ends in when it met other runs' refs, if any.
    let foreignHalt (cfg: Config) (s: State) =
        if s.ForeignRefs.IsEmpty then None
        else let text = anotherEngineText cfg s.ForeignRefs in Some(AnotherEngine text, text)

    /// Whose a ref is, for this state: an order this engine holds is its own whatever its run id.
    let ownerIn (cfg: Config) (s: State) (ref: string) =
        match OrderRef.create ref with
        | Ok r when s.Orders.ContainsKey r -> ThisRun
        | _ -> owner cfg ref

    /// The trailing sequence of `oi_{run}_{i}`, when the ref ends in one.
    let private sequenceOf (ref: string) =
        let i = ref.LastIndexOf '_'
        match System.Int64.TryParse(ref.Substring(i + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture) with
        | true, n when i > 0 && n < Config.maxOrderSequence -> Some n
        | _ -> None

    /// A ref of this run the broker reports (an execution, an open order) is never minted again, even when the store
    /// lost its order (a backup restored over today's store, a salvaged one): the next ref goes above it. Before, the
    /// restored sequence minted the same ref again, and the old execution stored under it became the new order's fill.
    let keepRefAbove (cfg: Config) (s: State) (ref: string) =
        match owner cfg ref with
        | ThisRun ->
            match sequenceOf ref with
            | Some n when n >= s.NextOrderSeq -> { s with NextOrderSeq = n + 1L }
            | _ -> s
        | _ -> s

    /// True when the ref is an order of this engine whose fills are the operator's own (a manual order that does
    /// not adjust the strategy): external to the strategy like any other client's.
    let private operatorsOwn (s: State) (ref: string) =
        match OrderRef.create ref with
        | Ok r -> (match s.Orders |> Map.tryFind r with Some o -> OrderPurpose.owner o.Purpose = External | None -> false)
        | Error _ -> false

    /// Executions: another run's fill is external to this engine (never UNKNOWN_FILL, never strategy-owned) and
    /// flags ANOTHER_ENGINE unless expected; external fills on option legs — the operator's own manual orders through
    /// Bifrost included — are counted for the book check. A duplicate (exec id already seen) changes nothing.
    let onExecution (cfg: Config) (s: State) (x: ExecutionReport) =
        let s = keepRefAbove cfg s x.Ref
        let who = if OrderRef.isBifrost x.Ref then ownerIn cfg s x.Ref else NotBifrost
        let fresh = not (s.SeenExecs.Contains x.ExecId)
        let s =
            match who with
            | _ when not fresh || (State.legIndex s x.ContractId).IsNone -> s
            | ThisRun when not (operatorsOwn s x.Ref) -> s
            | _ ->
                let k = ContractId.value x.ContractId
                let q = Side.sign x.Side * x.Quantity
                { s with ExternalLegFills = s.ExternalLegFills |> Map.add k (q + (s.ExternalLegFills |> Map.tryFind k |> Option.defaultValue 0)) }
        match who with
        | ThisRun when isOtherClient cfg x.Ref x.ClientId ->
            // Never applied to our order of the same ref: counted as an external fill, and the engine halts.
            if not fresh then s, []
            else
                let s, cmds = OrderFlow.onExecution s { x with Ref = "" }
                let s, halt = noteForeign cfg s (otherClientRef cfg x.Ref x.ClientId)
                s, cmds @ halt
        | NotBifrost | ThisRun -> OrderFlow.onExecution s x
        | ExpectedRun _ -> OrderFlow.onExecution s { x with Ref = "" }
        | OtherRun _ when not fresh -> s, []
        | OtherRun _ ->
            let s, cmds = OrderFlow.onExecution s { x with Ref = "" }
            let s, halt = noteForeign cfg s x.Ref
            s, cmds @ halt

    // ------------------------------------------------------------------ memory

    let private targetOf = function
        | ResumeRunning -> OperatorRunning
        | ResumePaused -> OperatorPaused
        | ResumeHalted r -> OperatorHalted r

    /// Where a sync goes for an operator state remembered across a restart.
    let resumeTarget (m: EngineMemory) =
        if m.StopPending then ResumePaused
        else
            match m.Operator with
            | OperatorRunning -> ResumeRunning
            | OperatorPaused -> ResumePaused
            | OperatorHalted r -> ResumeHalted r

    /// The memory the state implies. Stopping is remembered as "stop pending" over the operator state before it, so
    /// a clean stop restarts as it was (starting the daemon is the operator's act) and a crash mid-stop comes back Paused.
    let memoryOf (s: State) =
        let operator, stopPending =
            match s.Fsm with
            | Running _ -> OperatorRunning, false
            | Flattening { Returns = Some r } -> OperatorHalted r, false
            | Paused | Flattening _ -> OperatorPaused, false
            | Halted r -> OperatorHalted r, false
            | Syncing p -> targetOf p.ResumeTo, false
            | Starting -> s.Memory.Operator, s.Memory.StopPending
            | Stopping _ -> s.Memory.Operator, true
            | Stopped -> s.Memory.Operator, false
        { Operator = operator
          StopPending = stopPending
          Day = s.Daily.Day
          TradesToday = s.Daily.Trades
          DayStartPnl = s.Daily.StartPnl
          HighWater = s.HighWater
          OptionBook = s.OptionBook
          PausedBy = s.PausedBy
          ExpiredLegs = s.ExpiredLegs
          DayLastPnl = s.Daily.LastPnl
          LastSpot = LastSpot.next s.Memory.LastSpot (State.spot s)
          LegVols = LegVols.next s.Memory.LegVols s.Legs
          PortfolioPrices = s.PortfolioPrices
          TiltClearedThrough = s.TiltClearedThrough
          // Merged in at the start only (legTermsWith): the configuration cannot change while the engine runs.
          LegTerms = s.Memory.LegTerms
          HedgeRejects = s.HedgeRejects
          LastHedgeAt = s.LastHedgeAt
          LastHedgeSpot = s.LastHedgeSpot
          TakenPnl = s.TakenPnl }

    /// A sufficient test that `memoryOf s` equals the saved memory, building nothing: true in the usual step (running,
    /// nothing remembered changed); false sends the caller to the full comparison.
    let plainlyUnchanged (s: State) =
        let m = s.Memory
        let inline eqF x y = RememberedFloat.same x y
        let operatorSame =
            match s.Fsm, m.Operator with
            | Running _, OperatorRunning
            | (Paused | Flattening _), OperatorPaused -> not m.StopPending
            | _ -> false
        operatorSame && m.Day = s.Daily.Day && m.TradesToday = s.Daily.Trades && eqF m.DayStartPnl s.Daily.StartPnl
        && eqF m.HighWater s.HighWater && LanguagePrimitives.PhysicalEquality m.OptionBook s.OptionBook
        && System.String.Equals(m.PausedBy, s.PausedBy) && LanguagePrimitives.PhysicalEquality m.ExpiredLegs s.ExpiredLegs
        && eqF m.DayLastPnl s.Daily.LastPnl && eqF (LastSpot.next m.LastSpot (State.spot s)) m.LastSpot
        && LanguagePrimitives.PhysicalEquality (LegVols.next m.LegVols s.Legs) m.LegVols
        && LanguagePrimitives.PhysicalEquality m.PortfolioPrices s.PortfolioPrices && m.TiltClearedThrough = s.TiltClearedThrough
        && m.HedgeRejects = s.HedgeRejects && m.LastHedgeAt = s.LastHedgeAt && eqF m.LastHedgeSpot s.LastHedgeSpot && eqF m.TakenPnl s.TakenPnl

    /// Adds SaveMemory when the memory changed since it was last saved: first when the operator state changed (on
    /// disk before the operator hears "done"), last otherwise (an order goes out before its count is saved).
    let saveIfChanged (s: State) (cmds: Command list) =
        let m = memoryOf s
        if EngineMemory.same m s.Memory then s, cmds
        elif m.Operator <> s.Memory.Operator || m.StopPending <> s.Memory.StopPending then { s with Memory = m }, SaveMemory m :: cmds
        else { s with Memory = m }, cmds @ [ SaveMemory m ]

    /// The operator runs (manual, rebalance) a restart finds with orders still open: followed apart until they settle
    /// (Runs.settleDetached), timed out by run_timeout. A run (a flatten's too) whose command was left unanswered (the
    /// daemon killed between sending and answering) answers it as it ends — at once when its orders had already settled:
    /// before, the restart refused it, and a buy that had filled read "refused" (bought again). Other runs' controls
    /// were closed (None).
    let private detachedAtRestart (orders: Order list) (resumed: (string * ControlMeta) list) : Map<string, ControlMeta option> =
        let operatorRuns = orders |> List.filter (fun o -> match o.Purpose with Manual | ManualForStrategy | Rebalance -> true | _ -> false)
        let open' = operatorRuns |> List.filter (fun o -> not (State.isSettled o)) |> List.map (fun o -> o.RunId, None)
        // A flatten handed back is followed the same way (Runs.complete answers it as a flatten ends).
        let answerable = operatorRuns @ (orders |> List.filter (fun o -> o.Purpose = Flatten))
        let answered =
            resumed |> List.filter (fun (runId, _) -> answerable |> List.exists (fun o -> o.RunId = runId)) |> List.map (fun (runId, m) -> runId, Some m)
        open' @ answered |> Map.ofList

    /// The rebalance tilt, replayed from the stored orders after the one a flatten last cleared it through (remembered:
    /// a flatten that sent no order leaves no order to say it): rebalance stock fills add to it, a flatten clears it.
    let private restoredTilt (cfg: Config) (clearedThrough: int) (orders: Order list) =
        orders
        |> List.filter (fun o -> o.IbOrderId > clearedThrough)
        |> List.sortBy (fun o -> o.IbOrderId)
        |> List.fold (fun tilt o ->
            match o.Purpose with
            | Flatten -> 0.0
            | Rebalance when o.ContractId = State.underlyingId cfg -> tilt + float (Side.sign o.Side * o.Filled)
            | _ -> tilt) 0.0

    /// How far before the engine's last order a restart's clock may read before it is taken for a clock gone back.
    let clockSlack = 60L * Duration.nanosPerSecond

    /// CLOCK_BEHIND at a restart: the host's clock reads a session day before the one the engine last ran on, or,
    /// within a day, more than `clockSlack` before the last order it placed. The engine cannot be sure of the time its
    /// session hours, cooldowns and timeouts rest on: it says so (critical: the sync ends Paused).
    let private clockBehind (s: State) (m: EngineMemory) (today: int) (daily: DailyCounters) (orders: Order list) =
        let utc (t: Timestamp) = (Timestamp.toDateTimeUtc t).ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture)
        let latest = if orders.IsEmpty then None else Some(orders |> List.maxBy (fun o -> o.PlacedAt.Nanos))
        if m.Day > today then
            Emit.alertAndRecord s Critical "CLOCK_BEHIND"
                ($"the host's clock reads session day {SessionCalendar.dayText today}, before the {SessionCalendar.dayText m.Day} the engine "
                 + $"last ran on: the clock went back; {SessionCalendar.dayText m.Day}'s trades ({daily.Trades}) and P&L baseline stay "
                 + "counted until the clock passes it: check the host's time (NTP)")
        else
            match latest with
            | Some o when o.PlacedAt.Nanos - s.Now.Nanos > clockSlack ->
                Emit.alertAndRecord s Critical "CLOCK_BEHIND"
                    ($"the host's clock reads {utc s.Now}, before order {OrderRef.value o.Ref} the engine placed at {utc o.PlacedAt}: "
                     + "the clock went back since the engine last ran (session hours, cooldowns and timeouts rest on it): check the host's time (NTP)")
            | _ -> []

    /// The remembered leg terms with the configured legs merged in (a configured leg's terms replace a remembered
    /// one's: the configuration names the contract now), the remembered ones first, in their order.
    let legTermsWith (cfg: Config) (remembered: OptionContract list) =
        let configured = cfg.Strategy.Legs |> List.map _.Option
        let kept = remembered |> List.map (fun o -> configured |> List.tryFind (fun c -> c.ContractId = o.ContractId) |> Option.defaultValue o)
        kept @ (configured |> List.filter (fun c -> not (kept |> List.exists (fun o -> o.ContractId = c.ContractId))))

    /// EngineStarted: the state rebuilt from the store. The day's trade count is the larger of the remembered count
    /// and the orders the store holds for this session day (each order is journaled before it is sent), so neither a
    /// lost memory write nor an order before the first clock tick re-arms the daily limit.
    let restore (cfg: Config) (s: State) (r: Restored) =
        match s.Fsm with
        | Starting ->
            let clearedThrough = r.Memory |> Option.map _.TiltClearedThrough |> Option.defaultValue 0
            let s' =
                { (r.Orders |> List.fold (fun s o -> State.putOrder o s) s) with
                    RefByIbId = r.Orders |> List.fold (fun m o -> m |> Map.add o.IbOrderId o.Ref) s.RefByIbId
                    Portfolio = r.Holdings |> List.fold (fun p (id, h) -> Portfolio.adopt id h p) s.Portfolio
                    SeenExecs = r.SeenExecIds |> List.fold (fun acc e -> Set.add e acc) s.SeenExecs
                    // Their commission comes with the sync's executions: without the index it was taken for another
                    // client's, and the fee was missing from the P&L until the next restart read it from the store.
                    FillIndex = r.FeesOwed |> List.fold (fun m (e, c) -> m |> Map.add e c) s.FillIndex
                    NextOrderId = max s.NextOrderId (r.OrderIdHighWater + 1)
                    NextOrderSeq = max s.NextOrderSeq r.NextOrderSeq
                    TargetTilt = restoredTilt cfg clearedThrough r.Orders
                    TiltClearedThrough = clearedThrough
                    DetachedRuns = detachedAtRestart r.Orders r.ResumedControls
                    ResumedControls = Map.ofList r.ResumedControls }
            let stored = r.Memory |> Option.defaultValue EngineMemory.empty
            // Orders of this run and no memory: the row was deleted or lost, never a first start. What it kept (a
            // pause, a risk halt, the day's loss so far, the adopted book) is unknown: halted, remembered as such.
            let missing =
                if r.Memory.IsSome || r.Orders.IsEmpty then None
                else
                    Some(MemoryMissing
                        $"the store holds {r.Orders.Length} orders of this run but no engine memory: a pause or halt, the day's P&L baseline and the adopted option book were not restored; check the account and the day's P&L, then resume")
            // The legs' terms are remembered before anything else is read, so a leg that later leaves the
            // configuration is still read right from the store (saved below when the configuration added a leg).
            let m = { stored with
                        LegTerms = legTermsWith cfg stored.LegTerms
                        Operator = (match missing with Some why -> OperatorHalted why | None -> stored.Operator) }
            let s' = { s' with Memory = m }
            let today = SessionCalendar.tradingDay cfg.Calendar s'.Now
            let placedOn day = r.Orders |> List.filter (fun o -> SessionCalendar.tradingDay cfg.Calendar o.PlacedAt = day) |> List.length
            let placedToday = placedOn today
            let daily =
                // A remembered day later than the clock's is still the day (the host's clock went back since the engine
                // last ran): its trades and P&L baseline are kept, never re-armed by a clock that moved the wrong way.
                // Restarted the same evening, the remembered last P&L is the close's (or an earlier stop's, as a restart
                // the next day would take it): counted as recorded, so the first after-hours step does not record a
                // mixed valuation over it, as a running engine records its close once (Clock.recordClose).
                if m.Day >= today then
                    let closed = m.Day = today && SessionCalendar.isAfterClose cfg.Calendar s'.Now && System.Double.IsFinite m.DayLastPnl
                    { Day = m.Day; Trades = max m.TradesToday (placedOn m.Day); StartPnl = m.DayStartPnl; LastPnl = m.DayLastPnl; Closed = closed }
                // A later day starts from the remembered day's last P&L (its close, or a stop), as a running engine starts
                // from the close's marks at midnight: the gap since is this day's. Unknown (a crash before the close): its
                // first valuation.
                // A remembered day without a session ends where it started (its close never comes).
                elif m.Day >= 0 && m.Day < today then
                    let last = if System.Double.IsNaN m.DayLastPnl && not (SessionCalendar.hasSession cfg.Calendar m.Day) then m.DayStartPnl else m.DayLastPnl
                    { Day = today; Trades = placedToday; StartPnl = last; LastPnl = nan; Closed = false }
                else { Day = today; Trades = placedToday; StartPnl = nan; LastPnl = nan; Closed = false }
            let external =
                r.ExternalLegFills |> List.fold (fun (acc: Map<int, int>) (id, q) ->
                    let k = ContractId.value id
                    acc |> Map.add k (q + (acc |> Map.tryFind k |> Option.defaultValue 0))) Map.empty
            // The store holds an expired leg's fills, not its close at expiry: re-apply the remembered close, so the leg
            // stays out of the book (and its P&L realised) across restarts, and the stock its exercise delivered.
            let portfolio =
                m.ExpiredLegs |> Map.fold (fun p id price ->
                    match ContractId.create id with
                    | Ok conId ->
                        let held = Portfolio.strategyQty conId p
                        match State.optionTerms s' conId with
                        // Terms unknown (a leg that left the configuration before its terms were remembered): its
                        // close and delivery cannot be computed; the holding stays, and the book check names it.
                        | Some o when held <> 0 ->
                            let p = Portfolio.applyFill conId o.Multiplier (Side.ofSignedQuantity -held) (abs held) price p
                            Expiry.deliver (State.underlyingId cfg) (Expiry.delivery o held price) p
                        | _ -> p
                    | Error _ -> p) s'.Portfolio
            let s' =
                { s' with
                    Portfolio = portfolio
                    Book = Book.aggregate s'.Legs portfolio
                    Daily = daily
                    HighWater =
                        (match System.Double.IsFinite r.HighWater, System.Double.IsFinite m.HighWater with
                         | true, true -> max r.HighWater m.HighWater
                         | true, false -> r.HighWater
                         | false, _ -> m.HighWater)
                    // A memory from before the taken P&L was kept, with a high-water mark: judged from the cost, as it was.
                    TakenPnl = (if System.Double.IsNaN m.TakenPnl && (System.Double.IsFinite r.HighWater || System.Double.IsFinite m.HighWater) then 0.0 else m.TakenPnl)
                    PortfolioPrices = m.PortfolioPrices
                    OptionBook = m.OptionBook
                    PausedBy = m.PausedBy
                    // The hedge's safeguards go on where they were: the rejects toward the pause, the cooldown (from
                    // now at the latest: a host clock that went back must not hold the hedger for the hours it lost).
                    HedgeRejects = m.HedgeRejects
                    LastHedgeAt = (if m.LastHedgeAt > s'.Now then s'.Now else m.LastHedgeAt)
                    LastHedgeSpot = m.LastHedgeSpot
                    ExpiredLegs = m.ExpiredLegs
                    ExternalLegFills = external }
            let remembered =
                match r.Memory with
                | None when missing.IsSome -> "NO STORED MEMORY for a run with orders: halted"
                | None -> "no stored memory (first start)"
                | Some m ->
                    let stop = if m.StopPending then ", a stop was pending: paused" else ""
                    $"operator {EngineMemory.operatorName m.Operator}{stop}; {daily.Trades} trades today; {m.OptionBook.Adopted.Length} legs adopted"
            // Saved here when it differs from the stored one (the leg terms a configured leg added, a new day): the
            // state's memory is the last one saved, which saveIfChanged compares with.
            let s', save =
                let now = memoryOf s'
                if EngineMemory.same now stored then s', [] else { s' with Memory = now }, [ SaveMemory now ]
            // Alerted when they came; named again, so the operator sees why the book leaves them out.
            let refused =
                if r.RefusedFills.IsEmpty then []
                else
                    let named =
                        r.RefusedFills |> List.truncate 10
                        |> List.map (fun (x, o, why) -> $"{ExecId.value x} of {OrderRef.value o} ({FillRefusal.describe why})") |> String.concat "; "
                    let more = if r.RefusedFills.Length > 10 then $"; and {r.RefusedFills.Length - 10} more" else ""
                    [ Emit.note s' OperationKind.Reconciled cfg.RunId
                          $"{r.RefusedFills.Length} stored executions of this engine's refs left out of the book, as the live engine refused them: {named}{more}" ]
            s', Emit.note s' OperationKind.FsmChanged cfg.RunId
                    $"engine started: {r.Orders.Length} orders, {r.Holdings.Length} holdings restored, next order id {s'.NextOrderId}; {remembered}"
                :: refused @ save @ clockBehind s' m today daily r.Orders
                @ (match missing with Some why -> Emit.alertAndRecord s' Critical "MEMORY_MISSING" (HaltReason.describe why) | None -> [])
        | other ->
            { s with Anomalies = s.Anomalies + 1 }, [ Emit.note s OperationKind.Anomaly cfg.RunId $"EngineStarted in state {FsmState.name other}: ignored" ]
