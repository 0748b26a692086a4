/// What a portfolio run refuses to send: a market order into a one-sided or wide quote (it fills at the far side, far
/// from the mid it was sized at), and a sell of shares the account no longer holds without allow_short (the strategy's
/// shares sold by hand in TWS, sold again as a naked short). Both reproduced from a red-team review.
module Bifrost.Domain.Tests.Trading.PortfolioMarketGuardsTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.PortfolioRuns
open Bifrost.Domain.Tests.Fixtures

let private cfg = config 1
let private step s e = Reducer.step cfg s e
let private aaa = cid 50
let private bbb = cid 51

let private setup = portfolioSetup 0.01 100_000.0 100 None

let private buyBoth = "symbol,action,score,confidence,time\nAAA,buy,1,1,2025-12-29T09:00:00Z\nBBB,buy,0.5,1,2025-12-29T09:00:00Z\n"
let private sellAaa = "symbol,action,score,confidence,time\nAAA,sell,1,1,2025-12-29T09:00:00Z\n"

let private request = portfolioRunRequested

/// Running/Idle with the portfolio configured, the account valued and AAA (50) and BBB (80) quoted a cent wide at 2 s.
let private ready () = portfolioReady cfg setup

let private runOf (s: State) runId = s.PortfolioRuns.[runId] |> fst
let private orderOf (run: Run) symbol = run.Orders |> List.find (fun o -> o.Key.Symbol = symbol)
let private notes (cmds: Command list) = cmds |> List.choose (function RecordOperation o -> Some o.Detail | _ -> None)

/// Fills an order and reports the account's position after it, as IB streams it (reqPositions).
let private fillAndReport (s: State) t (o: OrderRequest) price exec accountQty =
    Reducer.run cfg s [ at (sec t) (execFor o o.Quantity price exec); at (sec t) (PositionReported(o.ContractId, accountQty, price)) ]

/// The broker's answer to the positions a selling run asked for (reqPositions: each position, then positionEnd).
let private answerPositions (s: State) t (positions: (ContractId * int) list) =
    Reducer.run cfg s ([ for id, qty in positions -> at (sec t) (PositionReported(id, qty, 50.0)) ] @ [ at (sec t) PositionsEnded ])

let private asksPositions (cmds: Command list) = cmds |> List.contains (RequestReconcile [ Positions ])

[<Tests>]
let tests =
    testList "Trading.PortfolioMarketGuards" [
        // AAA quoted 45.00 / 55.00 (2,000 bps; the mid unchanged, so the jump guard accepts it): a market buy of 200
        // sized at 50 filled at 55.
        test "Run_OnAQuoteWiderThanMaxSpread_SendsNoOrderForIt_RejectedMarketDataErrorNamingTheSpread" {
            let s, _ = step (ready ()) (at (sec 2.4) (QuoteReceived(quote aaa 45.0 55.0 (sec 2.4))))
            let s, cmds = step s (at (sec 2.5) (request "r1-pf7" 7L buyBoth))
            Expect.equal (placed cmds |> List.map (fun o -> o.ContractId)) [ bbb ] "only BBB goes out"
            let a = orderOf (runOf s "r1-pf7") "AAA"
            Expect.equal (a.Status, a.Sent, a.Quantity) (RunOrderStatus.Rejected, false, 200) "AAA planned at its size, rejected, never sent"
            Expect.equal a.Reason (Some "market_data_error: AAA quote 45.00/55.00 is 2000 bps wide, over portfolio.max_spread_bps 50") "named"
            let s, _ = step s (at (sec 3.0) (execFor (placed cmds).[0] 62 80.0 "pb"))
            Expect.equal (runOf s "r1-pf7").Status RunStatus.Partial "partial, as for a stale quote"
            // Quoted 40 bps wide again: traded.
            let s, _ = step s (at (sec 3.5) (QuoteReceived(quote aaa 49.9 50.1 (sec 3.5))))
            let _, cmds = step s (at (sec 3.6) (request "r2-pf8" 8L buyBoth))
            Expect.equal (placed cmds |> List.map (fun o -> o.ContractId, o.Quantity)) [ aaa, 200 ] "within the limit: sent"
        }

        // No bid (a halt, a limit state): the mid falls back to the last trade, 51.00, 2 % off the last two-sided mid.
        test "Run_OnAOneSidedQuote_SendsNoOrderForIt_AndSizesAtTheLastTwoSidedMid_NotTheLastTrade" {
            let oneSided = { quote aaa 0.0 55.0 (sec 2.4) with Bid = -1.0; BidSize = 0.0; Last = 51.0 }
            let s, cmds = step (ready ()) (at (sec 2.4) (QuoteReceived oneSided))
            Expect.isEmpty (alerts cmds) "premise: accepted, within max_jump_pct"
            Expect.equal (PortfolioPrices.find s.PortfolioPrices aaa) 50.0 "the last trade is not remembered as AAA's price"
            let s, cmds = step s (at (sec 2.5) (request "r1-pf7" 7L buyBoth))
            Expect.equal (placed cmds |> List.map (fun o -> o.ContractId)) [ bbb ] "only BBB goes out"
            let line = cmds |> List.pick (function RecordPortfolioSnapshot sn -> sn.Lines |> List.tryFind (fun l -> l.Symbol = "AAA") | _ -> None)
            Expect.equal (line.Price, line.Target) (50.0, 200) "sized at the remembered two-sided mid (196 at the last trade)"
            let a = orderOf (runOf s "r1-pf7") "AAA"
            Expect.equal (a.Status, a.Sent) (RunOrderStatus.Rejected, false) "rejected, never sent"
            Expect.equal a.Reason (Some "market_data_error: AAA quote is not two-sided (bid -1, ask 55)") "named"
        }

        // The run bought 200 AAA; the operator sold them in TWS. A sell signal sold 200 more: the account went short with
        // allow_short false. Capped at what the account holds (IB streams positions: the broker's view is live).
        test "Run_SellingSharesTheOperatorSoldInTws_IsCappedAtTheAccountsHolding_NeverShort" {
            let s, cmds = step (ready ()) (at (sec 2.5) (request "r1-pf7" 7L buyBoth))
            let buyA = placed cmds |> List.find (fun o -> o.ContractId = aaa)
            let s, _ = fillAndReport s 3.0 buyA 50.0 "pa" 200
            let s, _ = step s (at (sec 3.0) (execFor (placed cmds |> List.find (fun o -> o.ContractId = bbb)) 62 80.0 "pb"))
            Expect.equal (State.qtyOf s aaa, Portfolio.brokerQty aaa s.Portfolio) (200, 200) "premise: bought"
            // The operator sells 150 by hand: the account holds 50, the strategy still counts 200.
            let s, _ = step s (at (sec 4.0) (PositionReported(aaa, 50, 50.0)))
            let s, cmds = step s (at (sec 4.5) (QuoteReceived(quote aaa 49.99 50.01 (sec 4.5))))
            Expect.isEmpty (alerts cmds) "a live position update is not judged (a sync's end is)"
            let s, cmds = step s (at (sec 4.5) (request "r2-pf8" 8L sellAaa))
            Expect.isTrue (asksPositions cmds && (placed cmds).IsEmpty) "a sell waits for the account's positions"
            let s, cmds = answerPositions s 4.6 [ aaa, 50; bbb, 62 ]
            let sell = placed cmds |> List.exactlyOne
            Expect.equal (sell.ContractId, sell.Side, sell.Quantity) (aaa, Sell, 50) "capped at the account's 50"
            Expect.contains (notes cmds) "AAA: sell of 200 capped at the account's 50 AAA: allow_short is false (50 to sell; the strategy counts 200)" "said why"
            let s, _ = fillAndReport s 5.0 sell 50.0 "ps" 0
            Expect.equal (runOf s "r2-pf8").Status RunStatus.Done "the capped order filled: done"
            // The account holds none; the strategy still counts 150: a sell is capped to nothing, nothing is sent.
            let s, _ = step s (at (sec 5.5) (QuoteReceived(quote aaa 49.99 50.01 (sec 5.5))))
            let s, cmds = step s (at (sec 5.5) (request "r3-pf9" 9L sellAaa))
            Expect.isEmpty (placed cmds) "no naked short"
            Expect.contains (notes cmds) "AAA: sell of 150 capped at the account's 0 AAA: allow_short is false (0 to sell; the strategy counts 150)" "said why"
            Expect.equal (Portfolio.brokerQty aaa s.Portfolio) 0 "the account never below 0"
        }

        // The same, but IB's position update after run 2's sell has not arrived when run 3 plans: the broker's last
        // report (50) is stale, and run 3 sold those 50 again (account -50). The engine's own sells since the report
        // count against it (OwnSells) until the broker reports the position again.
        test "Run_AfterAFilledSell_BeforeTheBrokersPositionUpdate_SellsNothingMore_NeverShort" {
            let s, cmds = step (ready ()) (at (sec 2.5) (request "r1-pf7" 7L buyBoth))
            let s, _ = fillAndReport s 3.0 (placed cmds |> List.find (fun o -> o.ContractId = aaa)) 50.0 "pa" 200
            let s, _ = step s (at (sec 3.0) (execFor (placed cmds |> List.find (fun o -> o.ContractId = bbb)) 62 80.0 "pb"))
            let s, _ = step s (at (sec 4.0) (PositionReported(aaa, 50, 50.0))) // the operator sold 150 in TWS
            let s, _ = step s (at (sec 4.5) (QuoteReceived(quote aaa 49.99 50.01 (sec 4.5))))
            let s, _ = step s (at (sec 4.5) (request "r2-pf8" 8L sellAaa))
            let s, cmds = answerPositions s 4.6 [ aaa, 50; bbb, 62 ]
            let sell = placed cmds |> List.exactlyOne
            Expect.equal sell.Quantity 50 "premise: capped at the account's 50"
            let s, _ = step s (at (sec 5.0) (execFor sell sell.Quantity 50.0 "ps")) // no position update follows yet
            Expect.equal ((runOf s "r2-pf8").Status, Portfolio.brokerQty aaa s.Portfolio) (RunStatus.Done, 50) "premise: done, the broker's 50 stale"
            let s, _ = step s (at (sec 5.1) (QuoteReceived(quote aaa 49.99 50.01 (sec 5.1))))
            let s, cmds = step s (at (sec 5.2) (request "r3-pf9" 9L sellAaa))
            Expect.isEmpty (placed cmds) "the 50 already sold are not sold again"
            Expect.contains (notes cmds) "AAA: sell of 150 capped at the account's 0 AAA: allow_short is false (0 to sell; the strategy counts 150)" "said why"
            // The broker reports the position again (the operator bought 30 back): that report is what a sell counts on.
            let s, _ = step s (at (sec 6.0) (PositionReported(aaa, 30, 50.0)))
            let s, _ = step s (at (sec 6.1) (QuoteReceived(quote aaa 49.99 50.01 (sec 6.1))))
            let s, _ = step s (at (sec 6.2) (request "r4-pf10" 10L sellAaa))
            let _, cmds = answerPositions s 6.3 [ aaa, 30; bbb, 62 ]
            Expect.equal (placed cmds |> List.map (fun o -> o.Side, o.Quantity)) [ Sell, 30 ] "the reported 30, no more"
        }

        // The run bought 200 AAA; the operator sells all 200 in TWS (the execution goes to his client only) and IB's
        // position update has not come yet when an exit run plans: it sold the 200 again (account -200). A run that
        // sells asks the broker for the account's positions first and plans on the answer.
        test "Run_SellingRightAfterTheOperatorsSaleInTws_BeforeIbsPositionUpdate_AsksForPositionsFirst_NeverShort" {
            let s, cmds = step (ready ()) (at (sec 2.5) (request "r1-pf7" 7L buyBoth))
            let s, _ = fillAndReport s 3.0 (placed cmds |> List.find (fun o -> o.ContractId = aaa)) 50.0 "pa" 200
            let s, _ = step s (at (sec 3.0) (execFor (placed cmds |> List.find (fun o -> o.ContractId = bbb)) 62 80.0 "pb"))
            let s, _ = step s (at (sec 4.5) (QuoteReceived(quote aaa 49.99 50.01 (sec 4.5))))
            let s, cmds = step s (at (sec 4.5) (request "r2-pf8" 8L sellAaa))
            Expect.isEmpty (placed cmds) "no sell on the last position streamed"
            Expect.isTrue (asksPositions cmds) "the account's positions asked for"
            Expect.isFalse (s.PortfolioRuns.ContainsKey "r2-pf8") "the request waits: nothing frozen yet"
            let s, cmds = answerPositions s 4.6 [ aaa, 0; bbb, 62 ]
            Expect.isEmpty (placed cmds) "the account holds none: nothing sold"
            Expect.contains (notes cmds) "AAA: sell of 200 capped at the account's 0 AAA: allow_short is false (0 to sell; the strategy counts 200)" "said why"
            Expect.isTrue (cmds |> List.exists (function CompleteControl(8L, _) -> true | _ -> false)) "the control answered"
            Expect.isTrue (s.HeldForPositions.IsEmpty && not s.PositionsFresh) "nothing left held"
            // Had the answer still held the 200 (no sale by hand), they would be sold on it.
            let s, _ = step s (at (sec 5.0) (QuoteReceived(quote aaa 49.99 50.01 (sec 5.0))))
            let s, _ = step s (at (sec 5.0) (PositionReported(aaa, 200, 50.0)))
            let s, _ = step s (at (sec 5.1) (request "r3-pf9" 9L sellAaa))
            let _, cmds = answerPositions s 5.2 [ aaa, 200; bbb, 62 ]
            Expect.equal (placed cmds |> List.map (fun o -> o.ContractId, o.Side, o.Quantity)) [ aaa, Sell, 200 ] "sold on the answer"
        }

        // The link drops while a selling run waits for the positions: the run is handled as the broker down (blocked,
        // nothing sent) and its control answered, never left taken.
        test "SellingRun_WaitingForPositions_WhenTheLinkDrops_IsBlocked_NothingSent" {
            let s, cmds = step (ready ()) (at (sec 2.5) (request "r1-pf7" 7L buyBoth))
            let s, _ = fillAndReport s 3.0 (placed cmds |> List.find (fun o -> o.ContractId = aaa)) 50.0 "pa" 200
            let s, _ = step s (at (sec 3.0) (execFor (placed cmds |> List.find (fun o -> o.ContractId = bbb)) 62 80.0 "pb"))
            let s, _ = step s (at (sec 4.5) (QuoteReceived(quote aaa 49.99 50.01 (sec 4.5))))
            let s, _ = step s (at (sec 4.5) (request "r2-pf8" 8L sellAaa))
            let s, cmds = step s (at (sec 4.6) (BrokerDisconnected "socket closed"))
            Expect.isEmpty (placed cmds) "nothing sent"
            Expect.equal (runOf s "r2-pf8").Status RunStatus.Blocked "blocked: the broker down"
            Expect.isTrue (cmds |> List.exists (function CompleteControl(8L, _) -> true | _ -> false)) "the control answered"
            Expect.isTrue s.HeldForPositions.IsEmpty "nothing left held"
        }

        // The positions a selling run asked for never come (positionEnd lost, TWS busy): 30 s on, the run is refused,
        // nothing sent, its control answered; before the answer, it is not sold on the old report either.
        test "SellingRun_WhosePositionsAreNeverAnswered_IsRefusedAfter30s_NothingSent_ControlAnswered" {
            let s, cmds = step (ready ()) (at (sec 2.5) (request "r1-pf7" 7L buyBoth))
            let s, _ = fillAndReport s 3.0 (placed cmds |> List.find (fun o -> o.ContractId = aaa)) 50.0 "pa" 200
            let s, _ = step s (at (sec 3.0) (execFor (placed cmds |> List.find (fun o -> o.ContractId = bbb)) 62 80.0 "pb"))
            let s, _ = step s (at (sec 4.5) (QuoteReceived(quote aaa 49.99 50.01 (sec 4.5))))
            let s, _ = step s (at (sec 4.5) (request "r2-pf8" 8L sellAaa))
            let s, cmds = step s (at (sec 20.0) ClockTicked)
            Expect.isEmpty (placed cmds) "still waiting at 15 s: nothing sent"
            Expect.equal s.HeldForPositions.Length 1 "held"
            let s, cmds = step s (at (sec 35.0) ClockTicked)
            Expect.isEmpty (placed cmds) "nothing sent"
            let why = cmds |> List.tryPick (function CompleteControl(8L, Refused why) -> Some why | _ -> None)
            Expect.isSome why "the control answered, refused"
            Expect.stringContains why.Value "the broker did not answer the account's positions asked for" "says why"
            Expect.isTrue s.HeldForPositions.IsEmpty "nothing left held"
            let _, cmds = answerPositions s 36.0 [ aaa, 200; bbb, 62 ]
            Expect.isEmpty (placed cmds) "a late answer sends nothing for it"
        }

        // After a restart the broker lists no AAA (sold in TWS while the daemon was down): a warning, not a halt.
        test "Sync_FindingTheStrategysSharesSoldOutsideBifrost_WarnsPortfolioSoldOutside_AndKeepsRunning" {
            let s, cmds = step (ready ()) (at (sec 2.5) (request "r1-pf7" 7L buyBoth))
            let s, _ = Reducer.run cfg s [ for o in placed cmds -> at (sec 3.0) (execFor o o.Quantity 50.0 $"x{ContractId.value o.ContractId}") ]
            let s, _ = step s (at (sec 3.5) ClockTicked)
            let restart = restartEvents cfg s s.Memory 60.0
            let reported, ends = restart |> List.partition (fun e -> match e.Payload with PositionsEnded | OpenOrdersEnded | ExecutionsEnded -> false | _ -> true)
            let r, cmds =
                Reducer.run cfg (State.initial cfg)
                    (List.head reported :: at (sec 60.0) (PortfolioConfigured setup) :: List.tail reported
                     @ [ at (sec 60.2) (PositionReported(bbb, 62, 80.0)) ] // BBB as the strategy holds it; AAA not listed
                     @ ends)
            let sold = alerts cmds |> List.filter (fun a -> a.Code = "PORTFOLIO_SOLD_OUTSIDE") |> List.exactlyOne
            Expect.equal sold.Severity Warning "a warning"
            Expect.stringContains sold.Message "AAA: the account holds 0, the strategy owns 200" "names the symbol"
            Expect.isFalse (sold.Message.Contains "BBB") "BBB is as the strategy holds it"
            Expect.equal r.Fsm (Running Idle) "not halted"
        }
    ]
