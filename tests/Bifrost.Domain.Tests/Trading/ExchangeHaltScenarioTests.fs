/// A stock the exchange halts (IB's tick 49) trades nothing until its reopening auction: an order sent meanwhile waits
/// at IB for it and fills at whatever the auction gaps to. The hedger sends nothing into a halted underlying (the quote
/// the feed watch asks for again is the frozen one, fresh by its receive time), nor does an operator's order; the light
/// names the halt, the operator is told once, and the hedger goes on by itself when IB reports it trading again.
module Bifrost.Domain.Tests.Trading.ExchangeHaltScenarioTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures

let private cfg = config 1
let private alertsCoded code cmds = alerts cmds |> List.filter (fun a -> a.Code = code)
let private aaa = cid 50
let private bbb = cid 51
let private buyBoth = "symbol,action,score,confidence,time\nAAA,buy,1,1,2025-12-29T09:00:00Z\nBBB,buy,0.5,1,2025-12-29T09:00:00Z\n"

let private request = portfolioRunRequested

/// Running/Idle with the two-stock portfolio configured, the account valued and AAA (50) and BBB (80) quoted at 2 s.
let private ready () = portfolioReady cfg (portfolioSetup 0.01 100_000.0 100 None)

[<Tests>]
let tests =
    testList "Trading.ExchangeHaltScenario" [
        testCase "UnderlyingHalted_NoHedgeNorOperatorOrderIntoIt_LightNamesIt_ToldOnce_HedgerResumesByItselfWhenItTradesAgain" <| fun () ->
            let s = hedged cfg
            let s, cmds = Reducer.step cfg s (at (sec 1.0) (TradingHaltReported(underlyingId, Some VolatilityHalt)))
            let told = Props.single (alertsCoded "UNDERLYING_HALTED" cmds)
            Expect.equal told.Severity Warning "a warning: the exchange's halt, not a fault"
            Expect.stringContains told.Message "XYZ halted by the exchange (volatility halt)" "names the stock and the halt"
            // The frozen quote comes back fresh (the feed watch's request, an indicative quote) 4 % away: out of the band.
            let s, cmds = Reducer.step cfg s (at (sec 2.0) (QuoteReceived(quote underlyingId 95.99 96.01 (sec 2.0))))
            Expect.isNone s.HeldJump "the premise: within max_jump_pct, priced"
            Expect.isGreaterThan (abs (State.deviation cfg s)) (Composite.bandHalfWidth cfg s) "the premise: out of the band, a hedge is due"
            Expect.isEmpty (placed cmds) "no hedge into the halted stock"
            Expect.exists (ops cmds) (fun o -> o.Kind = OperationKind.GuardBlocked && o.Detail.StartsWith "UNDERLYING_HALTED") "the block is recorded, named"
            let r = SelfCheck.run cfg s
            Expect.notEqual r.Health Health.Healthy "never GREEN while the underlying is halted"
            Expect.contains r.BlockReasons BlockReason.UnderlyingHalted "in the block reasons"
            Expect.exists r.Checks (fun k -> k.Name = "exchange_trading" && not k.Passed && k.Detail.Contains "XYZ halted by the exchange (volatility halt)") "named on the light"
            // IB repeats the tick (a resubscription): told once.
            let s, cmds = Reducer.step cfg s (at (sec 2.5) (TradingHaltReported(underlyingId, Some VolatilityHalt)))
            Expect.isEmpty (alerts cmds) "told once"
            // An operator's order on the stock is refused, the bypass included, naming the halt.
            let cmds = manualWithBypass cfg s (sec 3.0) underlyingId Sell 100
            Expect.isEmpty (placed cmds) "no operator order into the halt"
            Expect.exists cmds (function CompleteControl(7L, Refused why) -> why.Contains "UNDERLYING_HALTED: XYZ halted by the exchange" | _ -> false) "refused, naming the halt"
            // The clock steps on through the halt: still nothing.
            let s, cmds = Reducer.step cfg s (at (sec 4.0) ClockTicked)
            Expect.isEmpty (placed cmds) "nothing sent on the clock either"
            // IB reports it trading again (tick 49 = 0): a note, and the due hedge goes with no operator action.
            let s, cmds = Reducer.step cfg s (at (sec 4.5) (TradingHaltReported(underlyingId, None)))
            let ended = Props.single (alertsCoded "HALT_ENDED" cmds)
            Expect.equal ended.Severity Info "a note"
            Expect.stringContains ended.Message "XYZ trading again after its volatility halt of 4 s" "how long"
            let hedge = Props.single (placed cmds)
            Expect.equal hedge.ContractId underlyingId "the hedger resumes by itself"
            Expect.equal (FsmState.name s.Fsm) "Running/HedgePending" "running, the hedge in flight"
            Expect.isFalse ((SelfCheck.run cfg s).BlockReasons |> List.contains BlockReason.UnderlyingHalted) "the halt no longer named"
    
        testCase "HedgeWorkingWhenTheHaltComes_LeftAtIbForTheReopening_NotCancelledByTheHedgeTimeout_ItsFillCounts" <| fun () ->
            let s, cmds = Reducer.step cfg (hedged cfg) (at (sec 2.0) (QuoteReceived(quote underlyingId 95.99 96.01 (sec 2.0))))
            let hedge = Props.single (placed cmds)
            let s, _ = Reducer.step cfg s (at (sec 2.5) (TradingHaltReported(underlyingId, Some GeneralHalt)))
            // Past strategy.hedge_timeout_seconds: before, cancelled (HEDGE_STUCK) to be decided again.
            let later = Timestamp.add cfg.Strategy.HedgeTimeout (sec 3.0)
            let s, cmds = Reducer.step cfg s (at later ClockTicked)
            Expect.isEmpty (cmds |> List.filter (function CancelOrder _ -> true | _ -> false)) "left at IB through the halt"
            Expect.isEmpty (alertsCoded "HEDGE_STUCK" cmds) "not told stuck"
            Expect.equal (FsmState.name s.Fsm) "Running/HedgePending" "still the hedge in flight"
            // The reopening auction fills it: counted, and nothing sent twice.
            let s, _ = Reducer.step cfg s (at (Timestamp.add (Duration.ofSeconds 1.0) later) (TradingHaltReported(underlyingId, None)))
            let s, cmds = Reducer.step cfg s (at (Timestamp.add (Duration.ofSeconds 1.5) later) (execFor hedge hedge.Quantity 97.0 "auction"))
            Expect.isEmpty (placed cmds) "no second hedge"
            Expect.equal (State.hedgePosition cfg s) (State.hedgePosition cfg (hedged cfg) + Side.sign hedge.Side * hedge.Quantity) "its fill counts"

        testCase "PortfolioSymbolHalted_ItsOrderRefusedNamingTheHalt_TheOthersGo_SentAgainOnceItTrades" <| fun () ->
            let s, cmds = Reducer.step cfg (ready ()) (at (sec 2.2) (TradingHaltReported(aaa, Some GeneralHalt)))
            Expect.stringContains (Props.single (alertsCoded "CONTRACT_HALTED" cmds)).Message "AAA halted by the exchange (general halt)" "told, by its symbol"
            // Its standing quote, asked for again, is fresh: the halt, not the quote, refuses it.
            let s, _ = Reducer.step cfg s (at (sec 2.4) (QuoteReceived(quote aaa 49.99 50.01 (sec 2.4))))
            let s, cmds = Reducer.step cfg s (at (sec 2.5) (request "r1-pf7" 7L buyBoth))
            Expect.equal (placed cmds |> List.map (fun o -> o.ContractId)) [ bbb ] "only BBB goes out"
            let a = (fst s.PortfolioRuns.["r1-pf7"]).Orders |> List.find (fun o -> o.Key.Symbol = "AAA")
            Expect.equal (a.Status, a.Sent) (PortfolioRuns.RunOrderStatus.Rejected, false) "AAA rejected, never sent"
            Expect.stringContains (Option.defaultValue "" a.Reason) "UNDERLYING_HALTED: AAA halted by the exchange (general halt)" "named"
            let r = SelfCheck.run cfg s
            Expect.exists r.Checks (fun k -> k.Name = "exchange_trading" && not k.Passed && k.Detail.Contains "AAA halted") "on the light"
            let b = placed cmds |> List.exactlyOne
            let s, _ = Reducer.step cfg s (at (sec 2.8) (execFor b b.Quantity 80.0 "pb"))
            Expect.equal (fst s.PortfolioRuns.["r1-pf7"]).Status PortfolioRuns.RunStatus.Partial "partial, AAA not traded"
            let s, cmds = Reducer.step cfg s (at (sec 3.0) (TradingHaltReported(aaa, None)))
            Expect.stringContains (Props.single (alertsCoded "HALT_ENDED" cmds)).Message "AAA trading again" "told"
            let s, _ = Reducer.step cfg s (at (sec 3.1) (QuoteReceived(quote aaa 49.99 50.01 (sec 3.1))))
            let _, cmds = Reducer.step cfg s (at (sec 3.2) (request "r2-pf8" 8L buyBoth))
            Expect.contains (placed cmds |> List.map (fun o -> o.ContractId)) aaa "trading again: sent"
    ]
