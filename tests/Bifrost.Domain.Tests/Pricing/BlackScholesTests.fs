module Bifrost.Domain.Tests.Pricing.BlackScholesTests

open System
open Xunit
open FsCheck.FSharp
open Bifrost.Domain
open Bifrost.Domain.Pricing
open Bifrost.Domain.Tests

let private inputs s k t r v = { Spot = s; Strike = k; Years = t; Rate = r; Dividend = 0.0; Vol = v }
let private near (expected: float) (actual: float) = Assert.True(abs (expected - actual) <= 1e-8, $"expected {expected:R}, got {actual:R}")

[<Fact>]
let ``Hull 13.6 vector: call, put, delta, gamma, vega, theta to 1e-8`` () =
    let i = inputs 42.0 40.0 0.5 0.10 0.20
    let c = BlackScholes.greeks Call i
    let p = BlackScholes.greeks Put i
    near 4.759422393 c.Price
    near 0.808599373 p.Price
    near 0.779131291 c.Delta
    near 0.04996267 c.Gamma
    near 8.81341506 c.Vega
    near -4.559092195 c.Theta

[<Fact>]
let ``Hull 17 vector: call, delta, gamma, vega, theta, rho to 1e-8`` () =
    let i = inputs 49.0 50.0 0.3846 0.05 0.20
    let c = BlackScholes.greeks Call i
    let p = BlackScholes.greeks Put i
    near 2.400461087 c.Price
    near 0.521601634 c.Delta
    near 0.065545377 c.Gamma
    near 12.105242754 c.Vega
    near -4.305389965 c.Theta
    near 8.906574099 c.Rho
    near 2.448146934 p.Price
    near -1.8530056722 p.Theta

[<Theory>]
[<InlineData(60.0, 65.0, 0.25, 0.08, 0.30, 2.13336844492, 5.84628221)>]
[<InlineData(100.0, 90.0, 0.5, 0.01, 0.20, 12.111581435, 1.66270456231)>]
let ``py_vollib vectors: call and put to 1e-8`` (s, k, t, r, v, call, put) =
    near call (BlackScholes.price Call (inputs s k t r v))
    near put (BlackScholes.price Put (inputs s k t r v))

[<Fact>]
let ``At the money one year: 10.450583572`` () = near 10.450583572 (BlackScholes.price Call (inputs 100.0 100.0 1.0 0.05 0.20))

[<Fact>]
let ``Theta per day is theta per year over 365`` () =
    let g = BlackScholes.greeks Call (inputs 49.0 50.0 0.3846 0.05 0.20)
    near (-4.305389965 / 365.0) g.ThetaPerDay

[<Fact>]
let ``Breakeven daily move of the Hull 17 option is 0.600`` () =
    let g = BlackScholes.greeks Call (inputs 49.0 50.0 0.3846 0.05 0.20)
    Assert.Equal(0.600, sqrt (2.0 * abs g.ThetaPerDay / g.Gamma), 3)

[<Fact>]
let ``At expiry the value is intrinsic and greeks are finite`` () =
    for right in [ Call; Put ] do
        for s in [ 50.0; 100.0; 150.0 ] do
            let g = BlackScholes.greeks right (inputs s 100.0 0.0 0.05 0.2)
            let intrinsic = match right with Call -> max (s - 100.0) 0.0 | Put -> max (100.0 - s) 0.0
            near intrinsic g.Price
            Assert.True([ g.Delta; g.Gamma; g.Vega; g.Theta; g.Rho ] |> List.forall Double.IsFinite)

[<Fact>]
let ``Tiny time and tiny vol stay finite and converge to the limits`` () =
    for t in [ 1e-12; 1e-9; 1e-6 ] do
        for v in [ 1e-12; 1e-6; 0.2 ] do
            for s in [ 50.0; 99.99; 100.0; 100.01; 200.0 ] do
                let g = BlackScholes.greeks Call (inputs s 100.0 t 0.05 v)
                Assert.True([ g.Price; g.Delta; g.Gamma; g.Vega; g.Theta; g.Rho ] |> List.forall Double.IsFinite, $"t={t} v={v} s={s}: {g}")
                Assert.InRange(g.Delta, 0.0, 1.0)
    let deepItm = BlackScholes.greeks Call (inputs 1000.0 1.0 0.5 0.05 0.2)
    Assert.Equal(1.0, deepItm.Delta, 9)
    let deepOtm = BlackScholes.greeks Call (inputs 1.0 1000.0 0.5 0.05 0.2)
    Assert.Equal(0.0, deepOtm.Price, 12)
    Assert.Equal(0.0, deepOtm.Delta, 12)

[<Fact>]
let ``Zero volatility values the discounted forward intrinsic`` () =
    let g = BlackScholes.greeks Call (inputs 100.0 90.0 1.0 0.05 0.0)
    near (100.0 - 90.0 * exp -0.05) g.Price
    near 1.0 g.Delta

let private genInputs =
    gen {
        let! s = Gen.choose (1, 1000) |> Gen.map float
        let! m = Gen.choose (50, 200) |> Gen.map (fun x -> float x / 100.0)
        let! t = Gen.choose (1, 3000) |> Gen.map (fun d -> float d / 365.0)
        let! r = Gen.choose (-100, 1500) |> Gen.map (fun x -> float x / 10_000.0)
        let! q = Gen.choose (0, 800) |> Gen.map (fun x -> float x / 10_000.0)
        let! v = Gen.choose (1, 300) |> Gen.map (fun x -> float x / 100.0)
        return { Spot = s; Strike = s * m; Years = t; Rate = r; Dividend = q; Vol = v }
    }

[<Fact>]
let ``Put-call parity holds over random inputs`` () =
    Props.check 2000 (Prop.forAll (Arb.fromGen genInputs) (fun i ->
        let c = BlackScholes.price Call i
        let p = BlackScholes.price Put i
        let rhs = i.Spot * exp (-i.Dividend * i.Years) - i.Strike * exp (-i.Rate * i.Years)
        abs (c - p - rhs) <= 1e-9 * max 1.0 i.Spot))

[<Fact>]
let ``Black-Scholes PDE identity holds for calls and puts over random inputs`` () =
    Props.check 2000 (Prop.forAll (Arb.fromGen genInputs) (fun i ->
        [ Call; Put ] |> List.forall (fun right ->
            let g = BlackScholes.greeks right i
            let lhs = g.Theta + (i.Rate - i.Dividend) * i.Spot * g.Delta + 0.5 * i.Vol * i.Vol * i.Spot * i.Spot * g.Gamma
            abs (lhs - i.Rate * g.Price) <= 1e-8 * max 1.0 i.Spot)))

[<Fact>]
let ``Delta and vega match finite differences of the price`` () =
    Props.check 500 (Prop.forAll (Arb.fromGen genInputs) (fun i ->
        let h = 1e-4 * i.Spot
        let g = BlackScholes.greeks Call i
        let fdDelta = (BlackScholes.price Call { i with Spot = i.Spot + h } - BlackScholes.price Call { i with Spot = i.Spot - h }) / (2.0 * h)
        let fdVega = (BlackScholes.price Call { i with Vol = i.Vol + 1e-5 } - BlackScholes.price Call { i with Vol = i.Vol - 1e-5 }) / 2e-5
        abs (fdDelta - g.Delta) < 1e-5 && abs (fdVega - g.Vega) < 1e-4 * max 1.0 i.Spot))
