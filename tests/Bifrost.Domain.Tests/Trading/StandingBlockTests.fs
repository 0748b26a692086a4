/// A standing halt is never turned into a lesser state by a step that sends orders, and its way out stays open once
/// its cause has ended: ORDER_REF_EXHAUSTED (no IB order id below the request-id range) raised in the middle of a
/// batch of orders — a portfolio run's lines, a split hedge's children — and remembered across the restart that fixes it.
module Bifrost.Domain.Tests.Trading.StandingBlockTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests.Fixtures

let private cfg = config 1
let private step s e = Reducer.step cfg s e
let private aaa = cid 50
let private bbb = cid 51

let private signals = "symbol,action,score,confidence,time\nAAA,buy,1,1,2025-12-29T09:00:00Z\nBBB,buy,0.5,1,2025-12-29T09:00:00Z\n"

let private request runId controlId = portfolioRunRequested runId controlId signals

/// Running/Idle, hedged, with the portfolio configured, the account valued and AAA (50) and BBB (80) quoted at 2 s.
let private ready () =
    let s = hedged cfg
    let s, _ = step s (at (sec 1.1) (PortfolioConfigured(portfolioSetup 0.01 100_000.0 100 None)))
    let s, _ = step s (at (sec 1.2) (AccountValueReported("NetLiquidation", 1_000_000.0, "USD")))
    let s, _ = step s (at (sec 1.2) (AccountValueReported("AvailableFunds", 1_000_000.0, "USD")))
    let s, _ = step s (at (sec 2.0) (QuoteReceived(quote aaa 49.99 50.01 (sec 2.0))))
    let s, _ = step s (at (sec 2.0) (QuoteReceived(quote bbb 79.99 80.01 (sec 2.0))))
    Expect.equal s.Fsm (Running Idle) "idle"
    s

let private isIdsHalt (s: State) = match s.Fsm with Halted(OrderRefExhausted why) -> why.Contains "2000000000" | _ -> false

let private refusedWith (cmds: Command list) id (text: string) =
    cmds |> List.exists (function CompleteControl(i, Refused why) -> i = id && why.Contains text | _ -> false)

[<Tests>]
let tests =
    testList "Trading.StandingBlock" [
        // The run's first line takes the last order id below the request ids; the second has none. Before, the halt its
        // placement raised was overwritten by the run's RunPending and the critical alert then paused it: a Paused a
        // plain resume lifted (the light YELLOW, then GREEN with no order id left).
        testCase "PortfolioRun_ReachingTheOrderIdLimit_StaysHaltedOrderRefExhausted_ResumeRefused" <| fun () ->
            let s = { ready () with NextOrderId = 1_999_999_999 }
            let s, cmds = step s (at (sec 2.5) (request "r1-pf7" 7L))
            Expect.equal (placed cmds |> List.map (fun o -> o.ContractId, o.IbOrderId)) [ aaa, 1_999_999_999 ] "the first line goes under the last id"
            Expect.isTrue (isIdsHalt s) (sprintf "halted ORDER_REF_EXHAUSTED, not %s" (FsmState.name s.Fsm))
            Expect.equal (alerts cmds |> List.filter (fun a -> a.Code = "ORDER_IDS_EXHAUSTED") |> List.length) 1 "alerted once"
            Expect.equal (SelfCheck.run cfg s).Health Health.Blocked "RED"
            let s, cmds = step s (at (sec 3.0) (ControlRequested(Resume, meta 8L)))
            Expect.isTrue (refusedWith cmds 8L "client id") (sprintf "resume refused with the way out: %A" cmds)
            Expect.isTrue (isIdsHalt s) "still halted"
            // The line sent is followed: its fill ends the run partial (BBB not sent, ended by the halt), still halted.
            let aaaOrder = s.Orders |> Map.toList |> List.map snd |> List.find (fun o -> o.ContractId = aaa)
            let s, cmds = step s (at (sec 3.5) (ExecutionReported { ExecId = ExecId.create "pa" |> Result.get; IbOrderId = aaaOrder.IbOrderId; PermId = 1L; ClientId = 7
                                                                    Ref = OrderRef.value aaaOrder.Ref; ContractId = aaa; Side = Buy; Quantity = aaaOrder.Quantity; Price = 50.0 }))
            Expect.isTrue (cmds |> List.exists (function CompleteControl(7L, Done text) -> text.StartsWith "partial" && text.Contains "ORDER_REF_EXHAUSTED" | _ -> false)) (sprintf "the run answered partial: %A" (cmds |> List.filter (function CompleteControl _ -> true | _ -> false)))
            Expect.isTrue (isIdsHalt s) "still halted after the run"

        testCase "PortfolioRun_WithNoOrderIdLeft_StaysHaltedOrderRefExhausted" <| fun () ->
            let s = { ready () with NextOrderId = 2_000_000_000 }
            let s, cmds = step s (at (sec 2.5) (request "r1-pf7" 7L))
            Expect.isEmpty (placed cmds) "nothing sent"
            Expect.isTrue (isIdsHalt s) (sprintf "halted ORDER_REF_EXHAUSTED, not %s" (FsmState.name s.Fsm))
            Expect.equal (alerts cmds |> List.filter (fun a -> a.Code = "ORDER_IDS_EXHAUSTED") |> List.length) 1 "alerted once, not once per line"
            Expect.isTrue (refusedWith cmds 7L "failed") (sprintf "the run answered failed: %A" (cmds |> List.filter (function CompleteControl _ -> true | _ -> false)))

        // A hedge that reduces risk over max_order_notional goes as child orders in one decision; the second child has
        // no order id. Before, the hedge's HedgePending overwrote the halt and the critical alert paused it.
        testCase "SplitHedge_ReachingTheOrderIdLimit_StaysHaltedOrderRefExhausted" <| fun () ->
            let s = hedged cfg
            let short = State.hedgePosition cfg s
            Expect.isLessThan short -500 "the calls hedged short"
            // A notional cap under the hedge back (a config change the next steps run under): it goes split.
            let small = { cfg with Risk = { cfg.Risk with MaxOrderNotional = 15_000.0 } }
            let s = { s with NextOrderId = 1_999_999_999 }
            let s, cmds = quoteStanding small s (sec 5.0) 90.0 90.02
            Expect.equal (placed cmds |> List.map (fun o -> o.IbOrderId)) [ 1_999_999_999 ] "the first child goes under the last id"
            Expect.isTrue (isIdsHalt s) (sprintf "halted ORDER_REF_EXHAUSTED, not %s" (FsmState.name s.Fsm))
            Expect.equal (SelfCheck.run small s).Health Health.Blocked "RED"

        // Resumed from the pause the connect's alert made, with no hedge due: nothing can be sent, and the light said GREEN
        // until the next order halted the engine.
        testCase "NextValidIdInTheRequestIdRange_ResumedWithNoHedgeDue_LightRedNamingOrderRefExhausted" <| fun () ->
            let s = hedged cfg
            let s, _ = step s (at (sec 1.0) (NextValidIdReceived 2_000_000_000))
            Expect.equal s.Fsm Paused "paused by the alert"
            let s, _ = step s (at (sec 1.5) (ControlRequested(Resume, meta 7L)))
            Expect.equal s.Fsm (Running Idle) "resumed, no hedge due"
            let report = SelfCheck.run cfg s
            Expect.equal report.Health Health.Blocked "RED, not GREEN"
            Expect.contains report.BlockReasons BlockReason.OrderRefExhausted "named"
            Expect.isTrue (report.Checks |> List.exists (fun c -> c.Name = "order_ids" && not c.Passed && c.Detail.Contains "client id")) "the check says the way out"

        // A run_id whose refs cannot be minted (the configuration refuses one; should it still happen): the first hedge
        // halts, and a resume stays refused while the engine's own refs cannot be minted.
        testCase "OwnRefsThatCannotBeMinted_ResumeRefused" <| fun () ->
            let long = { cfg with RunId = String.replicate 37 "m" }
            let s, cmds = runAll long (startEvents long 100.0)
            Expect.isEmpty (placed cmds) "nothing sent"
            Expect.isTrue (match s.Fsm with Halted(OrderRefExhausted _) -> true | _ -> false) (sprintf "%A" s.Fsm)
            let s, cmds = Reducer.step long s (at (sec 1.0) (ControlRequested(Resume, meta 8L)))
            Expect.isTrue (refusedWith cmds 8L "order refs exhausted") (sprintf "refused: %A" cmds)
            Expect.isTrue (match s.Fsm with Halted(OrderRefExhausted _) -> true | _ -> false) "still halted"

        // The documented way out — another client id (or TWS's reset of its order ids) and a restart — left the engine
        // halted for good: the halt is remembered, and its resume was refused whatever the ids.
        testCase "RememberedOrderRefExhausted_RestartedWithOrderIdsLeft_ResumeLiftsIt" <| fun () ->
            let s = hedged cfg
            // Paused by the critical ORDER_IDS_EXHAUSTED at connect; resumed, the hedge the move calls for halts it.
            let s, _ = step s (at (sec 1.0) (NextValidIdReceived 2_000_000_000))
            let s, _ = quoteStanding cfg s (sec 5.0) 96.0 96.02
            let s, _ = step s (at (sec 5.5) (ControlRequested(Resume, meta 7L)))
            Expect.isTrue (isIdsHalt s) (sprintf "halted: %s" (FsmState.name s.Fsm))
            // Still the same ids: refused, naming the way out.
            let _, cmds = step s (at (sec 6.0) (ControlRequested(Resume, meta 8L)))
            Expect.isTrue (refusedWith cmds 8L "client id") (sprintf "refused while the ids are exhausted: %A" cmds)
            // Restarted under another client id: order ids from 1 again (the store's high-water stays the floor).
            let restored = { restoredFrom s with OrderIdHighWater = s.Orders |> Map.toList |> List.map (fun (_, o) -> o.IbOrderId) |> List.max; Memory = Some(Restart.memoryOf s) }
            let events =
                [ at (sec 10.0) (EngineStarted restored)
                  at (sec 10.1) (BrokerConnected [ cfg.Account ])
                  at (sec 10.1) (NextValidIdReceived 1)
                  at (sec 10.2) (PositionReported(cid 2, 10, 3.0))
                  at (sec 10.2) (PositionReported(underlyingId, State.hedgePosition cfg s, 100.0))
                  at (sec 10.3) PositionsEnded; at (sec 10.3) OpenOrdersEnded; at (sec 10.3) ExecutionsEnded
                  at (sec 10.4) (QuoteReceived(quote (cid 2) 2.9 3.1 (sec 10.4)))
                  at (sec 10.5) (QuoteReceived(quote underlyingId 95.99 96.01 (sec 10.5))) ]
            let r, _ = Reducer.run cfg (State.initial cfg) events
            Expect.isTrue (isIdsHalt r) (sprintf "the halt is remembered: %s" (FsmState.name r.Fsm))
            Expect.isNone (OrderFlow.orderIdProblem r.NextOrderId) "order ids below the request ids again"
            let r, cmds = Reducer.step cfg r (at (sec 11.0) (ControlRequested(Resume, meta 9L)))
            Expect.isTrue (cmds |> List.exists (function CompleteControl(9L, Done _) -> true | _ -> false)) (sprintf "resumed: %A" cmds)
            Expect.isTrue (match r.Fsm with Running _ -> true | _ -> false) (sprintf "running: %s" (FsmState.name r.Fsm))
    ]
