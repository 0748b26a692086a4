module Bifrost.Domain.Tests.Strategy.BandsTests

open Expecto
open FsCheck.FSharp
open Bifrost.Domain
open Bifrost.Domain.Strategy
open Bifrost.Domain.Tests

let private genBandCase =
    gen {
        let! lot = Gen.elements [ 1; 10; 100 ]
        let! half = Gen.choose (1, 500) |> Gen.map float
        let! delta = Gen.choose (-5000, 5000) |> Gen.map float
        let! target = Gen.choose (-100, 100) |> Gen.map float
        let! toEdge = Gen.elements [ ToTarget; ToBandEdge ]
        return lot, half, delta, target, toEdge
    }

[<Tests>]
let tests =
    testList "Strategy.Bands" [
        testCase "Whalley-Wilmott half-width is the cube root formula" <| fun () ->
            let w = Bands.whalleyWilmott 0.001 0.5 40.0 100.0
            Props.closeTo 12 w (System.Math.Cbrt(3.0 * 0.001 * 1600.0 * 100.0 / 1.0))
        testCase "The band is the narrowest band rule, in shares" <| fun () ->
            let s = { Fixtures.strategy 1 with Rules = [ FixedBand(0.8, ContractDeltas); FixedBand(120.0, Shares) ] }
            Expect.equal (Bands.halfWidth s 100 0.0 100.0) 80.0 "Bands.halfWidth s 100 0.0 100.0"
        testCase "Lots round toward zero" <| fun () ->
            Expect.equal (Bands.roundToLot 100 299.0) 200 "Bands.roundToLot 100 299.0"
            Expect.equal (Bands.roundToLot 100 -299.0) -200 "Bands.roundToLot 100 -299.0"
            Expect.equal (Bands.roundToLot 100 nan) 0 "Bands.roundToLot 100 nan"
        Props.property "A hedge never crosses the target, so never the opposite band edge" 2000 (Prop.forAll (Arb.fromGen genBandCase) (fun (lot, half, delta, target, toEdge) ->
                let s = { Fixtures.strategy 1 with LotSize = lot; TargetDelta = target; HedgeTo = toEdge }
                let q = Bands.hedgeQuantity s half delta
                let before = delta - target
                let after = before + float q
                q % lot = 0 && abs after <= abs before && (after = 0.0 || sign after = sign before || abs after <= half)))
        // Found in review: to the band edge the quantity rounded toward zero, so delta just outside the band (up to a lot
        // past it) was no lot at all and stood there, BELOW_MIN_SIZE, until it moved a lot further; beyond the hard limit
        // (a wide band is clamped to it) the light stayed RED with the hedger idle.
        testCase "ToTheBandEdge_InLots_DeltaJustOutsideTheBand_TradesALotBackInside" <| fun () ->
            let s = { Fixtures.strategy 1 with LotSize = 100; HedgeTo = ToBandEdge }
            Expect.equal (Bands.hedgeQuantity s 250.0 280.0) -100 "30 shares past the band: a lot back inside"
            Expect.equal (Bands.hedgeQuantity s 250.0 -349.0) 100 "99 shares past the band: a lot back inside"
            Expect.equal (Bands.hedgeQuantity s 250.0 350.0) -100 "a lot past the band: that lot"
            Expect.equal (Bands.hedgeQuantity s 250.0 250.0) 0 "on the edge: inside"
            Expect.equal (Bands.hedgeQuantity { s with MinHedgeShares = 150 } 250.0 280.0) -200 "min_hedge_shares in whole lots, not past the target"
            Expect.equal (Bands.hedgeQuantity { s with LotSize = 1 } 100.0 100.5) -1 "half a share past: one share back inside"
        testCase "ToTheBandEdge_AnUnknownNetDelta_IsNoHedge_NotAnException" <| fun () ->
            let s = { Fixtures.strategy 1 with HedgeTo = ToBandEdge }
            Expect.equal (Bands.hedgeQuantity s 50.0 nan) 0 "NaN"
            Expect.equal (Bands.hedgeQuantity s 50.0 infinity) 0 "infinity"
        Props.property "A band hedge brings delta back within the band, never past the target" 2000 (Prop.forAll (Arb.fromGen genBandCase) (fun (lot, half, delta, target, toEdge) ->
                // As the configuration guarantees (Config.validate): every band at least a lot wide.
                let half = max half (float lot)
                let s = { Fixtures.strategy 1 with LotSize = lot; TargetDelta = target; HedgeTo = toEdge }
                let before = delta - target
                let after = before + float (Bands.hedgeQuantity s half delta)
                abs before <= half || (abs after <= half && (after = 0.0 || sign after = sign before))))
    ]
