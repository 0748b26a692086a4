/// What the light promises, and that every reason reaches the operator, as model-based properties over the restart
/// alphabet (the engine rebuilt from the store only; operator pauses, resumes, flattens and runs; quotes aging, the link
/// lost, farms down; fills lost, store failures, order ids; moves past the band and the limits): after every step a RED
/// light names at least one block reason (the console's "reasons:" line, what the operator acts on) and a YELLOW one at
/// least one failing check saying what; every halt or pause the engine decides (not the operator) raised an alert
/// naming it since the operator's last resume.
module Bifrost.Domain.Tests.Trading.LightReasonProperties

open Expecto
open FsCheck.FSharp
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures
open Bifrost.Domain.Tests.Trading.BrokerModel
open Bifrost.Domain.Tests.Trading.RestartProperties

let private fail fmt = Printf.kprintf (fun m -> failwith m) fmt

let private failingChecks (r: SelfCheckReport) =
    r.Checks |> List.filter (fun c -> not c.Passed) |> List.map (fun c -> $"{c.Name}: {c.Detail}") |> String.concat "; "

module Invariants =
    /// RED names a block reason; YELLOW (and RED) has a failing check whose detail says what. One RED stands with
    /// nothing blocking by design: delta beyond the hard limit with its hedge due and free to go (an operator's
    /// strategy-adjusting fill between two clock steps), which the next step sends; the check's detail says it.
    let everyLightSaysWhy (cfg: Config) (steps: Step list) =
        steps |> List.forall (fun st ->
            let r = SelfCheck.run cfg st.After
            let blocking = r.Checks |> List.filter (fun c -> not c.Passed && c.Blocking)
            let hedgeFree =
                match st.After.Fsm, blocking with
                | Running _, [ c ] when c.Name = "delta_in_band" ->
                    match SelfCheck.dueHedge cfg st.After (Composite.classify cfg st.After) with
                    | Some(_, Allow) -> true
                    | _ -> false
                | _ -> false
            if r.Health = Health.Blocked && r.BlockReasons.IsEmpty && not hedgeFree then
                fail "RED with no block reason (%s) after %A; failing: %s" (FsmState.name st.After.Fsm) st.Event.Payload (failingChecks r)
            if r.Health <> Health.Healthy && not (r.Checks |> List.exists (fun c -> not c.Passed && c.Detail.Trim() <> "")) then
                fail "%s with no failing check saying what (%s) after %A" (Health.name r.Health) (FsmState.name st.After.Fsm) st.Event.Payload
            true)

    /// The halt an FSM state stands in, or is bound for once its sync ends.
    let haltOf (f: FsmState) =
        match f with
        | Halted r | Syncing { ResumeTo = ResumeHalted r } -> Some r
        | _ -> None

    let private pausedOrBound (f: FsmState) =
        match f with
        | Paused | Syncing { ResumeTo = ResumePaused } -> true
        | _ -> false

    /// An alert names a halt: by the halt's block-reason code, or by the halt's detail in its message.
    let private names (r: HaltReason) (a: Alert) =
        let d = HaltReason.describe r
        let detail = d.Substring(d.IndexOf(": ") + 2)
        a.Code = BlockReason.code (BlockReason.ofHalt r) || a.Message.Contains detail

    /// Every halt and every pause the engine decides raised an alert naming it, in that step or since the operator's
    /// last resume (a remembered halt or pause restored by a restart was raised before it). A pause is the engine's when
    /// PausedBy names a critical alert; one with no such word must come from the operator (a pause, a flatten ending
    /// paused, a confirm_book, a pause given during a sync).
    let engineStopsAreAlerted (steps: Step list) =
        steps
        |> List.fold (fun (alerted: Alert list) st ->
            let alerted = alerted @ alerts st.Commands
            match haltOf st.After.Fsm with
            | Some r when haltOf st.Before.Fsm <> Some r && not (alerted |> List.exists (names r)) ->
                fail "halted %s with no alert naming it since the last resume, on %A (alerts: %A)" (HaltReason.describe r) st.Event.Payload
                    (alerted |> List.map (fun a -> a.Code))
            | _ -> ()
            if pausedOrBound st.After.Fsm && not (pausedOrBound st.Before.Fsm) then
                let by = st.After.PausedBy
                if by.StartsWith "critical alert " then
                    let code = by.Substring "critical alert ".Length
                    if not (alerted |> List.exists (fun a -> a.Code = code)) then
                        fail "paused by %s with no such alert since the last resume, on %A" by st.Event.Payload
                else
                    let operators =
                        match st.Event.Payload, st.Before.Fsm with
                        | (ControlRequested _ | BookConfirmRequested _ | ManualOrderRequested _ | RebalanceRequested _), _ -> true
                        | _, (Flattening _ | Starting | Syncing _) -> true
                        | _ -> false
                    if not operators then
                        fail "paused (%s -> %s) with no critical alert nor the operator's word, on %A" (FsmState.name st.Before.Fsm) (FsmState.name st.After.Fsm) st.Event.Payload
            // The operator's resume took it in: what the engine says next is new.
            match st.Event.Payload with
            | ControlRequested(Resume, _) when (match st.After.Fsm with Running _ | Syncing { ResumeTo = ResumeRunning } -> true | _ -> false) -> []
            | _ -> alerted) []
        |> ignore
        true

/// The restart alphabet with the account's figures now and then in yen (ACCOUNT_CURRENCY), buys held to buying power.
let private genAccountScenario =
    gen {
        let! legCount = Gen.choose (1, 3)
        let! n = Gen.choose (30, 120)
        let! actions =
            Gen.listOfLength n
                (Gen.frequency [ 20, genRestartAction legCount; 1, Gen.elements [ "JPY"; "USD" ] |> Gen.map (AccountFigure >> Base) ])
        return legCount, actions
    }

let private buyingPowerChecked (c: Config) = { c with Risk = { c.Risk with CheckBuyingPower = true } }

[<Tests>]
let tests =
    testList "Trading.LightReasonProperties" [
        Props.property "GREEN is safe and a RED light names a block reason on an account reporting in yen, buys held to buying power, across restarts" 300
            (Prop.forAll (Arb.fromGen genAccountScenario) (fun (legCount, actions) ->
                let cfg = buyingPowerChecked (restartConfig legCount None)
                let steps, _ = runWithRestarts cfg actions
                SafetyProperties.Invariants.greenIsSafe cfg steps && Invariants.everyLightSaysWhy cfg steps && Invariants.engineStopsAreAlerted steps))
        restartProperty "A RED light names a block reason and a YELLOW one a failing check, across restarts, operator actions, stale data and faults" (fun cfg steps _ ->
            Invariants.everyLightSaysWhy cfg steps)
        restartPropertyWith tightLimits "A RED light names a block reason with tight risk limits, halts during syncs and restarts" (fun cfg steps _ ->
            Invariants.everyLightSaysWhy cfg steps)
        restartProperty "Every halt or pause the engine decides raises an alert naming it, across restarts" (fun _ steps _ ->
            Invariants.engineStopsAreAlerted steps)
        restartPropertyWith tightLimits "Every halt the engine decides raises an alert naming it, with tight risk limits and restarts" (fun _ steps _ ->
            Invariants.engineStopsAreAlerted steps)
    ]
