/// Shared builders: a valid config for an XYZ option book, events at given times.
module Bifrost.Domain.Tests.Fixtures

open Bifrost.Domain
open Bifrost.Domain.Trading

let cid n = ContractId.create n |> Result.get
let t0 = Timestamp.ofUnixSeconds 1_767_000_000L // 2025-12-29, a Monday
let sec (s: float) = Timestamp.add (Duration.ofSeconds s) t0
let underlyingId = cid 1

let stock = { ContractId = underlyingId; Symbol = "XYZ" }

let option n right strike =
    OptionContract.create (cid n) "XYZ" right strike (Timestamp.add (Duration.ofSeconds (90.0 * 86_400.0)) t0) 100 |> Result.get

let legs count =
    [ option 2 Call 100.0, 10
      option 3 Put 100.0, 10
      option 4 Call 105.0, 5
      option 5 Put 95.0, 5 ]
    |> List.truncate count
    |> List.map (fun (o, q) -> { Option = o; Quantity = q })

let strategy legCount : StrategyConfig =
    { Underlying = stock
      Legs = legs legCount
      TargetDelta = 0.0
      Rules = [ FixedBand(50.0, Shares) ]
      HedgeTo = ToTarget
      LotSize = 1
      MinHedgeShares = 1
      DriftFraction = 0.5
      HardDeltaLimit = 2_000.0
      Cooldown = Duration.ofSeconds 1.0
      HedgeTimeout = Duration.ofSeconds 30.0
      HedgeLimitOffsetBps = None
      RiskFreeRate = 0.05
      DividendYield = 0.0
      FallbackVol = 0.2 }

let config legCount : Config =
    { RunId = "r1"
      Account = "DU1234567"
      Mode = Paper
      Strategy = strategy legCount
      Guards = { LagAfter = Duration.ofSeconds 5.0; StaleAfter = Duration.ofSeconds 30.0; MaxFeedLatency = Duration.ofSeconds 2.0; MaxSpreadBps = 50.0; MaxJumpPct = 5.0; JumpConfirm = Duration.ofSeconds 2.0
                 MaxOptionJumpVolPoints = 5.0 }
      Risk =
        { MaxPosition = 2_000
          MaxOrderNotional = 250_000.0
          MaxDailyTrades = 500
          DailyLossLimit = 50_000.0
          MaxDrawdown = 100_000.0
          StopLoss = None
          TakeProfit = None
          NearFraction = 0.8
          CheckBuyingPower = false }
      Calendar = SessionCalendar.alwaysOpen
      Control =
        { CancelOnStop = true
          AfterFlatten = PauseAfterFlatten
          FlattenTarget = FlatZero
          StopTimeout = Duration.ofSeconds 10.0
          SelfCheckEvery = Duration.ofSeconds 1.0
          ExpectedOtherRuns = []
          ClientId = None
          MaxManualQuantity = 100_000
          MaxManualNotional = 1e9
          LimitPriceBand = 0.5
          RunTimeout = Duration.ofSeconds 3600.0
          ExecutionWait = Duration.ofSeconds 10.0 } }

let at (t: Timestamp) payload : Event = Event.at t payload

let quote conId bid ask (t: Timestamp) =
    { Quote.empty conId with Bid = bid; Ask = ask; Last = 0.5 * (bid + ask); BidSize = 500.0; AskSize = 500.0; VenueTime = t; ReceiveTime = t }

let meta id = { ControlId = id; RequestedBy = "test" }

/// An operator's portfolio run of the signals `text` (its snapshot named after the control).
let portfolioRunRequested runId controlId text =
    PortfolioRunRequested { RunId = runId; SnapshotId = $"snap{controlId}"; FileName = "signals.csv"; Text = text; Meta = meta controlId }

/// Runs events through the reducer, returning the final state and all commands.
let runAll cfg events = Reducer.run cfg (State.initial cfg) events

/// Start-up to Running: restore, connect, the broker lists the option book, then quotes for every instrument.
let startEvents (cfg: Config) (spot: float) =
    [ at (sec 0.0) (EngineStarted Restored.empty)
      at (sec 0.1) (BrokerConnected [ cfg.Account ])
      for l in cfg.Strategy.Legs do
          at (sec 0.2) (PositionReported(l.Option.ContractId, l.Quantity, 3.0))
      at (sec 0.3) PositionsEnded
      at (sec 0.3) OpenOrdersEnded
      at (sec 0.3) ExecutionsEnded
      for l in cfg.Strategy.Legs do
          at (sec 0.4) (QuoteReceived(quote l.Option.ContractId 2.9 3.1 (sec 0.4)))
      at (sec 0.5) (QuoteReceived(quote underlyingId (spot - 0.01) (spot + 0.01) (sec 0.5))) ]

let placed (cmds: Command list) = cmds |> List.choose (function PlaceOrder o -> Some o | _ -> None)
let ops (cmds: Command list) = cmds |> List.choose (function RecordOperation o -> Some o | _ -> None)
let alerts (cmds: Command list) = cmds |> List.choose (function RaiseAlert a -> Some a | _ -> None)

let execFor (o: OrderRequest) qty price execId =
    ExecutionReported
        { ExecId = ExecId.create execId |> Result.get; IbOrderId = o.IbOrderId; PermId = 1000L + int64 o.IbOrderId; ClientId = 7
          Ref = OrderRef.value o.Ref; ContractId = o.ContractId; Side = o.Side; Quantity = qty; Price = price }

/// A move past guards.max_jump_pct in one quote is held as a possible bad quote (PriceJump) until it stands: a
/// scenario that means the move quotes it at `t` and again once it has stood. The state and the commands of both.
let quoteStanding (c: Config) (s: State) (t: Timestamp) bid ask =
    let s, first = Reducer.step c s (at t (QuoteReceived(quote underlyingId bid ask t)))
    if s.HeldJump.IsNone then s, first
    else
        let t2 = Timestamp.add c.Guards.JumpConfirm t
        let s, second = Reducer.step c s (at t2 (QuoteReceived(quote underlyingId bid ask t2)))
        s, first @ second

/// An operator's market order of `qty` on `conId` with the risk bypass, at `t` (control 7): its commands.
let manualWithBypass (c: Config) (s: State) (t: Timestamp) conId side qty =
    let m = { RunId = "m7"; ContractId = conId; Side = side; Quantity = qty; Type = Market; RiskBypass = true; Meta = meta 7L; AdjustsStrategy = false }
    snd (Reducer.step c s (at t (ManualOrderRequested m)))

/// A leg repriced past its band in one quote is held as a possible bad quote (PriceJump.judgeLeg) until it stands: the
/// events of a move that means it, quoted at `t` and again once it has stood.
let legStanding (c: Config) conId bid ask (t: Timestamp) =
    let t2 = Timestamp.add c.Guards.JumpConfirm t
    [ at t (QuoteReceived(quote conId bid ask t)); at t2 (QuoteReceived(quote conId bid ask t2)) ]

/// Started at 100, the first hedge filled at 0.6 s: running idle, delta inside the band, the legs adopted at 3.00.
let hedged (c: Config) =
    let s, cmds = runAll c (startEvents c 100.0)
    let hedge = placed cmds |> List.exactlyOne
    let s, _ = Reducer.step c s (at (sec 0.6) (execFor hedge hedge.Quantity 100.0 "e0"))
    s

/// What the store would give a restart of this engine: its orders, holdings, seen executions and saved memory.
let restoredFrom (s: State) : Restored =
    { Restored.empty with
        OrderIdHighWater = s.NextOrderId - 1
        NextOrderSeq = s.NextOrderSeq
        Orders = s.Orders |> Map.toList |> List.map snd
        Holdings = Portfolio.holdings s.Portfolio
        SeenExecIds = Set.toList s.SeenExecs
        HighWater = s.Memory.HighWater
        Memory = Some s.Memory }

/// A restart of `s`'s engine `at` seconds, on what its store keeps with `memory` as the saved engine memory: started,
/// connected, the account as the strategy holds it (the legs at 3.00, the hedge), synced; nothing quoted yet.
let restartEvents (c: Config) (s: State) (memory: EngineMemory) (at': float) =
    [ at (sec at') (EngineStarted { restoredFrom s with Memory = Some memory })
      at (sec (at' + 0.1)) (BrokerConnected [ c.Account ])
      for l in c.Strategy.Legs do at (sec (at' + 0.2)) (PositionReported(l.Option.ContractId, l.Quantity, 3.0))
      at (sec (at' + 0.2)) (PositionReported(underlyingId, State.hedgePosition c s, 100.0))
      at (sec (at' + 0.3)) PositionsEnded; at (sec (at' + 0.3)) OpenOrdersEnded; at (sec (at' + 0.3)) ExecutionsEnded ]

/// The two-stock portfolio the reducer's portfolio tests run: AAA (contract 50) and BBB (51), a target of `sizing` of
/// NetLiquidation per unit of score × confidence in whole shares, orders up to `maxOrderNotional`, `maxDailyTrades` a
/// day, quotes older than 5 s not traded on; with a schedule, its signals from "/signals".
let portfolioSetup (sizing: float) (maxOrderNotional: float) (maxDailyTrades: int) (schedule: PortfolioRuns.ScheduleConfig option) : PortfolioRuns.PortfolioSetup =
    { Settings =
        { Universe = [ "AAA"; "BBB" ]
          Sizing = PortfolioRuns.SizingConfig.create sizing 1 1 0.0 false |> Result.get
          Limits = PortfolioRuns.PortfolioRiskLimits.create 0.05 10_000 maxOrderNotional maxDailyTrades 100_000.0 100_000.0 None Map.empty 1.0 |> Result.get
          MaxQuoteAge = Duration.ofSeconds 5.0
          MaxSpreadBps = 50.0
          MaxSignalAge = Duration.ofSeconds 86_400.0
          Schedule = schedule
          SignalsDir = schedule |> Option.map (fun _ -> "/signals") }
      Contracts = Map [ "AAA", cid 50; "BBB", cid 51 ] }

/// Running/Idle with the portfolio `setup` configured: the first hedge filled at 1 s, the account valued at 1,000,000
/// (NetLiquidation and AvailableFunds) and AAA (50) and BBB (80) quoted a cent wide at 2 s.
let portfolioReady (c: Config) (setup: PortfolioRuns.PortfolioSetup) =
    let s, cmds = runAll c (startEvents c 100.0)
    let hedge = placed cmds |> List.exactlyOne
    Reducer.run c s
        [ at (sec 1.0) (execFor hedge hedge.Quantity 100.0 "e1")
          at (sec 1.1) (PortfolioConfigured setup)
          at (sec 1.2) (AccountValueReported("NetLiquidation", 1_000_000.0, "USD"))
          at (sec 1.2) (AccountValueReported("AvailableFunds", 1_000_000.0, "USD"))
          at (sec 2.0) (QuoteReceived(quote (cid 50) 49.99 50.01 (sec 2.0)))
          at (sec 2.0) (QuoteReceived(quote (cid 51) 79.99 80.01 (sec 2.0))) ]
    |> fst

/// Events fed one by one, every order filled in full at once at the spot: the state and every command so far.
let feedFilling (c: Config) (s: State, log: Command list) (events: Event list) =
    let rec one (s: State, log: Command list) (e: Event) =
        let s, cmds = Reducer.step c s e
        cmds |> List.fold (fun acc cmd ->
            match cmd with
            | PlaceOrder o -> one acc (at (fst acc).Now (execFor o o.Quantity (State.spot (fst acc)) $"e{(snd acc).Length}"))
            | _ -> acc) (s, log @ cmds)
    events |> List.fold one (s, log)
