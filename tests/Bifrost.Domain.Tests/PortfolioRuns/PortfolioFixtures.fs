/// Shared values for the portfolio-run tests: a sizing config, a snapshot and a run on it.
module Bifrost.Domain.Tests.PortfolioRuns.PortfolioFixtures

open System
open Bifrost.Domain
open Bifrost.Domain.PortfolioRuns

/// 2026-12-07 was a Monday; 14:45Z is 09:45 in New York (EST, UTC−5).
let at (iso: string) = Timestamp.ofDateTimeUtc (DateTime.Parse(iso, Globalization.CultureInfo.InvariantCulture, Globalization.DateTimeStyles.AdjustToUniversal ||| Globalization.DateTimeStyles.AssumeUniversal))

let monday = at "2026-12-07T14:30:00Z"

let signal symbol action score confidence = { Symbol = symbol; Action = action; Score = score; Confidence = confidence; Time = monday }

let sizing = SizingConfig.create 0.10 1 1 0.0 false |> Result.get

let inputs =
    { PortfolioValue = 100_000.0
      CashAvailable = 50_000.0
      Prices = Map [ "AAPL", 200.0; "MSFT", 400.0; "XOM", 100.0; "JPM", 250.0 ]
      Positions = Map.empty }

/// A snapshot from sized signals (buy AAPL and MSFT at full strength).
let snapshotOf (id: string) (inputs: SizingInputs) (signals: Signal list) =
    let sized = Sizing.sizeBatch sizing inputs signals |> Result.get
    Snapshot.create id monday (SignalsFile("signals.csv", "abc")) inputs sized |> Result.get

let snapshot = snapshotOf "s1" inputs [ signal "AAPL" BuySignal 1.0 1.0; signal "MSFT" BuySignal 1.0 1.0 ]

let input (event: RunEvent) = { Event = event; VenueTime = monday; ReceivedAt = monday }

let okStep (run: Run) (event: RunEvent) =
    match RunMachine.step run (input event) with
    | Ok r -> r
    | Error e -> failwithf "unexpected invalid transition %A" e

/// Quotes received now, a cent either side of each price (a liquid stock: a few bps wide).
let fresh (prices: Map<string, float>) = prices |> Map.map (fun _ p -> { Price = p; Bid = p - 0.01; Ask = p + 0.01; ReceivedAt = monday })

/// Executing now on fresh quotes, spreads up to 50 bps, no short sales; the account holds what `Account` says
/// (nothing: set it with the positions a test sells from).
let execInputs runId =
    { RunId = runId; Now = monday; MaxQuoteAge = Duration.ofSeconds 5.0; MaxSpreadBps = 50.0; Positions = Map.empty
      Account = Map.empty; AllowShort = false; Known = []; Quotes = fresh inputs.Prices }

/// A run of `snap` cleared by pre-trade and executing its plan.
let runningRun (runId: string) (snap: Snapshot) (exec: ExecutionInputs) =
    let plan = Execution.plan exec snap |> Result.get
    let run = RunMachine.queue runId snap (ScheduledSlot "weekly-20261207") monday |> Result.get
    [ PreTradeStarted; PreTradeCleared; ExecutionStarted plan ] |> List.fold okStep run

let fill execId qty price = { ExecId = execId; Quantity = qty; Price = price; Commission = None; VenueTime = monday; ReceivedAt = monday }
