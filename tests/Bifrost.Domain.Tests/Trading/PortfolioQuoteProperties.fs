/// The bad-quote guard on the portfolio's symbols as a metamorphic property with restarts: a bad print just before a
/// symbol's real quote — live, or the first quote a restarted engine sees (a print stuck while it was down) — leaves
/// no trace: the portfolio runs send the orders of the same feed without it, the book ends the same, and no step ever
/// prices a symbol off its real market by more than `guards.max_jump_pct`. Throughout, with symbols quoted one-sided or
/// wide and the strategy's shares sold by hand in TWS: no portfolio order goes into a quote that is not two-sided within
/// portfolio.max_spread_bps, and no portfolio order takes the account short (allow_short is false). With a cash-bound
/// account whose AvailableFunds the broker reports only now and then: the portfolio buys sent between two reports never
/// cost more than the earlier report (a run sees what the engine's fills took since, Funds).
module Bifrost.Domain.Tests.Trading.PortfolioQuoteProperties

open Expecto
open FsCheck.FSharp
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.PortfolioRuns
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures

let private cfg = config 1
let private aaa = cid 50
let private bbb = cid 51
let private symbols = [| aaa; bbb |]

let private setup = portfolioSetup 0.01 100_000.0 100 None

type Action =
    /// Seconds pass, then every instrument is quoted; AAA and BBB move by these basis points (a real market: each
    /// step far inside max_jump_pct, so the clean feed never trips the guard).
    | Quotes of seconds: float * aaaBps: int * bbbBps: int
    /// The operator asks for a portfolio run on signals with these scores (quarters; negative: a sell signal); its
    /// orders fill at once.
    | RunPortfolio of aaaScore: int * bbbScore: int
    /// A symbol (index) is quoted at its real mid but one-sided (no bid; the last trade there) or 600 bps wide.
    | Unfit of symbol: int * oneSided: bool
    /// The operator sells all of a symbol (index) the account holds by hand in TWS: the strategy still counts its own.
    | SellByHand of symbol: int
    /// The engine is killed and started again, knowing only what the store kept (orders, fills, the saved memory),
    /// then reconnects, syncs and is quoted afresh.
    | Restart
    /// IB's account summary catches up: AvailableFunds reported as the broker has it (between reports it is stale).
    | FundsReported

/// A bad print on one symbol (index, percent off the real mid) just before its real quote in the action's quotes.
type Fault = (int * int) option

let private genAction =
    Gen.frequency
        [ 6, gen {
                let! seconds = Gen.elements [ 0.5; 1.0; 3.0 ]
                let! a = Gen.choose (-60, 60)
                let! b = Gen.choose (-60, 60)
                return Quotes(seconds, a, b) }
          3, Gen.zip (Gen.elements [ -4; -2; 1; 2; 3; 4 ]) (Gen.elements [ -3; -1; 1; 2; 3; 4 ]) |> Gen.map RunPortfolio
          2, Gen.constant Restart
          1, Gen.zip (Gen.choose (0, 1)) (Gen.elements [ true; false ]) |> Gen.map Unfit
          1, Gen.choose (0, 1) |> Gen.map SellByHand
          1, Gen.constant FundsReported ]

let private genFault = Gen.zip (Gen.choose (0, 1)) (Gen.elements [ -40; -25; 25; 60 ])

let genCase =
    gen {
        let! actions = Gen.listOfLength 30 genAction
        // Faults only where quotes come (a Quotes step or a restart's first quotes), one in three.
        let! faults =
            actions |> Gen.collectToList (function
                | RunPortfolio _ | Unfit _ | SellByHand _ | FundsReported -> Gen.constant None
                | _ -> Gen.frequency [ 2, Gen.constant None; 1, genFault |> Gen.map Some ])
        return actions, faults
    }

type private World =
    { State: State
      /// What the account holds (the legs as configured, plus every fill): reported at a restart's sync.
      Account: Map<ContractId, int>
      /// The real mids of AAA and BBB.
      Real: float array
      Now: Timestamp
      Fills: int
      Orders: (ContractId * Side * int) list
      /// Steps after which an accepted symbol quote sat off its real mid by more than max_jump_pct.
      Mispriced: string list
      /// Bad prints held by the guard, and those that were a restarted engine's first quote of the symbol.
      Held: int
      HeldAfterRestart: int
      /// The last quote fed for each symbol (accepted or held).
      Quoted: Map<ContractId, Quote>
      /// Portfolio orders sent into a quote not fit to trade on, or that took the account short.
      Unsafe: string list
      /// Runs that refused a line on an unfit quote, and sells capped at the account's holding (coverage).
      UnfitRefused: int
      Capped: int
      /// The broker's AvailableFunds: less each buy's notional, plus each sale's proceeds (what its next report says).
      Funds: float
      /// The AvailableFunds last reported to the engine, and the notional of the portfolio buys sent since.
      Reported: float
      SentSince: float
      /// Portfolio buys sent past the cash of the report before them.
      Overspent: string list
      /// Snapshots the cash capped (coverage).
      CashCapped: int }

/// The account's cash at the start: a few runs' worth (a run buys up to 2 × 1 % of NetLiquidation).
let private startingFunds = 10_000.0

let private realOf (w: World) (id: ContractId) =
    if id = aaa then w.Real.[0] elif id = bbb then w.Real.[1] else 100.0

let rec private feed (w: World) (e: Event) =
    let w = match e.Payload with AccountValueReported("AvailableFunds", v, "USD") -> { w with Reported = v; SentSince = 0.0 } | _ -> w
    let s, cmds = Reducer.step cfg w.State e
    let mispriced =
        symbols |> Array.choose (fun id ->
            let mid = s.PortfolioQuotes |> Map.tryFind id |> Option.map Quote.mid |> Option.defaultValue nan
            if System.Double.IsFinite mid && abs (mid / realOf w id - 1.0) * 100.0 > cfg.Guards.MaxJumpPct then
                Some $"{ContractId.value id} accepted at {mid:F2}, real {realOf w id:F2} (after {e.Payload})"
            else None)
    let quoted = match e.Payload with QuoteReceived q when Array.contains q.ContractId symbols -> w.Quoted |> Map.add q.ContractId q | _ -> w.Quoted
    let unfitRefused =
        cmds |> List.sumBy (function
            | RecordPortfolioRun r when RunStatus.isTerminal r.Status && r.Orders |> List.exists (fun o -> o.Reason |> Option.exists (fun x -> x.StartsWith "market_data_error: ")) -> 1
            | _ -> 0)
    let capped = cmds |> List.sumBy (function RecordOperation o when o.Detail.Contains "capped at the account's" -> 1 | _ -> 0)
    let cashCapped = cmds |> List.sumBy (function RecordPortfolioSnapshot snap when snap.Lines |> List.exists (fun l -> List.contains "CAPPED_BY_CASH" l.Notes) -> 1 | _ -> 0)
    let w = { w with State = s; Mispriced = w.Mispriced @ List.ofArray mispriced; Quoted = quoted
                     UnfitRefused = w.UnfitRefused + unfitRefused; Capped = w.Capped + capped; CashCapped = w.CashCapped + cashCapped }
    placed cmds |> List.fold (fun (w: World) o ->
        let held = w.Account |> Map.tryFind o.ContractId |> Option.defaultValue 0
        let after = held + Side.sign o.Side * o.Quantity
        let unsafe =
            if o.Purpose <> PortfolioTrade then []
            else
                let q = w.Quoted.[o.ContractId]
                [ match Execution.quoteProblem setup.Settings.MaxSpreadBps (string (ContractId.value o.ContractId)) q.Bid q.Ask with
                  | Some why -> $"{Side.name o.Side} {o.Quantity} sent into {why} (after {e.Payload})"
                  | None -> ()
                  if after < 0 then $"{Side.name o.Side} {o.Quantity} of {ContractId.value o.ContractId} took the account from {held} to {after}" ]
        let notional = float o.Quantity * realOf w o.ContractId
        let portfolioBuy = o.Purpose = PortfolioTrade && o.Side = Buy
        let sent = w.SentSince + (if portfolioBuy then notional else 0.0)
        let overspent =
            if portfolioBuy && sent > w.Reported + 1e-6 then
                [ $"{Side.name o.Side} {o.Quantity} of {ContractId.value o.ContractId}: {sent:F2} of portfolio buys since the report of {w.Reported:F2} (after {e.Payload})" ]
            else []
        let w = { w with Fills = w.Fills + 1; Orders = w.Orders @ [ o.ContractId, o.Side, o.Quantity ]
                         Account = w.Account |> Map.add o.ContractId after; Unsafe = w.Unsafe @ unsafe
                         Funds = w.Funds - float (Side.sign o.Side) * notional; SentSince = sent; Overspent = w.Overspent @ overspent }
        let w = feed w (at s.Now (execFor o o.Quantity (realOf w o.ContractId) $"x{w.Fills}"))
        // IB streams the account's positions (reqPositions): the broker's view follows a portfolio fill.
        if o.Purpose = PortfolioTrade then feed w (at s.Now (PositionReported(o.ContractId, after, realOf w o.ContractId))) else w) w
    // A selling run asks for the account's positions: answered as the model holds it.
    |> fun w ->
        if not (cmds |> List.contains (RequestReconcile [ Positions ])) then w
        else
            [ for KeyValue(id, q) in w.Account do at s.Now (PositionReported(id, q, realOf w id))
              at s.Now PositionsEnded ] |> List.fold feed w

let private feedAll w events = events |> List.fold feed w

/// Every instrument quoted at `t`: the scalper's (fixed), then AAA and BBB at their real mids, a fault's bad print
/// just before its symbol's real quote.
let private quotesAt (w: World) (t: Timestamp) (fault: Fault) =
    let w =
        feedAll w
            [ for l in cfg.Strategy.Legs do at t (QuoteReceived(quote l.Option.ContractId 2.9 3.1 t))
              at t (QuoteReceived(quote underlyingId 99.99 100.01 t)) ]
    symbols |> Array.indexed |> Array.fold (fun (w: World) (i, id) ->
        let real = w.Real.[i]
        let w =
            match fault with
            | Some(j, pct) when j = i ->
                let bad = real * (1.0 + float pct / 100.0)
                let before = w.State.HeldQuotes.ContainsKey id
                let restarted = System.Double.IsNaN(Quote.mid w.State.PortfolioQuotes.[id])
                let w = feed w (at t (QuoteReceived(quote id (bad - 0.01) (bad + 0.01) t)))
                let held = not before && w.State.HeldQuotes.ContainsKey id
                { w with Held = w.Held + (if held then 1 else 0); HeldAfterRestart = w.HeldAfterRestart + (if held && restarted then 1 else 0) }
            | _ -> w
        feed w (at t (QuoteReceived(quote id (real - 0.01) (real + 0.01) t)))) w

let private connectAndConfigure (w: World) (t: Timestamp) =
    let ms n = Timestamp.add (Duration.ofSeconds (float n / 1000.0)) t
    feedAll w
        // Configured before the broker answers, as the daemon releases it with EngineStarted: the sync's book check
        // knows the portfolio's symbols (else their holdings are legs the configuration lost).
        [ at t (PortfolioConfigured setup)
          at (ms 100) (BrokerConnected [ cfg.Account ])
          for KeyValue(id, q) in w.Account do
              if q <> 0 then at (ms 200) (PositionReported(id, q, realOf w id))
          at (ms 300) PositionsEnded; at (ms 300) OpenOrdersEnded; at (ms 300) ExecutionsEnded
          at (ms 400) (AccountValueReported("NetLiquidation", 1_000_000.0, "USD"))
          at (ms 400) (AccountValueReported("AvailableFunds", w.Funds, "USD")) ]

let private signalsOf (aScore: int) (bScore: int) =
    let score n = (float (abs n) / 4.0).ToString(System.Globalization.CultureInfo.InvariantCulture)
    let action n = if n < 0 then "sell" else "buy"
    $"symbol,action,score,confidence,time\nAAA,{action aScore},{score aScore},1,2025-12-29T09:00:00Z\nBBB,{action bScore},{score bScore},1,2025-12-29T09:00:00Z\n"

let private play (actions: Action list) (faults: Fault list) =
    let legs = cfg.Strategy.Legs |> List.map (fun l -> l.Option.ContractId, l.Quantity) |> Map.ofList
    let w0 =
        { State = State.initial cfg; Account = legs; Real = [| 50.0; 80.0 |]; Now = sec 0.0; Fills = 0; Orders = []; Mispriced = []
          Held = 0; HeldAfterRestart = 0; Quoted = Map.empty; Unsafe = []; UnfitRefused = 0; Capped = 0
          Funds = startingFunds; Reported = nan; SentSince = 0.0; Overspent = []; CashCapped = 0 }
    let w = feed w0 (at (sec 0.0) (EngineStarted Restored.empty))
    let w = connectAndConfigure w (sec 0.0)
    let w = quotesAt { w with Now = sec 1.0 } (sec 1.0) None
    List.zip actions faults
    |> List.indexed
    |> List.fold (fun (w: World) (k, (action, fault)) ->
        match action with
        | Quotes(seconds, a, b) ->
            let t = Timestamp.add (Duration.ofSeconds seconds) w.Now
            let real = [| w.Real.[0] * (1.0 + float a / 10_000.0); w.Real.[1] * (1.0 + float b / 10_000.0) |]
            let w = quotesAt { w with Real = real; Now = t } t fault
            feed w (at t ClockTicked)
        | RunPortfolio(a, b) ->
            let t = Timestamp.add (Duration.ofSeconds 0.2) w.Now
            let request = { RunId = $"r{k}"; SnapshotId = $"snap{k}"; FileName = "signals.csv"; Text = signalsOf a b; Meta = meta (int64 k) }
            feed { w with Now = t } (at t (PortfolioRunRequested request))
        | Unfit(i, oneSided) ->
            let t = Timestamp.add (Duration.ofSeconds 0.1) w.Now
            let real = w.Real.[i]
            let q =
                if oneSided then { quote symbols.[i] real (real * 1.01) t with Bid = -1.0; BidSize = 0.0; Last = real }
                else quote symbols.[i] (real * 0.97) (real * 1.03) t
            feed { w with Now = t } (at t (QuoteReceived q))
        | SellByHand i ->
            let t = Timestamp.add (Duration.ofSeconds 0.1) w.Now
            let w = { w with Now = t; Account = w.Account |> Map.add symbols.[i] 0 }
            feed w (at t (PositionReported(symbols.[i], 0, w.Real.[i])))
        | FundsReported ->
            let t = Timestamp.add (Duration.ofSeconds 0.1) w.Now
            feed { w with Now = t } (at t (AccountValueReported("AvailableFunds", w.Funds, "USD")))
        | Restart ->
            let t = Timestamp.add (Duration.ofSeconds 30.0) w.Now
            let restored = restoredFrom w.State
            let w = feed { w with State = State.initial cfg; Now = t } (at t (EngineStarted restored))
            let w = connectAndConfigure w t
            let q = Timestamp.add (Duration.ofSeconds 0.5) t
            let w = quotesAt { w with Now = q } q fault
            feed w (at q ClockTicked)) w

let private book (w: World) = Portfolio.holdings w.State.Portfolio |> List.map (fun (id, h) -> id, h.Quantity)

[<Tests>]
let tests =
    testList "Trading.PortfolioQuoteProperties" [
        Props.property "A bad print on a portfolio symbol, live or a restarted engine's first quote, leaves no trace: the same orders and book, never priced off the market; no portfolio order into a one-sided or wide quote, none taking the account short, none spending cash a report before it already gave" 200
            (Prop.forAll (Arb.fromGen genCase) (fun (actions, faults) ->
                let clean = play actions (faults |> List.map (fun _ -> None))
                let dirty = play actions faults
                if not dirty.Mispriced.IsEmpty then failwithf "priced off the market:\n%s" (String.concat "\n" dirty.Mispriced)
                if not (clean.Overspent @ dirty.Overspent).IsEmpty then failwithf "cash spent twice:\n%s" (String.concat "\n" (clean.Overspent @ dirty.Overspent))
                if not (clean.Unsafe @ dirty.Unsafe).IsEmpty then failwithf "unsafe portfolio orders:\n%s" (String.concat "\n" (clean.Unsafe @ dirty.Unsafe))
                if clean.Orders <> dirty.Orders then failwithf "orders differ:\nwithout bad prints %A\nwith them          %A" clean.Orders dirty.Orders
                if book clean <> book dirty then failwithf "books differ: %A vs %A" (book clean) (book dirty)
                clean.Mispriced.IsEmpty))
        Props.seeded "The portfolio bad-print scenarios are not vacuous: prints held live and after restarts, runs that trade" (fun seed ->
            let mutable held, afterRestart, orders, unfit, capped, cashCapped = 0, 0, 0, 0, 0, 0
            for actions, faults in Gen.sampleWithSeed seed 60 100 genCase do
                let w = play actions faults
                held <- held + w.Held
                afterRestart <- afterRestart + w.HeldAfterRestart
                orders <- orders + (w.Orders |> List.filter (fun (id, _, _) -> id = aaa || id = bbb) |> List.length)
                unfit <- unfit + w.UnfitRefused
                capped <- capped + w.Capped
                cashCapped <- cashCapped + w.CashCapped
            printfn "portfolio bad-print coverage: %d held, %d of them a restarted engine's first quote; %d portfolio orders; %d runs refused a line on an unfit quote, %d sells capped at the account; %d snapshots capped by cash" held afterRestart orders unfit capped cashCapped
            Expect.isGreaterThan unfit 20 "runs meet one-sided and wide quotes"
            Expect.isGreaterThan capped 20 "sells meet shares sold by hand"
            Expect.isGreaterThan afterRestart 50 "bad prints meet restarted engines"
            Expect.isGreaterThan (held - afterRestart) 200 "bad prints meet a running engine"
            Expect.isGreaterThan orders 500 "runs trade"
            Expect.isGreaterThan cashCapped 20 "runs meet the cash the runs before them spent")
    ]
