module Bifrost.Domain.Tests.PortfolioTests

open Xunit
open Bifrost.Domain

[<Fact>]
let ``Buying then selling realises P&L with the multiplier`` () =
    let h = Holding.empty |> Holding.applyFill 100 Buy 2 3.0 |> Holding.applyFill 100 Buy 2 4.0
    Assert.Equal(4, h.Quantity)
    Assert.Equal(3.5, h.AvgCost, 12)
    let h = h |> Holding.applyFill 100 Sell 3 5.0
    Assert.Equal(1, h.Quantity)
    Assert.Equal(450.0, h.Realized, 9)
    Assert.Equal(3.5, h.AvgCost, 12)

[<Fact>]
let ``A flip through zero opens the new side at the fill price`` () =
    let h = Holding.empty |> Holding.applyFill 1 Buy 100 10.0 |> Holding.applyFill 1 Sell 150 12.0
    Assert.Equal(-50, h.Quantity)
    Assert.Equal(12.0, h.AvgCost)
    Assert.Equal(200.0, h.Realized, 9)

[<Fact>]
let ``External quantity is the broker's minus the strategy's`` () =
    let id = ContractId.create 1 |> Result.get
    let p = Portfolio.empty |> Portfolio.setBroker id 300 10.0 |> Portfolio.applyFill id 1 Sell 50 10.0
    let v = Portfolio.view id p
    Assert.Equal(-50, v.Strategy)
    Assert.Equal(350, v.External)
