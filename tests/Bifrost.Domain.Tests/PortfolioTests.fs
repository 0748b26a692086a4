module Bifrost.Domain.Tests.PortfolioTests

open Expecto
open Bifrost.Domain

[<Tests>]
let tests =
    testList "Portfolio" [
        testCase "Buying then selling realises P&L with the multiplier" <| fun () ->
            let h = Holding.empty |> Holding.applyFill 100 Buy 2 3.0 |> Holding.applyFill 100 Buy 2 4.0
            Expect.equal h.Quantity 4 "h.Quantity"
            Props.closeTo 12 h.AvgCost 3.5
            let h = h |> Holding.applyFill 100 Sell 3 5.0
            Expect.equal h.Quantity 1 "h.Quantity"
            Props.closeTo 9 h.Realized 450.0
            Props.closeTo 12 h.AvgCost 3.5
        testCase "A flip through zero opens the new side at the fill price" <| fun () ->
            let h = Holding.empty |> Holding.applyFill 1 Buy 100 10.0 |> Holding.applyFill 1 Sell 150 12.0
            Expect.equal h.Quantity -50 "h.Quantity"
            Expect.equal h.AvgCost 12.0 "h.AvgCost"
            Props.closeTo 9 h.Realized 200.0
        testCase "External quantity is the broker's minus the strategy's" <| fun () ->
            let id = ContractId.create 1 |> Result.get
            let p = Portfolio.empty |> Portfolio.setBroker id 300 10.0 |> Portfolio.applyFill id 1 Sell 50 10.0
            let v = Portfolio.view id p
            Expect.equal v.Strategy -50 "v.Strategy"
            Expect.equal v.External 350 "v.External"
    ]
