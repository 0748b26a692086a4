module Bifrost.Domain.Tests.Strategy.AttributionTests

open Xunit
open Bifrost.Domain
open Bifrost.Domain.Strategy
open Bifrost.Domain.Tests

[<Fact>]
let ``Over a fine path the residual is small against gamma and theta`` () =
    let cfg = Fixtures.strategy 1
    let leg = Book.initialLeg cfg cfg.Legs.Head
    let portfolio = Portfolio.empty |> Portfolio.adopt (Fixtures.cid 2) { Holding.empty with Quantity = 10 }
    let rng = System.Random 42
    let dt = 60.0 // seconds per step
    let mutable spot = 100.0
    let mutable now = Fixtures.t0
    let mutable legs = [| Book.revalue cfg now spot leg |]
    let mutable acc = Attribution.zero
    for _ in 1 .. 390 * 5 do
        let z = sqrt (-2.0 * log (rng.NextDouble())) * cos (2.0 * System.Math.PI * rng.NextDouble())
        let next = spot * exp (0.25 * sqrt (dt / (365.0 * 86_400.0)) * z)
        let later = Timestamp.add (Duration.ofSeconds dt) now
        let revalued = legs |> Array.map (Book.revalue cfg later next)
        acc <- Attribution.step legs revalued portfolio 0 spot next (dt / (365.0 * 86_400.0)) acc
        legs <- revalued
        spot <- next
        now <- later
    let scale = abs acc.Gamma + abs acc.Theta
    Assert.True(scale > 0.0)
    Assert.True(abs acc.Residual < 0.02 * scale, $"residual {acc.Residual} vs gamma {acc.Gamma} theta {acc.Theta}")
