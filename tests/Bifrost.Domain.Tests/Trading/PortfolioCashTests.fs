/// The cash a portfolio run may spend (Funds): IB re-sends a changed AvailableFunds only every few minutes, so a run
/// seconds after another must see the cash the first one's fills took, until the broker's next report says it itself.
module Bifrost.Domain.Tests.Trading.PortfolioCashTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.PortfolioRuns
open Bifrost.Domain.Tests.Fixtures

// Buying power checked (the daemon's default): the hedger's and the operator's buys are held to the same cash.
let private cfg = { config 1 with Risk = { (config 1).Risk with CheckBuyingPower = true } }
let private step s e = Reducer.step cfg s e
let private aaa = cid 50
let private bbb = cid 51

/// 5 % of NetLiquidation per symbol: AAA alone wants 1,000 shares (50,000), far more than the cash.
let private setup = portfolioSetup 0.05 1_000_000.0 100 None

let private buy sym = $"symbol,action,score,confidence,time\n{sym},buy,1,1,2025-12-29T09:00:00Z\n"

let private request = portfolioRunRequested

/// Running/Idle, NetLiquidation 1M but AvailableFunds 20,000 (reported at 1.2 s), AAA 50 and BBB 80 quoted at 2 s.
let private ready () =
    let s, cmds = runAll cfg (startEvents cfg 100.0)
    let hedge = placed cmds |> List.exactlyOne
    let s, _ = step s (at (sec 1.0) (execFor hedge hedge.Quantity 100.0 "e1"))
    let s, _ = step s (at (sec 1.1) (PortfolioConfigured setup))
    let s, _ = step s (at (sec 1.2) (AccountValueReported("NetLiquidation", 1_000_000.0, "USD")))
    let s, _ = step s (at (sec 1.2) (AccountValueReported("AvailableFunds", 20_000.0, "USD")))
    let s, _ = step s (at (sec 2.0) (QuoteReceived(quote aaa 49.99 50.01 (sec 2.0))))
    let s, _ = step s (at (sec 2.0) (QuoteReceived(quote bbb 79.99 80.01 (sec 2.0))))
    Expect.equal s.Fsm (Running Idle) "idle"
    s

let private snapshotOf (cmds: Command list) = cmds |> List.pick (function RecordPortfolioSnapshot snap -> Some snap | _ -> None)

/// The first run (AAA) sized down to the 20,000 of cash, filled at 50 with a fee of 1.50; quotes 30 s later.
let private afterFirstRun () =
    let s, c1 = step (ready ()) (at (sec 2.5) (request "r1-pf7" 7L (buy "AAA")))
    let first = placed c1 |> List.exactlyOne
    Expect.equal (first.ContractId, first.Side, first.Quantity) (aaa, Buy, 400) "capped by cash: 400 × 50 = 20,000"
    let s, _ = step s (at (sec 3.0) (execFor first 400 50.0 "pa"))
    let s, _ = step s (at (sec 3.1) (CommissionReported(ExecId.create "pa" |> Result.get, 1.5)))
    let s, _ = step s (at (sec 30.0) (QuoteReceived(quote aaa 49.99 50.01 (sec 30.0))))
    let s, _ = step s (at (sec 30.0) (QuoteReceived(quote bbb 79.99 80.01 (sec 30.0))))
    Expect.equal s.Fsm (Running Idle) "the first run is done"
    s

[<Tests>]
let tests =
    testList "Trading.PortfolioCash" [
        test "SecondRun_BeforeTheAccountReportCatchesUp_SeesTheCashTheFirstSpent" {
            let s = afterFirstRun ()
            Expect.equal (PortfolioFlow.account s "AvailableFunds") 20_000.0 "the broker has not reported the fill yet"
            let _, c2 = step s (at (sec 31.0) (request "r1-pf8" 8L (buy "BBB")))
            Expect.isEmpty (placed c2) "no BBB bought with the cash AAA took"
            let snap = snapshotOf c2
            Expect.floatClose Accuracy.high snap.CashAvailable -1.5 "the snapshot records the cash left: 20,000 less 20,000 filled and the 1.50 fee"
            Expect.equal (snap.Lines |> List.find (fun l -> l.Symbol = "BBB")).Notes [ "CAPPED_BY_CASH" ] "BBB capped to nothing"
            let note = ops c2 |> List.find (fun o -> o.Detail.Contains "frozen sha256:")
            Expect.stringContains note.Detail "AvailableFunds 20000.00 received 30s before less 20001.50 filled and 0.00 working since" "the note says how the cash came about"
        }

        test "FreshAvailableFundsReport_RestartsTheAdjustmentFromIt" {
            let s = afterFirstRun ()
            // The broker's next report already holds the AAA fill: it is the cash, nothing is taken off it again.
            let s, _ = step s (at (sec 30.5) (AccountValueReported("AvailableFunds", 8_000.0, "USD")))
            Expect.equal (Funds.available s) 8_000.0 "the report as it is"
            Expect.equal s.AccountValuesAt.["AvailableFunds"] (sec 30.5) "its receive time is kept"
            let _, c2 = step s (at (sec 31.0) (request "r1-pf8" 8L (buy "BBB")))
            Expect.equal (placed c2 |> List.map (fun o -> o.ContractId, o.Side, o.Quantity)) [ bbb, Buy, 100 ] "8,000 / 80 = 100 shares"
            Expect.equal (snapshotOf c2).CashAvailable 8_000.0 "the snapshot records the report"
        }

        test "FeeOfAFillBeforeTheReport_ArrivingAfterIt_IsNotTakenAgain" {
            let s, c1 = step (ready ()) (at (sec 2.5) (request "r1-pf7" 7L (buy "AAA")))
            let s, _ = step s (at (sec 3.0) (execFor (placed c1 |> List.exactlyOne) 400 50.0 "pa"))
            let s, _ = step s (at (sec 3.5) (AccountValueReported("AvailableFunds", 0.0, "USD")))
            let s, _ = step s (at (sec 3.6) (CommissionReported(ExecId.create "pa" |> Result.get, 1.5)))
            Expect.equal (Funds.available s) 0.0 "the report came after the fill: its fee is the broker's to count"
        }

        test "HedgerBuy_WorkingThenFilled_TakesItsNotionalUntilTheNextReport" {
            // The start's hedge sold stock (filled before the report); the stock falling to 99 makes the hedger buy back.
            let s = ready ()
            let t = sec 10.0
            let s, c1 = step s (at t (QuoteReceived(quote underlyingId 98.99 99.01 t)))
            let s, c2 = step s (at t ClockTicked)
            let hedge = placed (c1 @ c2) |> List.exactlyOne
            Expect.equal (hedge.Purpose, hedge.Side) (Hedge, Buy) "the hedger buys stock"
            let taken = float hedge.Quantity * 99.0
            Expect.floatClose Accuracy.high (Funds.available s) (20_000.0 - taken) "working: its rest at the mid it was sent at"
            let s, _ = step s (at (sec 10.5) (execFor hedge hedge.Quantity 99.0 "h2"))
            let s, _ = step s (at (sec 10.6) (CommissionReported(ExecId.create "h2" |> Result.get, 1.0)))
            Expect.floatClose Accuracy.high (Funds.available s) (20_000.0 - taken - 1.0) "filled: its notional and fee spent"
            let s, _ = step s (at (sec 20.0) (AccountValueReported("AvailableFunds", 13_000.0, "USD")))
            Expect.equal (Funds.available s) 13_000.0 "the next report counts it itself"
        }
    
        // The hedger's and the operator's buys were held to the broker's AvailableFunds as last reported: seconds after a
        // portfolio run spent it, a buy passed on cash the account no longer had (IB reports it again minutes later).
        test "OperatorBuy_AfterARunSpentTheCash_IsRefusedForBuyingPower" {
            let s, _ = step (afterFirstRun ()) (at (sec 30.0) (QuoteReceived(quote underlyingId 99.99 100.01 (sec 30.0))))
            let m = { RunId = "m1"; ContractId = underlyingId; Side = Buy; Quantity = 10; Type = Market; RiskBypass = false; AdjustsStrategy = false; Meta = meta 9L }
            let s', cmds = step s (at (sec 31.0) (ManualOrderRequested m))
            Expect.isEmpty (placed cmds) "no buy on the cash the run took"
            Expect.exists cmds (function CompleteControl(9L, Refused why) -> why.Contains "INSUFFICIENT_FUNDS" | _ -> false) "refused for buying power"
            Expect.equal (Composite.classify cfg s').AvailableFunds (BuyingPower.Dollars(Funds.available s')) "the guards see the cash left, not the report"
            // Once the broker's report says there is cash again, the same buy goes.
            let s, _ = step s (at (sec 32.0) (AccountValueReported("AvailableFunds", 5_000.0, "USD")))
            let _, cmds = step s (at (sec 33.0) (ManualOrderRequested { m with Meta = meta 10L }))
            Expect.equal (placed cmds |> List.map (fun o -> o.Side, o.Quantity)) [ Buy, 10 ] "bought"
        }
    ]
