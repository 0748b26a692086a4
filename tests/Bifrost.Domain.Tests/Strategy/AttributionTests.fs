module Bifrost.Domain.Tests.Strategy.AttributionTests

open Expecto
open FsCheck.FSharp
open Bifrost.Domain
open Bifrost.Domain.Strategy
open Bifrost.Domain.Tests

let private years seconds = seconds / (365.0 * 86_400.0)

/// A leg priced from the market (its vol came from the data), valued at `spot`.
let private marketLeg cfg now spot vol =
    let leg = Book.initialLeg cfg (cfg: StrategyConfig).Legs.Head
    Book.revalue cfg now spot { leg with Vol = vol; VolSource = FromData }

/// Marked P&L before fees of the holdings at the legs' marks and `spot` (what State.totalPnl reports).
let private marked (legs: LegState array) spot (p: Portfolio) =
    Portfolio.totalRealized p
    + Holding.unrealized 1 spot (Portfolio.holding Fixtures.underlyingId p)
    + (legs |> Array.sumBy (fun l -> Holding.unrealized l.Option.Multiplier (Attribution.mark l) (Portfolio.holding l.Option.ContractId p)))

[<Tests>]
let tests =
    testList "Strategy.Attribution" [
        testCase "Over a fine path the residual is small against gamma and theta" <| fun () ->
            let cfg = Fixtures.strategy 1
            let portfolio = Portfolio.empty |> Portfolio.adopt (Fixtures.cid 2) { Holding.empty with Quantity = 10 }
            let rng = System.Random 42
            let dt = 60.0 // seconds per step
            let mutable spot = 100.0
            let mutable now = Fixtures.t0
            let mutable legs = [| marketLeg cfg now spot 0.25 |]
            let mutable acc = Attribution.zero
            let mutable first = true
            for _ in 1 .. 390 * 5 do
                let z = sqrt (-2.0 * log (rng.NextDouble())) * cos (2.0 * System.Math.PI * rng.NextDouble())
                let next = spot * exp (0.25 * sqrt (years dt) * z)
                let later = Timestamp.add (Duration.ofSeconds dt) now
                let revalued = legs |> Array.map (Book.revalue cfg later next)
                acc <- Attribution.step cfg (if first then Timestamp.zero else now) later legs revalued portfolio Fixtures.underlyingId spot next acc
                first <- false
                legs <- revalued
                spot <- next
                now <- later
            let scale = abs acc.Gamma + abs acc.Theta
            Expect.isTrue (scale > 0.0) "scale > 0.0"
            Expect.isTrue (abs acc.Residual < 0.02 * scale) $"residual {acc.Residual} vs gamma {acc.Gamma} theta {acc.Theta}"

        // One step of any size, from one factor to all three: a gap of ±15 %, up to three days passing, ±5 vol
        // points. The parts always add up to the model's move; a factor moving alone leaves no residual (a gap's
        // convexity is gamma, a vol move's curvature vega, a weekend's decay theta); together, only their cross terms.
        Props.property "One step of any size: the parts add up, and one factor alone leaves no residual" 500
            (Prop.forAll (Arb.fromGen (Gen.zip3 (Gen.choose (1, 7)) (Gen.choose (-1500, 1500)) (Gen.zip (Gen.choose (1, 259_200)) (Gen.choose (-500, 500)))))
                (fun (factors, gapBp, (seconds, volBp)) ->
                    let cfg = Fixtures.strategy 1
                    let w = 10.0 * float (cfg.Legs.Head.Option.Multiplier)
                    let portfolio = Portfolio.empty |> Portfolio.adopt (Fixtures.cid 2) { Holding.empty with Quantity = 10 }
                    let spot0 = 100.0
                    let leg0 = marketLeg cfg Fixtures.t0 spot0 0.25
                    let spot1 = if factors &&& 1 <> 0 then spot0 * (1.0 + float gapBp / 10_000.0) else spot0
                    let t1 = if factors &&& 2 <> 0 then Timestamp.add (Duration.ofSeconds (float seconds)) Fixtures.t0 else Fixtures.t0
                    let vol1 = if factors &&& 4 <> 0 then 0.25 + float volBp / 10_000.0 else 0.25
                    let leg1 = Book.revalue cfg t1 spot1 { leg0 with Vol = vol1 }
                    let acc = Attribution.step cfg Fixtures.t0 t1 [| leg0 |] [| leg1 |] portfolio Fixtures.underlyingId spot0 spot1 Attribution.zero
                    let modelMove = w * (leg1.Greeks.Price - leg0.Greeks.Price)
                    let parts = acc.Delta + acc.Gamma + acc.Theta + acc.Vega + acc.Residual
                    Expect.isTrue (abs (parts - modelMove) < 1e-9 * max 1.0 (abs modelMove)) $"parts {parts} vs the model's move {modelMove}"
                    Expect.isTrue (abs acc.Basis < 1e-9 * max 1.0 (abs modelMove)) $"an unquoted leg is marked at its model value: basis {acc.Basis}"
                    let alone = factors = 1 || factors = 2 || factors = 4
                    if alone then
                        Expect.isTrue (abs acc.Residual <= w * 1e-6) // a ten-thousandth of a cent per share
                             $"one factor ({factors}) left residual {acc.Residual} of a move {modelMove}"))

        testCase "Parts add up to the marked P&L at every step, through trades, fees and quotes" <| fun () ->
            let cfg = Fixtures.strategy 1
            let leg0 = Book.initialLeg cfg cfg.Legs.Head
            let conId = leg0.Option.ContractId
            let rng = System.Random 7
            let mutable p = Portfolio.empty |> Portfolio.adopt conId { Holding.empty with Quantity = 5; AvgCost = 2.0 }
            let mutable spot = 100.0
            let mutable now = Fixtures.t0
            let mutable legs = [| leg0 |]
            let mutable acc = Attribution.zero
            for i in 1 .. 500 do
                // Trades between valuations: stock hedges off the mid, an option trade now and then, fees.
                if i % 7 = 0 then p <- Portfolio.applyFill Fixtures.underlyingId 1 (if rng.Next 2 = 0 then Buy else Sell) (100 * rng.Next(1, 4)) (spot + 0.01) p
                if i % 31 = 0 then p <- Portfolio.applyFill conId leg0.Option.Multiplier Buy 1 (Attribution.mark legs.[0] + 0.03) p
                if i % 5 = 0 then p <- Portfolio.addFee Fixtures.underlyingId 0.35 p
                let next = spot * exp (0.2 * sqrt (years 30.0) * (rng.NextDouble() - 0.5) * 3.4)
                let later = Timestamp.add (Duration.ofSeconds 30.0) now
                let vol = 0.2 + 0.02 * rng.NextDouble()
                // The option quote arrives from step 10 on (before that the leg is unmarked, carried at cost).
                let quoted =
                    if i < 10 then legs.[0]
                    else
                        let model = Bifrost.Domain.Pricing.BlackScholes.price leg0.Option.Right (Book.inputs cfg later next { legs.[0] with Vol = vol })
                        { legs.[0] with
                            Vol = vol; VolSource = FromData
                            Quote = { legs.[0].Quote with Bid = model - 0.02; Ask = model + 0.02 + 0.01 * rng.NextDouble() } }
                let revalued = [| Book.revalue cfg later next quoted |]
                acc <- Attribution.step cfg (if i = 1 then Timestamp.zero else now) later legs revalued p Fixtures.underlyingId (if i = 1 then nan else spot) next acc
                let expected = marked revalued next p - Portfolio.totalFees p
                Expect.isTrue (abs (Attribution.total acc - expected) < 1e-6) $"step {i}: parts {Attribution.total acc} vs marked {expected}"
                legs <- revalued
                spot <- next
                now <- later
            Expect.isTrue (acc.Spread < 0.0) $"trading off the mid costs: spread {acc.Spread}"
            Expect.equal acc.Fees (-(Portfolio.totalFees p)) "fees line"

        testCase "A leg's first mark sets its reference: the move from cost is Opening, never vega" <| fun () ->
            let cfg = Fixtures.strategy 1
            let leg0 = Book.initialLeg cfg cfg.Legs.Head
            let p = Portfolio.empty |> Portfolio.adopt leg0.Option.ContractId { Holding.empty with Quantity = 1; AvgCost = 1.0 }
            let valuedAtFallback = Book.revalue cfg Fixtures.t0 100.0 leg0
            Expect.isTrue (System.Double.IsNaN(Attribution.mark valuedAtFallback)) "a leg valued only at fallback_vol has no mark"
            let quoted = { valuedAtFallback with Vol = 0.35; VolSource = FromData; Quote = { leg0.Quote with Bid = 3.0; Ask = 3.2 } }
            let acc =
                Attribution.step cfg Fixtures.t0 Fixtures.t0 [| valuedAtFallback |] [| Book.revalue cfg Fixtures.t0 100.0 quoted |] p Fixtures.underlyingId 100.0 100.0 Attribution.zero
            Expect.equal acc.Vega 0.0 "no vega from the first mark"
            Expect.floatClose Accuracy.high acc.Opening (float leg0.Option.Multiplier * (3.1 - 1.0)) "opening = first mark − cost"
    ]
