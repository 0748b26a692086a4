/// A breached limit stops the trading: the day's loss, the drawdown, a stop loss or a take profit found breached by a
/// clock step in the session leaves the engine not running — never hedging on past it.
///
/// Invariant: after a clock step in the session that finds the book valued and a risk limit breached, the engine is not
/// Running, nor syncing to run: halted, or paused (a flatten out of a risk halt ends there, and a resume is judged), or
/// a flatten or a stop under way. Judged with tight limits (a 150 day's loss, a 300 drawdown) so breaches are common,
/// with and without restarts rebuilt from the store.
module Bifrost.Domain.Tests.Trading.RiskLimitProperties

open Expecto
open FsCheck.FSharp
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures
open Bifrost.Domain.Tests.Trading.BrokerModel
open Bifrost.Domain.Tests.Trading.RestartProperties

/// The clock steps after which the engine trades on past a breached limit (empty: the invariant holds).
let tradesOnPastABreach (cfg: Config) (steps: Step list) =
    let trail i =
        steps |> List.take (i + 1) |> List.rev |> List.truncate 12 |> List.rev
        |> List.map (fun st -> $"{st.Event.Payload.GetType().Name}:{FsmState.name st.Before.Fsm}->{FsmState.name st.After.Fsm}/{ClassNames.risk st.After.Risk}")
        |> String.concat " | "
    [ for i, st in List.indexed steps do
          match st.Event.Payload with
          | ClockTicked when SessionCalendar.inSession cfg.Calendar st.After.Now && State.isValued cfg st.After ->
              match State.riskNow cfg st.After, st.After.Fsm with
              | Error why, Running _ -> yield $"step {i}: {HaltReason.describe why}, yet {FsmState.name st.After.Fsm}; {trail i}"
              | Error why, Syncing { ResumeTo = ResumeRunning } ->
                  yield $"step {i}: {HaltReason.describe why}, yet a sync bound for Running; {trail i}"
              | _ -> ()
          | _ -> () ]

/// A risk halt (entered, or a remembered one the sync ends in) as the FSM shows it.
let private riskHalted = function
    | Halted(DailyLossBreached _ | DrawdownBreached _ | StopLossHit _ | TakeProfitHit _)
    | Syncing { ResumeTo = ResumeHalted(DailyLossBreached _ | DrawdownBreached _ | StopLossHit _ | TakeProfitHit _) } -> true
    | _ -> false

/// The cancels of the operator's own manual orders decided by a risk halt (empty: the invariant holds). A risk limit
/// judges the strategy's P&L, which those orders' fills are not part of: only the operator (a control), the run's own
/// timeout or a stop cancels them, and a halt that is not a risk halt (the engine unsure of the account).
let operatorsOrdersCancelledByARiskHalt (cfg: Config) (steps: Step list) =
    [ for i, st in List.indexed steps do
          match st.Event.Payload with
          | ControlRequested _ -> ()
          | _ when riskHalted st.After.Fsm ->
              for cmd in st.Commands do
                  match cmd with
                  | CancelOrder(ref, _) ->
                      match st.Before.Orders |> Map.tryFind ref with
                      | Some o when o.Purpose = OrderPurpose.Manual && not o.CancelRequested ->
                          let runStart = st.After.Orders |> Map.fold (fun t _ x -> if x.RunId = o.RunId && x.PlacedAt < t then x.PlacedAt else t) o.PlacedAt
                          if Timestamp.since runStart st.After.Now < cfg.Control.RunTimeout then
                              yield $"step {i}: {st.Event.Payload.GetType().Name} {FsmState.name st.Before.Fsm} -> {FsmState.name st.After.Fsm} cancelled the operator's own {OrderRef.value ref}"
                      | _ -> ()
                  | _ -> ()
          | _ -> () ]

/// Steps that enter a risk halt while an operator's own manual order works (coverage for the property above).
let private haltsOverAnOperatorsOrder (steps: Step list) =
    steps |> List.sumBy (fun st ->
        if riskHalted st.After.Fsm && not (riskHalted st.Before.Fsm)
           && st.Before.Open |> Set.exists (fun r -> st.Before.Orders.[r].Purpose = OrderPurpose.Manual && not st.Before.Orders.[r].CancelRequested) then 1
        else 0)

/// The shared scenarios with more of the operator's own manual orders, each acknowledged by the broker as it goes out
/// (it rests until a fill): in the plain alphabet a risk halt meets one working in well under 1 % of the scenarios.
let private genOperatorScenario =
    gen {
        let! legCount = Gen.choose (1, 4)
        let! n = Gen.choose (20, 120)
        let operatorsOwn = Gen.map2 (fun side qty -> [ Manual(side, qty, false, false); Ack ]) (Gen.elements [ Buy; Sell ]) (Gen.choose (1, 400))
        let! chunks = Gen.listOfLength n (Gen.frequency [ 8, genAction legCount |> Gen.map List.singleton; 1, operatorsOwn ])
        return legCount, List.concat chunks
    }

/// How many clock steps judged a breach (coverage: a model that never breaches would pass trivially).
let private breaches (steps: Step list) =
    steps |> List.sumBy (fun st ->
        match st.Event.Payload, st.After.Fsm with
        | ClockTicked, Halted _ when (match st.Before.Fsm with Running _ | Paused -> true | _ -> false) -> 1
        | _ -> 0)

[<Tests>]
let tests =
    testList "Trading.RiskLimitProperties" [
        Props.property "A clock step in the session that finds a risk limit breached never leaves the engine running" 1000
            (Prop.forAll (Arb.fromGen genScenario) (fun (legCount, actions) ->
                let cfg = tightLimits (config legCount)
                Props.noneOf (tradesOnPastABreach cfg (run cfg actions))))
        restartPropertyWith tightLimits "A clock step in the session that finds a risk limit breached never leaves the engine running, across restarts rebuilt from the store" (fun cfg steps _ ->
            Props.noneOf (tradesOnPastABreach cfg steps))
        Props.property "A risk halt leaves the operator's own manual orders working" 1000
            (Prop.forAll (Arb.fromGen genOperatorScenario) (fun (legCount, actions) ->
                let cfg = tightLimits (config legCount)
                Props.noneOf (operatorsOrdersCancelledByARiskHalt cfg (run cfg actions))))
        restartPropertyWith tightLimits "A risk halt leaves the operator's own manual orders working, across restarts rebuilt from the store" (fun cfg steps _ ->
            Props.noneOf (operatorsOrdersCancelledByARiskHalt cfg steps))
        Props.seeded "The tight-limit scenarios halt over the operator's own working orders" (fun seed ->
            let n = Gen.sampleWithSeed seed 60 1000 genOperatorScenario |> Array.sumBy (fun (legCount, actions) -> let cfg = tightLimits (config legCount) in haltsOverAnOperatorsOrder (run cfg actions))
            printfn "risk halts over an operator's working order: %d in 1,000 scenarios" n
            Expect.isGreaterThanOrEqual n 3 "risk halts over an operator's working order")
        Props.seeded "The tight-limit scenarios breach their limits" (fun seed ->
            let n = Gen.sampleWithSeed seed 60 300 genScenario |> Array.sumBy (fun (legCount, actions) -> let cfg = tightLimits (config legCount) in breaches (run cfg actions))
            printfn "risk-limit coverage: %d halts on a clock step in 300 scenarios" n
            Expect.isGreaterThanOrEqual n 30 "halts on a clock step")
    ]
