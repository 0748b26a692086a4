module Bifrost.Domain.Tests.ClassifierTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Tests

[<Tests>]
let tests =
    testList "Classifier" [
        testCase "Delta classes: inside, drifting, due, beyond the hard limit" <| fun () ->
            let c = Classifier.delta 0.5 100.0 500.0
            Expect.equal (c 40.0) D0 "c 40.0"
            Expect.equal (c -80.0) D1 "c -80.0"
            Expect.equal (c 101.0) D2 "c 101.0"
            Expect.equal (c -501.0) D3 "c -501.0"
            Expect.equal (c nan) D3 "c nan"
        testCase "A quote is lagging after LagAfter, stale after StaleAfter, and lagging when the feed is late" <| fun () ->
            let g = (Fixtures.config 1).Guards
            let q = Fixtures.quote Fixtures.underlyingId 99.0 101.0 (Fixtures.sec 0.0)
            Expect.equal (Classifier.freshness g (Fixtures.sec 1.0) q) Fresh "Classifier.freshness g (Fixtures.sec 1.0) q"
            Expect.equal (Classifier.freshness g (Fixtures.sec 6.0) q) Lagging "Classifier.freshness g (Fixtures.sec 6.0) q"
            Expect.equal (Classifier.freshness g (Fixtures.sec 31.0) q) Stale "Classifier.freshness g (Fixtures.sec 31.0) q"
            Expect.equal (Classifier.freshness g (Fixtures.sec 3.0) { q with VenueTime = Fixtures.sec -0.5; ReceiveTime = Fixtures.sec 2.9 }) Lagging "Classifier.freshness g (Fixtures.sec 3.0) { q with VenueTime = Fixtures.sec -0.5; ReceiveTime = Fixtures.sec 2.9 }"
            Expect.equal (Classifier.freshness g (Fixtures.sec 1.0) (Quote.empty Fixtures.underlyingId)) Stale "Classifier.freshness g (Fixtures.sec 1.0) (Quote.empty Fixtures.underlyingId)"
        testCase "A leg's standing quote is fresh until StaleAfter, and lagging only when the feed is late" <| fun () ->
            let g = (Fixtures.config 1).Guards
            let q = Fixtures.quote (Fixtures.cid 2) 2.9 3.1 (Fixtures.sec 0.0)
            Expect.equal (Classifier.legFreshness g (Fixtures.sec 6.0) q) Fresh "standing 6 s: IB sends changes only"
            Expect.equal (Classifier.legFreshness g (Fixtures.sec 30.0) q) Fresh "standing 30 s"
            Expect.equal (Classifier.legFreshness g (Fixtures.sec 31.0) q) Stale "past stale_after its feed may be dead"
            Expect.equal (Classifier.legFreshness g (Fixtures.sec 3.0) { q with VenueTime = Fixtures.sec -0.5; ReceiveTime = Fixtures.sec 2.9 }) Lagging "a late feed lags"
            Expect.equal (Classifier.legFreshness g (Fixtures.sec 1.0) (Quote.empty (Fixtures.cid 2))) Stale "never quoted"
        testCase "Spread above the limit is wide; a one-sided quote is wide" <| fun () ->
            let g = (Fixtures.config 1).Guards
            Expect.equal (Classifier.spread g (Fixtures.quote Fixtures.underlyingId 99.9 100.1 Fixtures.t0)) SpreadOk "Classifier.spread g (Fixtures.quote Fixtures.underlyingId 99.9 100.1 Fixtures.t0)"
            Expect.equal (Classifier.spread g (Fixtures.quote Fixtures.underlyingId 99.0 101.0 Fixtures.t0)) SpreadWide "Classifier.spread g (Fixtures.quote Fixtures.underlyingId 99.0 101.0 Fixtures.t0)"
            Expect.equal (Classifier.spread g { Fixtures.quote Fixtures.underlyingId 99.9 100.1 Fixtures.t0 with Bid = nan }) SpreadWide "Classifier.spread g { Fixtures.quote Fixtures.underlyingId 99.9 100.1 Fixtures.t0 with Bid = nan }"
        testCase "Broker class: down beats degraded beats up" <| fun () ->
            Expect.equal (Classifier.broker false true true) BrokerDown "Classifier.broker false true true"
            Expect.equal (Classifier.broker true false true) BrokerDown "Classifier.broker true false true"
            Expect.equal (Classifier.broker true true false) FarmDegraded "Classifier.broker true true false"
            Expect.equal (Classifier.broker true true true) BrokerUp "Classifier.broker true true true"
    ]
