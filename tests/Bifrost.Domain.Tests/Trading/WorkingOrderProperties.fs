/// What the broker still works, the engine still follows. An order the engine took for done (filled, cancelled,
/// rejected) while the broker works it can still fill: the hedger, free again, sends the next hedge on top of it and
/// the book doubles its trade — or the fill lands as an unknown one.
///
/// Invariant: outside a sync (and before the first), every order the broker works is open in the engine — through
/// fills, partial fills, rejects, cancels, held orders, duplicate and late reports, disconnects, 1100/1101, store
/// failures, the operator's runs and flattens, and restarts rebuilt from the store.
module Bifrost.Domain.Tests.Trading.WorkingOrderProperties

open Expecto
open FsCheck.FSharp
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

/// Hedges decided while the broker had filled more of one of the strategy's orders than the engine knew (empty: the
/// invariant holds). The hedger sizes from the strategy's position: a fill on its way (a cancel that raced it, an
/// execution late) hedged again is an over-hedge the next decision trades back, at the spread and in the market's way.
let hedgedWithoutAFill (steps: Step list) =
    [ for i, st in List.indexed steps do
          for cmd in st.Commands do
              match cmd with
              | PlaceOrder r when r.Purpose = Hedge ->
                  for KeyValue(ref, truth) in st.BrokerFilledBefore do
                      match st.After.Orders.TryFind ref with
                      | Some o when OrderPurpose.owner o.Purpose = StrategyOwned && o.Filled < truth ->
                          yield $"step {i} ({st.Event.Payload.GetType().Name}): hedge {OrderRef.value r.Ref} {Side.name r.Side} {r.Quantity} decided while {OrderRef.value ref} ({OrderPurpose.name o.Purpose}, {OrderStatus.name o.Status}) had {truth} filled at the broker, {o.Filled} known"
                      | _ -> ()
              | _ -> () ]

/// Strategy hedges the broker still works, with no cancel on the way, `strategy.hedge_timeout_seconds` after they
/// were placed, at a clock step of an engine running or paused with the broker reachable (empty: the invariant
/// holds). A pause decides nothing new; a hedge left working through it would fill against a delta it was not sized for.
let hedgesPastTheirTimeout (cfg: Config) (steps: Step list) =
    [ for i, st in List.indexed steps do
          match st.Event.Payload, st.After.Fsm with
          | ClockTicked, (Running _ | Paused) when st.After.Connectivity.SocketUp && st.After.Connectivity.IbUp ->
              for r in st.BrokerUncancelledAfter do
                  match st.After.Orders.TryFind r with
                  | Some o when o.Purpose = Hedge && Timestamp.since o.PlacedAt st.After.Now >= cfg.Strategy.HedgeTimeout ->
                      yield $"step {i} ({FsmState.name st.After.Fsm}): hedge {OrderRef.value r} {OrderStatus.name o.Status} {o.Filled}/{o.Quantity} working {Duration.toSeconds (Timestamp.since o.PlacedAt st.After.Now):F0} s, no cancel"
                  | _ -> ()
          | _ -> () ]

/// The shared scenarios with more cancels that race a fill: the operator cancels the newest working order and the
/// broker answers 202 first (in the plain alphabet a cancel meets a working hedge rarely).
let private genRaceScenario =
    gen {
        let! legCount = Gen.choose (1, 4)
        let! n = Gen.choose (20, 120)
        let! chunks = Gen.listOfLength n (Gen.frequency [ 6, genAction legCount |> Gen.map List.singleton; 1, Gen.elements [ false; true ] |> Gen.map (fun viaOpenOrder -> [ OperatorCancel false; CancelRaced viaOpenOrder ]) ])
        return legCount, List.concat chunks
    }

/// Cancels that raced a fill (a 202 first, the fill and the count late) followed by a hedge decision (coverage).
let private racedThenHedged (steps: Step list) =
    let raced = steps |> List.tryFindIndex (fun st -> match st.Event.Payload with OrderErrorReported(_, 202, _) | OpenOrderReported { Status = CancelConfirmed } -> true | _ -> false)
    match raced with
    | Some i -> if steps |> List.skip i |> List.exists (fun st -> Fixtures.placed st.Commands |> List.exists (fun r -> r.Purpose = Hedge)) then 1 else 0
    | None -> 0

/// Orders the engine holds as cancelled-for while the broker works them with no cancel (the broker refused it),
/// `reconcile.execution_wait_seconds` and more after the engine could first see it, at a clock step with the broker
/// reachable (empty: the invariant holds). The engine waits on such an order (no second hedge); left so, the order
/// it meant to end works on and fills against a delta it was not sized for, and the hedger stands blocked.
let cancelsRefusedForGood (cfg: Config) (steps: Step list) =
    let since = System.Collections.Generic.Dictionary<OrderRef, Timestamp>()
    [ for i, st in List.indexed steps do
          let diverging =
              st.BrokerUncancelledAfter |> Set.filter (fun r -> st.After.Orders.TryFind r |> Option.exists (fun o -> o.CancelRequested))
          for r in List.ofSeq since.Keys do
              if not (diverging.Contains r) then since.Remove r |> ignore
          for r in diverging do
              if not (since.ContainsKey r) then since.[r] <- st.After.Now
          match st.Event.Payload, st.After.Fsm with
          | ClockTicked, (Running _ | Paused | Halted _ | Flattening _) when st.After.Connectivity.SocketUp && st.After.Connectivity.IbUp ->
              for r in diverging do
                  let o = st.After.Orders.[r]
                  let waited = Timestamp.since since.[r] st.After.Now
                  if waited > cfg.Control.ExecutionWait + Duration.ofSeconds 5.0 then
                      yield $"step {i} ({FsmState.name st.After.Fsm}): {OrderPurpose.name o.Purpose} {OrderRef.value r} {OrderStatus.name o.Status} {o.Filled}/{o.Quantity} works at the broker {Duration.toSeconds waited:F0} s after its cancel was refused, not asked again"
          | _ -> () ]

/// The shared scenarios with cancels the broker refuses (10148, 161, 135) and works on: after the operator's cancel, or a
/// hedge's timeout.
let genRefusalScenario =
    gen {
        let! legCount = Gen.choose (1, 4)
        let! n = Gen.choose (20, 120)
        let code = Gen.elements [ 10148; 161; 135 ]
        let! chunks =
            Gen.listOfLength n
                (Gen.frequency
                    [ 12, genAction legCount |> Gen.map List.singleton
                      1, code |> Gen.map (fun c -> [ OperatorCancel false; CancelRefused c ])
                      1, Gen.map2 (fun c s -> [ QuietFor s; CancelRefused c ]) code (Gen.choose (20, 40)) ])
        return legCount, List.concat chunks
    }

/// Refused cancels of a working order followed by a clock step the broker answered on (coverage).
let private refusedThenTicked (steps: Step list) =
    let refused = steps |> List.tryFindIndex (fun st -> match st.Event.Payload with OrderErrorReported(_, (10148 | 161), _) -> st.Before.Open.Count > 0 | _ -> false)
    match refused with
    | Some i when steps |> List.skip i |> List.exists (fun st -> st.Event.Payload.IsClockTicked) -> 1
    | _ -> 0

[<Tests>]
let tests =
    testList "Trading.WorkingOrderProperties" [
        scenarioProperty "Every order the broker works is open in the engine (outside a sync), through fills, rejects, cancels, faults and operator runs" (fun _ steps -> Props.noneOf (forgotten steps))
        restartProperty "Every order the broker works is open in the engine (outside a sync), across restarts rebuilt from the store" (fun _ steps _ -> Props.noneOf (forgotten steps))
        Props.property "No hedge is decided while the broker has filled more of the strategy's orders than the engine knows (a cancel that raced a fill, late executions)" 1000
            (Prop.forAll (Arb.fromGen genRaceScenario) (fun (legCount, actions) -> Props.noneOf (hedgedWithoutAFill (run (Fixtures.config legCount) actions))))
        restartProperty "No hedge is decided while the broker has filled more of the strategy's orders than the engine knows, across restarts rebuilt from the store" (fun _ steps _ -> Props.noneOf (hedgedWithoutAFill steps))
        scenarioProperty "No strategy hedge works past its timeout uncancelled while the engine runs or is paused" (fun cfg steps -> Props.noneOf (hedgesPastTheirTimeout cfg steps))
        restartProperty "No strategy hedge works past its timeout uncancelled while the engine runs or is paused, across restarts rebuilt from the store" (fun cfg steps _ -> Props.noneOf (hedgesPastTheirTimeout cfg steps))
        Props.property "A cancel the broker refused is asked again within reconcile.execution_wait_seconds while the order works, which stays open in the engine" 300
            (Prop.forAll (Arb.fromGen genRefusalScenario) (fun (legCount, actions) ->
                let cfg = Fixtures.config legCount
                let steps = run cfg actions
                Props.noneOf (cancelsRefusedForGood cfg steps @ forgotten steps)))
        Props.seeded "The refusal scenarios refuse cancels of working orders, then the clock steps" (fun seed ->
            let n = Gen.sampleWithSeed seed 60 150 genRefusalScenario |> Array.sumBy (fun (legCount, actions) -> refusedThenTicked (run (Fixtures.config legCount) actions))
            printfn "refused cancels of working orders, then a clock step: %d of 150 scenarios" n
            Expect.isGreaterThanOrEqual n 30 "refused cancels followed by a clock step")
        Props.seeded "The scenarios race cancels against fills and hedge after them" (fun seed ->
            let n = Gen.sampleWithSeed seed 60 1000 genRaceScenario |> Array.sumBy (fun (legCount, actions) -> racedThenHedged (run (Fixtures.config legCount) actions))
            printfn "cancels that raced a fill (202 first), then a hedge: %d of 1,000 scenarios" n
            Expect.isGreaterThanOrEqual n 50 "raced cancels followed by a hedge")
    ]
