module Bifrost.Domain.Tests.ClassifierTests

open Xunit
open Bifrost.Domain
open Bifrost.Domain.Tests

[<Fact>]
let ``Delta classes: inside, drifting, due, beyond the hard limit`` () =
    let c = Classifier.delta 0.5 100.0 500.0
    Assert.Equal(D0, c 40.0)
    Assert.Equal(D1, c -80.0)
    Assert.Equal(D2, c 101.0)
    Assert.Equal(D3, c -501.0)
    Assert.Equal(D3, c nan)

[<Fact>]
let ``A quote is lagging after LagAfter, stale after StaleAfter, and lagging when the feed is late`` () =
    let g = (Fixtures.config 1).Guards
    let q = Fixtures.quote Fixtures.underlyingId 99.0 101.0 (Fixtures.sec 0.0)
    Assert.Equal(Fresh, Classifier.freshness g (Fixtures.sec 1.0) q)
    Assert.Equal(Lagging, Classifier.freshness g (Fixtures.sec 6.0) q)
    Assert.Equal(Stale, Classifier.freshness g (Fixtures.sec 31.0) q)
    Assert.Equal(Lagging, Classifier.freshness g (Fixtures.sec 3.0) { q with VenueTime = Fixtures.sec -0.5; ReceiveTime = Fixtures.sec 2.9 })
    Assert.Equal(Stale, Classifier.freshness g (Fixtures.sec 1.0) (Quote.empty Fixtures.underlyingId))

[<Fact>]
let ``Spread above the limit is wide; a one-sided quote is wide`` () =
    let g = (Fixtures.config 1).Guards
    Assert.Equal(SpreadOk, Classifier.spread g (Fixtures.quote Fixtures.underlyingId 99.9 100.1 Fixtures.t0))
    Assert.Equal(SpreadWide, Classifier.spread g (Fixtures.quote Fixtures.underlyingId 99.0 101.0 Fixtures.t0))
    Assert.Equal(SpreadWide, Classifier.spread g { Fixtures.quote Fixtures.underlyingId 99.9 100.1 Fixtures.t0 with Bid = nan })

[<Fact>]
let ``Broker class: down beats degraded beats up`` () =
    Assert.Equal(BrokerDown, Classifier.broker false true true)
    Assert.Equal(BrokerDown, Classifier.broker true false true)
    Assert.Equal(FarmDegraded, Classifier.broker true true false)
    Assert.Equal(BrokerUp, Classifier.broker true true true)
