module Bifrost.Domain.Tests.Pricing.ImpliedVolTests

open Expecto
open FsCheck.FSharp
open Bifrost.Domain
open Bifrost.Domain.Pricing
open Bifrost.Domain.Tests

let private inputs s k t r = { Spot = s; Strike = k; Years = t; Rate = r; Dividend = 0.0; Vol = nan }

let private genPricedOption =
    gen {
        let! right = Gen.elements [ Call; Put ]
        let! m = Gen.choose (70, 140) |> Gen.map (fun x -> float x / 100.0)
        let! t = Gen.choose (2, 1000) |> Gen.map (fun d -> float d / 365.0)
        let! v = Gen.choose (3, 200) |> Gen.map (fun x -> float x / 100.0)
        let! r = Gen.choose (0, 800) |> Gen.map (fun x -> float x / 10_000.0)
        return right, { Spot = 100.0; Strike = 100.0 * m; Years = t; Rate = r; Dividend = 0.0; Vol = v }
    }

[<Tests>]
let tests =
    testList "Pricing.ImpliedVol" [
        testCase "Recovers 20 percent from the Hull 13.6 call price" <| fun () ->
            match ImpliedVol.solve Call (inputs 42.0 40.0 0.5 0.10) 4.759422393 with
            | Ok v -> Props.closeTo 8 v 0.20
            | Error e -> failwith (ImpliedVolError.describe e)
        testCase "A price below intrinsic is a clear error" <| fun () ->
            match ImpliedVol.solve Call (inputs 100.0 80.0 0.5 0.0) 10.0 with
            | Error(BelowIntrinsic(p, lb)) ->
                Expect.equal p 10.0 "p"
                Props.closeTo 9 lb 20.0
            | other -> failwith $"expected BelowIntrinsic, got {other}"
        testCase "A call priced at or above the spot is a clear error" <| fun () ->
            match ImpliedVol.solve Call (inputs 100.0 80.0 0.5 0.0) 100.0 with
            | Error(AboveUpperBound _) -> ()
            | other -> failwith $"expected AboveUpperBound, got {other}"
        testCase "An expired option has no implied volatility" <| fun () ->
            Expect.equal (ImpliedVol.solve Put (inputs 100.0 80.0 0.0 0.0) 1.0) (Error Expired) "ImpliedVol.solve Put (inputs 100.0 80.0 0.0 0.0) 1.0"
        Props.property "Round trip: the solver recovers the volatility that priced the option" 2000 (Prop.forAll (Arb.fromGen genPricedOption) (fun (right, i) ->
                let g = BlackScholes.greeks right i
                let lower, _ = BlackScholes.bounds right i
                // Only where the price carries information about σ (time value well above rounding noise).
                g.Price - lower < 1e-6 || g.Vega < 1e-6
                || (match ImpliedVol.solve right i g.Price with
                    | Ok v -> abs (v - i.Vol) < 1e-6
                    | Error _ -> false)))
    ]
