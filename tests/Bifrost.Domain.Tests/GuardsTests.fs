module Bifrost.Domain.Tests.GuardsTests

open Expecto
open FsCheck.FSharp
open Bifrost.Domain
open Bifrost.Domain.Tests

let clear : CompositeState =
    { Delta = D2; DeltaDeviation = 120.0; BandHalfWidth = 50.0; Freshness = []; Data = Fresh; Spread = SpreadOk; PriceJump = false; UnderlyingHalted = false; Hours = InHours
      Risk = RiskOk; Broker = BrokerUp; Control = Trading; OrderInFlight = false; CoolingDown = false; StoreOk = true
      TradesToday = 0; DailyPnl = 0.0; HedgePosition = 0; AvailableFunds = BuyingPower.Unreported; Limits = (Fixtures.config 1).Risk; MinHedgeShares = 10 }

let intent shares = { SignedShares = shares; ReferencePrice = 100.0; Trigger = "band" }

let private reasonsOf c i = ExecutionGuard.evaluate c i |> GuardDecision.reasons

let genComposite =
    gen {
        let! data = Gen.elements [ Fresh; Lagging; Stale ]
        let! spread = Gen.elements [ SpreadOk; SpreadWide ]
        let! hours = Gen.elements [ InHours; OutOfHours ]
        let! risk = Gen.elements [ RiskOk; NearLimit; RiskHalted ]
        let! broker = Gen.elements [ BrokerUp; FarmDegraded; BrokerDown ]
        let! control = Gen.elements [ Trading; NotSynced; PausedControl; HaltedControl; StoppingControl ]
        let! flags = Gen.listOfLength 4 (Gen.elements [ true; false ])
        let! trades = Gen.choose (0, 600)
        let! pnl = Gen.choose (-80_000, 10_000) |> Gen.map float
        let! pos = Gen.choose (-3_000, 3_000)
        let! shares = Gen.choose (-3_000, 3_000)
        let! price = Gen.elements [ 1.0; 100.0; 1000.0; nan; infinity ]
        return { clear with Data = data; Spread = spread; Hours = hours; Risk = risk; Broker = broker; Control = control
                            OrderInFlight = flags.[0]; CoolingDown = flags.[1]; StoreOk = flags.[2]; PriceJump = flags.[3]; TradesToday = trades
                            DailyPnl = pnl; HedgePosition = pos },
               { SignedShares = shares; ReferencePrice = price; Trigger = "band" }
    }

[<Tests>]
let tests =
    testList "Guards" [
        testCase "A clear world allows the hedge" <| fun () ->
            Expect.equal (ExecutionGuard.evaluate clear (intent -120)) Allow "ExecutionGuard.evaluate clear (intent -120)"
        testList "Each named condition blocks with its own reason" [
            for code in [ "DATA_LAG"; "SPREAD_WIDE"; "PRICE_JUMP"; "UNDERLYING_HALTED"; "COOLDOWN"; "BELOW_MIN_SIZE"; "ORDER_IN_FLIGHT"; "OUTSIDE_HOURS"; "RISK_HALT"
                          "DAILY_TRADE_LIMIT"; "POSITION_LIMIT"; "NOTIONAL_LIMIT"; "DAILY_LOSS_LIMIT"; "BROKER_DOWN"; "PAUSED"
                          "STOPPING"; "STORE_UNAVAILABLE"; "NOT_RECONCILED" ] ->
                testCase code <| fun () ->
                    let c, i =
                        match code with
                        | "DATA_LAG" -> { clear with Data = Lagging }, intent -120
                        | "SPREAD_WIDE" -> { clear with Spread = SpreadWide }, intent -120
                        | "PRICE_JUMP" -> { clear with PriceJump = true }, intent -120
                        | "UNDERLYING_HALTED" -> { clear with UnderlyingHalted = true }, intent -120
                        | "COOLDOWN" -> { clear with CoolingDown = true }, intent -120
                        | "BELOW_MIN_SIZE" -> clear, intent -9
                        | "ORDER_IN_FLIGHT" -> { clear with OrderInFlight = true }, intent -120
                        | "OUTSIDE_HOURS" -> { clear with Hours = OutOfHours }, intent -120
                        | "RISK_HALT" -> { clear with Control = HaltedControl }, intent -120
                        | "DAILY_TRADE_LIMIT" -> { clear with TradesToday = 500 }, intent -120
                        | "POSITION_LIMIT" -> { clear with HedgePosition = -1_950 }, intent -120
                        | "NOTIONAL_LIMIT" -> clear, { intent -1_500 with ReferencePrice = 500.0 }
                        | "DAILY_LOSS_LIMIT" -> { clear with DailyPnl = -60_000.0 }, intent -120
                        | "BROKER_DOWN" -> { clear with Broker = BrokerDown }, intent -120
                        | "PAUSED" -> { clear with Control = PausedControl }, intent -120
                        | "STOPPING" -> { clear with Control = StoppingControl }, intent -120
                        | "STORE_UNAVAILABLE" -> { clear with StoreOk = false }, intent -120
                        | "NOT_RECONCILED" -> { clear with Control = NotSynced }, intent -120
                        | other -> failwith other
                    Expect.equal (reasonsOf c i |> List.map BlockReason.code) [ code ] "the block reasons"
            ]
        testCase "A farm degradation alone does not block" <| fun () ->
            Expect.equal (ExecutionGuard.evaluate { clear with Broker = FarmDegraded } (intent -120)) Allow "ExecutionGuard.evaluate { clear with Broker = FarmDegraded } (intent -120)"
        Props.property "Every Block has at least one reason and Allow only when nothing stands in the way" 5000 (Prop.forAll (Arb.fromGen genComposite) (fun (c, i) ->
                match ExecutionGuard.evaluate c i with
                | Block(r, rs) -> not (List.isEmpty (r :: rs)) && List.distinct (r :: rs) = r :: rs
                | Allow ->
                    c.Data = Fresh && c.Spread = SpreadOk && not c.PriceJump && c.Hours = InHours && c.Broker <> BrokerDown && c.Control = Trading
                    && c.Risk <> RiskHalted && not c.OrderInFlight && not c.CoolingDown && c.StoreOk
                    && abs i.SignedShares >= c.MinHedgeShares && System.Double.IsFinite i.ReferencePrice))
    ]
