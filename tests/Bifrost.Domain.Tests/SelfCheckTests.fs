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
        // The anomaly count only went up: after the operator had looked and resumed, the light stayed YELLOW for the
        // life of the process, so a later YELLOW (a hedge due, a limit near) could not be told from the old one.
        testCase "Anomaly_SeenByTheOperatorsResume_LeavesTheLightGreen" <| fun () ->
            let cfg = config 1
            let consistent s = (SelfCheck.run cfg s).Checks |> List.exists (fun c -> c.Name = "orders_consistent" && c.Passed)
            // A status for an order of ours the engine does not know: reported, the engine runs on.
            let unknownStatus =
                OrderStatusReported { IbOrderId = 77; PermId = 1L; Ref = $"oi_{cfg.RunId}_99"; Status = FullyFilled; Filled = 5; AvgFillPrice = 100.0; Reason = "" }
            let s, _ = Reducer.step cfg (hedged cfg) (at (sec 1.0) unknownStatus)
            Expect.isFalse (consistent s) "the anomaly is shown first"
            Expect.equal s.Fsm (Running Idle) "the engine runs on"
            let s, cmds = Reducer.step cfg s (at (sec 1.1) (ControlRequested(Resume, meta 4L)))
            Expect.exists cmds (function CompleteControl(4L, Done why) -> why.Contains "1 anomalies" | _ -> false) "the resume says what it took as seen"
            Expect.isTrue (consistent s) "seen: no longer failing"
            // One that pauses (a fill of ours the engine never placed): the resume out of the pause takes it as seen.
            let bogus =
                ExecutionReported
                    { ExecId = ExecId.create "x9" |> Result.get; IbOrderId = 78; PermId = 2L; ClientId = 7; Ref = $"oi_{cfg.RunId}_98"
                      ContractId = underlyingId; Side = Buy; Quantity = 100; Price = 100.0 }
            let s, _ = Reducer.step cfg s (at (sec 1.2) bogus)
            Expect.isFalse (consistent s) "a new anomaly shows again"
            let s, _ = Reducer.step cfg s (at (sec 1.3) (ControlRequested(Resume, meta 5L)))
            Expect.isTrue (consistent s) "resumed out of its pause: seen"
        testCase "AFailingAlertChannel_TurnsTheLightYellow_NamingTheChannelAndError_UntilItDeliversAgain" <| fun () ->
            let cfg = config 1
            let s, _ = runAll cfg (startEvents cfg 100.0)
            let delivered (r: SelfCheckReport) = r.Checks |> List.find (fun c -> c.Name = "alerts_delivered")
            let before = SelfCheck.run cfg s
            Expect.isTrue (delivered before).Passed "passes before"
            let failing, _ = Reducer.step cfg s (at (sec 0.6) (AlertChannelFailed("pager", "exit code 3: smtp relay down")))
            let r = SelfCheck.run cfg failing
            Expect.equal r.Health (if before.Health = Health.Healthy then Health.Degraded else before.Health) "YELLOW, never RED, for it"
            Expect.equal (delivered r) ({ Name = "alerts_delivered"; Passed = false; Blocking = false; Detail = "pager NOT delivering: exit code 3: smtp relay down" }: CheckResult) "check"
            let recovered, _ = Reducer.step cfg failing (at (sec 0.7) (AlertChannelRecovered "pager"))
            Expect.isTrue (delivered (SelfCheck.run cfg recovered)).Passed "passes again"
            Expect.equal (SelfCheck.run cfg recovered).Health before.Health "as before"
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
