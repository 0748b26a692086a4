module Bifrost.Domain.Tests.PortfolioRuns.SnapshotTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.PortfolioRuns
open Bifrost.Domain.Tests.PortfolioRuns.PortfolioFixtures

let private line symbol price current target =
    { Symbol = symbol; Price = price; Current = current; Target = target; Weight = 0.1; Notes = [] }

let private restore (lines: SnapshotLine list) hash =
    Snapshot.restore snapshot.Id snapshot.CreatedAt snapshot.Source snapshot.PortfolioValue snapshot.CashAvailable lines hash

[<Tests>]
let tests =
    testList "PortfolioRuns.Snapshot" [
        testCase "Create_FreezesTargetsPricesAndValue_SortedBySymbol" <| fun () ->
            Expect.equal (snapshot.Lines |> List.map (fun l -> l.Symbol, l.Price, l.Target)) [ "AAPL", 200.0, 50; "MSFT", 400.0, 25 ] "lines"
            Expect.equal (snapshot.PortfolioValue, snapshot.Id, snapshot.CreatedAt) (100_000.0, "s1", monday) "header"
            Expect.equal snapshot.ContentHash.Length 64 "hex SHA-256"
        testCase "Hash_IsStable_AndIndependentOfLineOrder" <| fun () ->
            let reversed = restore (List.rev snapshot.Lines) snapshot.ContentHash
            Expect.isOk reversed "the same content in another order has the same hash"
            let again = snapshotOf "s1" inputs [ signal "MSFT" BuySignal 1.0 1.0; signal "AAPL" BuySignal 1.0 1.0 ]
            Expect.equal again.ContentHash snapshot.ContentHash "rebuilt from the same inputs"
        testCase "Hash_ChangesWithAnyField" <| fun () ->
            let hashes =
                [ snapshot.ContentHash
                  (snapshotOf "s2" inputs [ signal "AAPL" BuySignal 1.0 1.0; signal "MSFT" BuySignal 1.0 1.0 ]).ContentHash
                  (snapshotOf "s1" { inputs with PortfolioValue = 100_001.0 } [ signal "AAPL" BuySignal 1.0 1.0; signal "MSFT" BuySignal 1.0 1.0 ]).ContentHash
                  (snapshotOf "s1" inputs [ signal "AAPL" BuySignal 1.0 1.0; signal "MSFT" BuySignal 0.9 1.0 ]).ContentHash
                  (Snapshot.create "s1" monday (OperatorTargets "ops") inputs (Sizing.sizeBatch sizing inputs [ signal "AAPL" BuySignal 1.0 1.0; signal "MSFT" BuySignal 1.0 1.0 ] |> Result.get) |> Result.get).ContentHash ]
            Expect.equal (List.distinct hashes).Length hashes.Length "every change gives another hash"
        testCase "Restore_WithAHashThatDoesNotMatch_IsRefused" <| fun () ->
            let tampered = snapshot.Lines |> List.map (fun l -> if l.Symbol = "AAPL" then { l with Target = 500 } else l)
            match restore tampered snapshot.ContentHash with
            | Error e -> Expect.equal e.Field "snapshot.content_hash" "named"
            | Ok _ -> failtest "a tampered snapshot was accepted"
        testCase "Create_RefusesBadIdsDuplicatesAndEmptySnapshots" <| fun () ->
            let src = OperatorTargets "ops"
            let mk id lines = Snapshot.restore id monday src 1.0 0.0 lines ""
            Expect.isError (Snapshot.validateId "") "empty id"
            Expect.isError (Snapshot.validateId "a|b") "separator in id"
            Expect.isError (Snapshot.validateId (String.replicate 33 "x")) "long id"
            Expect.isError (mk "s" []) "no lines"
            Expect.isError (mk "s" [ line "A" 1.0 0 1; line "A" 1.0 0 2 ]) "duplicate symbol"
        testCase "TradingLines_AreTheLinesWhoseTargetDiffers" <| fun () ->
            let held = snapshotOf "s3" { inputs with Positions = Map [ "AAPL", 50 ] } [ signal "AAPL" BuySignal 1.0 1.0; signal "MSFT" BuySignal 1.0 1.0 ]
            Expect.equal (Snapshot.tradingLines held |> List.map _.Symbol) [ "MSFT" ] "AAPL already at target"
    ]
