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
        Props.seeded "The tight-limit scenarios breach their limits" (fun seed ->
            let n = Gen.sampleWithSeed seed 60 300 genScenario |> Array.sumBy (fun (legCount, actions) -> let cfg = tightLimits (config legCount) in breaches (run cfg actions))
            printfn "risk-limit coverage: %d halts on a clock step in 300 scenarios" n
            Expect.isGreaterThanOrEqual n 30 "halts on a clock step")
    ]
