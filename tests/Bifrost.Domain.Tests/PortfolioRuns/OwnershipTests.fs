module Bifrost.Domain.Tests.PortfolioRuns.OwnershipTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.PortfolioRuns
open Bifrost.Domain.Tests.PortfolioRuns.PortfolioFixtures

[<Tests>]
let tests =
    testList "PortfolioRuns.Ownership" [
        testCase "UniverseWithTheScalpersUnderlying_IsRefusedAtConfigTime_NamingTheEntry" <| fun () ->
            match Ownership.validateUniverse "SPY" [ "AAPL"; "spy" ] with
            | Error e ->
                Expect.equal e.Field "portfolio.universe[1]" "the entry"
                Expect.stringContains e.Message "one owner per contract" "why"
            | Ok _ -> failtest "the hedge's underlying was accepted into the portfolio"
        testCase "UniverseWithoutIt_IsAccepted_Normalised" <| fun () ->
            Expect.equal (Ownership.validateUniverse "SPY" [ " aapl"; "MSFT" ]) (Ok [ "AAPL"; "MSFT" ]) "upper-cased"
            Expect.isError (Ownership.validateUniverse "SPY" [ "AAPL"; "AAPL" ]) "listed twice"
            Expect.isError (Ownership.validateUniverse "SPY" [ "AA PL" ]) "not a symbol"
        testCase "SignalsOutsideTheUniverse_AreRefusedByRow" <| fun () ->
            let es = Ownership.checkSignals [ "AAPL" ] [ signal "AAPL" BuySignal 1.0 1.0; signal "SPY" BuySignal 1.0 1.0 ]
            Expect.equal (es |> List.map (fun e -> e.Row, e.Field)) [ 2, "symbol" ] "SPY refused"
    ]
