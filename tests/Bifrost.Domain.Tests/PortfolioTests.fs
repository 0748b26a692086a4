module Bifrost.Domain.Tests.PortfolioTests

open Expecto
open FsCheck
open FsCheck.FSharp
open Bifrost.Domain

/// One change to the strategy's holdings, as the engine makes them.
type private HoldingChange =
    | Fill of key: int * buy: bool * qty: int * price: float
    | Fee of key: int * fee: float
    | Adopt of key: int * qty: int * cost: float

let private genChange =
    let key = Gen.elements [ 1; 7; 42; 1000; 99_999 ]
    let price = Gen.choose (1, 50_000) |> Gen.map (fun c -> float c / 100.0)
    Gen.oneof [
        Gen.map4 (fun k b q p -> Fill(k, b, q, p)) key (Gen.elements [ true; false ]) (Gen.choose (1, 500)) price
        Gen.map2 (fun k c -> Fee(k, float c / 100.0)) key (Gen.choose (0, 500))
        Gen.map3 (fun k q p -> Adopt(k, q, p)) key (Gen.choose (-20, 20)) price ]

let private apply (p: Portfolio) change =
    let id k = ContractId.create k |> Result.get
    match change with
    | Fill(k, buy, q, price) -> Portfolio.applyFill (id k) (if k = 42 then 100 else 1) (if buy then Buy else Sell) q price p
    | Fee(k, fee) -> Portfolio.addFee (id k) fee p
    | Adopt(k, q, cost) -> Portfolio.adopt (id k) { Holding.empty with Quantity = q; AvgCost = cost } p

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
        // The per-tick reads (lookups, realised and fee totals) come from arrays derived from the holdings map: after
        // any sequence of fills, fees and adoptions they say exactly what the map says (totals bit for bit, summed in
        // key order as a fold of the map would).
        Props.property "The derived holdings arrays and totals always agree with the holdings map" 300 <|
            Prop.forAll (Arb.fromGen (Gen.listOf genChange)) (fun changes ->
                let p = changes |> List.fold apply Portfolio.empty
                let pairs = p.Strategy |> Map.toList
                Expect.equal (List.ofArray p.Keys) (pairs |> List.map fst) "keys in map order"
                Expect.equal (List.ofArray p.Held) (pairs |> List.map snd) "holdings in map order"
                Expect.equal (Portfolio.totalRealized p) (p.Strategy |> Map.fold (fun a _ h -> a + h.Realized) 0.0) "realised total"
                Expect.equal (Portfolio.totalFees p) (p.Strategy |> Map.fold (fun a _ h -> a + h.Fees) 0.0) "fee total"
                for k in [ 1; 7; 42; 1000; 99_999; 5 ] do
                    let id = ContractId.create k |> Result.get
                    let expected = p.Strategy |> Map.tryFind k |> Option.defaultValue Holding.empty
                    Expect.equal (Portfolio.holding id p) expected $"holding {k}")
    ]
