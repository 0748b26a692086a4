/// An account whose base currency is not USD (Funds.onAccountValue): IB reports NetLiquidation, AvailableFunds, … in the
/// base currency, and read as dollars a ¥15M account (about $100k) sized every portfolio run as $15M. Such a figure is
/// never taken: runs and the buying-power check refuse naming the currency, ACCOUNT_CURRENCY is raised once (critical,
/// not pausing), and the light says so.
module Bifrost.Domain.Tests.Trading.AccountCurrencyTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests.Fixtures

let private buyingPowerChecked = { config 1 with Risk = { (config 1).Risk with CheckBuyingPower = true } }
let private aaa = cid 50
let private bbb = cid 51

let private signals = "symbol,action,score,confidence,time\nAAA,buy,1,1,2025-12-29T09:00:00Z\nBBB,buy,0.5,1,2025-12-29T09:00:00Z\n"

let private request runId controlId = portfolioRunRequested runId controlId signals

/// Running/Idle with the portfolio configured, the account's figures reported in `currency` (¥15M, or $1M), fresh AAA
/// and BBB quotes at 2 s. The commands of the account reports are returned too.
let private ready (cfg: Config) (currency: string) =
    let step s e = Reducer.step cfg s e
    let s, cmds = runAll cfg (startEvents cfg 100.0)
    let hedge = placed cmds |> List.exactlyOne
    let s, _ = step s (at (sec 1.0) (execFor hedge hedge.Quantity 100.0 "e1"))
    let s, _ = step s (at (sec 1.1) (PortfolioConfigured(portfolioSetup 0.01 100_000.0 100 None)))
    let amount = if currency = "USD" then 1_000_000.0 else 15_000_000.0
    let s, c1 = step s (at (sec 1.2) (AccountValueReported("NetLiquidation", amount, currency)))
    let s, c2 = step s (at (sec 1.2) (AccountValueReported("AvailableFunds", amount, currency)))
    let s, _ = step s (at (sec 2.0) (QuoteReceived(quote aaa 49.99 50.01 (sec 2.0))))
    let s, _ = step s (at (sec 2.0) (QuoteReceived(quote bbb 79.99 80.01 (sec 2.0))))
    s, c1 @ c2

let private refusal (cmds: Command list) id =
    cmds |> List.tryPick (function CompleteControl(i, Refused why) when i = id -> Some why | _ -> None)

[<Tests>]
let tests =
    testList "Trading.AccountCurrency" [
        test "PortfolioRun_OnAJpyAccount_IsRefusedNamingTheCurrency" {
            let cfg = config 1
            let s, _ = ready cfg "JPY"
            let _, cmds = Reducer.step cfg s (at (sec 2.5) (request "r1-pf7" 7L))
            Expect.isEmpty (placed cmds) "nothing sized on ¥15M read as $15M"
            Expect.isFalse (cmds |> List.exists (function RecordPortfolioSnapshot _ -> true | _ -> false)) "no snapshot frozen"
            match refusal cmds 7L with
            | Some why ->
                Expect.stringContains why "ACCOUNT_CURRENCY" "named"
                Expect.stringContains why "JPY" "the currency named"
            | None -> failtest "the run was not refused"
            // The same run on a USD account is sized exactly as before: 1 % of $1M in AAA at 50 = 200 shares.
            let s, _ = ready cfg "USD"
            let _, cmds = Reducer.step cfg s (at (sec 2.5) (request "r1-pf7" 7L))
            Expect.equal (placed cmds |> List.map (fun o -> o.ContractId, o.Side, o.Quantity)) [ aaa, Buy, 200; bbb, Buy, 62 ] "USD as before"
        }

        test "AccountFigureInJpy_RaisesAccountCurrencyOnce_CriticalWithoutPausing" {
            let cfg = config 1
            let s, cmds = ready cfg "JPY"
            let raised = alerts cmds |> List.filter (fun a -> a.Code = "ACCOUNT_CURRENCY")
            Expect.equal (raised |> List.map _.Severity) [ Critical ] "once, critical (the second figure raises nothing)"
            Expect.stringContains raised.Head.Message "the account reports JPY" "names the currency"
            Expect.equal s.Fsm (Running Idle) "not paused: the hedger does not need the account's money"
            Expect.isTrue (System.Double.IsNaN(PortfolioFlow.account s "NetLiquidation")) "not taken as dollars"
            Expect.isTrue (System.Double.IsNaN(Funds.reported s)) "AvailableFunds not taken"
            // A later report (IB re-sends every few minutes) says nothing more.
            let _, later = Reducer.step cfg s (at (sec 180.0) (AccountValueReported("NetLiquidation", 15_100_000.0, "JPY")))
            Expect.isEmpty (alerts later) "raised once"
        }

        test "UsdRow_AfterAJpyOne_IsNotTakenAsTheAccountsDollars" {
            // With IB's per-currency rows (a $LEDGER row), a JPY-based account's USD row is one currency's cash, not
            // the account's: once a figure came in another currency, no figure is read as dollars.
            let cfg = config 1
            let s, _ = ready cfg "JPY"
            let s, _ = Reducer.step cfg s (at (sec 2.1) (AccountValueReported("NetLiquidation", 100_000.0, "USD")))
            let s, _ = Reducer.step cfg s (at (sec 2.1) (AccountValueReported("AvailableFunds", 100_000.0, "USD")))
            Expect.isTrue (System.Double.IsNaN(PortfolioFlow.account s "NetLiquidation")) "still not taken"
            let _, cmds = Reducer.step cfg s (at (sec 2.5) (request "r1-pf7" 7L))
            Expect.isEmpty (placed cmds) "refused"
            Expect.isTrue (refusal cmds 7L |> Option.exists (fun why -> why.Contains "ACCOUNT_CURRENCY")) "named"
        }

        test "BuyHeldToBuyingPower_OnAJpyAccount_IsRefusedNamingTheCurrency" {
            let cfg = buyingPowerChecked
            let s, _ = ready cfg "JPY"
            Expect.equal (Composite.classify cfg s).AvailableFunds (BuyingPower.NotInDollars "JPY") "the guards see no dollars"
            let m = { RunId = "m1"; ContractId = underlyingId; Side = Buy; Quantity = 10; Type = Market; RiskBypass = false; AdjustsStrategy = false; Meta = meta 9L }
            let s, _ = Reducer.step cfg s (at (sec 2.2) (QuoteReceived(quote underlyingId 99.99 100.01 (sec 2.2))))
            let _, cmds = Reducer.step cfg s (at (sec 2.5) (ManualOrderRequested m))
            Expect.isEmpty (placed cmds) "no buy against ¥ read as $"
            Expect.isTrue (refusal cmds 9L |> Option.exists (fun why -> why.Contains "ACCOUNT_CURRENCY" && why.Contains "JPY")) "refused naming the currency"
            // The hedger's opening buy is blocked by name too; a sell is not held to buying power.
            let c = Composite.classify cfg s
            let buy = ExecutionGuard.evaluate { c with Delta = D2; OrderInFlight = false; CoolingDown = false } { SignedShares = 100; ReferencePrice = 100.0; Trigger = "band" }
            Expect.contains (GuardDecision.reasons buy) BlockReason.AccountCurrency "ACCOUNT_CURRENCY"
            let sell = ExecutionGuard.evaluate c { SignedShares = -100; ReferencePrice = 100.0; Trigger = "band" }
            Expect.isFalse (GuardDecision.reasons sell |> List.contains BlockReason.AccountCurrency) "a sell is not"
        }

        test "Light_OnAJpyAccount_IsRedNamingTheCurrency" {
            let cfg = config 1
            let s, _ = ready cfg "JPY"
            let r = SelfCheck.run cfg s
            let check = r.Checks |> List.tryFind (fun c -> c.Name = "account_currency")
            match check with
            | Some c ->
                Expect.isFalse c.Passed "failing"
                Expect.isTrue c.Blocking "RED: portfolio runs need the account's dollars"
                Expect.stringContains c.Detail "ACCOUNT_CURRENCY: the account reports JPY" "named"
            | None -> failtest "the light does not say so"
            Expect.equal r.Health Health.Blocked "RED"
        }

        test "ScheduledSlot_OnAJpyAccount_FailsNamingTheCurrency" {
            let cfg = config 1
            let s, _ = ready cfg "JPY"
            let _, cmds = Reducer.step cfg s (at (sec 2.5) (PortfolioSignalsLoaded { SlotId = "daily-2025-12-29"; File = Ok("signals.csv", signals) }))
            Expect.isFalse (cmds |> List.exists (function RecordPortfolioSnapshot _ -> true | _ -> false)) "no snapshot frozen from ¥ read as $"
            Expect.exists (alerts cmds) (fun a -> a.Code = "SCHEDULE_FAILED" && a.Message.Contains "ACCOUNT_CURRENCY" && a.Message.Contains "JPY") "the slot fails naming it"
        }
    ]
