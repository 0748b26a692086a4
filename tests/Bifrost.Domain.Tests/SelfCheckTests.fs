module Bifrost.Domain.Tests.SelfCheckTests

open Xunit
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests.Fixtures

[<Fact>]
let ``A store failure blocks with its check and reason`` () =
    let cfg = config 1
    let s, _ = runAll cfg (startEvents cfg 100.0 @ [ at (sec 0.6) (StoreFailed "disk full") ])
    let r = SelfCheck.run cfg s
    Assert.Equal(Health.Blocked, r.Health)
    Assert.Contains(r.Checks, fun c -> c.Name = "store_ok" && not c.Passed)
    Assert.Contains(BlockReason.StoreUnavailable, r.BlockReasons)

[<Fact>]
let ``Lagging data degrades; stale data blocks`` () =
    let cfg = config 1
    let s, _ = runAll cfg (startEvents cfg 100.0)
    let lagging = SelfCheck.run cfg { s with Now = sec 8.0 }
    Assert.Contains(lagging.Checks, fun c -> c.Name = "data_fresh" && not c.Passed)
    let stale = SelfCheck.run cfg { s with Now = sec 60.0 }
    Assert.Equal(Health.Blocked, stale.Health)
    Assert.Contains(BlockReason.DataLag, stale.BlockReasons)
