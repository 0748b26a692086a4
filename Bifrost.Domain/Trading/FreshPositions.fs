namespace Bifrost.Domain.Trading

open Bifrost.Domain
open Bifrost.Domain.PortfolioRuns

/// A portfolio sell without allow_short takes at most what the account holds (OwnSells.held), and the engine sees the
/// operator's own sales in TWS (another client id: the execution goes to that client only) through IB's position
/// update alone, which may lag the execution: a run in that lag sold the shares the operator had just sold by hand and
/// took the account short. So portfolio work whose orders would sell (an operator's run request, a scheduled slot's
/// execute phase) is held, the broker asked for the account's positions, and the work handled again on the answer
/// (positionEnd): its sells are capped at the account as IB reports it after the request, not at the last update
/// streamed. One hold for both: the work held together waits on one request, is released together, refused together.
module FreshPositions =
    let private sells (cmds: Command list) =
        cmds |> List.exists (function PlaceOrder o -> o.Purpose = PortfolioTrade && o.Side = Sell | _ -> false)

    let private requestOf (e: Event) =
        match e.Payload with
        | PortfolioRunRequested r -> Some(r.RunId, r.Meta)
        | PortfolioRerunRequested r -> Some(r.RunId, r.Meta)
        | PortfolioTargetsRequested r -> Some(r.RunId, r.Meta)
        | _ -> None

    let private runOf (e: Event) = requestOf e |> Option.map fst |> Option.defaultValue ""

    let private heldAt = function
        | HeldRequest e -> e.Received
        | HeldSlotExecute(_, _, at) -> at

    /// Holds `work` (told by `note`) until the broker answers the positions: asked for once for the work held together.
    let hold (s: State) (work: HeldWork) (note: Command) =
        let ask = if s.HeldForPositions.IsEmpty then [ RequestReconcile [ Positions ] ] else []
        { s with HeldForPositions = s.HeldForPositions @ [ work ] }, ask @ [ note ]

    /// The result of handling the run request `e` on `before`: kept unless it sells on positions the request did not
    /// ask for; then the request is held. The reducer is pure: the request is handled as usual first, and that result
    /// dropped when it sells on positions not asked for since.
    let unlessStale (before: State) (e: Event) (result: State * Command list) =
        let allowShort = before.PortfolioSetup |> Option.exists (fun p -> p.Settings.Sizing.AllowShort)
        if before.PositionsFresh || allowShort || not (sells (snd result)) then result
        else
            hold before (HeldRequest e)
                (Emit.note before OperationKind.Intent (runOf e) "portfolio run sells: the account's positions asked for first (a sale by hand shows only in them)")

    /// The broker answered the positions (or went down: the work then finds the broker down, blocked, nothing sent):
    /// the held work is handled now, in the order held, on the account as reported — a request by `handle`, a slot's
    /// execute phase by `execute`.
    let release (handle: State -> Event -> State * Command list) (execute: State -> SlotPhase -> bool -> State * Command list) (s: State) =
        if s.HeldForPositions.IsEmpty then s, []
        else
            let s, cmds =
                s.HeldForPositions
                |> List.fold (fun (s: State, cmds) work ->
                    let s', more =
                        match work with
                        | HeldRequest e -> handle s e
                        | HeldSlotExecute(slot, late, _) -> execute s slot late
                    s', cmds @ more) ({ s with HeldForPositions = []; PositionsFresh = true }, [])
            { s with PositionsFresh = false }, cmds

    /// Work whose positions the broker has not answered `Sync.stallAfter` after the first was held (an end message
    /// lost, TWS busy) is refused, nothing sent: a request's control answered, a slot's run ended by `refuseSlot` —
    /// never a control left taken without a word, nor a sale on the old report. The operator runs it again.
    let refuseUnanswered (refuseSlot: State -> SlotPhase -> string -> State * Command list) (s: State) =
        match s.HeldForPositions with
        | first :: _ when Timestamp.since (heldAt first) s.Now >= Sync.stallAfter ->
            let secs = Duration.toSeconds (Timestamp.since (heldAt first) s.Now)
            let asked = $"the broker did not answer the account's positions asked for {secs:F0} s ago"
            s.HeldForPositions
            |> List.fold (fun (s: State, cmds) work ->
                match work with
                | HeldRequest e ->
                    match requestOf e with
                    | Some(runId, meta) ->
                        let why = $"{asked} (a sale is planned on them): nothing sent; run it again"
                        s, cmds @ [ Emit.note s OperationKind.ControlCompleted runId $"refused: {why}"; CompleteControl(meta.ControlId, Refused why) ]
                    | None -> s, cmds
                | HeldSlotExecute(slot, _, _) ->
                    let s', more = refuseSlot s slot $"{asked} (the slot sells on them): nothing sent"
                    s', cmds @ more) ({ s with HeldForPositions = [] }, [])
        | _ -> s, []
