module Bifrost.Domain.Tests.RiskTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Tests

let private limits = (Fixtures.config 1).Risk

[<Tests>]
let tests =
    testList "Risk" [
        testCase "Pre-trade: an order that would exceed the position limit is refused, a reducing one is not" <| fun () ->
            Expect.contains (Risk.preTrade limits 1_900 101 10.0 0 0.0 BuyingPower.Unreported 1) (PositionLimitExceeded(2_001, 2_000)) "Risk.preTrade limits 1_900 101 10.0 0 0.0 BuyingPower.Unreported 1"
            Expect.isEmpty (Risk.preTrade limits 2_500 -100 10.0 0 0.0 BuyingPower.Unreported 1) "Risk.preTrade limits 2_500 -100 10.0 0 0.0 BuyingPower.Unreported 1"
        testCase "Pre-trade: notional, trade count, daily loss and funds" <| fun () ->
            let v = Risk.preTrade { limits with CheckBuyingPower = true } 0 1000 300.0 500 -50_000.0 (BuyingPower.Dollars 1_000.0) 1
            Expect.contains v (NotionalLimitExceeded(300_000.0, 250_000.0)) "v"
            Expect.contains v (DailyTradesExhausted(500, 500)) "v"
            Expect.contains v (DailyLossReached(-50_000.0, 50_000.0)) "v"
            Expect.contains v (RiskViolation.InsufficientFunds(300_000.0, 1_000.0)) "v"
        // "Risk limits cap risk; they never block the trade that reduces it": past the day's loss (before the clock
        // halts), the hedge that takes a short back toward flat was refused DAILY_LOSS_LIMIT, leaving the delta open.
        testCase "Pre-trade: past the day's loss limit a reducing order is exempt, an adding one is refused" <| fun () ->
            let reducing = Risk.preTradeReducing true limits -500 200 100.0 0 -60_000.0 BuyingPower.Unreported 1
            Expect.equal reducing ([], [ DailyLossReached(-60_000.0, 50_000.0) ]) "exempt, recorded as waived"
            let adding, waived = Risk.preTradeReducing false limits -500 -200 100.0 0 -60_000.0 BuyingPower.Unreported 1
            Expect.contains adding (DailyLossReached(-60_000.0, 50_000.0)) "an order adding risk is refused"
            Expect.isEmpty waived "nothing waived"
        testCase "Intraday: loss limit, drawdown, stop-loss and take-profit halt; near limits degrade" <| fun () ->
            let ev l m = Risk.evaluate l m
            Expect.equal (ev limits { TotalPnl = -50_000.0; DailyPnl = -50_000.0; HighWater = 0.0; TakenPnl = 0.0 }) (Error(DailyLossBreached -50_000.0)) "ev limits { TotalPnl = -50_000.0; DailyPnl = -50_000.0; HighWater = 0.0; TakenPnl = 0.0 }"
            Expect.equal (ev limits { TotalPnl = 10_000.0; DailyPnl = 0.0; HighWater = 110_000.0; TakenPnl = 0.0 }) (Error(DrawdownBreached 100_000.0)) "ev limits { TotalPnl = 10_000.0; DailyPnl = 0.0; HighWater = 110_000.0; TakenPnl = 0.0 }"
            Expect.equal (ev { limits with StopLoss = Some 1_000.0 } { TotalPnl = -2_000.0; DailyPnl = 0.0; HighWater = 0.0; TakenPnl = 0.0 }) (Error(StopLossHit -2_000.0)) "ev { limits with StopLoss = Some 1_000.0 } { TotalPnl = -2_000.0; DailyPnl = 0.0; HighWater = 0.0; TakenPnl = 0.0 }"
            Expect.equal (ev { limits with TakeProfit = Some 5_000.0 } { TotalPnl = 5_000.0; DailyPnl = 0.0; HighWater = 5_000.0; TakenPnl = 0.0 }) (Error(TakeProfitHit 5_000.0)) "ev { limits with TakeProfit = Some 5_000.0 } { TotalPnl = 5_000.0; DailyPnl = 0.0; HighWater = 5_000.0; TakenPnl = 0.0 }"
            Expect.equal (ev limits { TotalPnl = -41_000.0; DailyPnl = -41_000.0; HighWater = 0.0; TakenPnl = 0.0 }) (Ok NearLimit) "ev limits { TotalPnl = -41_000.0; DailyPnl = -41_000.0; HighWater = 0.0; TakenPnl = 0.0 }"
            Expect.equal (ev limits { TotalPnl = 0.0; DailyPnl = 0.0; HighWater = 0.0; TakenPnl = 0.0 }) (Ok RiskOk) "ev limits { TotalPnl = 0.0; DailyPnl = 0.0; HighWater = 0.0; TakenPnl = 0.0 }"
    ]
