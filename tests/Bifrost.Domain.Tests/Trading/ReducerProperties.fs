/// Model-based properties: random action sequences against the broker model, ≥ 1,000 sequences per property.
module Bifrost.Domain.Tests.Trading.ReducerProperties

open Xunit
open FsCheck.FSharp
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures
open Bifrost.Domain.Tests.Trading.BrokerModel

let sequences = 1000

/// Checks `holds` over the steps of random scenarios; the counterexample names the step.
let private forAllScenarios (holds: Config -> Step list -> bool) =
    Props.check sequences (Prop.forAll (Arb.fromGen genScenario) (fun (legCount, actions) ->
        let cfg = config legCount
        holds cfg (run cfg actions)))

let private isStateOneOf (s: State) =
    function
    | "paused" -> s.Fsm = Paused
    | "halted" -> (match s.Fsm with Halted _ -> true | _ -> false)
    | "stopping" -> (match s.Fsm with Stopping _ | Stopped -> true | _ -> false)
    | _ -> false

[<Fact>]
let ``The reducer is deterministic: replaying the recorded events gives the same commands and state`` () =
    forAllScenarios (fun cfg steps ->
        let events = steps |> List.map (fun s -> s.Event)
        let final, cmds = Reducer.run cfg (State.initial cfg) events
        let expected = steps |> List.collect (fun s -> s.Commands)
        let last = (List.last steps).After
        Props.same final last && Props.same cmds expected)

[<Fact>]
let ``No PlaceOrder while Paused, Halted, Stopping or Stopped (but for Resume and Flatten)`` () =
    forAllScenarios (fun _ steps ->
        steps |> List.forall (fun st ->
            let gated = [ "paused"; "halted"; "stopping" ] |> List.exists (isStateOneOf st.Before)
            let allowedControl =
                match st.Before.Fsm, st.Event.Payload with
                | (Paused | Halted _), ControlRequested((Resume | FlattenExposure), _) -> true
                | _ -> false
            not gated || allowedControl || List.isEmpty (placed st.Commands)))

[<Fact>]
let ``No order is placed while another order of the strategy is in flight`` () =
    forAllScenarios (fun _ steps ->
        steps |> List.forall (fun st ->
            let fresh = placed st.Commands |> List.map (fun o -> o.Ref) |> Set.ofList
            fresh.IsEmpty
            || st.After.Orders |> Map.forall (fun ref o -> fresh.Contains ref || State.isSettled o)))

[<Fact>]
let ``Emitted orders never breach position or notional limits (unless a manual run bypasses risk)`` () =
    forAllScenarios (fun cfg steps ->
        steps |> List.forall (fun st ->
            placed st.Commands |> List.forall (fun o ->
                o.RiskBypass || o.Purpose = Flatten
                || (let before = State.qtyOf st.Before o.ContractId
                    let after = before + Side.sign o.Side * o.Quantity
                    let price = State.mark cfg st.After o.ContractId
                    (abs after <= cfg.Risk.MaxPosition || abs after < abs before)
                    && float o.Quantity * price * float (State.multiplier st.After o.ContractId) <= cfg.Risk.MaxOrderNotional))))

[<Fact>]
let ``After Stop no order is ever emitted again`` () =
    forAllScenarios (fun _ steps ->
        steps
        |> List.skipWhile (fun st -> match st.After.Fsm with Stopping _ | Stopped -> false | _ -> true)
        |> List.forall (fun st -> List.isEmpty (placed st.Commands)))

[<Fact>]
let ``Flatten only trades the strategy-owned hedge and a completed flatten leaves it at zero`` () =
    forAllScenarios (fun cfg steps ->
        steps |> List.forall (fun st ->
            let flattenOrders = placed st.Commands |> List.filter (fun o -> o.Purpose = Flatten)
            // Fills earlier in the same step count: the order is sized after them.
            let own = State.hedgePosition cfg st.After
            let ordersOk =
                flattenOrders |> List.forall (fun o ->
                    o.ContractId = underlyingId && Side.sign o.Side = -(sign own) && o.Quantity <= abs own)
            let completedOk =
                match st.Before.Fsm with
                | Flattening run ->
                    st.Commands |> List.forall (function
                        | CompleteControl(id, Done _) when id = run.Meta.ControlId -> State.hedgePosition cfg st.After = 0
                        | _ -> true)
                | _ -> true
            if not (ordersOk && completedOk) then
                failwithf "flatten violated (orders %b, completion %b): own %d event %A\ncommands %A\nbefore %A" ordersOk completedOk own st.Event st.Commands st.Before.Fsm
            true))

[<Fact>]
let ``A hedge never overshoots past the opposite band edge`` () =
    forAllScenarios (fun cfg steps ->
        steps |> List.forall (fun st ->
            placed st.Commands |> List.filter (fun o -> o.Purpose = Hedge) |> List.forall (fun o ->
                let d0 = State.netDelta cfg st.After - cfg.Strategy.TargetDelta
                let d1 = d0 + float (Side.sign o.Side * o.Quantity)
                let half = Composite.bandHalfWidth cfg st.After
                abs d1 <= abs d0 && (d1 = 0.0 || sign d1 = sign d0 || abs d1 <= half))))

[<Fact>]
let ``Every guard block names at least one reason`` () =
    forAllScenarios (fun _ steps ->
        steps |> List.forall (fun st ->
            ops st.Commands
            |> List.filter (fun o -> o.Kind = OperationKind.GuardBlocked)
            |> List.forall (fun o ->
                let codes = o.Detail.Split(" | ").[0].Split(',')
                codes.Length >= 1 && codes |> Array.forall (fun c -> BlockReason.all |> List.exists (fun r -> BlockReason.code r = c)))))

[<Fact>]
let ``Duplicate executions and repeated status messages change nothing`` () =
    forAllScenarios (fun _ steps ->
        steps
        |> List.pairwise
        |> List.forall (fun (prev, st) ->
            let duplicate =
                match st.Event.Payload with
                | ExecutionReported x -> st.Before.SeenExecs.Contains x.ExecId
                | OrderStatusReported _ -> Props.same prev.Event st.Event
                | _ -> false
            if duplicate && not (Props.same st.After st.Before && List.isEmpty st.Commands) then
                failwithf "duplicate changed something: %A\nbefore %A\nafter %A\ncommands %A" st.Event st.Before st.After st.Commands
            true))

[<Fact>]
let ``A fill for an order that was never placed is reported, not absorbed`` () =
    forAllScenarios (fun _ steps ->
        steps |> List.forall (fun st ->
            match st.Event.Payload with
            | ExecutionReported x when x.Ref.StartsWith "oi_ghost" && not (st.Before.SeenExecs.Contains x.ExecId) && st.Before.Fsm <> Stopped ->
                Props.same st.After.Portfolio.Strategy st.Before.Portfolio.Strategy
                && alerts st.Commands |> List.exists (fun a -> a.Code = "UNKNOWN_FILL")
            | _ -> true))

[<Fact>]
let ``External fills never change what the strategy owns`` () =
    forAllScenarios (fun _ steps ->
        steps |> List.forall (fun st ->
            match st.Event.Payload with
            | ExecutionReported x when x.ClientId = 99 -> Props.same st.After.Portfolio.Strategy st.Before.Portfolio.Strategy
            | _ -> true))

[<Fact>]
let ``The scenarios exercise hedges, fills, flattens and guard blocks`` () =
    // Guards against a vacuous model: over many random scenarios, each interesting thing happens.
    let rng = Gen.sampleWithSize 60 200 genScenario
    let all = rng |> Array.collect (fun (n, actions) -> run (config n) actions |> Array.ofList)
    let cmds = all |> Array.collect (fun st -> Array.ofList st.Commands)
    let atLeast n what f =
        let c = cmds |> Array.filter f |> Array.length
        Assert.True(c >= n, $"{what}: {c} in 200 scenarios, expected at least {n}")
    atLeast 100 "hedge orders" (function PlaceOrder o -> o.Purpose = Hedge | _ -> false)
    atLeast 5 "flatten orders" (function PlaceOrder o -> o.Purpose = Flatten | _ -> false)
    atLeast 5 "manual orders" (function PlaceOrder o -> o.Purpose = OrderPurpose.Manual | _ -> false)
    atLeast 100 "fills" (function RecordOperation o -> o.Kind = OperationKind.FillApplied | _ -> false)
    atLeast 100 "guard blocks" (function RecordOperation o -> o.Kind = OperationKind.GuardBlocked | _ -> false)
    atLeast 5 "clean exits" (function Exit 0 -> true | _ -> false)
