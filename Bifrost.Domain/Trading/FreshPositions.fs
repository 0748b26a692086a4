namespace Bifrost.Domain.Trading

open Bifrost.Domain

/// A portfolio sell without allow_short takes at most what the account holds (OwnSells.held), and the engine sees the
/// operator's own sales in TWS (another client id: the execution goes to that client only) through IB's position
/// update alone, which may lag the execution: a run in that lag sold the shares the operator had just sold by hand and
/// took the account short. So an operator's run request whose orders would sell is held, the broker asked for the
/// account's positions, and the request handled again on the answer (positionEnd): its sells are capped at the account
/// as IB reports it after the request, not at the last update streamed. The reducer is pure: the request is handled
/// as usual first, and that result dropped when it sells on positions not asked for since.
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

    /// The result of handling the run request `e` on `before`: kept unless it sells on positions the request did not
    /// ask for; then the request is held and the positions asked for (once for the requests held together).
    let unlessStale (before: State) (e: Event) (result: State * Command list) =
        let allowShort = before.PortfolioSetup |> Option.exists (fun p -> p.Settings.Sizing.AllowShort)
        if before.PositionsFresh || allowShort || not (sells (snd result)) then result
        else
            let ask = if before.HeldForPositions.IsEmpty then [ RequestReconcile [ Positions ] ] else []
            { before with HeldForPositions = before.HeldForPositions @ [ e ] },
            ask @ [ Emit.note before OperationKind.Intent (runOf e) "portfolio run sells: the account's positions asked for first (a sale by hand shows only in them)" ]

    /// The broker answered the positions (or went down: the requests are then handled as the broker down, blocked):
    /// the held requests are handled now, in order, on the account as reported.
    let release (handle: State -> Event -> State * Command list) (s: State) =
        if s.HeldForPositions.IsEmpty then s, []
        else
            let s, cmds =
                s.HeldForPositions
                |> List.fold (fun (s: State, cmds) e -> let s', c = handle s e in s', cmds @ c)
                             ({ s with HeldForPositions = []; PositionsFresh = true }, [])
            { s with PositionsFresh = false }, cmds

    /// Requests whose positions the broker has not answered `Sync.stallAfter` after the first was held (an end message
    /// lost, TWS busy) are refused, nothing sent: never a control left taken without a word, nor a sale on the old
    /// report. The operator runs it again.
    let refuseUnanswered (s: State) =
        match s.HeldForPositions with
        | first :: _ when Timestamp.since first.Received s.Now >= Sync.stallAfter ->
            let secs = Duration.toSeconds (Timestamp.since first.Received s.Now)
            let why = $"the broker did not answer the account's positions asked for {secs:F0} s ago (a sale is planned on them): nothing sent; run it again"
            { s with HeldForPositions = [] },
            [ for e in s.HeldForPositions do
                  match requestOf e with
                  | Some(runId, meta) ->
                      Emit.note s OperationKind.ControlCompleted runId $"refused: {why}"
                      CompleteControl(meta.ControlId, Refused why)
                  | None -> () ]
        | _ -> s, []
