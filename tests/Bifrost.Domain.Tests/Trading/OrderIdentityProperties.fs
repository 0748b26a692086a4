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
    ]
