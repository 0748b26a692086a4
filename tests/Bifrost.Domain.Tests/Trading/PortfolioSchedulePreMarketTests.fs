/// A scheduled slot whose pre-trade phase comes before the open (build 08:50, pre-trade 09:00, execute 09:45 New York
/// time): the day's P&L it judges is the session's, as the strategy's limits judge it. Before the open the stock
/// re-marks on pre-market quotes while the options keep the last close's mids, a mixed figure no session traded at.
module Bifrost.Domain.Tests.Trading.PortfolioSchedulePreMarketTests

open System
open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.PortfolioRuns
open Bifrost.Domain.Tests.Fixtures

let private aaa = cid 50
let private bbb = cid 51

/// 10 calls K=100 expiring in March 2027, US equity hours on the NYSE's calendar.
let private cfg =
    let c = config 1
    let call = OptionContract.create (cid 2) "XYZ" Call 100.0 (Timestamp.ofDateTimeUtc (DateTime(2027, 3, 19, 21, 0, 0, DateTimeKind.Utc))) 100 |> Result.get
    { c with Calendar = ExchangeHolidays.apply Nyse SessionCalendar.usEquities; Strategy = { c.Strategy with Legs = [ { Option = call; Quantity = 10 } ] } }

/// Weekdays: build 08:50, pre-trade 09:00 (both before the open), execute 09:45; the portfolio's daily loss limit 1,000.
let private setup =
    let days = [ DayOfWeek.Monday; DayOfWeek.Tuesday; DayOfWeek.Wednesday; DayOfWeek.Thursday; DayOfWeek.Friday ]
    let schedule = ScheduleConfig.create "pm" days 530 540 585 (Duration.ofSeconds 60.0) false cfg.Calendar |> Result.get
    let p = portfolioSetup 0.01 100_000.0 1_000 (Some schedule)
    let limits = PortfolioRiskLimits.create 0.05 10_000 100_000.0 1_000 1_000.0 100_000.0 None Map.empty 1.0 |> Result.get
    { p with Settings = { p.Settings with Limits = limits } }

/// New York time in December (EST, UTC−5).
let private ny (d: int) (h: int) (mi: int) (s: float) =
    Timestamp.ofDateTimeUtc (DateTime(2026, 12, d, h, mi, 0, DateTimeKind.Utc).AddHours(5.0).AddSeconds(s))

let private signalsAt (t: Timestamp) =
    let time = (Timestamp.toDateTimeUtc (Timestamp.add (Duration.ofSeconds -60.0) t)).ToString("yyyy-MM-ddTHH:mm:ssZ")
    $"symbol,action,score,confidence,time\nAAA,buy,1,1,{time}\nBBB,buy,0.5,1,{time}\n"

/// The broker fills every order at once (the stocks at their mids, the hedge at the spot); the shell answers a build
/// with the signals file.
let rec private feed (s: State, log: Command list) (e: Event) =
    let s, cmds = Reducer.step cfg s e
    cmds |> List.fold (fun (s: State, log: Command list) cmd ->
        match cmd with
        | PlaceOrder o ->
            let px = if o.ContractId = aaa then 50.0 elif o.ContractId = bbb then 80.0 else State.spot s
            feed (s, log) (at s.Now (execFor o o.Quantity px $"e{log.Length}"))
        | LoadPortfolioSignals(slot, _) ->
            feed (s, log) (at s.Now (PortfolioSignalsLoaded { SlotId = slot; File = Ok("signals.csv", signalsAt s.Now) }))
        | _ -> s, log) (s, log @ cmds)

let private feedAll (s, log) events = events |> List.fold feed (s, log)

let private uq px t = at t (QuoteReceived(quote underlyingId (px - 0.01) (px + 0.01) t))
let private lq bid ask t = at t (QuoteReceived(quote (cid 2) bid ask t))
let private stocks t = [ at t (QuoteReceived(quote aaa 49.99 50.01 t)); at t (QuoteReceived(quote bbb 79.99 80.01 t)) ]

[<Tests>]
let tests =
    testList "Trading.PortfolioSchedulePreMarket" [
        testCase "PreTradeBeforeTheOpen_OnAGapDay_JudgesTheSessionsDayPnl_NotThePreMarketStockAgainstLastNightsOptionMids" <| fun () ->
            // Friday 2026-12-04: started at 10:00 with the calls hedged at 100; the close recorded at 16:00.
            let start = ny 4 10 0 0.0
            let ms n = Timestamp.add (Duration.ofSeconds (float n / 1000.0)) start
            let s, _ =
                feedAll (State.initial cfg, [])
                    [ at start (EngineStarted Restored.empty); at (ms 100) (BrokerConnected [ cfg.Account ])
                      at (ms 200) (PositionReported(cid 2, 10, 3.0)); at (ms 200) PositionsEnded; at (ms 200) OpenOrdersEnded
                      at (ms 200) ExecutionsEnded; lq 2.9 3.1 (ms 300); uq 100.0 (ms 300); at (ms 400) ClockTicked
                      yield! stocks (ms 500)
                      at (ms 500) (PortfolioConfigured setup)
                      at (ms 500) (AccountValueReported("NetLiquidation", 1_000_000.0, "USD"))
                      at (ms 500) (AccountValueReported("AvailableFunds", 1_000_000.0, "USD"))
                      at (ms 500) (PortfolioScheduleRestored None); at (ms 600) ClockTicked ]
            let hedge = State.qtyOf s underlyingId
            Expect.isLessThan hedge -400 "the calls hedged short"
            let s, _ = feedAll (s, []) [ lq 2.9 3.1 (ny 4 15 59 59.0); uq 100.0 (ny 4 15 59 59.0); at (ny 4 16 0 1.0) ClockTicked; at (ny 5 12 0 0.0) ClockTicked ]
            // Monday 2026-12-07: the stock quotes 4 % up before the open; the options, not trading yet, keep Friday's mids.
            let preMarket t s = feedAll (s, []) ([ uq 104.0 t ] @ stocks t @ [ at t ClockTicked ])
            let s, _ = preMarket (ny 7 8 50 0.0) s
            let s, _ = preMarket (ny 7 9 0 0.0) s
            let runId = Workflow.slotRunId "pm-20261207"
            let run, _ = s.PortfolioRuns.[runId]
            // Before, the hedge's loss on the gap (~550 × 4) without the calls' gain read as the day's: blocked
            // DAILY_LOSS_LIMIT, and the slot never traded that day.
            let reasons = String.concat "; " run.Reasons
            Expect.isEmpty run.Reasons $"the pre-trade before the open clears on the session's day P&L ({RunStatus.name run.Status}: {reasons})"
            Expect.isSome run.ClearedAt "cleared"
            // At the open the calls quote up with the stock: the real day P&L is the book's (long gamma: a gain).
            let s, _ = feedAll (s, []) [ uq 104.0 (ny 7 9 30 0.0) ]
            let model = s.Legs.[0].Greeks.Price
            Expect.isGreaterThan model 4.0 "the calls worth more at 104"
            let open' t = [ uq 104.0 t; lq (model - 0.05) (model + 0.05) t ] @ stocks t @ [ at t ClockTicked ]
            let s, _ = feedAll (s, []) (open' (ny 7 9 30 1.0) @ open' (ny 7 9 44 59.0))
            Expect.isGreaterThan (State.dayPnl cfg s) 0.0 "the day's real P&L at the open: a gain"
            let s, log = feedAll (s, []) (open' (ny 7 9 45 0.0))
            let bought = placed log |> List.filter (fun o -> o.ContractId = aaa || o.ContractId = bbb)
            Expect.equal (bought |> List.map (fun o -> o.ContractId) |> List.sort) [ aaa; bbb ] $"the slot executes at 09:45 ({RunStatus.name (fst s.PortfolioRuns.[runId]).Status})"
    ]
