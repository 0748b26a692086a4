module Bifrost.Domain.Tests.PortfolioRuns.WorkflowTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.PortfolioRuns
open Bifrost.Domain.Tests.PortfolioRuns.PortfolioFixtures

let private csv = "symbol,action,score,confidence,time\nAAPL,buy,1,1,2026-12-07T14:00:00Z\nMSFT,buy,1,1,2026-12-07T14:00:00Z\n"

let private request text =
    { SnapshotId = Workflow.slotSnapshotId "weekly-20261207"; Now = monday; FileName = "signals.csv"; Text = text
      MaxSignalAge = Duration.ofSeconds 86_400.0; Universe = [ "AAPL"; "MSFT"; "XOM" ]; Inputs = inputs }

let private limits = PortfolioRiskLimits.create 0.10 1_000 20_000.0 10 5_000.0 10_000.0 None Map.empty 1.0 |> Result.get

let private ctx =
    { PortfolioValue = 100_000.0; CashAvailable = 50_000.0; TradesToday = 0; DailyPnl = 0.0; Drawdown = 0.0
      Positions = Map.empty; Prices = Map.empty }

[<Tests>]
let tests =
    testList "PortfolioRuns.Workflow" [
        testCase "SignalsFile_BecomesAFrozenSnapshot_SourcedByTheFilesHash" <| fun () ->
            match Workflow.buildSnapshot sizing (request csv) with
            | Ok s ->
                Expect.equal s.Source (SignalsFile("signals.csv", Signals.sourceHash csv)) "source"
                Expect.equal (s.Lines |> List.map (fun l -> l.Symbol, l.Target)) [ "AAPL", 50; "MSFT", 25 ] "targets"
                Expect.equal s.Id "weekly-20261207" "named after the slot"
            | Error e -> failtest (BuildError.describe e)
        testCase "ABadOrForeignRow_RefusesTheWholeFile_NamingEachRow" <| fun () ->
            let text = csv + "SPY,buy,1,1,2026-12-07T14:00:00Z\nXOM,buy,1,1,2026-12-01T14:00:00Z\n"
            match Workflow.buildSnapshot sizing (request text) with
            | Error(BadSignals es) -> Expect.equal (es |> List.map (fun e -> e.Row, e.Field)) [ 3, "symbol"; 4, "time" ] "SPY foreign, XOM old"
            | other -> failtestf "expected refused signals, got %A" other
        testCase "PreTrade_IsClearedOrBlockedWithNamedReasons" <| fun () ->
            let s = Workflow.buildSnapshot sizing (request csv) |> Result.defaultWith (fun e -> failtest (BuildError.describe e))
            Expect.equal (Workflow.preTrade limits ctx s) PreTradeCleared "within limits"
            match Workflow.preTrade limits { ctx with DailyPnl = -6_000.0 } s with
            | PreTradeBlocked [ reason ] -> Expect.stringStarts reason "DAILY_LOSS_LIMIT" "named"
            | other -> failtestf "expected a block, got %A" other
        testCase "ScheduledSlot_EndToEnd_ClearsExecutesAndCompletes" <| fun () ->
            let s = Workflow.buildSnapshot sizing (request csv) |> Result.defaultWith (fun e -> failtest (BuildError.describe e))
            let runId = Workflow.slotRunId "weekly-20261207"
            let run = RunMachine.queue runId s (ScheduledSlot "weekly-20261207") monday |> Result.get
            let run = [ PreTradeStarted; Workflow.preTrade limits ctx s ] |> List.fold okStep run
            let plan = Execution.plan (execInputs runId) s |> Result.get
            let run = okStep run (ExecutionStarted plan)
            let run = run.Orders |> List.fold (fun r o -> okStep (okStep r (OrderSubmitted o.Ref)) (FillReceived(o.Ref, fill $"x{o.Key.Symbol}" o.Quantity 1.0))) run
            Expect.equal run.Status RunStatus.Done "done"
    ]
