/// What the broker still works, the engine still follows. An order the engine took for done (filled, cancelled,
/// rejected) while the broker works it can still fill: the hedger, free again, sends the next hedge on top of it and
/// the book doubles its trade — or the fill lands as an unknown one.
///
/// Invariant: outside a sync (and before the first), every order the broker works is open in the engine — through
/// fills, partial fills, rejects, cancels, held orders, duplicate and late reports, disconnects, 1100/1101, store
/// failures, the operator's runs and flattens, and restarts rebuilt from the store.
module Bifrost.Domain.Tests.Trading.WorkingOrderProperties

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Trading.BrokerModel
open Bifrost.Domain.Tests.Trading.ReducerProperties
open Bifrost.Domain.Tests.Trading.RestartProperties

/// The orders the broker works that the engine no longer follows, by step (empty: the invariant holds).
let forgotten (steps: Step list) =
    [ for i, st in List.indexed steps do
          match st.After.Fsm with
          | Starting | Syncing _ | Stopped -> ()
          | _ ->
              let lost = st.BrokerWorkingAfter |> Set.filter (fun r -> not (st.After.Open.Contains r))
              if not lost.IsEmpty then
                  let what =
                      lost |> Set.toList |> List.map (fun r ->
                          match st.After.Orders.TryFind r with
                          | Some o -> $"{OrderRef.value r} ({OrderPurpose.name o.Purpose}, {OrderStatus.name o.Status}, {o.Filled}/{o.Quantity})"
                          | None -> $"{OrderRef.value r} (unknown to the engine)")
                  let listed = String.concat ", " what
                  yield $"step {i} ({st.Event.Payload.GetType().Name}, {FsmState.name st.After.Fsm}): the broker works {listed}" ]

[<Tests>]
let tests =
    testList "Trading.WorkingOrderProperties" [
        scenarioProperty "Every order the broker works is open in the engine (outside a sync), through fills, rejects, cancels, faults and operator runs" (fun _ steps -> Props.noneOf (forgotten steps))
        restartProperty "Every order the broker works is open in the engine (outside a sync), across restarts rebuilt from the store" (fun _ steps _ -> Props.noneOf (forgotten steps))
    ]
