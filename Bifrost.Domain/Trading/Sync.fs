namespace Bifrost.Domain.Trading

open Bifrost.Domain
open Bifrost.Domain.Strategy

/// Syncing: reconcile positions, open orders (all clients) and executions with the broker before any order.
/// Fails closed: anything that cannot be matched halts.
module Sync =
    let scopes = [ Positions; OpenOrders; Executions; AccountValues ]

    let resumeTargetOf (fsm: FsmState) =
        match fsm with
        // A flatten out of a halt returns to that halt when it ends; a sync that interrupts it must too, or a
        // halt the sync cannot see again (an order in doubt already ended, an unknown order since gone) is lost.
        | Flattening { Returns = Some r } -> ResumeHalted r
        | Paused | Flattening _ -> ResumePaused
        | Halted r -> ResumeHalted r
        | Syncing p -> p.ResumeTo
        | Starting | Running _ | Stopping _ | Stopped -> ResumeRunning

    /// Like resumeTargetOf, but an engine that has not synced yet since its start goes where its memory says:
    /// Paused stays Paused and Halted stays Halted across a restart.
    let resumeTargetFor (s: State) =
        match s.Fsm with
        | Starting ->
            match Restart.resumeTarget s.Memory with
            | ResumeRunning when s.PausedBy <> "" -> ResumePaused // a critical alert while restoring
            | target -> target
        | fsm -> resumeTargetOf fsm

    /// A flatten a sync interrupts (a reconnect, 1101/1102, executions overdue, a leg's move) is never resumed after
    /// the sync. One with nothing at the broker ends refused here (its control stayed taken for good when 1101/1102
    /// interrupted it). One whose order still works is followed apart until it ends and answered with what it did
    /// (Runs.complete, as after a restart): refused while its sell went on to fill, `flatten-all --wait` exited 1 and
    /// an operator who sold the hedge by hand sold it twice.
    let flattenInterrupted (why: string) (s: State) =
        match s.Fsm with
        | Flattening run ->
            let after = match run.Returns with Some _ -> "back in the halt it started from" | None -> "paused"
            let working = s.Open |> Set.exists (fun r -> let o = s.Orders.[r] in o.RunId = run.RunId && o.Purpose = Flatten)
            if working then
                { s with DetachedRuns = s.DetachedRuns.Add(run.RunId, Some run.Meta) },
                [ Emit.note s OperationKind.Intent run.RunId $"flatten followed on after the {why}: its working order answers it; {after}" ]
            else s, Runs.flattenEnded s run (Refused $"{why} during flatten; {after}")
        | _ -> s, []

    /// Another run's refs are judged afresh by each sync (a resume out of ANOTHER_ENGINE passes once they are gone), but
    /// those a sync met and had not judged yet (a 1101/1102 or a reconnect restarting it) are kept: the new sync may
    /// not meet them again (an execution already reported), and dropping them ran the engine on past another engine.
    let start (s: State) (resumeTo: ResumeTarget) =
        let unjudged = match s.Fsm with Starting | Syncing _ -> s.ForeignRefs | _ -> Set.empty
        { s with ForeignRefs = unjudged; Fsm = Syncing { Positions = false; OpenOrders = false; Executions = false; ListedOpen = Set.empty; ResumeTo = resumeTo; AskedAt = s.Now; AskedAgain = 0 } },
        [ RequestReconcile scopes; Emit.note s OperationKind.Reconciled "" "reconciliation requested" ]

    /// How long a sync waits for the broker's answers before asking again.
    let stallAfter = Duration.ofSeconds 30.0

    /// A sync whose answers have not all come (an end message lost, TWS busy) waited silently for good: no orders (safe)
    /// but no alert either. Past `stallAfter` with the broker reachable, the scopes still unanswered are asked for again
    /// — every answer is idempotent (positions overwrite, open orders are a set, executions are keyed by exec id) — and
    /// the operator is told once per sync (RECONCILE_STALLED); later asks are noted.
    let askAgainIfStalled (s: State) =
        match s.Fsm with
        | Syncing p when s.Connectivity.SocketUp && s.Connectivity.IbUp && Timestamp.since p.AskedAt s.Now >= stallAfter ->
            let missing =
                [ if not p.Positions then Positions, "positions"
                  if not p.OpenOrders then OpenOrders, "open orders"
                  if not p.Executions then Executions, "executions" ]
            let names = missing |> List.map snd |> String.concat ", "
            let secs = Duration.toSeconds (Timestamp.since p.AskedAt s.Now)
            let text = $"no answer from the broker for {secs:F0} s ({names}): asked again; no orders until the account is reconciled"
            let s' = { s with Fsm = Syncing { p with AskedAt = s.Now; AskedAgain = p.AskedAgain + 1 } }
            s', RequestReconcile(List.map fst missing) :: (if p.AskedAgain = 0 then Emit.alertAndRecord s Warning "RECONCILE_STALLED" text else [ Emit.note s OperationKind.Reconciled "" text ])
        | _ -> s, []

    /// What the broker reported filled: its fill count, or the whole order for its Filled status (the store keeps the
    /// status, not the count, so after a restart the status alone says it).
    let reportedFilled (o: Order) = if o.Status = Filled then max o.Quantity o.ReportedFilled else o.ReportedFilled

    /// Orders we believe working that the broker does not list are settled from executions, or made inactive. One
    /// that vanished short of its quantity is in doubt: the broker returns only the current day's executions, so a
    /// fill from before a restart (the order filled while the engine was down, yesterday) or one the broker reported
    /// but never sent as an execution would be lost, and the hedger would hedge again. Those are made inactive and
    /// returned as problems: the sync halts (RED, alert) until the operator has checked the account and resumes.
    let private reconcileOrders (s: State) (listed: Set<string>) =
        let missing = State.workingOrders s |> List.filter (fun o -> not (listed.Contains(OrderRef.value o.Ref)))
        let s, cmds =
            missing |> List.fold (fun (s: State, acc) o ->
                let update = if o.Filled >= o.Quantity then FullyFilled else MadeInactive
                match OrderLifecycle.transition o.Status update with
                | Ok next ->
                    let o' = { o with Status = next; ReportedFilled = max o.ReportedFilled o.Filled }
                    State.putOrder o' s,
                    acc @ [ Emit.orderOp s OperationKind.OrderStatusChanged o' nan $"not open at the broker after reconnect: {OrderStatus.name next}" ]
                | Error _ -> s, acc) (s, [])
        let vanished =
            [ for o in missing do
                  if o.Filled < o.Quantity then
                      let sent = (Timestamp.toDateTimeUtc o.PlacedAt).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)
                      $"{OrderRef.value o.Ref} ({OrderPurpose.name o.Purpose} {Side.name o.Side} {o.Quantity}, sent {sent}Z) is no longer open and executions show {o.Filled} filled: it may have filled unseen (the broker sends only today's executions)" ]
        // Orders whose reported fills never arrived as executions (reconcile has asked for all of today's): a fill
        // count the broker reported, or its Filled status — the store keeps the status, not the count, so after a
        // restart the status alone says it. A Filled order short of its executions would stay in flight for good (the
        // hedger blocked, ORDER_IN_FLIGHT); it is made Inactive — ended, its fill in doubt — so that once the operator
        // has booked it or resumed, hedging goes on. One the operator already booked (confirm_book) is ended quietly.
        let shortOfFilled (o: Order) = o.Status = Filled && o.Filled < o.Quantity
        let booked = Set.ofList s.OptionBook.Booked
        let lost, bookedShort =
            s.Orders |> Map.toList |> List.map snd |> List.filter (fun o -> o.Filled < o.ReportedFilled || shortOfFilled o)
            |> List.partition (fun o -> o.Filled < o.ReportedFilled || not (booked.Contains(OrderRef.value o.Ref)))
        let ended (o: Order) = { o with ReportedFilled = o.Filled; Status = (if shortOfFilled o then Inactive else o.Status) }
        let s = bookedShort |> List.fold (fun (s: State) o -> State.putOrder (ended o) s) s
        let s = lost |> List.fold (fun (s: State) o -> { State.putOrder (ended o) s with Anomalies = s.Anomalies + 1 }) s
        let lostText = [ for o in lost -> $"{OrderRef.value o.Ref}: the broker reported {reportedFilled o} filled but executions show {o.Filled}" ]
        let unsure = (missing |> List.filter (fun o -> o.Filled < o.Quantity)) @ lost |> List.distinctBy (fun o -> o.Ref)
        s,
        cmds
        @ [ for o in lost -> Emit.orderOp s OperationKind.Anomaly o nan ($"broker reported {reportedFilled o} filled but executions show {o.Filled}" + (if shortOfFilled o then ": made Inactive, its fill in doubt" else "")) ]
        @ [ for o in bookedShort -> Emit.orderOp s OperationKind.OrderStatusChanged o nan $"Filled short of its executions ({o.Filled}/{o.Quantity}), booked by the operator: made Inactive" ],
        vanished @ lostText, unsure

    /// What the operator confirms if the orders in doubt did fill: the strategy's quantity per contract then
    /// (`confirm_book XYZ=-73`, `AAA=200`), so neither the hedger nor the next portfolio run trades them a second time;
    /// and, apart, what confirm_book cannot book (a contract the configuration no longer lists), named as the trader
    /// reads it for a check by hand.
    let private ifTheyFilled (cfg: Config) (s: State) (orders: Order list) =
        let confirmable, byHand =
            orders
            |> List.filter OrderFlow.strategyOwned
            |> List.groupBy (fun o -> o.ContractId)
            |> List.partition (fun (id, _) -> OptionBook.describes cfg s id)
        let more (os: Order list) = os |> List.sumBy (fun o -> Side.sign o.Side * (max o.Quantity o.ReportedFilled - o.Filled))
        let name id = State.contractName cfg s (ContractId.value id)
        [ for id, os in confirmable -> $"{name id}={Portfolio.strategyQty id s.Portfolio + more os}" ],
        [ for id, os in byHand -> let m = more os in $"""{name id} {(if m > 0 then "+" else "")}{m}""" ]

    /// The way out of ORDER_OUTCOME_UNKNOWN: what to confirm if the orders filled, and what to check by hand.
    let private outcomeWayOut (confirm: string list) (byHand: string list) =
        let confirmText =
            if confirm.IsEmpty then ""
            else "if they filled, confirm_book " + String.concat " " confirm + " (what the strategy then holds; nothing is traded) and resume; if not, resume"
        let byHandText =
            if byHand.IsEmpty then ""
            else "check by hand " + String.concat ", " byHand + " if filled: the configuration no longer lists them and confirm_book "
                 + "books only the underlying, strategy.legs and portfolio.universe, so the strategy will not count such a fill after the resume"
        match confirmText, byHandText with
        | "", "" -> "then resume"
        | c, "" -> c
        | "", h -> h + "; then resume"
        | c, h -> c + ". Also " + h

    /// The first sync of a store that has never traded (no order, nothing reconciled) finding the account already in the
    /// underlying: the position is the operator's, or the hedge of an earlier store (a typo in store.path, a lost
    /// file). Taken as external, the hedger would hedge the legs again on top of it; so the operator is asked once
    /// (critical: the engine pauses; resume takes it as the operator's).
    let private firstStartPosition (cfg: Config) (s: State) =
        let underlying = State.underlyingId cfg
        let held = Portfolio.brokerQty underlying s.Portfolio
        // The first sync ever: nothing reconciled yet (every later sync, and a restart, has a reconciliation on record).
        if held = 0 || not s.Orders.IsEmpty || s.OptionBook.ReconciledAt <> Timestamp.zero then []
        else
            Emit.alertAndRecord s Critical "FIRST_START_POSITION"
                $"first start on this store, and the account already holds {held} {cfg.Strategy.Underlying.Symbol}: paused. If an earlier store hedged with it, stop and point store.path at that store; resume takes it as the operator's own (never hedged or flattened by Bifrost)"

    /// Universe stocks the account holds fewer of than the strategy owns long: the strategy's shares were sold outside
    /// Bifrost (by hand in TWS). Warned at every sync's end, never halted on: the options' book and hedge are as certain
    /// as before, and a portfolio sell is capped at what the account holds (allow_short false), so the shares the book
    /// still counts are not sold a second time as a naked short.
    let private portfolioSoldOutside (s: State) =
        let short =
            match s.PortfolioSetup with
            | None -> []
            | Some setup ->
                [ for KeyValue(sym, id) in setup.Contracts do
                      let v = Portfolio.view id s.Portfolio
                      if v.Strategy > 0 && v.Broker < v.Strategy then $"{sym}: the account holds {v.Broker}, the strategy owns {v.Strategy}" ]
        if short.IsEmpty then []
        else
            Emit.alertAndRecord s Warning "PORTFOLIO_SOLD_OUTSIDE"
                ("portfolio shares sold outside Bifrost: " + String.concat "; " short
                 + ". The strategy's book still counts them; with portfolio.allow_short false a portfolio sell is capped at what the account holds")

    let private finish (cfg: Config) (s: State) (p: SyncProgress) =
        let known = s.Orders |> Map.toSeq |> Seq.map (fun (r, _) -> OrderRef.value r) |> Set.ofSeq
        let unknown = p.ListedOpen - known
        let foreign = unknown |> Set.filter (fun r -> match Restart.owner cfg r with OtherRun _ -> true | _ -> false)
        let unknownOwn = unknown |> Set.filter (fun r -> Restart.owner cfg r = ThisRun)
        let s = { s with ForeignRefs = s.ForeignRefs + foreign }
        let unexplained = firstStartPosition cfg s
        // Asked before the sync ends, so the status it publishes is already Paused (never a Running moment).
        let p, s =
            if unexplained.IsEmpty || p.ResumeTo <> ResumeRunning then p, s
            else { p with ResumeTo = ResumePaused }, { s with PausedBy = "critical alert FIRST_START_POSITION" }
        let s, expired = Expiry.settle cfg s
        let beforeBook = s
        let s, bookProblems, notes = OptionBook.reconcile cfg s
        let unknownCost =
            match OptionBook.adoptedAtUnknownCost cfg beforeBook s with
            | [] -> []
            | legs -> Emit.alertAndRecord s Warning "ADOPTED_AT_UNKNOWN_COST" (OptionBook.adoptedAtUnknownCostText legs)
        let unlisted = OptionBook.unconfigured cfg s
        let lapsed = OptionBook.expiredNeverHeld cfg s
        let s, quantityChanges, quantityNotes = OptionBook.configuredChanges cfg s
        let notes = notes @ quantityNotes
        let s, orderCmds, inDoubt, unsure = reconcileOrders s p.ListedOpen
        // The broker's open orders are known again: every cancel asked for on one it still lists is sent again (one lost
        // while the socket was down reached nobody), before any halt's own cancels; refusals seen so far are judged.
        let resent = OrderFlow.resendCancels s "cancel sent again: still open at the broker after the reconciliation"
        let s = { s with CancelsRefused = Map.empty }
        // The day's executions are all in: a fill count awaited since a 202 (or an openOrder's ending) is known now.
        let s = s.CountAwaited |> Set.fold (fun s r -> State.countKnown r s) s
        let s = { s with Book = Book.aggregate s.Legs s.Portfolio }
        let problems = [ for r in unknownOwn -> $"open order {r} is not known to this engine" ]
        let before = s.Fsm
        // Worst first: another engine on the account, then legs the configuration lost, then legs whose configured
        // quantity changed, then a book that does not match, then anything else.
        let halts =
            [ match Restart.foreignHalt cfg s with
              | Some(reason, text) -> reason, Emit.alertAndRecord s Critical "ANOTHER_ENGINE" text
              | None -> ()
              // Before a book mismatch: confirm_book ends that halt without a sync, and this one must be judged again
              // on every way out (resume and confirm_book sync again from a reconciliation halt).
              if not unlisted.IsEmpty then
                  let text = OptionBook.unconfiguredText unlisted
                  ReconcileFailed text, Emit.alertAndRecord s Critical "LEG_UNCONFIGURED" text
              // A configuration error as well: judged again at every sync until the expiry is fixed.
              if not lapsed.IsEmpty then
                  let text = OptionBook.expiredNeverHeldText lapsed
                  ReconcileFailed text, Emit.alertAndRecord s Critical "LEG_ALREADY_EXPIRED" text
              // Before a book mismatch too: confirm_book to the configured quantity is judged by the sync it starts.
              if not quantityChanges.IsEmpty then
                  let text = OptionBook.configuredChangesText quantityChanges
                  ReconcileFailed text, Emit.alertAndRecord s Critical "LEG_QUANTITY_CHANGED" text
              if not bookProblems.IsEmpty then
                  let text = "option book differs from the account (confirm_book to resolve): " + String.concat "; " bookProblems
                  BookMismatch text, Emit.alertAndRecord s Critical "BOOK_MISMATCH" text
              if not problems.IsEmpty then
                  let reason = ReconcileFailed(String.concat "; " problems)
                  reason, Emit.alertAndRecord s Critical "RECONCILE_FAILED" (HaltReason.describe reason)
              if not inDoubt.IsEmpty then
                  let confirm, byHand = ifTheyFilled cfg s unsure
                  let text = String.concat "; " inDoubt + ". Check the account's trades: " + outcomeWayOut confirm byHand
                  ReconcileFailed text, Emit.alertAndRecord s Critical "ORDER_OUTCOME_UNKNOWN" text ]
        let s, outcome =
            if not halts.IsEmpty then
                let s' = { s with Fsm = Halted(fst halts.Head) }
                let s', cancels = OrderFlow.cancelWorking s' "reconciliation halted"
                s', cancels @ (halts |> List.collect snd)
            else
                let pendingHedge = State.workingOrders s |> List.tryFind (fun o -> o.Purpose = Hedge)
                let fsm =
                    match p.ResumeTo with
                    | ResumeRunning -> Running(match pendingHedge with Some o -> HedgePending o.Ref | None -> Idle)
                    | ResumePaused -> Paused
                    | ResumeHalted r -> Halted r
                let reconciled = Emit.note s OperationKind.Reconciled "" ("reconciled" + (notes |> List.map (fun n -> "; " + n) |> String.concat ""))
                // Running again after a halt (e.g. a reconciliation halt that followed a risk halt): the risk judged now.
                // A limit still breached ends the sync in its risk halt, as the next clock step would, instead of running
                // with a halted risk class (every hedge blocked) until that step.
                match fsm with
                | Running _ when s.Risk = RiskHalted ->
                    match State.riskIfValued cfg s with
                    | Error reason ->
                        let s', halt = OrderFlow.haltOnRisk s reason
                        s', reconciled :: halt
                    | Ok cls -> { s with Fsm = fsm; Risk = cls }, [ reconciled ]
                // Back into a remembered halt (a restart, a reconnect): it stands down as it did on entry. An order the
                // halt's cancel never reached (the engine died first) is still working at the broker; it is cancelled.
                | Halted r ->
                    let s', cancels = OrderFlow.cancelForHalt r { s with Fsm = fsm } "halted: still working at the broker after the reconciliation"
                    s', reconciled :: cancels
                | _ -> { s with Fsm = fsm }, [ reconciled ]
        s, expired @ orderCmds @ resent @ outcome @ unexplained @ unknownCost @ portfolioSoldOutside s @ Emit.fsmChange s before @ [ Emit.publish cfg s ]

    let private tryFinish cfg (s: State) =
        match s.Fsm with
        | Syncing p when p.Positions && p.OpenOrders && p.Executions -> finish cfg s p
        | _ -> s, []

    let onPositionsEnded cfg (s: State) =
        match s.Fsm with
        | Syncing p -> tryFinish cfg { s with Fsm = Syncing { p with Positions = true } }
        | _ -> s, []

    let onOpenOrdersEnded cfg (s: State) =
        match s.Fsm with
        | Syncing p -> tryFinish cfg { s with Fsm = Syncing { p with OpenOrders = true } }
        | _ -> s, []

    let onExecutionsEnded cfg (s: State) =
        match s.Fsm with
        | Syncing p -> tryFinish cfg { s with Fsm = Syncing { p with Executions = true } }
        | _ -> s, []

    /// A fill that leaves the strategy holding a leg the configuration does not list (an order on a leg taken out of
    /// the configuration, working across the restart, filled after its sync): halted now, as that sync would have, not
    /// at the next one — the hedger cannot see the leg's delta. During a sync, its end judges it.
    let onUnlistedFill (cfg: Config) (x: ExecutionReport) (s: State) =
        if OptionBook.describes cfg s x.ContractId || Portfolio.strategyQty x.ContractId s.Portfolio = 0 then s, []
        else
            match s.Fsm with
            | Running _ | Paused ->
                let text = OptionBook.unconfiguredText (OptionBook.unconfigured cfg s)
                let s = { s with Fsm = Halted(ReconcileFailed text) }
                let s, cancels = OrderFlow.cancelWorking s "a leg the configuration does not list"
                s, cancels @ Emit.note s OperationKind.HaltRaised "" text :: Emit.alertAndRecord s Critical "LEG_UNCONFIGURED" text
            | _ -> s, []

    /// A leg's position reported between syncs that the book cannot explain (OptionBook.movedOutside): the account is
    /// reconciled at once — the sync halts on BOOK_MISMATCH unless the broker's executions explain the move (the
    /// operator's trade in TWS) — instead of hedging options the account may no longer hold until the next reconnect.
    /// A flatten it interrupts ends refused, as a reconnect ends it. A halt whose way out syncs anyway (a book or
    /// reconciliation halt: resume and confirm_book sync) is left as it is; any other (a risk halt, which a resume
    /// ends without a sync) syncs now and ends in that halt again, or in BOOK_MISMATCH.
    let onPosition (cfg: Config) (id: ContractId) (s: State) =
        match s.Fsm with
        | Halted(BookMismatch _ | ReconcileFailed _ | AnotherEngine _ | AccountMismatch _ | OrderRefExhausted _) -> s, []
        // TWS answers from its own books while it has lost IB (1100); a sync that stalls is asked again once IB is back.
        | Running _ | Paused | Flattening _ | Halted _ when s.Connectivity.SocketUp ->
            match OptionBook.movedOutside cfg s id with
            | Some text ->
                // An order of ours on the leg still open: its execution may simply trail the position (noted, not
                // alerted); the sync lists it either way.
                let alert =
                    if s.Open |> Set.exists (fun r -> s.Orders.[r].ContractId = id) then
                        [ Emit.note s OperationKind.Reconciled "" $"{text}, an order on it open: reconciling with the broker" ]
                    else Emit.alertAndRecord s Warning "POSITION_MOVED" $"{text}, with no execution seen (an assignment, a trade outside Bifrost, a liquidation?): reconciling with the broker; no hedge until then"
                let s, interrupted = flattenInterrupted "a leg's position moved" s
                let s', sync = start s (resumeTargetOf s.Fsm)
                s', alert @ interrupted @ sync @ Emit.fsmChange s' s.Fsm
            | None -> s, []
        | _ -> s, []

    /// An open order as listed by the broker: noted during sync, and its status applied when it is ours.
    let onOpenOrder (cfg: Config) (s: State) (r: OpenOrderReport) =
        if Restart.isOtherClient cfg r.Ref r.ClientId then
            // Our ref on another client's order: another engine's, never listed as ours nor applied to ours.
            Restart.noteForeign cfg s (Restart.otherClientRef cfg r.Ref r.ClientId)
        else
            let s = Restart.keepRefAbove cfg s r.Ref
            let s =
                match s.Fsm with
                | Syncing p when OrderRef.isBifrost r.Ref && (match Restart.owner cfg r.Ref with ExpectedRun _ -> false | _ -> true) ->
                    { s with Fsm = Syncing { p with ListedOpen = p.ListedOpen.Add r.Ref } }
                | _ -> s
            if OrderRef.isBifrost r.Ref then
                match OrderRef.create r.Ref |> Result.toOption |> Option.bind (fun ref -> s.Orders |> Map.tryFind ref) with
                | Some _ ->
                    OrderFlow.onOpenOrderStatus s { IbOrderId = r.IbOrderId; PermId = r.PermId; Ref = r.Ref; Status = r.Status; Filled = r.Filled; AvgFillPrice = 0.0; Reason = "openOrder" }
                | None -> s, [] // unknown: judged when the sync finishes
            else s, []
