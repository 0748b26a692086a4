namespace Bifrost.Domain.Trading

open Bifrost.Domain
open Bifrost.Domain.Strategy

/// A feed that falls silent is asked for again, and told when the request brings nothing. IB sends a quote only when
/// it changes and says nothing when a subscription dies (a farm flap, a ticker TWS dropped) or says it once, on the
/// ticker (10197 a competing live session, 354 not subscribed): before, the hedger's quotes went stale, every hedge
/// was blocked (DATA_LAG) and the light turned RED with no alert and no new request — a dead feed left the book
/// unhedged until someone looked (nautilus #3968: 8 hours). But a quiet market is not a dead feed: an option's quote
/// can stand for minutes, and telling it silent every half minute is noise the operator learns to ignore. In the
/// session, with the broker up and the engine synced, a contract the hedger needs (the underlying, every leg still
/// listed) with no quote for `probeAfter` (half of `guards.stale_after_seconds`) — counted from the later of its last
/// quote, the engine's last request for the data and the session's open — is asked for again, quietly (TWS answers a
/// new request with the standing quote, so a live feed is fresh again long before stale_after). Only when that answer
/// does not come within `answerWithin` and the contract is silent past stale_after (its guard blocks) is it told
/// (MARKET_DATA_STALE), and asked for again every `reaskEvery` while it stays silent; its next quote is told
/// (MARKET_DATA_RESTORED). The portfolio's symbols are asked for the same way but never told (a run that needs one
/// refuses it). IB's refusal on a ticker is told when it comes, once per contract and code until the contract is
/// quoted again.
module FeedWatch =
    /// How long a contract may be quiet before it is asked for again, quietly.
    let probeAfter (cfg: Config) : Duration = cfg.Guards.StaleAfter / 2L

    /// How long a new request's answer (the standing quote) may take before the silence is told.
    let answerWithin (cfg: Config) = max cfg.Guards.LagAfter (Duration.ofSeconds 5.0)

    /// How often a contract still silent is asked for again.
    let reaskEvery (cfg: Config) = max cfg.Guards.StaleAfter (Duration.ofSeconds 60.0)

    let private later (a: Timestamp) (b: Timestamp) = if a.Nanos >= b.Nanos then a else b

    /// The underlying's last quote as the guard sees it arrive: a held jump's is a quote (PRICE_JUMP tells of it).
    let private underlyingReceived (s: State) =
        match s.HeldJump with
        | Some h -> later h.Quote.ReceiveTime s.Underlying.ReceiveTime
        | None -> s.Underlying.ReceiveTime

    /// A leg's or a portfolio symbol's last quote: a held one's counts (data is arriving; PRICE_JUMP tells of it).
    let private withHeld (s: State) (id: ContractId) (received: Timestamp) =
        if s.HeldQuotes.IsEmpty then received
        else
            match s.HeldQuotes |> Map.tryFind id with
            | Some h -> later h.Quote.ReceiveTime received
            | None -> received

    let private legReceived (s: State) (leg: LegState) = withHeld s leg.Option.ContractId leg.Quote.ReceiveTime

    /// A leg past its expiry is no longer listed, held or not (Composite.freshness): its silence is not asked about.
    let private listed (s: State) (leg: LegState) = not (Expiry.isExpired s leg.Option)

    /// The hedger's contracts with their last quotes: what DATA_LAG judges (Composite.freshness).
    let private watched (cfg: Config) (s: State) =
        (State.underlyingId cfg, underlyingReceived s)
        :: [ for leg in s.Legs do
                 if listed s leg then leg.Option.ContractId, legReceived s leg ]

    /// A portfolio symbol's last quote. The portfolio's quotes hold every symbol of the universe
    /// (PortfolioFlow.onConfigured), so they are walked rather than looked up: a map keyed by contract id boxes its keys
    /// on every comparison, and this runs on every clock step.
    let private portfolioReceived (s: State) (id: ContractId) (q: Quote) = withHeld s id q.ReceiveTime

    /// The portfolio's symbols with their last quotes: asked for again when quiet, like the hedger's contracts, but never
    /// told silent — nothing trades on them between runs, and a run that needs one refuses it (market_data_error).
    let private portfolioWatched (s: State) =
        [ for KeyValue(id, q) in s.PortfolioQuotes -> id, portfolioReceived s id q ]

    /// An asked-for contract whose silence is due to be told: silent past stale_after (counted from `since`, the later
    /// of its last quote and the last request or open), asked for answerWithin ago or more, not told yet.
    let private tellDue (cfg: Config) (now: Timestamp) (since: Timestamp) (f: SilentFeed) =
        f.ToldAt = Timestamp.zero && Timestamp.since since now > cfg.Guards.StaleAfter && Timestamp.since f.AskedAt now >= answerWithin cfg

    /// The request a quiet contract awaits: the later of the engine's last request for all the data (a connect, a
    /// 1101) and the session's open.
    let private requestedAt (cfg: Config) (s: State) = later s.Connectivity.SubscribedAt (SessionCalendar.openedAt cfg.Calendar s.Now)

    /// A contract's entry as the watch judges it: one asked for and not told is superseded by a later request for all
    /// the data (its silence counts from that request, and is asked for again after probeAfter).
    let private entryOf (c: LinkStatus) (from: Timestamp) (id: ContractId) =
        let mutable f = Unchecked.defaultof<SilentFeed>
        if not c.Silent.IsEmpty && c.Silent.TryGetValue(id, &f) && (f.ToldAt <> Timestamp.zero || f.AskedAt.Nanos >= from.Nanos) then ValueSome f
        else ValueNone

    /// One watched contract leaves the step nothing to do: asked for (or told silent), not quoted since, neither due
    /// to be told nor asked for again; else quoted within probeAfter, or asked for (the subscription) or opened (the
    /// session) since.
    let private settled (cfg: Config) (s: State) (oldest: int64) (tellable: bool) (id: ContractId) (received: Timestamp) =
        let c = s.Connectivity
        if c.Silent.IsEmpty || not (c.Silent.ContainsKey id) then
            received.Nanos >= oldest || c.SubscribedAt.Nanos >= oldest
            || (SessionCalendar.openedAt cfg.Calendar s.Now).Nanos >= oldest
        else
            let from = requestedAt cfg s
            match entryOf c from id with
            | ValueSome f ->
                received.Nanos <= f.LastQuote.Nanos && s.Now.Nanos - f.AskedAt.Nanos < reaskEvery cfg
                && not (tellable && tellDue cfg s.Now (later received from) f)
            | ValueNone -> false // superseded: dropped

    /// The usual clock step, building nothing: every watched contract settled (a silence already asked for or told
    /// included), no refusal standing.
    let private quiet (cfg: Config) (s: State) =
        if not s.Connectivity.Refused.IsEmpty then false
        else
            let oldest = s.Now.Nanos - probeAfter cfg
            let mutable calm = settled cfg s oldest true (State.underlyingId cfg) (underlyingReceived s)
            let mutable i = 0
            while calm && i < s.Legs.Length do
                let leg = s.Legs.[i]
                if listed s leg && not (settled cfg s oldest true leg.Option.ContractId (legReceived s leg)) then calm <- false
                i <- i + 1
            calm && (s.PortfolioQuotes.IsEmpty || s.PortfolioQuotes |> Map.forall (fun id q -> settled cfg s oldest false id (portfolioReceived s id q)))

    let private watching (cfg: Config) (s: State) =
        State.brokerUp s
        && (match s.Fsm with Running _ | Paused | Halted _ | Flattening _ -> true | _ -> false)
        && SessionCalendar.isOpen cfg.Calendar s.Now

    let private secondsText (d: Duration) =
        let secs = int (Duration.toSeconds d)
        if secs < 120 then $"{secs} s" else $"{secs / 60} min {secs % 60} s"

    let private withLink (s: State) silent refused =
        { s with Connectivity = { s.Connectivity with Silent = silent; Refused = refused } }

    /// True when the contract was quoted after `t`.
    let private quotedSince (cfg: Config) (s: State) (id: ContractId) (t: Timestamp) =
        match Composite.quoteOf cfg s id with
        | Some q -> q.ReceiveTime.Nanos > t.Nanos
        | None -> false

    /// The refusals told, less those of contracts quoted since.
    let private refusalsStanding (cfg: Config) (s: State) =
        let r = s.Connectivity.Refused
        if r.IsEmpty then r else r |> Map.filter (fun id (struct (_, at)) -> not (quotedSince cfg s id at))

    /// The clock step's look at the feed (a struct pair, as the clock step's other stages: it runs every clock second).
    let check (cfg: Config) (s: State) : struct (State * Command list) =
        if quiet cfg s then struct (s, [])
        elif not (watching cfg s) then
            // Outside the session, disconnected or not synced nothing is judged or asked for; a silence told stays
            // told (one alert per silence, however the connection comes and goes) until the contract is quoted.
            let c = s.Connectivity
            let refused = refusalsStanding cfg s
            if refused.Count = c.Refused.Count then struct (s, []) else struct (withLink s c.Silent refused, [])
        else
            let c = s.Connectivity
            let now = s.Now
            let from = requestedAt cfg s
            let hedger = watched cfg s
            let contracts = hedger @ portfolioWatched s
            let name = OptionBook.contractName cfg s
            let entry id = match entryOf c from id with ValueSome f -> Some f | ValueNone -> None
            let quotedAfter (received: Timestamp) (f: SilentFeed) = received.Nanos > f.LastQuote.Nanos
            // Quoted since they were asked for: a silence told is told over, a quiet one asked for is forgotten.
            let back = contracts |> List.choose (fun (id, received) ->
                match entry id with
                | Some f when quotedAfter received f -> Some(id, f)
                | _ -> None)
            // Quiet past probeAfter and not asked for since their last quote (or quoted, then quiet again, between two
            // clock steps): asked for again, quietly.
            let probe = contracts |> List.filter (fun (id, received) ->
                (match entry id with Some f -> quotedAfter received f | None -> true)
                && Timestamp.since (later received from) now > probeAfter cfg)
            let tell = hedger |> List.choose (fun (id, received) ->
                match entry id with
                | Some f when not (quotedAfter received f) && tellDue cfg now (later received from) f -> Some(id, received, f)
                | _ -> None)
            let again = contracts |> List.choose (fun (id, received) ->
                match entry id with
                | Some f when not (quotedAfter received f) && Timestamp.since f.AskedAt now >= reaskEvery cfg -> Some(id, f)
                | _ -> None)
            let refused = refusalsStanding cfg s
            let dropped = c.Silent |> Map.exists (fun id _ -> not (contracts |> List.exists (fun (w, _) -> w = id)) || (entry id).IsNone)
            // A silence asked for or told and still standing, not due to be told or asked for again: nothing to do (no
            // copy, as a backtest whose data lacks a leg would otherwise pay for one every clock step).
            if back.IsEmpty && probe.IsEmpty && tell.IsEmpty && again.IsEmpty && not dropped && refused.Count = c.Refused.Count then struct (s, []) else
            let silent =
                // Quoted since, superseded, or no longer watched (a leg expired): forgotten.
                let kept = c.Silent |> Map.filter (fun id _ ->
                    contracts |> List.exists (fun (w, _) -> w = id) && (entry id).IsSome && not (back |> List.exists (fun (b, _) -> b = id)))
                let kept = tell |> List.fold (fun m (id, _, f) -> m |> Map.add id { f with ToldAt = now }) kept
                let kept = again |> List.fold (fun (m: Map<ContractId, SilentFeed>) (id, _) -> m |> Map.add id { m.[id] with AskedAt = now }) kept
                probe |> List.fold (fun m (id, received) -> m |> Map.add id { LastQuote = received; ToldAt = Timestamp.zero; AskedAt = now }) kept
            let s' = withLink s silent refused
            let told =
                if tell.IsEmpty then []
                else
                    let what =
                        tell
                        |> List.map (fun (id, received, f) ->
                            let asked = secondsText (Timestamp.since f.AskedAt now)
                            if received = Timestamp.zero || received.Nanos < from.Nanos then
                                $"{name id} (nothing since the data was asked for {secondsText (Timestamp.since from now)} ago, nor since it was asked for again {asked} ago)"
                            else $"{name id} (silent {secondsText (Timestamp.since received now)}, nothing since it was asked for again {asked} ago)")
                        |> String.concat ", "
                    let farm = if State.farmsOk s then "" else " The market data farm is broken (TWS said so): IB's side."
                    Emit.alertAndRecord s Warning "MARKET_DATA_STALE"
                        ($"no quote for {what}: every hedge is blocked (DATA_LAG) until it comes back; market data asked for again "
                         + $"every {secondsText (reaskEvery cfg)} while it stays silent.{farm}")
            let restored =
                let toldBack = back |> List.filter (fun (_, f) -> f.ToldAt <> Timestamp.zero)
                if toldBack.IsEmpty then []
                else
                    let what = toldBack |> List.map (fun (id, f) -> $"{name id} after {secondsText (Timestamp.since f.ToldAt now)}") |> String.concat ", "
                    Emit.alertAndRecord s Info "MARKET_DATA_RESTORED" $"quotes back for {what}"
            let ask = (probe |> List.map fst) @ (again |> List.map fst)
            let asked =
                if ask.IsEmpty then []
                else
                    [ SubscribeMarketData ask
                      if not again.IsEmpty then
                          Emit.note s OperationKind.FsmChanged ""
                              ("market data asked for again, still silent: " + (again |> List.map (fun (id, _) -> name id) |> String.concat ", ")) ]
            struct (s', told @ restored @ asked)

    /// IB refused (or ended) a contract's market data on its ticker: told once per contract and code until it is quoted
    /// again. The feed watch asks for it again while it stays silent in the session.
    let onRefused (cfg: Config) (s: State) (id: ContractId) (code: int) (message: string) =
        let c = s.Connectivity
        match c.Refused |> Map.tryFind id with
        | Some(struct (told, at)) when told = code && not (quotedSince cfg s id at) -> s, []
        | _ ->
            let s' = { s with Connectivity = { c with Refused = c.Refused |> Map.add id (struct (code, s.Now)) } }
            s', Emit.alertAndRecord s Warning "MARKET_DATA_REFUSED"
                    $"IB refused market data for {OptionBook.contractName cfg s id}: {code} {message}. No order on it without a fresh quote; asked for again while it is silent in the session"
