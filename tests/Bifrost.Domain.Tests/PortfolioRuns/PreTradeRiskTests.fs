module Bifrost.Domain.Tests.PortfolioRuns.PreTradeRiskTests

open Expecto
open FsCheck
open FsCheck.FSharp
open Bifrost.Domain
open Bifrost.Domain.PortfolioRuns
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.PortfolioRuns.PortfolioFixtures

let private sectors = Map [ "AAPL", "tech"; "MSFT", "tech"; "XOM", "energy"; "JPM", "financials" ]

let private limits = PortfolioRiskLimits.create 0.10 1_000 20_000.0 10 5_000.0 10_000.0 (Some 0.25) sectors 1.0 |> Result.get

let private ctx =
    { PortfolioValue = 100_000.0; CashAvailable = 50_000.0; TradesToday = 0; DailyPnl = 0.0; Drawdown = 0.0
      Positions = Map.empty; Prices = Map.empty }

let private codes blocks = blocks |> List.map PreTradeBlock.code

/// A snapshot with these (symbol, price, current, target) lines.
let private snap (lines: (string * float * int * int) list) =
    let sized = [ for (s, p, c, t) in lines -> ({ Symbol = s; Action = BuySignal; Weight = 0.0; Price = p; Current = c; Target = t; Notes = [] }: SizedLine) ]
    Snapshot.create "t" monday (OperatorTargets "ops") inputs sized |> Result.get

[<Tests>]
let tests =
    testList "PortfolioRuns.PreTradeRisk" [
        testCase "Create_RefusesValuesOutsideTheirRange_NamingTheKey" <| fun () ->
            let key r = match r with Error (e: ValidationError) -> e.Field | Ok _ -> "ok"
            Expect.equal (key (PortfolioRiskLimits.create 0.0 1 1.0 1 1.0 1.0 None Map.empty 1.0)) "portfolio.risk.max_position_fraction" "fraction"
            Expect.equal (key (PortfolioRiskLimits.create 0.1 0 1.0 1 1.0 1.0 None Map.empty 1.0)) "portfolio.risk.max_position_shares" "shares"
            Expect.equal (key (PortfolioRiskLimits.create 0.1 1 1.0 1 1.0 1.0 (Some 1.2) Map.empty 1.0)) "portfolio.risk.max_sector_weight" "sector"
            Expect.equal (key (PortfolioRiskLimits.create 0.1 1 1.0 1 1.0 1.0 None (Map [ "A", " " ]) 1.0)) "portfolio.sectors" "empty sector"
        testCase "Create_MaxGrossWeight_OutsideZeroToTen_IsRefusedNamingTheKey" <| fun () ->
            let key r = match r with Error (e: ValidationError) -> e.Field | Ok _ -> "ok"
            for bad in [ 0.0; -1.0; 10.5; nan ] do
                Expect.equal (key (PortfolioRiskLimits.create 0.1 1 1.0 1 1.0 1.0 None Map.empty bad)) "portfolio.risk.max_gross_weight" $"refused: {bad}"
            Expect.equal (key (PortfolioRiskLimits.create 0.1 1 1.0 1 1.0 1.0 None Map.empty 10.0)) "ok" "the bound"
        testCase "Config_MaxGrossWeight_Defaults1_OutOfRangeRefusedNamingTheKey" <| fun () ->
            let json (extra: string) =
                $"""{{ "portfolio": {{ "universe": ["AAPL"], "max_position_size": 0.1,
                     "risk": {{ "max_position_fraction": 0.1, "max_position_shares": 100, "max_order_notional": 1000, "max_daily_trades": 5,
                               "daily_loss_limit": 100, "max_drawdown": 100 {extra} }} }} }}"""
            let cap extra =
                match PortfolioSettingsJson.parse "SPY" SessionCalendar.usEquities (json extra) with
                | Ok(Some p) -> string p.Limits.MaxGrossWeight | Ok None -> "none" | Error e -> e.Field
            Expect.equal (cap "") "1" "the default: no leverage"
            Expect.equal (cap ", \"max_gross_weight\": 2") "2" "set"
            for bad in [ "0"; "-1"; "11"; "\"2\"" ] do
                Expect.equal (cap $", \"max_gross_weight\": {bad}") "portfolio.risk.max_gross_weight" $"refused: {bad}"
        // Repeated runs levered the account: AvailableFunds in a margin account is buying power, not cash, so the cash
        // check let run 2 add 0.5x NetLiquidation on top of run 1's 1.0x.
        testCase "GrossLimit_ARunTakingGrossAboveMaxGrossWeight_IsBlocked_NamingGrossCapAndNlv" <| fun () ->
            let loose = PortfolioRiskLimits.create 1.0 100_000 1e9 100 1e9 1e9 None Map.empty 1.0 |> Result.get
            let levered = { ctx with CashAvailable = 1e9; Positions = Map [ "AAPL", 400 ]; Prices = Map [ "AAPL", 200.0 ] } // 0.8x held
            let blocks = PreTradeRisk.check loose levered (snap [ "XOM", 100.0, 0, 300 ]) // + 0.3x = 1.1x
            Expect.equal (codes blocks) [ "GROSS_LIMIT" ] "over the cap"
            let text = PreTradeBlock.describe blocks.Head
            for part in [ "gross exposure 1.10x"; "max_gross_weight 1.00x"; "NetLiquidation 100000.00" ] do Expect.stringContains text part "named"
            Expect.isEmpty (PreTradeRisk.check loose levered (snap [ "XOM", 100.0, 0, 200 ])) "1.0x: at the cap, passes"
            let unpriced = { levered with Prices = Map.empty }
            Expect.equal (PreTradeRisk.check loose unpriced (snap [ "XOM", 100.0, 0, 100 ])) [ PreTradeBlock.UnpricedPosition "AAPL" ] "gross unknown: blocked, naming the unpriced holding"
        testCase "GrossLimit_NeverBlocksAReduction_NorARebalanceThatLowersGross" <| fun () ->
            let loose = PortfolioRiskLimits.create 1.0 100_000 1e9 100 1e9 1e9 None Map.empty 1.0 |> Result.get
            let over = { ctx with CashAvailable = 1e9; Positions = Map [ "AAPL", 750 ]; Prices = Map [ "AAPL", 200.0; "XOM", 100.0 ] } // 1.5x
            Expect.isEmpty (PreTradeRisk.check loose over (snap [ "AAPL", 200.0, 750, 600 ])) "a sale down to 1.2x goes"
            Expect.isEmpty (PreTradeRisk.check loose over (snap [ "AAPL", 200.0, 750, 600; "XOM", 100.0, 0, 100 ])) "a rebalance to 1.3x goes (still over, but lower)"
            Expect.equal (codes (PreTradeRisk.check loose over (snap [ "AAPL", 200.0, 750, 700; "XOM", 100.0, 0, 300 ]))) [ "GROSS_LIMIT" ] "1.7x: more gross, blocked"
        testCase "ASnapshotWithinEveryLimit_Passes" <| fun () ->
            Expect.isEmpty (PreTradeRisk.check limits ctx (snap [ "AAPL", 200.0, 0, 50; "XOM", 100.0, 0, 100 ])) "no block"
        testCase "PerOrderLimits_BlockWithNamedReasons" <| fun () ->
            let s = snap [ "AAPL", 200.0, 0, 60; "JPM", 5.0, 0, 1_500; "XOM", 100.0, 0, 0 ]
            let tight = PortfolioRiskLimits.create 0.10 1_000 5_000.0 10 5_000.0 10_000.0 None Map.empty 1.0 |> Result.get
            Expect.equal (codes (PreTradeRisk.check tight ctx s)) [ "POSITION_LIMIT"; "NOTIONAL_LIMIT"; "POSITION_SHARES_LIMIT"; "NOTIONAL_LIMIT" ] "AAPL 12% and 12,000; JPM 1,500 shares and 7,500"
            Expect.stringContains (PreTradeBlock.describe (PreTradeRisk.check tight ctx s).Head) "AAPL" "the symbol is named"
        testCase "AccountLimits_BlockNewExposure" <| fun () ->
            let s = snap [ "AAPL", 200.0, 0, 50 ]
            let blocked = { ctx with CashAvailable = 1_000.0; TradesToday = 10; DailyPnl = -5_000.0; Drawdown = 12_000.0 }
            Expect.equal (codes (PreTradeRisk.check limits blocked s)) [ "INSUFFICIENT_CASH"; "DAILY_TRADES_LIMIT"; "DAILY_LOSS_LIMIT"; "MAX_DRAWDOWN" ] "all four"
        testCase "CashUnknown_NoAvailableFundsReportedSinceTheStart_BlocksNewExposure" <| fun () ->
            let unknown = { ctx with CashAvailable = nan }
            Expect.equal (codes (PreTradeRisk.check limits unknown (snap [ "AAPL", 200.0, 0, 50 ]))) [ "INSUFFICIENT_CASH" ] "fails closed"
            Expect.isEmpty (PreTradeRisk.check limits unknown (snap [ "AAPL", 200.0, 50, 0 ])) "a sell needs no cash"
        testCase "SectorConcentration_CountsHeldPositionsOutsideTheSnapshot" <| fun () ->
            let heldMsft = { ctx with Positions = Map [ "MSFT", 50 ]; Prices = Map [ "MSFT", 400.0 ] }
            // MSFT 20% held + AAPL 10% new = tech 30% > 25%.
            let blocks = PreTradeRisk.check limits heldMsft (snap [ "AAPL", 200.0, 0, 50 ])
            Expect.equal blocks [ PreTradeBlock.SectorConcentration("tech", 0.30, 0.25) ] "tech over"
        testCase "SectorConcentration_AnUnmappedOrUnpricedSymbolIsRefused_NotGuessed" <| fun () ->
            Expect.equal (codes (PreTradeRisk.check limits ctx (snap [ "NVDA", 100.0, 0, 10 ]))) [ "SECTOR_UNMAPPED" ] "unmapped"
            let unpriced = { ctx with Positions = Map [ "MSFT", 10 ] }
            Expect.equal (codes (PreTradeRisk.check limits unpriced (snap [ "AAPL", 200.0, 0, 10 ]))) [ "NO_PRICE" ] "held MSFT has no price"
        testCase "DayPnlUnknown_AHoldingUnmarked_BlocksNewExposure_NotPassedAsWithinLimits" <| fun () ->
            // A held symbol with no mark makes the day's P&L NaN; `NaN <= -limit` is false, so the loss and drawdown
            // limits passed every addition while the loss could not be known.
            let unknown = { ctx with DailyPnl = nan; Drawdown = nan }
            Expect.equal (codes (PreTradeRisk.check limits unknown (snap [ "AAPL", 200.0, 0, 50 ]))) [ "DAILY_LOSS_LIMIT"; "MAX_DRAWDOWN" ] "unknown fails closed"
            Expect.stringContains (PreTradeBlock.describe (PreTradeRisk.check limits unknown (snap [ "AAPL", 200.0, 0, 50 ])).Head) "unknown" "says unknown"
            Expect.isEmpty (PreTradeRisk.check limits { unknown with Positions = Map [ "AAPL", 100 ] } (snap [ "AAPL", 200.0, 100, 50 ])) "a reduction still goes"
        testCase "NoPortfolioValue_BlocksNewExposure_NotAReduction" <| fun () ->
            Expect.equal (codes (PreTradeRisk.check limits { ctx with PortfolioValue = 0.0 } (snap [ "AAPL", 200.0, 0, 1 ]))) [ "NO_PORTFOLIO_VALUE" ] "no NLV"
            // Selling down with NetLiquidation not (yet) known: no weight is needed to reduce, and it was refused.
            for value in [ 0.0; nan; -5.0 ] do
                let unknown = { ctx with PortfolioValue = value; Positions = Map [ "AAPL", 100 ] }
                Expect.isEmpty (PreTradeRisk.check limits unknown (snap [ "AAPL", 200.0, 100, 0 ])) $"a sale to flat goes (NLV {value})"
                Expect.equal (codes (PreTradeRisk.check limits unknown (snap [ "AAPL", 200.0, 100, 0; "NVDA", 100.0, 0, 5 ]))) [ "NO_PORTFOLIO_VALUE" ] "an addition beside it does not"
        Props.property "An order that only reduces |position| is never blocked by any limit" 1000
            (Prop.forAll (Arb.fromGen (Gen.zip3 (Gen.choose (-5_000, 5_000)) (Gen.choose (0, 100)) (Gen.zip (Gen.choose (1, 100_000)) (Gen.elements [ 1e6; 0.0; nan ])))) (fun (held, pct, (price, value)) ->
                let target = held * pct / 100 // between 0 and the position: a pure reduction
                let worst = { ctx with CashAvailable = 0.0; TradesToday = 99; DailyPnl = -1e9; Drawdown = 1e9; PortfolioValue = value
                                       Positions = Map [ "NVDA", held; "AAPL", 100_000 ] }
                held = target || PreTradeRisk.check limits worst (snap [ "NVDA", float price, held, target ]) = []))
    ]
