/// The drawdown, stop-loss and take-profit of a book the strategy adopts away from its cost. The high-water mark is the
/// best P&L this engine has seen since it took the book, and the stop-loss and take-profit judge the P&L since it took
/// it: the options' loss (or gain) before that day is not Bifrost's, and halting on it at the first start (RISK_HALT
/// blocks every hedge, and a resume is refused while the limit stands) left the legs unhedged from the first minute.
module Bifrost.Domain.Tests.Trading.AdoptedBookLimitsTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures

/// One leg of 10 calls, a 1,000 drawdown limit.
let cfg = let c = config 1 in { c with Risk = { c.Risk with MaxDrawdown = 1_000.0 } }

/// The first start with the calls bought at 5.00 and marked at 3.00: 2,000 below their cost.
let startBelowCost (c: Config) =
    startEvents c 100.0
    |> List.map (function { Payload = PositionReported(id, q, _) } as e when id = cid 2 -> { e with Payload = PositionReported(id, q, 5.0) } | e -> e)

/// The first start with the calls reported at `cost` (IB's avgCost over the multiplier; 0: the broker gave none).
let startAtCost (c: Config) (cost: float) =
    startEvents c 100.0
    |> List.map (function { Payload = PositionReported(id, q, _) } as e when id = cid 2 -> { e with Payload = PositionReported(id, q, cost) } | e -> e)

let private isRunning (s: State) = match s.Fsm with Running _ -> true | _ -> false
let private drawdownHalt (s: State) = match s.Fsm with Halted(HaltReason.DrawdownBreached _) -> true | _ -> false

[<Tests>]
let tests =
    testList "Trading.AdoptedBookLimits" [
        testCase "FirstStart_WithTheLegsBelowTheirCost_IsNoDrawdown_HedgesAndStaysGreen" <| fun () ->
            let s, cmds = runAll cfg (startBelowCost cfg)
            let s, tick = Reducer.step cfg s (at (sec 1.0) ClockTicked)
            Expect.floatClose Accuracy.medium (State.totalPnl cfg s) -2_000.0 "the strategy's P&L against the legs' cost"
            Expect.isTrue (isRunning s) $"{FsmState.name s.Fsm}: not halted on a loss taken before the strategy held the book"
            Expect.isEmpty (alerts (cmds @ tick) |> List.filter (fun a -> a.Code = "RISK_HALT")) "no RISK_HALT"
            Expect.equal (placed cmds |> List.length) 1 "the legs hedged at once"
            let check = SelfCheck.run cfg s
            let details = check.Checks |> List.map (fun c -> c.Detail) |> String.concat "; "
            Expect.isFalse (details.Contains "MAX_DRAWDOWN") details
            Expect.isFalse (List.contains BlockReason.RiskHalt check.BlockReasons) details
        // The daemon's clock runs from the start: its steps before the first sync ends (the connection, the contract
        // lookups, the sync itself) found the strategy holding nothing yet, valued that at 0 and took it as the day's
        // start and the high-water mark, so the book adopted right after was a drawdown and a day's loss from 0.
        testCase "FirstStart_WithClockStepsBeforeTheSyncEnds_TakesNoBaselineFromTheEmptyBook_NoDrawdownNoDayLoss" <| fun () ->
            let c = { cfg with Risk = { cfg.Risk with DailyLossLimit = 1_500.0 } }
            let events = startBelowCost c
            // A step while starting (before the connection) and one during the sync (the positions listed, not ended).
            let events = [ events.Head; at (sec 0.05) ClockTicked ] @ (events.Tail |> List.take 1) @ [ at (sec 0.15) ClockTicked ] @ (events.Tail |> List.skip 1)
            let s, cmds = runAll c events
            let s, tick = Reducer.step c s (at (sec 1.0) ClockTicked)
            Expect.floatClose Accuracy.medium (State.totalPnl c s) -2_000.0 "the strategy's P&L against the legs' cost"
            Expect.isTrue (isRunning s) $"{FsmState.name s.Fsm}: not halted on a loss taken before the strategy held the book"
            Expect.isEmpty (alerts (cmds @ tick) |> List.filter (fun a -> a.Code = "RISK_HALT")) "no RISK_HALT"
            Expect.floatClose Accuracy.medium s.HighWater -2_000.0 "the high-water mark from the book taken"
            Expect.floatClose Accuracy.medium (State.dayPnl c s) 0.0 "no day's loss yet"
            Expect.equal (placed cmds |> List.length) 1 "the legs hedged at once"
        testCase "FirstStart_BelowCost_TheDrawdownCountsFromTheAdoptedLevel" <| fun () ->
            let s, cmds = runAll cfg (startBelowCost cfg)
            let hedge = placed cmds |> List.exactlyOne
            let s, _ = Reducer.run cfg s [ at (sec 0.6) (execFor hedge hedge.Quantity 100.0 "e0"); at (sec 1.0) ClockTicked ]
            // The calls fall a further 1.10 (1,100 on 10 contracts): a drawdown of 1,100 from the adopted -2,000.
            let s, _ = Reducer.run cfg s (legStanding cfg (cid 2) 1.85 1.95 (sec 2.0) @ [ at (sec 5.0) ClockTicked ])
            Expect.isTrue (drawdownHalt s) $"{FsmState.name s.Fsm}: the limit still holds from where the strategy took the book"
        testCase "TheStatusShowsTheDrawdownStopLossAndTakeProfitUsage_AsTheClockJudgesThem" <| fun () ->
            let c = { cfg with Risk = { cfg.Risk with StopLoss = Some 3_000.0; TakeProfit = Some 10_000.0 } }
            let s, cmds = runAll c (startBelowCost c)
            let hedge = placed cmds |> List.exactlyOne
            let unvalued, _ = Reducer.run c (State.initial c) (startBelowCost c |> List.filter (fun e -> match e.Payload with QuoteReceived _ -> false | _ -> true))
            Expect.isEmpty (State.pnlLimitsUsage c unvalued) "no figure for an unvalued book"
            let s, _ = Reducer.run c s [ at (sec 0.6) (execFor hedge hedge.Quantity 100.0 "e0"); at (sec 1.0) ClockTicked ]
            // The calls fall 0.80 (800 on 10 contracts) from the adopted 3.00.
            let s, _ = Reducer.run c s (legStanding c (cid 2) 2.15 2.25 (sec 2.0) @ [ at (sec 5.0) ClockTicked ])
            Expect.isTrue (isRunning s) $"{FsmState.name s.Fsm}"
            let usage = State.pnlLimitsUsage c s |> List.map (fun (n, used, limit) -> n, System.Math.Round(used, 2), limit)
            // The stop-loss counts the 800 since the engine took the book, not the 2,000 the calls were down before.
            Expect.equal usage [ "max_drawdown", 800.0, 1_000.0; "stop_loss", 800.0, 3_000.0; "take_profit", 0.0, 10_000.0 ] "each P&L limit's usage"
        testCase "FirstStart_WithTheLegsFurtherBelowTheirCostThanTheStopLoss_IsNoStopLoss_HedgesAndStaysGreen" <| fun () ->
            // 2,000 below their cost at the first start, a stop-loss of 1,500: the loss was taken before the engine held the book.
            let c = { config 1 with Risk = { (config 1).Risk with StopLoss = Some 1_500.0 } }
            let s, cmds = runAll c (startBelowCost c)
            let s, tick = Reducer.step c s (at (sec 1.0) ClockTicked)
            Expect.floatClose Accuracy.medium (State.totalPnl c s) -2_000.0 "the strategy's P&L against the legs' cost"
            Expect.isTrue (isRunning s) $"{FsmState.name s.Fsm}: not halted on a loss taken before the strategy held the book"
            Expect.isEmpty (alerts (cmds @ tick) |> List.filter (fun a -> a.Code = "RISK_HALT")) "no RISK_HALT"
            Expect.equal (placed cmds |> List.length) 1 "the legs hedged at once"
            let check = SelfCheck.run c s
            Expect.isFalse (List.contains BlockReason.RiskHalt check.BlockReasons) (check.Checks |> List.map (fun k -> k.Detail) |> String.concat "; ")
            // The calls fall a further 1.60 (1,600 on 10 contracts): past the stop-loss from where the engine took the book.
            let hedge = placed cmds |> List.exactlyOne
            let s, _ = Reducer.run c s [ at (sec 1.1) (execFor hedge hedge.Quantity 100.0 "e0") ]
            let s, _ = Reducer.run c s (legStanding c (cid 2) 1.35 1.45 (sec 2.0) @ [ at (sec 5.0) ClockTicked ])
            Expect.isTrue (match s.Fsm with Halted(HaltReason.StopLossHit p) -> abs (p + 1_600.0) < 50.0 | _ -> false) $"{FsmState.name s.Fsm}: the stop-loss holds from the book taken"
        testCase "FirstStart_AtAnUnknownCost_IsNoTakeProfit_HedgesAndStaysGreen" <| fun () ->
            // IB gave no cost for the calls (0): the whole 3,000 of premium reads as a gain, past a take-profit of 2,000.
            let c = { config 1 with Risk = { (config 1).Risk with TakeProfit = Some 2_000.0 } }
            let s, cmds = runAll c (startAtCost c 0.0)
            let s, tick = Reducer.step c s (at (sec 1.0) ClockTicked)
            Expect.floatClose Accuracy.medium (State.totalPnl c s) 3_000.0 "the premium read as a gain"
            Expect.isTrue (isRunning s) $"{FsmState.name s.Fsm}: not halted on a gain the engine never made"
            Expect.isEmpty (alerts (cmds @ tick) |> List.filter (fun a -> a.Code = "RISK_HALT")) "no RISK_HALT"
            Expect.equal (placed cmds |> List.length) 1 "the legs hedged at once"
            let usage = State.pnlLimitsUsage c s |> List.map (fun (n, used, limit) -> n, System.Math.Round(used, 2), limit)
            Expect.contains usage ("take_profit", 0.0, 2_000.0) "no take-profit used at the start"
        testCase "FirstStart_AtAnUnknownCost_TellsTheOperatorWhichLegsP&LReadsTheWholeValue_AtAKnownCostNothing" <| fun () ->
            // The P&L shown reads the premium as a gain (the limits do not): the operator is told which leg, once.
            let c = config 1
            let _, cmds = runAll c (startAtCost c 0.0)
            let told = alerts cmds |> List.filter (fun a -> a.Code = "ADOPTED_AT_UNKNOWN_COST")
            Expect.equal (told |> List.map (fun a -> a.Severity)) [ Warning ] "told once, a warning (nothing is blocked)"
            let leg = OptionContract.describe (c.Strategy.Legs.Head.Option)
            Expect.stringContains told.Head.Message $"{leg} (10)" "names the leg as a trader reads it, with its quantity"
            let _, known = runAll c (startAtCost c 3.0)
            Expect.isEmpty (alerts known |> List.filter (fun a -> a.Code = "ADOPTED_AT_UNKNOWN_COST")) "a cost the broker gave: nothing told"
            // A later sync (a reconnect) adopts nothing new: not told again.
            let s, _ = runAll c (startAtCost c 0.0)
            let _, again = Reducer.run c s [ at (sec 2.0) (BrokerDisconnected "drop"); at (sec 3.0) (BrokerConnected [ c.Account ])
                                             at (sec 3.1) (PositionReported(cid 2, 10, 0.0)); at (sec 3.1) (PositionReported(underlyingId, State.hedgePosition c s, 100.0))
                                             at (sec 3.2) PositionsEnded; at (sec 3.2) OpenOrdersEnded; at (sec 3.2) ExecutionsEnded ]
            Expect.isEmpty (alerts again |> List.filter (fun a -> a.Code = "ADOPTED_AT_UNKNOWN_COST")) "not told at every sync"
        testCase "Restart_AfterAFirstStartBelowCost_KeepsTheTakenPnl_TheStopLossStillFromThere" <| fun () ->
            let c = { config 1 with Risk = { (config 1).Risk with StopLoss = Some 1_500.0 } }
            let s, cmds = runAll c (startBelowCost c)
            let hedge = placed cmds |> List.exactlyOne
            let s, _ = Reducer.run c s [ at (sec 0.6) (execFor hedge hedge.Quantity 100.0 "e0"); at (sec 1.0) ClockTicked ]
            Expect.floatClose Accuracy.medium s.Memory.TakenPnl -2_000.0 "remembered"
            let restart (memory: EngineMemory) =
                [ at (sec 10.0) (EngineStarted { restoredFrom s with Memory = Some memory }); at (sec 10.1) (BrokerConnected [ c.Account ])
                  at (sec 10.2) (PositionReported(cid 2, 10, 5.0)); at (sec 10.2) (PositionReported(underlyingId, State.hedgePosition c s, 100.0))
                  at (sec 10.3) PositionsEnded; at (sec 10.3) OpenOrdersEnded; at (sec 10.3) ExecutionsEnded
                  at (sec 10.4) (QuoteReceived(quote (cid 2) 2.9 3.1 (sec 10.4))); at (sec 10.5) (QuoteReceived(quote underlyingId 99.99 100.01 (sec 10.5)))
                  at (sec 11.0) ClockTicked ]
            let r, _ = Reducer.run c (State.initial c) (restart s.Memory)
            Expect.isTrue (isRunning r) $"{FsmState.name r.Fsm}"
            Expect.floatClose Accuracy.medium r.TakenPnl -2_000.0 "the P&L the engine took the book at"
            // A memory from before it was kept, with a high-water mark: judged from the cost as it was (a restart never
            // re-arms a stop-loss).
            let old, _ = Reducer.run c (State.initial c) (restart { s.Memory with TakenPnl = nan })
            Expect.equal old.TakenPnl 0.0 "a memory from before: from the cost"
        testCase "Restart_AfterAFirstStartBelowCost_KeepsTheAdoptedHighWater_NoHalt" <| fun () ->
            let s, cmds = runAll cfg (startBelowCost cfg)
            let hedge = placed cmds |> List.exactlyOne
            let s, _ = Reducer.run cfg s [ at (sec 0.6) (execFor hedge hedge.Quantity 100.0 "e0"); at (sec 1.0) ClockTicked ]
            let restored = restoredFrom s
            let events =
                [ at (sec 10.0) (EngineStarted restored); at (sec 10.1) (BrokerConnected [ cfg.Account ])
                  at (sec 10.2) (PositionReported(cid 2, 10, 5.0)); at (sec 10.2) (PositionReported(underlyingId, State.hedgePosition cfg s, 100.0))
                  at (sec 10.3) PositionsEnded; at (sec 10.3) OpenOrdersEnded; at (sec 10.3) ExecutionsEnded
                  at (sec 10.4) (QuoteReceived(quote (cid 2) 2.9 3.1 (sec 10.4))); at (sec 10.5) (QuoteReceived(quote underlyingId 99.99 100.01 (sec 10.5)))
                  at (sec 11.0) ClockTicked ]
            let r, _ = Reducer.run cfg (State.initial cfg) events
            Expect.isTrue (isRunning r) $"{FsmState.name r.Fsm}"
            Expect.floatClose Accuracy.medium r.HighWater -2_000.0 "the high-water mark the engine had"
    ]
