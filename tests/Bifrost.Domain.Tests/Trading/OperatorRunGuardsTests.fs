/// Guards on operator runs found open in review: a rebalance's tilt after a flatten, a resume or an order on a book not
/// valued yet, market orders into a wide quote, the notional of a limit far under the mid, and an operator-owned sell
/// of the strategy's own option contracts.
module Bifrost.Domain.Tests.Trading.OperatorRunGuardsTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests.Fixtures

let private cfg = config 1
let private call = cfg.Strategy.Legs.Head.Option.ContractId

let private runFrom (c: Config) (s: State) events =
    events |> List.fold (fun (s, acc) e -> let s', cmds = Reducer.step c s e in s', acc @ cmds) (s, [])

let private manual runId conId side qty orderType adjusts bypass id =
    ManualOrderRequested
        { RunId = runId; ContractId = conId; Side = side; Quantity = qty; Type = orderType; RiskBypass = bypass; AdjustsStrategy = adjusts; Meta = meta id }

let private refusedWith (cmds: Command list) (id: int64) (text: string) =
    cmds |> List.exists (function CompleteControl(i, Refused why) when i = id && why.Contains text -> true | _ -> false)

let private status (o: OrderRequest) (update: OrderUpdate) filled =
    OrderStatusReported { IbOrderId = o.IbOrderId; PermId = 5L; Ref = OrderRef.value o.Ref; Status = update; Filled = filled; AvgFillPrice = 100.0; Reason = "" }

/// Hedged, then the underlying quoted `bid`/`ask` (mid 100: no price jump).
let private quotedAt bid ask =
    let s = hedged cfg
    let s, _ = Reducer.step cfg s (at (sec 2.0) (QuoteReceived(quote underlyingId bid ask (sec 2.0))))
    Expect.isNone s.HeldJump "the premise: the mid did not move, nothing is held"
    s

/// A day-loss halt (limit 500, the calls marked 2.40: about -600) flattened into Paused, then a restart of the same
/// store: Paused, no quote yet (the book not valued). The configuration and the state.
let private pausedAfterALossAndARestart () =
    let c = { cfg with Risk = { cfg.Risk with DailyLossLimit = 500.0 } }
    let s, _ = runFrom c (hedged c) (legStanding c call 2.3 2.5 (sec 3.0) @ [ at (sec 6.0) ClockTicked ])
    Expect.isTrue (match s.Fsm with Halted(DailyLossBreached _) -> true | _ -> false) $"the premise: halted on the day's loss ({FsmState.name s.Fsm})"
    let s, cmds = runFrom c s [ at (sec 7.0) (ControlRequested(FlattenExposure, meta 20L)) ]
    let fl = placed cmds |> List.exactlyOne
    let s, _ = runFrom c s [ at (sec 7.1) (execFor fl fl.Quantity 100.0 "efl"); at (sec 7.2) (status fl FullyFilled fl.Quantity) ]
    Expect.equal s.Fsm Paused "the flatten ends Paused"
    let s, _ = Reducer.run c (State.initial c) (restartEvents c s s.Memory 100.0)
    Expect.equal s.Fsm Paused "the restart ends Paused"
    Expect.isFalse (State.isValued c s) "the premise: no quote yet"
    c, s

/// Started with the account holding 15 of the calls: the strategy adopts its configured 10, the operator holds 5.
let private operatorHoldsFiveCalls () =
    let events =
        startEvents cfg 100.0
        |> List.map (fun e -> match e.Payload with PositionReported(id, _, px) when id = call -> { e with Payload = PositionReported(id, 15, px) } | _ -> e)
    let s, cmds = runAll cfg events
    let hedge = placed cmds |> List.exactlyOne
    let s, _ = Reducer.step cfg s (at (sec 0.6) (execFor hedge hedge.Quantity 100.0 "e0"))
    Expect.equal (Portfolio.strategyQty call s.Portfolio, Portfolio.brokerQty call s.Portfolio) (10, 15) "the premise: 10 the strategy's, 5 the operator's"
    s

[<Tests>]
let tests =
    testList "Operator run guards" [
        // Found in review: a rebalance's stock fill that beat its cancel after a flatten brought the rebalance's tilt back
        // (the hedger then held net delta +500 under GREEN), while a restart of the same store rebuilt the tilt as 0.
        testCase "RebalanceFillAfterAFlatten_DoesNotBringItsTiltBack" <| fun () ->
            let s = hedged cfg
            let h0 = State.hedgePosition cfg s
            let s, cmds = Reducer.step cfg s (at (sec 2.0) (RebalanceRequested { RunId = "rb1"; Targets = [ underlyingId, h0 + 500 ]; RiskBypass = false; Meta = meta 10L }))
            let rb = placed cmds |> List.exactlyOne
            let s, _ = Reducer.step cfg s (at (sec 2.5) (ControlRequested(FlattenExposure, meta 11L)))
            // The rebalance fills before its cancel lands; the flatten then trades the hedge back to 0.
            let s, cmds = runFrom cfg s [ at (sec 2.6) (execFor rb 500 100.0 "erb"); at (sec 2.7) (status rb FullyFilled 500) ]
            let fl = placed cmds |> List.exactlyOne
            let s, _ = runFrom cfg s [ at (sec 2.8) (execFor fl fl.Quantity 100.0 "efl"); at (sec 2.9) (status fl FullyFilled fl.Quantity) ]
            Expect.equal s.Fsm Paused "the flatten ended"
            Expect.equal (State.hedgePosition cfg s) 0 "the hedge flattened"
            Expect.equal s.TargetTilt 0.0 "no tilt after the flatten"
            Expect.equal (State.targetDelta cfg s) cfg.Strategy.TargetDelta "the hedger aims at the configured target"
            let restarted, _ = Reducer.run cfg (State.initial cfg) (restartEvents cfg s s.Memory 10.0)
            Expect.equal restarted.TargetTilt s.TargetTilt "a restart of the same store agrees"

        // Found in review: a day-loss halt flattened into Paused, restarted, resumed before the legs were quoted: the
        // resume was accepted (an unvalued book was not judged) and a strategy buy went out on a day's P&L read as 0.
        testCase "ResumeFromPausedAfterRestart_BeforeTheBookIsValued_IsRefused" <| fun () ->
            let c, s = pausedAfterALossAndARestart ()
            let s, cmds = Reducer.step c s (at (sec 101.0) (ControlRequested(Resume, meta 22L)))
            Expect.isTrue (refusedWith cmds 22L "the book is not valued yet") (sprintf "refused, named: %A" cmds)
            Expect.equal s.Fsm Paused "still paused"
            // Once every holding is quoted the resume is judged: the day's loss still stands.
            let s, _ = runFrom c s [ at (sec 101.5) (QuoteReceived(quote underlyingId 99.99 100.01 (sec 101.5))); at (sec 101.6) (QuoteReceived(quote call 2.3 2.5 (sec 101.6))) ]
            let _, cmds = Reducer.step c s (at (sec 102.0) (ControlRequested(Resume, meta 23L)))
            Expect.isTrue (refusedWith cmds 23L "still breached: DAILY_LOSS_LIMIT") (sprintf "judged once valued: %A" cmds)

        testCase "ManualOrderAddingRisk_WhileTheDaysPnlIsUnknown_IsRefused" <| fun () ->
            // A restart of a running engine runs again with only the underlying quoted: the call is not marked.
            let s = hedged cfg
            let s, _ = Reducer.run cfg (State.initial cfg) (restartEvents cfg s s.Memory 10.0)
            let s, _ = runFrom cfg s [ at (sec 10.5) (QuoteReceived(quote underlyingId 99.99 100.01 (sec 10.5))); at (sec 10.6) ClockTicked ]
            Expect.equal s.Fsm (Running Idle) "the premise: running"
            Expect.isFalse (State.isValued cfg s) "the premise: the call not marked"
            for adjusts in [ false; true ] do
                let _, cmds = Reducer.step cfg s (at (sec 11.0) (manual "m1" underlyingId Buy 300 Market adjusts false 24L))
                Expect.isEmpty (placed cmds) "nothing sent"
                Expect.isTrue (refusedWith cmds 24L "the day's P&L is not known yet") (sprintf "refused, named: %A" cmds)

        testCase "DailyLossCheck_OnAnUnknownPnl_RefusesAnOrderAddingRisk_AndWaivesOneReducingIt" <| fun () ->
            let limits = cfg.Risk
            let adding, _ = Risk.preTradeReducing false limits 0 100 100.0 0 nan BuyingPower.Unreported 1
            Expect.isTrue (adding |> List.exists (function DailyLossReached _ -> true | _ -> false)) "adding risk: refused"
            let standing, waived = Risk.preTradeReducing true limits -500 100 100.0 0 nan BuyingPower.Unreported 1
            Expect.isEmpty standing "reducing risk: never refused"
            Expect.isTrue (waived |> List.exists (function DailyLossReached _ -> true | _ -> false)) "the limit recorded as waived"

        // Found in review: manual and rebalance market orders went into a 99/101 (200 bps) or 60/140 quote the hedger
        // refuses (SPREAD_WIDE, guards.max_spread_bps 50).
        for bid, ask in [ 99.0, 101.0; 60.0, 140.0 ] do
            testCase $"ManualMarketBuy_IntoAWideSpread_IsRefused_{bid}_{ask}" <| fun () ->
                let s = quotedAt bid ask
                for side in [ Buy; Sell ] do
                    for adjusts in [ false; true ] do
                        for bypass in [ false; true ] do
                            let s', cmds = Reducer.step cfg s (at (sec 2.5) (manual "m1" underlyingId side 100 Market adjusts bypass 50L))
                            Expect.isEmpty (placed cmds) $"nothing sent ({side} adjusts={adjusts} bypass={bypass})"
                            Expect.isTrue (refusedWith cmds 50L "SPREAD_WIDE") (sprintf "refused, named: %A" cmds)
                            Expect.isTrue (refusedWith cmds 50L "guards.max_spread_bps 50") "the limit named"
                            Expect.equal s'.Fsm (Running Idle) "the hedger stays free"
        testCase "ManualLimitOrder_IntoAWideSpread_IsSent_ItIsTheOperatorsPrice" <| fun () ->
            let s = quotedAt 99.0 101.0
            let _, cmds = Reducer.step cfg s (at (sec 2.5) (manual "m1" underlyingId Buy 100 (Limit 99.5) false false 51L))
            Expect.hasLength (placed cmds) 1 "sent"
        testCase "Rebalance_IntoAWideSpread_IsRefused" <| fun () ->
            let s = quotedAt 99.0 101.0
            let r = { RunId = "rb"; Targets = [ underlyingId, State.hedgePosition cfg s + 500 ]; RiskBypass = true; Meta = meta 52L }
            let _, cmds = Reducer.step cfg s (at (sec 2.5) (RebalanceRequested r))
            Expect.isEmpty (placed cmds) "nothing sent"
            Expect.isTrue (refusedWith cmds 52L "SPREAD_WIDE") (sprintf "refused, named: %A" cmds)
        testCase "Rebalance_RefusedForAContractGivenTwice_OrOutsideTheUniverse_NamesItAsATraderReadsIt" <| fun () ->
            let s = quotedAt 99.99 100.01
            let twice = { RunId = "rb2"; Targets = [ call, 12; call, 8 ]; RiskBypass = false; Meta = meta 53L }
            let _, cmds = Reducer.step cfg s (at (sec 2.5) (RebalanceRequested twice))
            Expect.isTrue (refusedWith cmds 53L $"given twice (one target each): {State.contractName cfg s (ContractId.value call)}") (sprintf "names the leg, not its con id: %A" cmds)
            let foreign = { RunId = "rb3"; Targets = [ cid 999, 5 ]; RiskBypass = false; Meta = meta 54L }
            let _, cmds = Reducer.step cfg s (at (sec 2.5) (RebalanceRequested foreign))
            Expect.isTrue (refusedWith cmds 54L "not in the universe: contract 999") (sprintf "%A" cmds)
        testCase "Flatten_InAWideMarket_StillGoes" <| fun () ->
            let s = quotedAt 60.0 140.0
            let s, cmds = Reducer.step cfg s (at (sec 2.5) (ControlRequested(FlattenExposure, meta 53L)))
            let fl = placed cmds |> List.exactlyOne
            Expect.equal (fl.Purpose, fl.Side, fl.Quantity, fl.Type) (Flatten, Buy, 594, Market) "the flatten's market order goes"
            Expect.isTrue (match s.Fsm with Flattening _ -> true | _ -> false) "flattening"

        // Found in review: a sell limited at 90.01 with the mid at 100 was judged at its limit (540 × 90.01 = 48,605)
        // under a 50,000 ceiling, though it trades at the market, about 54,000.
        testCase "ManualLimitSell_FarUnderTheMid_IsJudgedAtTheMid_ForTheFatFingerCeiling" <| fun () ->
            let c = { cfg with Control = { cfg.Control with MaxManualNotional = 50_000.0; LimitPriceBand = 0.1 } }
            let _, cmds = Reducer.step c (hedged c) (at (sec 2.0) (manual "m2" underlyingId Sell 540 (Limit 90.01) false true 31L))
            Expect.isEmpty (placed cmds) "nothing sent"
            Expect.isTrue (refusedWith cmds 31L "FAT_FINGER: notional 54000") (sprintf "refused at the mid: %A" cmds)
        testCase "ManualLimitSell_FarUnderTheMid_IsJudgedAtTheMid_ForTheOrderNotionalLimit" <| fun () ->
            let c = { cfg with Risk = { cfg.Risk with MaxOrderNotional = 50_000.0 } }
            let _, cmds = Reducer.step c (hedged cfg) (at (sec 2.0) (manual "m2" underlyingId Sell 540 (Limit 60.0) false false 32L))
            Expect.isEmpty (placed cmds) "nothing sent"
            Expect.isTrue (refusedWith cmds 32L "NOTIONAL_LIMIT") (sprintf "refused at the mid: %A" cmds)

        // Found in review: an operator-owned sell of the strategy's calls was sent; its own fill then halted the engine on
        // BOOK_MISMATCH (the account no longer covered the strategy's book).
        testCase "OperatorOwnedSell_OfTheStrategysOwnCalls_IsRefused_AsTheStrategysItGoes" <| fun () ->
            let s = hedged cfg
            for bypass in [ false; true ] do
                let _, cmds = Reducer.step cfg s (at (sec 2.0) (manual "m1" call Sell 5 Market false bypass 60L))
                Expect.isEmpty (placed cmds) "nothing sent"
                Expect.isTrue (refusedWith cmds 60L "adjusts_strategy") (sprintf "refused, the way named: %A" cmds)
            let _, cmds = Reducer.step cfg s (at (sec 2.0) (manual "m1" call Sell 5 Market true false 61L))
            Expect.hasLength (placed cmds) 1 "as the strategy's: sent"
        testCase "OperatorOwnedSell_OfWhatTheOperatorHoldsOutsideTheStrategy_Goes_NotOneMore" <| fun () ->
            let s = operatorHoldsFiveCalls ()
            let _, cmds = Reducer.step cfg s (at (sec 2.0) (manual "m1" call Sell 6 Market false false 62L))
            Expect.isTrue (refusedWith cmds 62L "adjusts_strategy") (sprintf "one more than the operator's: refused %A" cmds)
            let s, cmds = Reducer.step cfg s (at (sec 2.0) (manual "m1" call Sell 5 Market false false 63L))
            let o = placed cmds |> List.exactlyOne
            // Filled, the account's report not in yet: the operator holds none outside the strategy now.
            let s, _ = runFrom cfg s [ at (sec 2.1) (execFor o 5 3.0 "es1"); at (sec 2.2) (status o FullyFilled 5) ]
            let _, cmds = Reducer.step cfg s (at (sec 2.5) (manual "m2" call Sell 1 Market false false 64L))
            Expect.isTrue (refusedWith cmds 64L "adjusts_strategy") (sprintf "the fill counted before the account's report: %A" cmds)

        // Found by the manual-leg property (RealAccountProperties): with 5 calls the operator's outside the strategy's 10, a
        // strategy-adjusting sell of 11 (or a rebalance to -1) was sent; its fill left the strategy short 1 in an account
        // long 4, and the position report halted the engine on BOOK_MISMATCH — hedging stopped, RED, by an order it took.
        testCase "StrategysSell_PastZero_AgainstTheOperatorsOwnCalls_IsRefused_ToZeroItGoes" <| fun () ->
            let s = operatorHoldsFiveCalls ()
            let _, cmds = Reducer.step cfg s (at (sec 2.0) (manual "m1" call Sell 11 Market true false 70L))
            Expect.isEmpty (placed cmds) "nothing sent"
            Expect.isTrue (refusedWith cmds 70L "BOOK_MISMATCH") (sprintf "refused, the reason named: %A" cmds)
            let r = { Rebalance.RunId = "b1"; Targets = [ call, -1 ]; RiskBypass = false; Meta = meta 71L }
            let _, cmds = Reducer.step cfg s (at (sec 2.0) (RebalanceRequested r))
            Expect.isEmpty (placed cmds) "a rebalance past zero: nothing sent"
            Expect.isTrue (refusedWith cmds 71L "BOOK_MISMATCH") (sprintf "refused: %A" cmds)
            let _, cmds = Reducer.step cfg s (at (sec 2.0) (manual "m2" call Sell 10 Market true false 72L))
            Expect.hasLength (placed cmds) 1 "the strategy's 10 to zero: sent"
            // With nothing the operator's outside it the strategy may go short: the account goes short with it.
            let _, cmds = Reducer.step cfg (hedged cfg) (at (sec 2.0) (manual "m3" call Sell 11 Market true false 73L))
            Expect.hasLength (placed cmds) 1 "no operator's calls: the strategy's sell past zero goes"

        // Found in review: the operator's own resting limit held a due hedge (ORDER_IN_FLIGHT) while the delta ran 20×
        // past the band, under a YELLOW light: it passes only when the operator's order fills or is cancelled.
        testCase "OperatorsRestingOrder_HoldingADueHedge_TurnsTheLightRed" <| fun () ->
            let c = config 4
            let s = hedged c
            let s, _ = Reducer.step c s (at (sec 2.0) (manual "m1" underlyingId Buy 10 (Limit 95.0) false false 40L))
            let s, cmds = runFrom c s [ at (sec 5.0) (QuoteReceived(quote underlyingId 102.99 103.01 (sec 5.0))); at (sec 5.5) ClockTicked ]
            Expect.isEmpty (placed cmds |> List.filter (fun o -> o.Purpose = Hedge)) "the premise: the hedge is held"
            Expect.isGreaterThan (abs (State.deviation c s)) 50.0 "the premise: outside the band"
            let report = SelfCheck.run c s
            Expect.equal report.Health Health.Blocked "RED"
            Expect.contains report.BlockReasons BlockReason.OrderInFlight "named"
        testCase "HedgeInFlight_OutsideTheBand_StaysYellow" <| fun () ->
            let c = config 4
            let s, cmds = runFrom c (hedged c) [ at (sec 5.0) (QuoteReceived(quote underlyingId 102.99 103.01 (sec 5.0))); at (sec 5.5) ClockTicked ]
            Expect.hasLength (placed cmds |> List.filter (fun o -> o.Purpose = Hedge)) 1 "the premise: a hedge on its way"
            Expect.equal (SelfCheck.run c s).Health Health.Degraded "YELLOW"

        // Found in review: each of a rebalance's buys was held to the whole buying power (60,000): 400 XYZ (~40,000) and
        // 100 calls (~24,000) passed one by one, 64,000 went out together, and IB's 201 on one left half a rebalance.
        testCase "RebalanceBuys_TogetherOverTheBuyingPower_AreRefusedWhole" <| fun () ->
            let c = { cfg with Risk = { cfg.Risk with CheckBuyingPower = true } }
            let s, _ = runFrom c (hedged c) ([ at (sec 2.0) (AccountValueReported("AvailableFunds", 60_000.0, "USD"))
                                               at (sec 2.0) (QuoteReceived(quote underlyingId 99.99 100.01 (sec 2.0))) ]
                                             @ legStanding c call 2.3 2.5 (sec 2.0))
            let h0, calls = State.hedgePosition c s, State.qtyOf s call
            let rebalance id targets = RebalanceRequested { RunId = $"rb{id}"; Targets = targets; RiskBypass = false; Meta = meta id }
            for targets in [ [ underlyingId, h0 + 400; call, calls + 100 ]; [ call, calls + 100; underlyingId, h0 + 400 ] ] do
                let s', cmds = Reducer.step c s (at (sec 4.5) (rebalance 80L targets))
                Expect.isEmpty (placed cmds) "nothing sent"
                Expect.isTrue (refusedWith cmds 80L "INSUFFICIENT_FUNDS") (sprintf "refused whole for buying power: %A" cmds)
                Expect.equal s'.Fsm (Running Idle) "the hedger stays free"
            // Each alone is within it, and goes.
            for targets in [ [ underlyingId, h0 + 400 ]; [ call, calls + 100 ] ] do
                let _, cmds = Reducer.step c s (at (sec 4.5) (rebalance 81L targets))
                Expect.hasLength (placed cmds) 1 $"sent alone: {targets}"
    ]
