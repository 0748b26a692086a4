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
        testCase "PortfolioShares_AreJudgedByThePortfoliosCap_NotTheScalpersPerContractLimit" <| fun () ->
            // risk.max_position 2,000 is the scalper's; portfolio.risk.max_position_shares 10,000 the portfolio's.
            let cfg = config 1
            let s, _ = runAll cfg (startEvents cfg 100.0)
            let s = { s with PortfolioSetup = Some(portfolioSetup 0.1 50_000.0 20 None) }
            let holding q = { Holding.empty with Quantity = q; AvgCost = 50.0 }
            let within = SelfCheck.run cfg { s with Portfolio = Portfolio.adopt (cid 50) (holding 6_000) s.Portfolio }
            Expect.isFalse (within.BlockReasons |> List.contains BlockReason.PositionLimit) "6,000 AAA is within the portfolio's 10,000 (before: RED for good)"
            let over = SelfCheck.run cfg { s with Portfolio = Portfolio.adopt (cid 50) (holding 12_000) s.Portfolio }
            Expect.contains over.BlockReasons BlockReason.PositionLimit "beyond the portfolio's cap"
            let check = over.Checks |> List.find (fun c -> c.Name = "risk_limits")
            Expect.stringContains check.Detail "POSITION_LIMIT AAA (portfolio.risk.max_position_shares): 12000 beyond ±10000" "named by symbol and key"
            let hedge = SelfCheck.run cfg { s with Portfolio = Portfolio.adopt underlyingId (holding 2_500) s.Portfolio }
            Expect.contains hedge.BlockReasons BlockReason.PositionLimit "the scalper's own contracts keep risk.max_position"
    ]
