/// Every operator command is answered exactly once. The console and the CLI wait on a command's outcome (`--wait`, the
/// Controls screen): one answered twice tells two stories, one never answered leaves the operator waiting on a pause or
/// a flatten that the engine dropped — and, before the shell refuses it at the next start, its row stays `taken`.
///
/// Invariant: each command the engine receives (a control, a manual order, a rebalance) gets at most one answer; when
/// the scenario ends, one without an answer is still being worked (its run pending or followed apart, its flatten
/// or stop under way) — or was being worked when a restart came (the shell refuses what the dead engine had taken).
module Bifrost.Domain.Tests.Trading.ControlAnswerProperties

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures
open Bifrost.Domain.Tests.Trading.BrokerModel
open Bifrost.Domain.Tests.Trading.ReducerProperties
open Bifrost.Domain.Tests.Trading.RestartProperties

let private askedIn (st: Step) =
    match st.Event.Payload with
    // A stopped engine has exited: the command waits in the queue for the next start (the model still steps it).
    | _ when st.Before.Fsm = Stopped -> None
    | ControlRequested(_, m) -> Some m.ControlId
    | ManualOrderRequested m -> Some m.Meta.ControlId
    | RebalanceRequested r -> Some r.Meta.ControlId
    | BookConfirmRequested c -> Some c.Meta.ControlId
    | _ -> None

/// The commands a state is still working on, by control id.
let inProgress (s: State) =
    set [ match s.Fsm with
          | Running(RunPending(_, m)) -> m.ControlId
          | Flattening run -> run.Meta.ControlId
          | Stopping(_, m) -> m.ControlId
          | _ -> ()
          for KeyValue(_, m) in s.DetachedRuns do
              match m with
              | Some m -> m.ControlId
              | None -> () ]

/// What breaks the invariant, in words (empty: it holds). `restarts`: the step indexes at which a restart came, each
/// with the commands it handed back to the engine (a run whose orders went out: answered by the engine, never refused).
let unansweredHandingBack (steps: Step list) (restarts: (int * Set<int64>) list) =
    let indexed = List.indexed steps
    let asked = indexed |> List.choose (fun (i, st) -> askedIn st |> Option.map (fun id -> id, i))
    let answers = steps |> List.collect (fun st -> st.Commands |> List.choose (function CompleteControl(id, _) -> Some id | _ -> None))
    let twice = answers |> List.countBy id |> List.filter (fun (_, n) -> n > 1)
    let final = match List.tryLast steps with Some st -> inProgress st.After | None -> Set.empty
    let answered = set answers
    let dropped =
        asked |> List.filter (fun (id, at) ->
            not (answered.Contains id) && not (final.Contains id)
            // Taken by an engine a restart killed: the shell refuses it at the next start, unless it hands it back.
            && not (restarts |> List.exists (fun (r, handedBack) -> r > at && not (handedBack.Contains id))))
    [ for id, n in twice -> $"command #{id} answered {n} times"
      for id, at in dropped ->
          let trail =
              steps |> List.skip at |> List.truncate 40
              |> List.map (fun st -> $"{st.Event.Payload.GetType().Name}->{FsmState.name st.After.Fsm}")
              |> String.concat " | "
          $"command #{id} (step {at}: {steps.[at].Event.Payload}) never answered, and nothing works on it at the end ({FsmState.name (List.last steps).After.Fsm}); after it: {trail}" ]

/// The same, every command taken at a restart refused by it (the shell before it handed runs back).
let unanswered (steps: Step list) (restarts: int list) = unansweredHandingBack steps (restarts |> List.map (fun r -> r, Set.empty))

/// Hedged, then a flatten whose buy works at the broker: the state, the order.
let private flattening () =
    let c = config 1
    let s = hedged c
    let s, cmds = Reducer.step c s (at (sec 1.0) (ControlRequested(FlattenExposure, meta 1L)))
    Expect.isTrue (match s.Fsm with Flattening _ -> true | _ -> false) $"flattening: {FsmState.name s.Fsm}"
    c, s, placed cmds |> List.exactlyOne

/// A restart of the engine killed in `s`, handing back the runs whose commands it had taken (ResumedControls).
let private restartHandingBack (c: Config) (s: State) (handedBack: (string * ControlMeta) list) =
    restartEvents c s s.Memory 60.0
    |> List.map (fun e ->
        match e.Payload with
        | EngineStarted r -> { e with Payload = EngineStarted(Restored.withResumedControls handedBack r) }
        | _ -> e)

let private answerTo (id: int64) (cmds: Command list) =
    cmds |> List.choose (function CompleteControl(i, outcome) when i = id -> Some outcome | _ -> None)

[<Tests>]
let tests =
    testList "Trading.ControlAnswerProperties" [
        testCase "Stop_DuringAFlatten_AnswersTheFlattenRefused_TheStopCancelsItsOrder" <| fun () ->
            // Before, the flatten's control was never answered: `flatten-all --wait` waited for good.
            let c, s, buy = flattening ()
            let s, cmds = Reducer.step c s (at (sec 2.0) (ControlRequested(Stop, meta 2L)))
            Expect.contains cmds (CancelOrder(buy.Ref, buy.IbOrderId)) "the stop cancels the flatten's order"
            match answerTo 1L cmds with
            | [ Refused why ] -> Expect.stringContains why "a stop came during the flatten" "named"
            | other -> failtestf "the flatten answered %A" other
            Expect.isTrue (match s.Fsm with Stopping _ -> true | _ -> false) $"stopping: {FsmState.name s.Fsm}"
            let _, cmds = Reducer.step c s (at (sec 2.5) (OrderStatusReported { IbOrderId = buy.IbOrderId; PermId = 1L; Ref = ""; Status = CancelConfirmed; Filled = 0; AvgFillPrice = 0.0; Reason = "" }))
            Expect.isEmpty (answerTo 1L cmds) "answered once"
            Expect.equal (answerTo 2L cmds) [ Done "stopped" ] "the stop answers on its own"
        testCase "AnotherEngine_DuringAFlatten_AnswersTheFlattenRefused_NamingTheHalt" <| fun () ->
            let c, s, _ = flattening ()
            let foreign =
                { ExecId = ExecId.create "f1" |> Result.get; IbOrderId = 5; PermId = 77L; ClientId = 18; Ref = "oi_zz_1"
                  ContractId = underlyingId; Side = Buy; Quantity = 10; Price = 100.0 }
            let s, cmds = Reducer.step c s (at (sec 2.0) (ExecutionReported foreign))
            Expect.isTrue (match s.Fsm with Halted(AnotherEngine _) -> true | _ -> false) $"halted: {FsmState.name s.Fsm}"
            match answerTo 1L cmds with
            | [ Refused why ] -> Expect.stringContains why "halted during the flatten: ANOTHER_ENGINE: another Bifrost run" "named"
            | other -> failtestf "the flatten answered %A" other
        // Killed while the flatten's order worked (its control taken, unanswered): the restart hands the control back.
        // Before, it was refused by the restart whatever the order did; now the flatten's order answers it.
        testCase "Restart_AFlattensOrderEndedPartFilledWhileDown_IsAnsweredIncomplete_Paged" <| fun () ->
            let c, s, buy = flattening ()
            let s, _ = Reducer.step c s (at (sec 2.0) (execFor buy 30 100.0 "p1"))
            let hedge = State.qtyOf s underlyingId
            // The broker no longer lists the order at the restart's sync: it ended there, 30 shares bought.
            let s', cmds = Reducer.run c (State.initial c) (restartHandingBack c s [ buy.RunId, meta 1L ])
            match answerTo 1L cmds with
            | [ Refused why ] ->
                Expect.stringContains why $"the flatten was interrupted (a restart, a reconnect) before its order ended: {OrderRef.value buy.Ref} BUY 30/{buy.Quantity}" "what its order did"
                Expect.stringContains why $"the hedge at {hedge} shares: flatten again" "where the hedge is, the way out"
                Expect.equal (State.qtyOf s' underlyingId) hedge "premise: nothing more traded"
            | other -> failtestf "the flatten answered %A" other
            Expect.exists (alerts cmds) (fun a -> a.Code = "FLATTEN_INCOMPLETE" && a.Severity = Critical) "paged as a flatten left short"
        testCase "Restart_AFlattensOrderFilledBeforeTheAnswerWasWritten_IsAnsweredDoneAtOnce" <| fun () ->
            let c, s, buy = flattening ()
            let s, _ = Reducer.step c s (at (sec 2.0) (execFor buy buy.Quantity 100.0 "p1"))
            let _, cmds = Reducer.run c (State.initial c) (restartHandingBack c s [ buy.RunId, meta 1L ] |> List.truncate 1)
            match answerTo 1L cmds with
            | [ Done text ] -> Expect.stringContains text $"strategy hedge at 0 (followed to its end after an interruption: {OrderRef.value buy.Ref} BUY {buy.Quantity}/{buy.Quantity} Filled)" "done, with its fill"
            | other -> failtestf "the flatten answered %A" other
        scenarioProperty "Every operator command is answered exactly once, or is still being worked when the scenario ends" (fun _ steps -> Props.noneOf (unanswered steps []))
        restartProperty "Every operator command is answered exactly once across restarts, or was still being worked when one came" (fun _ steps restarts ->
            Props.noneOf (unanswered steps (restarts |> List.map (fun r -> r.At))))
        // Before, the restart refused every command it found taken: a manual buy whose order had gone out (filled, or
        // filling after the restart) read "refused", and the operator bought again.
        restartProperty "An operator run whose orders went out is answered with what they did across restarts, never refused by one" (fun _ steps restarts ->
            Props.noneOf (unansweredHandingBack steps
                              (restarts |> List.map (fun r -> r.At, StoreProjection.resumedControls r.Before |> List.map (fun (_, m) -> m.ControlId) |> Set.ofList))))
    ]
