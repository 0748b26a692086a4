/// Portfolio runs inside the reducer: a request → snapshot → pre-trade → orders under `oi_p` refs through the same
/// PlaceOrder path → broker reports drive the run to its status; broker down, stale quotes, blocks and re-runs.
module Bifrost.Domain.Tests.Trading.PortfolioFlowTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.PortfolioRuns
open Bifrost.Domain.Tests.Fixtures

let private cfg = config 1
let private step s e = Reducer.step cfg s e
let private aaa = cid 50
let private bbb = cid 51

let private setup maxOrderNotional = portfolioSetup 0.01 maxOrderNotional 100 None

let private signals = "symbol,action,score,confidence,time\nAAA,buy,1,1,2025-12-29T09:00:00Z\nBBB,buy,0.5,1,2025-12-29T09:00:00Z\n"

let private request runId controlId = portfolioRunRequested runId controlId signals

/// Running/Idle with the portfolio configured, the account valued and fresh AAA (50) and BBB (80) quotes at `sec 2.0`.
let private ready (maxOrderNotional: float) =
    let s = portfolioReady cfg (setup maxOrderNotional)
    Expect.equal s.Fsm (Running Idle) "idle"
    s

let private runs (cmds: Command list) = cmds |> List.choose (function RecordPortfolioRun r -> Some r | _ -> None)
let private lastRun cmds = runs cmds |> List.last
let private completion (cmds: Command list) id =
    cmds |> List.tryPick (function CompleteControl(i, outcome) when i = id -> Some outcome | _ -> None)

/// The run's two orders sent, then the link lost: AAA's order fills unseen (the account reports its 200, the sync lists
/// no execution), BBB's is gone unfilled. The reconnect's sync halts ORDER_OUTCOME_UNKNOWN on both.
let private account (hedge: int) (t: float) =
    [ at (sec t) (PositionReported(cid 2, 10, 3.0)); at (sec t) (PositionReported(underlyingId, hedge, 100.0))
      at (sec t) (PositionReported(aaa, 200, 50.0)); at (sec t) PositionsEnded; at (sec t) OpenOrdersEnded; at (sec t) ExecutionsEnded ]

let private unseenFillHalt () =
    let s, cmds = step (ready 100_000.0) (at (sec 2.5) (request "r1-pf7" 7L))
    let aaaOrder = placed cmds |> List.find (fun o -> o.ContractId = aaa)
    let hedge = State.hedgePosition cfg s
    let filled = OrderStatusReported { IbOrderId = aaaOrder.IbOrderId; PermId = 1000L + int64 aaaOrder.IbOrderId; Ref = OrderRef.value aaaOrder.Ref; Status = FullyFilled; Filled = 200; AvgFillPrice = 50.0; Reason = "" }
    let s, cmds =
        Reducer.run cfg s
            ([ at (sec 3.0) (BrokerDisconnected "link lost"); at (sec 4.0) (BrokerConnected [ cfg.Account ]) ]
             @ (account hedge 4.1 |> List.take 4) @ [ at (sec 4.2) filled; at (sec 4.2) OpenOrdersEnded; at (sec 4.3) ExecutionsEnded ])
    s, cmds, hedge

[<Tests>]
let tests =
    testList "Trading.PortfolioFlow" [
        test "Run_SignalsToOrders_FillsEndItDone_ControlDone" {
            let s, cmds = step (ready 100_000.0) (at (sec 2.5) (request "r1-pf7" 7L))
            let orders = placed cmds
            Expect.equal (orders |> List.map (fun o -> o.ContractId, o.Side, o.Quantity)) [ aaa, Buy, 200; bbb, Buy, 62 ] "sized from score × confidence × 1% of 1M"
            Expect.all orders (fun o -> o.Purpose = PortfolioTrade && (OrderRef.value o.Ref).StartsWith "oi_p" && o.RunId = "r1-pf7") "portfolio orders, idempotent refs"
            Expect.isTrue (cmds |> List.exists (function RecordPortfolioSnapshot snap -> snap.Id = "snap7" | _ -> false)) "snapshot recorded"
            Expect.equal (lastRun cmds).Status RunStatus.Running "running"
            Expect.equal s.Fsm (Running(RunPending("r1-pf7", meta 7L))) "the engine waits for the run"
            let s, c1 = step s (at (sec 3.0) (execFor orders.[0] 200 50.0 "pa"))
            let _, c2 = step s (at (sec 3.1) (execFor orders.[1] 62 80.0 "pb"))
            Expect.equal (lastRun c2).Status RunStatus.Done "done"
            Expect.isEmpty (completion c1 7L |> Option.toList) "not complete after one fill"
            match completion c2 7L with
            | Some(Done text) -> Expect.stringStarts text "done:" "control done"
            | other -> failtestf "expected done, got %A" other
        }

        // Killed after the run ended but before its answer was written: the control stays taken. Before, the restart
        // refused it ("the daemon restarted before completing it") though both orders had filled.
        test "Restart_KilledBeforeTheRunsAnswerWasWritten_TheHandedBackControlIsAnsweredWithTheRun" {
            let s, cmds = step (ready 100_000.0) (at (sec 2.5) (request "r1-pf7" 7L))
            let orders = placed cmds
            let s, _ = Reducer.run cfg s [ at (sec 3.0) (execFor orders.[0] 200 50.0 "pa"); at (sec 3.1) (execFor orders.[1] 62 80.0 "pb") ]
            let restart (handedBack: (string * ControlMeta) list) =
                Reducer.run cfg (State.initial cfg)
                    (restartEvents cfg s s.Memory 60.0
                     |> List.collect (fun e ->
                         match e.Payload with
                         | EngineStarted r ->
                             [ { e with Payload = EngineStarted(Restored.withResumedControls handedBack r) }
                               at (sec 60.05) (PortfolioConfigured(setup 100_000.0))
                               at (sec 60.06) (PortfolioRunsRestored [ s.PortfolioRuns.["r1-pf7"] |> fst ]) ]
                         | _ -> [ e ]))
                |> snd
            Expect.isNone (completion (restart []) 7L) "premise: a restored run answers no control of its own"
            match completion (restart [ "r1-pf7", meta 7L ]) 7L with
            | Some(Done text) -> Expect.stringStarts text "done: AAA BUY 200/200" "answered with the run"
            | other -> failtestf "expected done, got %A" other
        }

        // A portfolio order whose fill the sync cannot see (filled while the link was down, its execution not listed):
        // the halt names what the operator confirms, by the symbol he trades, not by IB's contract id. Before, it named
        // the stock only to check by hand: confirm_book could not book a portfolio stock, and the next run bought it again.
        test "Run_OrderFilledUnseenAtASync_TheHaltNamesTheSymbolToConfirm" {
            let s, cmds, _ = unseenFillHalt ()
            let unknown = alerts cmds |> List.find (fun a -> a.Code = "ORDER_OUTCOME_UNKNOWN")
            Expect.stringContains unknown.Message "if they filled, confirm_book BBB=62 AAA=200 (what the strategy then holds; nothing is traded) and resume" unknown.Message
            Expect.isFalse (unknown.Message.Contains "check by hand") $"nothing left to check by hand: {unknown.Message}"
            Expect.isFalse (unknown.Message.Contains "con 50") $"named by its symbol: {unknown.Message}"
            Expect.isTrue (match s.Fsm with Halted _ -> true | _ -> false) $"{s.Fsm}"
        }

        // The way out of that halt: the operator confirms AAA's 200 the account reports (BBB's order did not fill: the
        // account holds none, and confirming it is refused). Booked without a trade at the mark, the next run of the same
        // signals finds AAA at target and sends only BBB's order: AAA is not bought a second time.
        test "Run_OrderFilledUnseenAtASync_ConfirmedByTheOperator_TheNextRunDoesNotBuyItAgain" {
            let s, _, hedge = unseenFillHalt ()
            let _, cmds = step s (at (sec 5.0) (BookConfirmRequested { Legs = [ bbb, 62 ]; Meta = meta 8L }))
            Expect.exists cmds (function CompleteControl(8L, Refused r) -> r.Contains "BBB: 62 confirmed but the account holds 0" | _ -> false) $"BBB not held: refused {cmds}"
            let s, cmds = step s (at (sec 5.0) (BookConfirmRequested { Legs = [ aaa, 200 ]; Meta = meta 9L }))
            Expect.exists cmds (function CompleteControl(9L, Done _) -> true | _ -> false) $"confirmed: {cmds}"
            Expect.isEmpty (placed cmds) "nothing traded to book it"
            let s, cmds = Reducer.run cfg s (account hedge 5.1)
            Expect.equal s.Fsm Paused $"checked again, paused: {alerts cmds}"
            Expect.equal (State.qtyOf s aaa) 200 "the strategy holds AAA's unseen fill"
            Expect.equal (State.qtyOf s bbb) 0 "BBB's order did not fill"
            Expect.floatClose Accuracy.high (Portfolio.holding aaa s.Portfolio).AvgCost 50.0 "a market order's shares costed at AAA's mark"
            let s, _ = Reducer.run cfg s [ at (sec 6.0) (ControlRequested(Resume, meta 10L))
                                           at (sec 6.0) (QuoteReceived(quote aaa 49.99 50.01 (sec 6.0))); at (sec 6.0) (QuoteReceived(quote bbb 79.99 80.01 (sec 6.0))) ]
            Expect.equal s.Fsm (Running Idle) "running"
            let _, again = step s (at (sec 6.5) (request "r1-pf11" 11L))
            Expect.equal (placed again |> List.map (fun o -> o.ContractId, o.Side, o.Quantity)) [ bbb, Buy, 62 ] "only BBB: AAA is at target"
        }

        // A run's sell that filled unseen, confirmed (AAA=0): its shares are sold at the mark, so the loss they carried
        // is realised, not dropped. Before, the holding was set to 0 with nothing realised: the day's P&L jumped by the
        // unrealised loss (-300 read as 0, the daily loss limit 300 further off) until a restart replayed it back.
        test "Run_SellFilledUnseenAtASync_ConfirmedAtZero_RealisesItsLoss_ThePnlDoesNotJump" {
            let s, cmds = step (ready 100_000.0) (at (sec 2.5) (request "r1-pf7" 7L))
            let s = placed cmds |> List.fold (fun s o -> fst (step s (at (sec 2.6) (execFor o o.Quantity (if o.ContractId = aaa then 50.0 else 80.0) $"f{ContractId.value o.ContractId}")))) s
            let s, _ = Reducer.run cfg s [ at (sec 2.7) (PositionReported(aaa, 200, 50.0)); at (sec 2.7) (PositionReported(bbb, 62, 80.0))
                                           at (sec 3.0) (QuoteReceived(quote aaa 48.49 48.51 (sec 3.0))); at (sec 3.0) (QuoteReceived(quote bbb 79.99 80.01 (sec 3.0))) ]
            let sell = "symbol,action,score,confidence,time\nAAA,sell,1,1,2025-12-29T09:00:00Z\nBBB,buy,0.5,1,2025-12-29T09:00:00Z\n"
            let s, _ = step s (at (sec 3.5) (PortfolioRunRequested { RunId = "r1-pf8"; SnapshotId = "snap8"; FileName = "signals.csv"; Text = sell; Meta = meta 8L }))
            // A selling run plans on the positions it asked for (FreshPositions).
            let s, cmds = Reducer.run cfg s [ at (sec 3.5) (PositionReported(aaa, 200, 50.0)); at (sec 3.5) (PositionReported(bbb, 62, 80.0)); at (sec 3.5) PositionsEnded ]
            let order = placed cmds |> List.exactlyOne
            Expect.equal (order.ContractId, order.Side, order.Quantity) (aaa, Sell, 200) "AAA sold to flat"
            let hedge = State.hedgePosition cfg s
            let account t =
                [ at (sec t) (PositionReported(cid 2, 10, 3.0)); at (sec t) (PositionReported(underlyingId, hedge, 100.0))
                  at (sec t) (PositionReported(aaa, 0, 50.0)); at (sec t) (PositionReported(bbb, 62, 80.0))
                  at (sec t) PositionsEnded; at (sec t) OpenOrdersEnded; at (sec t) ExecutionsEnded ]
            let s, cmds = Reducer.run cfg s ([ at (sec 4.0) (BrokerDisconnected "link lost"); at (sec 5.0) (BrokerConnected [ cfg.Account ]) ] @ account 5.1)
            Expect.stringContains (alerts cmds |> List.find (fun a -> a.Code = "ORDER_OUTCOME_UNKNOWN")).Message "confirm_book AAA=0" "what the strategy holds if it filled"
            let before = State.totalPnl cfg s
            Expect.floatClose Accuracy.high (before - State.totalPnl cfg (ready 100_000.0)) -300.0 "AAA's 200 marked 1.50 under their cost"
            let s, _ = step s (at (sec 6.0) (BookConfirmRequested { Legs = [ aaa, 0 ]; Meta = meta 9L }))
            let s, _ = Reducer.run cfg s (account 6.1)
            Expect.equal s.Fsm Paused "checked again, paused"
            let h = Portfolio.holding aaa s.Portfolio
            Expect.equal h.Quantity 0 "booked flat"
            Expect.floatClose Accuracy.high h.Realized -300.0 "sold at the mark: the loss realised"
            Expect.floatClose Accuracy.high (State.totalPnl cfg s) before "the P&L does not jump"
        }

        // A second engine's execution of a run order's ref (another permId) was refused by the book (EXECUTION_MISMATCH)
        // but counted by the run: the run ended done on shares the account never gave the strategy.
        test "Run_ASecondEnginesFillOfItsRef_RefusedByTheBook_IsNotCountedByTheRun" {
            let s, cmds = step (ready 100_000.0) (at (sec 2.5) (request "r1-pf7" 7L))
            let orders = placed cmds
            let ack (o: OrderRequest) = OrderStatusReported { IbOrderId = o.IbOrderId; PermId = 1000L + int64 o.IbOrderId; Ref = OrderRef.value o.Ref; Status = Acknowledged; Filled = 0; AvgFillPrice = 0.0; Reason = "" }
            let s, _ = step s (at (sec 2.6) (ack orders.[0]))
            let foreign =
                match execFor orders.[0] 200 50.0 "other1" with
                | ExecutionReported x -> ExecutionReported { x with PermId = 999_999L }
                | e -> e
            let s, c1 = step s (at (sec 3.0) foreign)
            Expect.exists (alerts c1) (fun a -> a.Code = "EXECUTION_MISMATCH") "refused by the book"
            let _, c2 = step s (at (sec 3.1) (execFor orders.[1] 62 80.0 "pb"))
            Expect.notEqual (lastRun c2).Status RunStatus.Done "AAA's order has not filled: the run is not done"
            Expect.isNone (completion c2 7L) "the control still open"
        }

        test "Run_SameSignalsAgain_PositionsAtTarget_NoSecondOrder" {
            let s, cmds = step (ready 100_000.0) (at (sec 2.5) (request "r1-pf7" 7L))
            let orders = placed cmds
            let s, _ = step s (at (sec 3.0) (execFor orders.[0] 200 50.0 "pa"))
            let s, _ = step s (at (sec 3.1) (execFor orders.[1] 62 80.0 "pb"))
            let s, _ = step s (at (sec 3.5) (QuoteReceived(quote aaa 49.99 50.01 (sec 3.5))))
            let s, _ = step s (at (sec 3.5) (QuoteReceived(quote bbb 79.99 80.01 (sec 3.5))))
            let _, again = step s (at (sec 4.0) (request "r1-pf8" 8L))
            Expect.isEmpty (placed again) "nothing sent twice"
            Expect.equal (lastRun again).Status RunStatus.Done "done, already at target"
        }

        // The bad-quote guard on the portfolio's symbols: one AAA quote 20 % low would size AAA's target a quarter too
        // large and send a market order on it.
        test "BadQuote_OnAPortfolioSymbol_IsHeld_NeitherSizedNorTradedOn_UntilThePriceComesBack" {
            let s = ready 100_000.0
            let s, cmds = step s (at (sec 3.0) (QuoteReceived(quote aaa 39.99 40.01 (sec 3.0))))
            let held = alerts cmds |> List.filter (fun a -> a.Code = "PRICE_JUMP") |> List.exactlyOne
            Expect.stringContains held.Message "AAA mid jumped 50.00 → 40.00" "named by symbol"
            let s, cmds = step s (at (sec 3.1) (request "r1-pf7" 7L))
            let snapshot = cmds |> List.pick (function RecordPortfolioSnapshot sn -> Some sn | _ -> None)
            Expect.equal (snapshot.Lines |> List.find (fun l -> l.Symbol = "AAA")).Price 50.0 "sized at the accepted price"
            Expect.equal (placed cmds |> List.map (fun o -> o.ContractId)) [ bbb ] "AAA is not traded on a held price"
            Expect.isEmpty (cmds |> List.filter (function SubscribeMarketData _ -> true | _ -> false)) "a held price is not asked for: it passes on its own"
            let s, _ = step s (at (sec 3.5) (execFor (placed cmds).[0] 62 80.0 "pb"))
            let a = (s.PortfolioRuns.["r1-pf7"] |> fst).Orders |> List.find (fun o -> o.Key.Symbol = "AAA")
            Expect.equal (a.Status, a.Reason, a.Sent) (RunOrderStatus.Rejected, Some "market_data_error", false) "AAA rejected, never sent"
            // Never GREEN meanwhile: a run would not trade AAA.
            let light = (SelfCheck.run cfg s).Checks |> List.find (fun k -> k.Name = "price_confirmed")
            Expect.isFalse light.Passed "the light says so"
            Expect.stringContains light.Detail "AAA mid 50.00 → 40.00" "by symbol"
            let s, cmds = step s (at (sec 4.0) (QuoteReceived(quote aaa 49.98 50.02 (sec 4.0))))
            Expect.stringContains (alerts cmds |> List.find (fun a -> a.Code = "BAD_QUOTE_DROPPED")).Message "AAA: PRICE_JUMP dropped" "dropped"
            Expect.isEmpty s.HeldQuotes "no longer held"
            Expect.isTrue ((SelfCheck.run cfg s).Checks |> List.find (fun k -> k.Name = "price_confirmed")).Passed "confirmed again"
            Expect.equal (Quote.mid s.PortfolioQuotes.[aaa]) 50.0 "the real quote accepted"
        }

        // After a restart a symbol's first quote had nothing to be judged against: a print stuck 30 % low while the daemon
        // was down was the accepted price, AAA sized on it (285 instead of 200) and bought. The engine remembers each
        // symbol's last accepted price (EngineMemory.PortfolioPrices) and judges the first quote against it.
        test "Restart_OntoAStuckBadPrint_OnAPortfolioSymbol_IsHeld_AgainstTheRememberedPrice_NotTradedOn" {
            let s = ready 100_000.0
            let s, _ = step s (at (sec 2.5) ClockTicked)
            Expect.equal (PortfolioPrices.find s.Memory.PortfolioPrices aaa, PortfolioPrices.find s.Memory.PortfolioPrices bbb) (50.0, 80.0) "remembered"
            let restart (memory: EngineMemory) aaaBid aaaAsk =
                Reducer.run cfg (State.initial cfg)
                    (restartEvents cfg s memory 60.0 @
                     [ at (sec 60.4) (PortfolioConfigured(setup 100_000.0))
                       at (sec 60.4) (AccountValueReported("NetLiquidation", 1_000_000.0, "USD"))
                       at (sec 60.4) (AccountValueReported("AvailableFunds", 1_000_000.0, "USD"))
                       for l in cfg.Strategy.Legs do at (sec 60.5) (QuoteReceived(quote l.Option.ContractId 2.9 3.1 (sec 60.5)))
                       at (sec 60.5) (QuoteReceived(quote underlyingId 99.99 100.01 (sec 60.5)))
                       at (sec 60.6) (QuoteReceived(quote aaa aaaBid aaaAsk (sec 60.6)))
                       at (sec 60.6) (QuoteReceived(quote bbb 79.99 80.01 (sec 60.6)))
                       at (sec 61.0) (request "r1-pf7" 7L) ])
            let orderOn (cmds: Command list) id = placed cmds |> List.tryFind (fun o -> o.ContractId = id) |> Option.map (fun o -> o.Quantity)
            // The premise: remembering no price (a store from before), the print is AAA's price and sizes its order.
            let _, taken = restart { s.Memory with PortfolioPrices = [||] } 34.99 35.01
            Expect.equal (orderOn taken aaa) (Some 285) "premise: AAA bought on the print (10,000 / 35)"
            let _, good = restart s.Memory 49.99 50.01
            Expect.equal (orderOn good aaa) (Some 200) "on the real price"
            let r, cmds = restart s.Memory 34.99 35.01
            let held = alerts cmds |> List.filter (fun a -> a.Code = "PRICE_JUMP") |> List.exactlyOne
            Expect.stringContains held.Message "AAA mid jumped 50.00 → 35.00" "judged against the remembered price"
            Expect.equal (orderOn cmds aaa) None "AAA not traded on the held print"
            Expect.equal (orderOn cmds bbb) (orderOn good bbb) "BBB trades as on the real feed"
            // Sized at the remembered price, as a symbol held live is at its accepted one, and not sent: the run says so.
            let line = cmds |> List.pick (function RecordPortfolioSnapshot sn -> sn.Lines |> List.tryFind (fun l -> l.Symbol = "AAA") | _ -> None)
            Expect.equal (line.Price, line.Target) (50.0, 200) "AAA sized at the remembered price"
            let a = (r.PortfolioRuns.["r1-pf7"] |> fst).Orders |> List.find (fun o -> o.Key.Symbol = "AAA")
            Expect.equal (a.Status, a.Reason, a.Sent) (RunOrderStatus.Rejected, Some "market_data_error", false) "AAA rejected, never sent"
            Expect.equal (PortfolioPrices.find r.Memory.PortfolioPrices aaa) 50.0 "the remembered price is not the held print"
            let r, cmds = step r (at (sec 61.5) (QuoteReceived(quote aaa 49.98 50.02 (sec 61.5))))
            Expect.stringContains (alerts cmds |> List.find (fun a -> a.Code = "BAD_QUOTE_DROPPED")).Message "AAA: PRICE_JUMP dropped" "dropped when the real quote comes"
            Expect.equal (Quote.mid r.PortfolioQuotes.[aaa]) 50.0 "priced at it"
        }

        // After a restart a symbol whose quote never came (a ticker TWS dropped or refused: no tick at all) was sized
        // NO_PRICE: its line kept the holding, so the run planned nothing for it and ended done — an exit signal not
        // carried out, no market_data_error, no fallback, its quote never asked for again. Like a held or one-sided
        // quote it is sized at the remembered price and refused for want of a fresh quote: the run says so.
        test "Restart_ASymbolNeverQuotedSince_ItsSellIsRefusedMarketDataError_TheRunNeverEndsDone" {
            let s, cmds = step (ready 100_000.0) (at (sec 2.5) (request "r1-pf7" 7L))
            let orders = placed cmds
            let s, _ = step s (at (sec 3.0) (execFor orders.[0] 200 50.0 "pa"))
            let s, _ = step s (at (sec 3.1) (execFor orders.[1] 62 80.0 "pb"))
            let s, _ = step s (at (sec 3.5) ClockTicked)
            let exit = "symbol,action,score,confidence,time\nAAA,hold,1,1,2025-12-29T09:00:00Z\nBBB,sell,1,1,2025-12-29T09:00:00Z\n"
            let r, cmds =
                Reducer.run cfg (State.initial cfg)
                    ((restartEvents cfg s s.Memory 60.0
                      |> List.collect (fun e ->
                          match e.Payload with
                          | EngineStarted _ -> [ e; at (sec 60.05) (PortfolioConfigured(setup 100_000.0)) ]
                          | PositionsEnded -> [ at (sec 60.2) (PositionReported(aaa, 200, 50.0)); at (sec 60.2) (PositionReported(bbb, 62, 80.0)); e ]
                          | _ -> [ e ])) @
                     [ at (sec 60.4) (AccountValueReported("NetLiquidation", 1_000_000.0, "USD"))
                       at (sec 60.4) (AccountValueReported("AvailableFunds", 1_000_000.0, "USD"))
                       for l in cfg.Strategy.Legs do at (sec 60.5) (QuoteReceived(quote l.Option.ContractId 2.9 3.1 (sec 60.5)))
                       at (sec 60.5) (QuoteReceived(quote underlyingId 99.99 100.01 (sec 60.5)))
                       at (sec 60.6) (QuoteReceived(quote aaa 49.99 50.01 (sec 60.6)))
                       // BBB: no quote since the restart.
                       at (sec 61.0) (PortfolioRunRequested { RunId = "r1-pf8"; SnapshotId = "snap8"; FileName = "signals.csv"; Text = exit; Meta = meta 8L }) ])
            Expect.equal (State.qtyOf r bbb) 62 "premise: the strategy holds 62 BBB"
            let line = cmds |> List.pick (function RecordPortfolioSnapshot sn -> sn.Lines |> List.tryFind (fun l -> l.Symbol = "BBB") | _ -> None)
            Expect.equal (line.Price, line.Target) (80.0, 0) "BBB sized at the remembered price: sell to flat"
            Expect.isEmpty (placed cmds) "nothing sent without a fresh quote"
            Expect.contains cmds (SubscribeMarketData [ bbb ]) "BBB's quote asked for again"
            let run = r.PortfolioRuns.["r1-pf8"] |> fst
            let b = run.Orders |> List.find (fun o -> o.Key.Symbol = "BBB")
            Expect.equal (b.Key.Side, b.Quantity, b.Status, b.Reason, b.Sent) (Sell, 62, RunOrderStatus.Rejected, Some "market_data_error", false) "BBB's sell refused, never sent"
            Expect.notEqual run.Status RunStatus.Done "the run does not say done"
            match completion cmds 8L with
            | Some(Refused text) -> Expect.stringContains text "BBB: market_data_error" "the control names it"
            | other -> failtestf "expected refused, got %A" other
        }

        // A symbol taken out of the universe is forgotten at the next start (its price would judge nothing), and the
        // memory saved without it; the others are kept as they were.
        test "Restart_WithASymbolNoLongerInTheUniverse_ItsRememberedPriceIsForgotten" {
            let s = ready 100_000.0
            let s, _ = step s (at (sec 2.5) ClockTicked)
            let zzz = cid 52
            let memory = { s.Memory with PortfolioPrices = Array.append s.Memory.PortfolioPrices [| { ContractId = zzz; Price = 12.5 } |] }
            let r, cmds =
                Reducer.run cfg (State.initial cfg) (restartEvents cfg s memory 60.0 @ [ at (sec 60.4) (PortfolioConfigured(setup 100_000.0)) ])
            Expect.isTrue (System.Double.IsNaN(PortfolioPrices.find r.PortfolioPrices zzz)) "forgotten"
            Expect.equal (PortfolioPrices.find r.PortfolioPrices aaa, PortfolioPrices.find r.PortfolioPrices bbb) (50.0, 80.0) "the universe's kept"
            let saved = cmds |> List.choose (function SaveMemory m -> Some m | _ -> None) |> List.last
            Expect.equal (saved.PortfolioPrices |> Array.map (fun p -> p.ContractId) |> Array.sort) [| aaa; bbb |] "saved without it"
        }

        // The memory follows the price: a move of more than 1 % is saved again (one write per such move), a smaller one is not.
        test "PortfolioPrices_SavedAgainOnAMoveOfOnePercent_NotOnEveryQuote" {
            let s = ready 100_000.0
            let saves (cmds: Command list) = cmds |> List.choose (function SaveMemory m -> Some m | _ -> None)
            let s, cmds = step s (at (sec 2.1) (QuoteReceived(quote aaa 50.39 50.41 (sec 2.1))))
            Expect.isEmpty (saves cmds) "0.8 %: not saved"
            let s, cmds = step s (at (sec 2.2) (QuoteReceived(quote aaa 50.59 50.61 (sec 2.2))))
            let m = saves cmds |> List.exactlyOne
            Expect.equal (PortfolioPrices.find m.PortfolioPrices aaa) 50.6 "1.2 %: saved"
            Expect.equal (PortfolioPrices.find m.PortfolioPrices bbb) 80.0 "the other symbol kept"
            let _, cmds = step s (at (sec 2.3) (QuoteReceived(quote aaa 39.99 40.01 (sec 2.3))))
            Expect.isEmpty (saves cmds) "a held quote is not remembered"
        }

        test "Run_StaleQuote_OrderRejectedMarketDataError_NeverSent_RunPartial" {
            let s = ready 100_000.0
            let s, _ = step s (at (sec 8.0) (QuoteReceived(quote bbb 79.99 80.01 (sec 8.0)))) // AAA's quote is now 6 s old
            let s, cmds = step s (at (sec 8.0) (request "r1-pf7" 7L))
            let orders = placed cmds
            Expect.equal (orders |> List.map (fun o -> o.ContractId)) [ bbb ] "only BBB goes out"
            Expect.contains cmds (SubscribeMarketData [ aaa ]) "AAA's quote asked for again: a rerun finds it quoted if its feed was only quiet"
            let _, done' = step s (at (sec 8.5) (execFor orders.[0] 62 80.0 "pb"))
            let run = lastRun done'
            Expect.equal run.Status RunStatus.Partial "partial"
            let a = run.Orders |> List.find (fun o -> o.Key.Symbol = "AAA")
            Expect.equal (a.Status, a.Reason, a.Sent) (RunOrderStatus.Rejected, Some "market_data_error", false) "AAA rejected, never sent"
        }

        // A stock run that failed with nothing to fall back to paused the whole engine: the scalper's hedge stopped and
        // the options' delta ran open over a stale stock quote. The alert stays critical; the hedger goes on.
        test "Run_FailingWithNoSnapshotToFallBackTo_AlertsCritical_ButTheScalperKeepsHedging" {
            let s = ready 100_000.0
            let s, _ = step s (at (sec 8.0) (QuoteReceived(quote bbb 79.99 80.01 (sec 8.0))))
            let s, cmds = step s (at (sec 8.0) (request "r1-pf7" 7L))
            let s, cmds = step s (at (sec 8.5) (execFor (placed cmds).[0] 62 80.0 "pb"))
            Expect.exists (alerts cmds) (fun a -> a.Code = "FALLBACK_UNAVAILABLE" && a.Severity = Critical) "critical, delivered as such"
            Expect.isTrue (match s.Fsm with Running _ -> true | _ -> false) $"not paused ({FsmState.name s.Fsm})"
            let _, cmds =
                Reducer.run cfg s [ at (sec 9.0) (QuoteReceived(quote (cid 2) 2.9 3.1 (sec 9.0))); at (sec 9.0) (QuoteReceived(quote underlyingId 103.99 104.01 (sec 9.0))) ]
            Expect.exists (placed cmds) (fun o -> o.Purpose = Hedge) "the spot moved: the scalper hedges"
        }

        // A portfolio order resting at the broker (a halted stock) is cancelled by control.run_timeout_seconds while its
        // run is the engine's (RunPending). Once a pause and resume (any critical alert pauses) or a restart moved the
        // engine off the run, nothing timed it out: it rested on, and every due hedge waited behind it (ORDER_IN_FLIGHT).
        test "Run_RestingOrder_AfterAPauseAndResume_OrARestart_StillTimesOut_AndTheHedgerIsFreed" {
            let s, cmds = step (ready 100_000.0) (at (sec 2.5) (request "r1-pf7" 7L))
            let orders = placed cmds
            let s, _ = step s (at (sec 3.0) (execFor orders.[1] 62 80.0 "pb")) // BBB filled; AAA rests
            let timedOut (s: State) =
                let late = sec (2.5 + Duration.toSeconds cfg.Control.RunTimeout + 1.0)
                let s, cmds = Reducer.run cfg s [ at late (QuoteReceived(quote underlyingId 99.99 100.01 late)); at late ClockTicked ]
                s, cmds |> List.exists (function CancelOrder(r, _) -> r = orders.[0].Ref | _ -> false),
                alerts cmds |> List.exists (fun a -> a.Code = "RUN_TIMEOUT")
            // The premise: still the engine's run, it times out.
            let _, cancelled, alerted = timedOut s
            Expect.isTrue (cancelled && alerted) "premise: the run's resting order is cancelled at run_timeout (RUN_TIMEOUT)"
            let resumed, _ = Reducer.run cfg s [ at (sec 4.0) (ControlRequested(Pause, meta 8L)); at (sec 5.0) (ControlRequested(Resume, meta 9L)) ]
            Expect.equal resumed.Fsm (Running Idle) "resumed: the run followed apart"
            let spotMove (t: float) =
                [ for l in cfg.Strategy.Legs do at (sec t) (QuoteReceived(quote l.Option.ContractId 2.9 3.1 (sec t)))
                  at (sec t) (QuoteReceived(quote underlyingId 103.99 104.01 (sec t))) ]
            let hedges cmds = placed cmds |> List.filter (fun o -> o.Purpose = Hedge)
            Expect.isEmpty (hedges (snd (Reducer.run cfg resumed (spotMove 10.0)))) "premise: the spot moved, the hedge waits behind AAA's order"
            let s2, cancelled, alerted = timedOut resumed
            Expect.isTrue (cancelled && alerted) "after a pause and resume: cancelled at run_timeout (RUN_TIMEOUT)"
            let s2, cmds = step s2 (at (sec 3700.0) (OrderStatusReported { IbOrderId = orders.[0].IbOrderId; PermId = 1000L + int64 orders.[0].IbOrderId; Ref = OrderRef.value orders.[0].Ref; Status = CancelConfirmed; Filled = 0; AvgFillPrice = 0.0; Reason = "" }))
            Expect.equal (s2.PortfolioRuns.["r1-pf7"] |> fst).Status RunStatus.Partial "the run ends partial"
            Expect.isSome (completion cmds 7L) "its control answered"
            Expect.isFalse (Composite.orderInFlight s2) "the hedger is free again"
            Expect.isNonEmpty (hedges (snd (Reducer.run cfg s2 (spotMove 3701.0)))) "the spot moved: the scalper hedges"
            // A restart while AAA rests follows the run (running, its order open): the timeout still holds.
            let restarted, _ =
                Reducer.run cfg (State.initial cfg)
                    ((restartEvents cfg s s.Memory 60.0
                      |> List.collect (fun e ->
                          match e.Payload with
                          | EngineStarted _ -> [ e; at (sec 60.05) (PortfolioConfigured(setup 100_000.0)); at (sec 60.06) (PortfolioRunsRestored [ s.PortfolioRuns.["r1-pf7"] |> fst ]) ]
                          | OpenOrdersEnded -> [ at (sec 60.25) (OpenOrderReported { IbOrderId = orders.[0].IbOrderId; PermId = 1000L + int64 orders.[0].IbOrderId; Ref = OrderRef.value orders.[0].Ref; ContractId = aaa; Side = Buy; Quantity = 200; Filled = 0; Status = Acknowledged; ClientId = 7 }); e ]
                          | _ -> [ e ])))
            Expect.isTrue (Composite.orderInFlight restarted) "premise: AAA still rests after the restart"
            let _, cancelled, alerted = timedOut restarted
            Expect.isTrue (cancelled && alerted) "after a restart: cancelled at run_timeout (RUN_TIMEOUT)"
        }

        test "Run_BrokerDown_Blocked_ConnectionUnavailable_NothingSent" {
            let s, _ = step (ready 100_000.0) (at (sec 2.1) (BrokerDisconnected "socket closed"))
            let _, cmds = step s (at (sec 2.5) (request "r1-pf7" 7L))
            Expect.isEmpty (placed cmds) "no order"
            let run = lastRun cmds
            Expect.equal (run.Status, run.Reasons) (RunStatus.Blocked, [ "connection_unavailable" ]) "blocked"
            match completion cmds 7L with
            | Some(Refused text) -> Expect.stringStarts text "blocked:" "control refused as blocked"
            | other -> failtestf "expected refused, got %A" other
        }

        test "Run_PreTradeBlock_StopsTheWholeRun_WithNamedReasons" {
            let _, cmds = step (ready 5_000.0) (at (sec 2.5) (request "r1-pf7" 7L))
            Expect.isEmpty (placed cmds) "no order: AAA's 10,000 order is above max_order_notional, so nothing goes"
            let run = lastRun cmds
            Expect.equal run.Status RunStatus.Blocked "blocked"
            Expect.isTrue (run.Reasons |> List.exists (fun r -> r.StartsWith "NOTIONAL_LIMIT: AAA")) "named reason"
        }

        test "Run_IbRejectsOneOrder_RunPartial_WithIbsText" {
            let s, cmds = step (ready 100_000.0) (at (sec 2.5) (request "r1-pf7" 7L))
            let orders = placed cmds
            let s, _ = step s (at (sec 3.0) (OrderErrorReported(orders.[0].IbOrderId, 201, "Order rejected - reason: test")))
            let _, c = step s (at (sec 3.1) (execFor orders.[1] 62 80.0 "pb"))
            let run = lastRun c
            Expect.equal run.Status RunStatus.Partial "partial"
            Expect.isTrue (run.Reasons |> List.exists (fun r -> r.Contains "201")) "IB's reason kept"
        }

        test "Run_WithoutPortfolioSection_Refused" {
            let s, cmds = runAll cfg (startEvents cfg 100.0)
            let hedge = placed cmds |> List.exactlyOne
            let s, _ = step s (at (sec 1.0) (execFor hedge hedge.Quantity 100.0 "e1"))
            let _, cmds = step s (at (sec 2.0) (request "r1-pf7" 7L))
            Expect.isEmpty (placed cmds) "no order"
            match completion cmds 7L with
            | Some(Refused text) -> Expect.stringContains text "no portfolio configured" "refused"
            | other -> failtestf "expected refused, got %A" other
        }
    ]
