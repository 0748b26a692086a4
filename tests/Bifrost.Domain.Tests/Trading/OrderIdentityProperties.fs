/// An order's identity is never reused. IB refuses an order id it has seen (103) — a hedge lost at the worst moment —
/// and a reused ref makes two orders one in every report, reconciliation and store row: a fill of one counted to the
/// other. Ids and refs come from the engine's high-water marks, which a restart rebuilds from the store.
///
/// Invariant: every order the engine sends has an IB order id and a ref no earlier order had, across restarts rebuilt
/// from the store, the broker's nextValidId (low or high) and reconnects.
module Bifrost.Domain.Tests.Trading.OrderIdentityProperties

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Trading.BrokerModel
open Bifrost.Domain.Tests.Trading.ReducerProperties
open Bifrost.Domain.Tests.Trading.RestartProperties
open Bifrost.Domain.Tests.Fixtures

/// Ids and refs sent twice (empty: the invariant holds).
let reused (steps: Step list) =
    let sent = steps |> List.collect (fun st -> st.Commands |> List.choose (function PlaceOrder o -> Some o | _ -> None))
    [ for id, n in sent |> List.countBy (fun o -> o.IbOrderId) do if n > 1 then $"IB order id {id} sent {n} times"
      for r, n in sent |> List.countBy (fun o -> OrderRef.value o.Ref) do if n > 1 then $"order ref {r} sent {n} times" ]

[<Tests>]
let tests =
    testList "Trading.OrderIdentityProperties" [
        scenarioProperty "No IB order id or order ref is ever sent twice" (fun _ steps -> Props.noneOf (reused steps))
        restartProperty "No IB order id or order ref is ever sent twice, across restarts rebuilt from the store" (fun _ steps _ -> Props.noneOf (reused steps))
        // A store that lost today's orders (yesterday's backup restored over it, a salvaged one) restores an older ref
        // sequence; the broker still reports today's executions under the refs minted since. The next order must not take
        // one of them: the old execution (stored as a fill under that ref) would become the new order's at the next restart.
        testCase "Restart_OntoAStoreThatLostTodaysOrders_NeverMintsARefTheBrokerReported" <| fun () ->
            let cfg = config 1
            let s = hedged cfg
            let hedge = s.Orders |> Map.toList |> List.map snd |> List.exactlyOne
            let kept = restoredFrom s
            // Yesterday's store: the adopted legs, none of today's hedge.
            let lost = { kept with Orders = []; NextOrderSeq = 1L; Holdings = kept.Holdings |> List.filter (fun (c, _) -> c <> underlyingId); SeenExecIds = [] }
            let t = sec 60.0
            let tt d = Timestamp.add (Duration.ofSeconds d) t
            let s, cmds =
                runAll cfg
                    [ at t (EngineStarted lost); at (tt 0.1) (BrokerConnected [ cfg.Account ])
                      for l in cfg.Strategy.Legs do at (tt 0.2) (PositionReported(l.Option.ContractId, l.Quantity, 3.0))
                      at (tt 0.2) (PositionReported(underlyingId, -hedge.Quantity, 100.0))
                      at (tt 0.3) PositionsEnded; at (tt 0.3) OpenOrdersEnded
                      at (tt 0.3) (ExecutionReported
                                      { ExecId = ExecId.create "e0" |> Result.get; IbOrderId = hedge.IbOrderId; PermId = 1000L + int64 hedge.IbOrderId
                                        ClientId = 7; Ref = OrderRef.value hedge.Ref; ContractId = underlyingId; Side = hedge.Side
                                        Quantity = hedge.Quantity; Price = 100.0 })
                      at (tt 0.3) ExecutionsEnded ]
            Expect.exists (alerts cmds) (fun a -> a.Code = "UNKNOWN_FILL") "the operator is told of the execution the store lost"
            let s, cmds =
                Reducer.run cfg s
                    [ for l in cfg.Strategy.Legs do at (tt 1.0) (QuoteReceived(quote l.Option.ContractId 2.9 3.1 (tt 1.0)))
                      at (tt 1.0) (QuoteReceived(quote underlyingId 99.99 100.01 (tt 1.0)))
                      at (tt 1.1) (ControlRequested(Resume, meta 9L))
                      at (tt 1.2) (QuoteReceived(quote underlyingId 99.99 100.01 (tt 1.2))); at (tt 1.3) ClockTicked ]
            let next = placed cmds
            Expect.isNonEmpty next $"an order goes out once resumed ({s.Fsm})"
            for o in next do
                Expect.notEqual (OrderRef.value o.Ref) (OrderRef.value hedge.Ref) "a ref the broker reported today is never minted again"
    ]
