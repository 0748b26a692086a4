module Bifrost.Domain.Tests.RiskTests

open Xunit
open Bifrost.Domain
open Bifrost.Domain.Tests

let private limits = (Fixtures.config 1).Risk

[<Fact>]
let ``Pre-trade: an order that would exceed the position limit is refused, a reducing one is not`` () =
    Assert.Contains(PositionLimitExceeded(2_001, 2_000), Risk.preTrade limits 1_900 101 10.0 0 0.0 None 1)
    Assert.Empty(Risk.preTrade limits 2_500 -100 10.0 0 0.0 None 1)

[<Fact>]
let ``Pre-trade: notional, trade count, daily loss and funds`` () =
    let v = Risk.preTrade { limits with CheckBuyingPower = true } 0 1000 300.0 500 -50_000.0 (Some 1_000.0) 1
    Assert.Contains(NotionalLimitExceeded(300_000.0, 250_000.0), v)
    Assert.Contains(DailyTradesExhausted(500, 500), v)
    Assert.Contains(DailyLossReached(-50_000.0, 50_000.0), v)
    Assert.Contains(RiskViolation.InsufficientFunds(300_000.0, 1_000.0), v)

[<Fact>]
let ``Intraday: loss limit, drawdown, stop-loss and take-profit halt; near limits degrade`` () =
    let ev l m = Risk.evaluate l m
    Assert.Equal(Error(DailyLossBreached -50_000.0), ev limits { TotalPnl = -50_000.0; DailyPnl = -50_000.0; HighWater = 0.0 })
    Assert.Equal(Error(DrawdownBreached 100_000.0), ev limits { TotalPnl = 10_000.0; DailyPnl = 0.0; HighWater = 110_000.0 })
    Assert.Equal(Error(StopLossHit -2_000.0), ev { limits with StopLoss = Some 1_000.0 } { TotalPnl = -2_000.0; DailyPnl = 0.0; HighWater = 0.0 })
    Assert.Equal(Error(TakeProfitHit 5_000.0), ev { limits with TakeProfit = Some 5_000.0 } { TotalPnl = 5_000.0; DailyPnl = 0.0; HighWater = 5_000.0 })
    Assert.Equal(Ok NearLimit, ev limits { TotalPnl = -41_000.0; DailyPnl = -41_000.0; HighWater = 0.0 })
    Assert.Equal(Ok RiskOk, ev limits { TotalPnl = 0.0; DailyPnl = 0.0; HighWater = 0.0 })
