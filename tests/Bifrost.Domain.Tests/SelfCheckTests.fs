module Bifrost.Domain.Tests.SelfCheckTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests.Fixtures

[<Tests>]
let tests =
    testList "SelfCheck" [
        testCase "A store failure blocks with its check and reason" <| fun () ->
            let cfg = config 1
            let s, _ = runAll cfg (startEvents cfg 100.0 @ [ at (sec 0.6) (StoreFailed "disk full") ])
            let r = SelfCheck.run cfg s
            Expect.equal r.Health Health.Blocked "r.Health"
            Expect.exists r.Checks (fun c -> c.Name = "store_ok" && not c.Passed) "r.Checks"
            Expect.contains r.BlockReasons BlockReason.StoreUnavailable "r.BlockReasons"
        testCase "Lagging data degrades; stale data blocks" <| fun () ->
            let cfg = config 1
            let s, _ = runAll cfg (startEvents cfg 100.0)
            let lagging = SelfCheck.run cfg { s with Now = sec 8.0 }
            Expect.exists lagging.Checks (fun c -> c.Name = "data_fresh" && not c.Passed) "lagging.Checks"
            let stale = SelfCheck.run cfg { s with Now = sec 60.0 }
            Expect.equal stale.Health Health.Blocked "stale.Health"
            Expect.contains stale.BlockReasons BlockReason.DataLag "stale.BlockReasons"
    ]
