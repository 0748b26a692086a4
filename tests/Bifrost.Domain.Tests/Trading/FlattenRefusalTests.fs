/// A flatten the engine cannot carry out now still stops the strategy's trading. The operator asked to get out; before,
/// a flatten refused for a broker down left a running engine running, and it hedged on as soon as the broker came back
/// (a sync bound to run likewise). And the operator's cancel of a flatten ends it, rather than being undone by its next
/// order.
module Bifrost.Domain.Tests.Trading.FlattenRefusalTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests.Fixtures

let private refusal (id: int64) (cmds: Command list) =
    cmds |> List.pick (function CompleteControl(i, Refused why) when i = id -> Some why | _ -> None)

[<Tests>]
let tests =
    testList "Trading.FlattenRefusal" [
        testCase "Flatten_WithTheBrokerDown_IsRefused_AndPauses_TheReconnectTradesNothing" <| fun () ->
            let c = config 1
            let s = hedged c
            let down, _ = Reducer.step c s (at (sec 1.0) (BrokerDisconnected "socket closed"))
            let s, cmds = Reducer.step c down (at (sec 2.0) (ControlRequested(FlattenExposure, meta 9L)))
            Expect.stringContains (refusal 9L cmds) "broker down" "refused, named"
            Expect.isEmpty (placed cmds) "nothing sent"
            Expect.equal s.Fsm Paused "paused"
            // The broker back, the account as the strategy holds it, the stock moved past the band.
            let back (s: State) =
                Reducer.run c s
                    [ at (sec 3.0) (BrokerConnected [ c.Account ])
                      for l in c.Strategy.Legs do at (sec 3.1) (PositionReported(l.Option.ContractId, l.Quantity, 3.0))
                      at (sec 3.1) (PositionReported(underlyingId, State.hedgePosition c s, 100.0))
                      at (sec 3.2) PositionsEnded; at (sec 3.2) OpenOrdersEnded; at (sec 3.2) ExecutionsEnded
                      at (sec 4.0) (QuoteReceived(quote underlyingId 103.99 104.01 (sec 4.0))); at (sec 5.0) ClockTicked ]
            let s, cmds = back s
            Expect.isEmpty (placed cmds) "no hedge after the reconnect"
            Expect.equal s.Fsm Paused "still paused: resume is the operator's"
            // Without the flatten (running when the broker went) the same return hedges at once.
            let _, cmds = back down
            Expect.isNonEmpty (placed cmds) "a running engine hedges on the broker's return"
        testCase "OperatorCancelsTheFlattensOrder_EndsTheFlatten_NothingMoreSent" <| fun () ->
            // Before, the cancelled order settled and the flatten sent the next market order at once.
            let c = { config 1 with Control = { (config 1).Control with RunTimeout = Duration.ofSeconds 300.0 } }
            let s = hedged c
            let s, cmds = Reducer.step c s (at (sec 1.0) (ControlRequested(FlattenExposure, meta 1L)))
            let buy = placed cmds |> List.exactlyOne
            let s, cmds = Reducer.step c s (at (sec 2.0) (ControlRequested(CancelOrderRef(OrderRef.value buy.Ref), meta 2L)))
            Expect.contains cmds (CancelOrder(buy.Ref, buy.IbOrderId)) "the order cancelled"
            Expect.stringContains (refusal 1L cmds) "cancelled by test (#2)" "the flatten ends, naming the cancel"
            Expect.equal s.Fsm Paused "paused"
            let status = { IbOrderId = buy.IbOrderId; PermId = 1L; Ref = ""; Status = CancelConfirmed; Filled = 0; AvgFillPrice = 0.0; Reason = "" }
            let _, cmds = Reducer.run c s [ at (sec 2.5) (OrderStatusReported status); at (sec 3.0) ClockTicked; at (sec 4.0) ClockTicked ]
            Expect.isEmpty (placed cmds) "no next flatten order"
        testCase "Flatten_DuringASyncBoundToRun_IsRefused_AndTheSyncEndsPaused" <| fun () ->
            let c = config 1
            let s = hedged c
            let s, _ = Reducer.step c s (at (sec 1.0) (BrokerDisconnected "socket closed"))
            let s, _ = Reducer.step c s (at (sec 2.0) (BrokerConnected [ c.Account ]))
            Expect.isTrue (match s.Fsm with Syncing { ResumeTo = ResumeRunning } -> true | _ -> false) $"syncing to run: {FsmState.name s.Fsm}"
            let s, cmds = Reducer.step c s (at (sec 2.5) (ControlRequested(FlattenExposure, meta 9L)))
            Expect.stringContains (refusal 9L cmds) "not reconciled yet" "refused, named"
            Expect.isTrue (match s.Fsm with Syncing { ResumeTo = ResumePaused } -> true | _ -> false) $"the sync ends paused: {FsmState.name s.Fsm}"
    ]
