/// Operator-entered targets → a frozen snapshot: the operator's quantity, checked against the universe, lots and shorts.
module Bifrost.Domain.Tests.PortfolioRuns.OperatorTargetsTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.PortfolioRuns
open Bifrost.Domain.Tests.PortfolioRuns.PortfolioFixtures

let private universe = [ "AAPL"; "MSFT"; "XOM"; "JPM" ]

let private request targets =
    { SnapshotId = "op1"; Now = monday; RequestedBy = "alice"; Universe = universe; Targets = targets
      Inputs = { inputs with Positions = Map [ "AAPL", 10 ]; Prices = inputs.Prices |> Map.remove "JPM" } }

let private built r = match r with Ok (x: Snapshot) -> x | Error es -> failwithf "refused: %A" es

let private t symbol quantity : OperatorTarget = { Symbol = symbol; Quantity = quantity }

[<Tests>]
let tests =
    testList "PortfolioRuns.OperatorTargets" [
        testCase "Targets_FrozenWithTheOperatorAsSource_QuantitiesAsEntered" <| fun () ->
            let snap = OperatorTargets.build sizing (request [ t "aapl" 50; t "XOM" 0 ]) |> built
            Expect.equal snap.Source (OperatorTargets "alice") "the operator is the source"
            Expect.equal (snap.Lines |> List.map (fun (l: SnapshotLine) -> l.Symbol, l.Current, l.Target)) [ "AAPL", 10, 50; "XOM", 0, 0 ] "as entered, upper-cased"
            Expect.equal (snap.Lines |> List.head).Weight (50.0 * 200.0 / 100_000.0) "weight at the price sized"
            Expect.isTrue (snap.Lines |> List.forall (fun (l: SnapshotLine) -> l.Notes |> List.contains "OPERATOR")) "marked OPERATOR"
        testCase "Target_WithoutPrice_KeptWithNoPriceNote_PreTradeBlocksIt" <| fun () ->
            let snap = OperatorTargets.build sizing (request [ t "JPM" 20 ]) |> built
            let line = snap.Lines |> List.exactlyOne
            Expect.isTrue (System.Double.IsNaN line.Price) "no price"
            Expect.contains line.Notes "NO_PRICE" "noted"
            let limits = PortfolioRiskLimits.create 0.5 10_000 1e9 100 1e9 1e9 None Map.empty 1.0 |> Result.get
            let ctx = { PortfolioValue = 100_000.0; CashAvailable = 1e6; TradesToday = 0; DailyPnl = 0.0; Drawdown = 0.0; Positions = Map.empty; Prices = Map.empty }
            Expect.equal (PreTradeRisk.check limits ctx snap |> List.map PreTradeBlock.code) [ "NO_PRICE" ] "blocked, cannot be valued"
        testCase "BadTargets_EveryOneNamedByField" <| fun () ->
            let lots = SizingConfig.create 0.10 10 1 0.0 false |> Result.get
            match OperatorTargets.build lots (request [ t "TSLA" 10; t "AAPL" 15; t "MSFT" -10; t "aapl" 20 ]) with
            | Ok _ -> failtest "refused expected"
            | Error es ->
                Expect.equal (es |> List.map _.Field)
                    [ "targets[0].symbol"; "targets[1].quantity"; "targets[2].quantity"; "targets[3].symbol" ] "each bad field named"
                Expect.stringContains es.[2].Message "allow_short" "why a short is refused"
        testCase "NoTargets_Refused" <| fun () ->
            match OperatorTargets.build sizing (request []) with
            | Error [ e ] -> Expect.equal e.Field "targets" "named"
            | other -> failtestf "refused expected, got %A" other
        testCase "OperatorSnapshot_RestoresWithItsHash" <| fun () ->
            let snap = OperatorTargets.build sizing (request [ t "AAPL" 50; t "JPM" 20 ]) |> built
            let back = Snapshot.restore snap.Id snap.CreatedAt snap.Source snap.PortfolioValue snap.CashAvailable snap.Lines snap.ContentHash
            Expect.isOk back "the hash of an operator snapshot (NaN price included) is stable"
    ]
