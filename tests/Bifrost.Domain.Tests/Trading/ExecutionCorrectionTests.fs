/// IB's corrections of executions (revision ".02" of ".01": a re-priced or busted trade). Before, a correction was a
/// new exec id, so it counted as a second fill: the order filled twice its quantity, the hedge book off by the fill,
/// and the hedger trading the difference back. Now only an execution's first revision is applied; a later one is
/// raised critical and the account is reconciled.
module Bifrost.Domain.Tests.Trading.ExecutionCorrectionTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests.Fixtures

let cfg = config 1

let step s e = Reducer.step cfg s e

let private id text = ExecId.create text |> Result.get

/// Started, the first hedge sent and filled by its execution `execId` at 1 s.
let hedgeFilledBy (execId: string) =
    let s, cmds = runAll cfg (startEvents cfg 100.0)
    let hedge = placed cmds |> List.exactlyOne
    let filled = { IbOrderId = hedge.IbOrderId; PermId = 5L; Ref = OrderRef.value hedge.Ref; Status = FullyFilled; Filled = hedge.Quantity; AvgFillPrice = 99.99; Reason = "" }
    let s, _ = Reducer.run cfg s [ at (sec 1.0) (execFor hedge hedge.Quantity 99.99 execId); at (sec 1.0) (OrderStatusReported filled) ]
    s, hedge

let corrected (cmds: Command list) = alerts cmds |> List.filter (fun a -> a.Code = "EXECUTION_CORRECTED")

[<Tests>]
let tests =
    testList "Trading.ExecutionCorrection" [
        testCase "RevisionBase_IsIbsExecIdLessItsRevision_OnlyForIbsForm" <| fun () ->
            Expect.equal (ExecId.revisionBase (id "0000e0d5.67a1b2c3.01.02")) (ValueSome "0000e0d5.67a1b2c3.01") "a correction"
            Expect.equal (ExecId.revisionBase (id "0000e0d5.67a1b2c3.01.01")) (ValueSome "0000e0d5.67a1b2c3.01") "an original"
            Expect.equal (ExecId.revisionBase (id "0007.00000002")) ValueNone "the backtest's numbering is not IB's form"
            Expect.equal (ExecId.revisionBase (id "e12")) ValueNone "no revision"
            Expect.equal (ExecId.revisionBase (id "a.b.c.xyz")) ValueNone "not two hex digits"
            let seen = Set.ofList [ id "0000e0d5.67a1b2c3.01.01"; id "0000e0d5.67a1b2c3.02.01" ]
            Expect.equal (ExecId.revisionOf seen (id "0000e0d5.67a1b2c3.01.02")) (Some(id "0000e0d5.67a1b2c3.01.01")) "revises the first"
            Expect.equal (ExecId.revisionOf seen (id "0000e0d5.67a1b2c3.03.01")) None "a new execution"
            Expect.equal (ExecId.revisionOf seen (id "0000e0d5.67a1b2c3.01.01")) None "itself is no revision of itself"

        testCase "HedgeFill_CorrectedByIb_IsNotCountedTwice_RaisedCritical_AndTheAccountIsReconciled" <| fun () ->
            let s, hedge = hedgeFilledBy "0000e001.65f0a1b2.01.01"
            let position = State.hedgePosition cfg s
            Expect.equal position (Side.sign hedge.Side * hedge.Quantity) "the fill in the book"
            let s, cmds = step s (at (sec 2.0) (execFor hedge hedge.Quantity 100.04 "0000e001.65f0a1b2.01.02"))
            Expect.equal (State.hedgePosition cfg s) position "not counted twice"
            Expect.equal s.Orders.[hedge.Ref].Filled hedge.Quantity "the order filled once"
            let a = Expect.wantSome (corrected cmds |> List.tryHead) "EXECUTION_CORRECTED"
            Expect.equal a.Severity Critical "critical"
            Expect.stringContains a.Message "revises 0000e001.65f0a1b2.01.01" "names what it revises"
            Expect.stringContains a.Message "XYZ @ 100.04" "the symbol, and the corrected price"
            Expect.contains cmds (RequestReconcile Sync.scopes) "the account is reconciled"
            Expect.isTrue (match s.Fsm with Syncing { ResumeTo = ResumePaused } -> true | _ -> false) $"syncing, then paused: {s.Fsm}"
            Expect.isEmpty (placed cmds) "nothing traded on it"
            // The sync's executions carry both revisions: neither is applied again, nothing raised again.
            let answers =
                [ for l in cfg.Strategy.Legs do at (sec 2.1) (PositionReported(l.Option.ContractId, l.Quantity, 3.0))
                  at (sec 2.1) (PositionReported(underlyingId, position, 100.0)); at (sec 2.1) PositionsEnded; at (sec 2.1) OpenOrdersEnded
                  at (sec 2.1) (execFor hedge hedge.Quantity 99.99 "0000e001.65f0a1b2.01.01")
                  at (sec 2.1) (execFor hedge hedge.Quantity 100.04 "0000e001.65f0a1b2.01.02"); at (sec 2.1) ExecutionsEnded ]
            let s, cmds = Reducer.run cfg s answers
            Expect.equal (State.hedgePosition cfg s) position "still once"
            Expect.isEmpty (corrected cmds) "raised once"
            Expect.equal s.Fsm Paused "paused for the operator"
            Expect.stringContains s.PausedBy "EXECUTION_CORRECTED" "by the correction"

        testCase "OriginalArrivingAfterItsCorrection_IsNotCountedEither" <| fun () ->
            // The correction came first (the original lost with a dropped session, replayed by the reconcile).
            let s, hedge = hedgeFilledBy "0000e001.65f0a1b2.01.02"
            let position = State.hedgePosition cfg s
            let s, cmds = step s (at (sec 2.0) (execFor hedge hedge.Quantity 99.99 "0000e001.65f0a1b2.01.01"))
            Expect.equal (State.hedgePosition cfg s) position "once"
            Expect.isNonEmpty (corrected cmds) "raised"

        testCase "CorrectionsCommission_IsNotAFee" <| fun () ->
            let s, hedge = hedgeFilledBy "0000e001.65f0a1b2.01.01"
            let s, _ = step s (at (sec 1.5) (CommissionReported(id "0000e001.65f0a1b2.01.01", 1.0)))
            let fees = Portfolio.totalFees s.Portfolio
            let s, _ = Reducer.run cfg s [ at (sec 2.0) (execFor hedge hedge.Quantity 100.04 "0000e001.65f0a1b2.01.02")
                                           at (sec 2.0) (CommissionReported(id "0000e001.65f0a1b2.01.02", 1.0)) ]
            Expect.equal (Portfolio.totalFees s.Portfolio) fees "the original's fee once"

        testCase "AnotherClientsExecutionCorrected_IsNotedOnly_NotCountedNorAlerted" <| fun () ->
            let s, _ = runAll cfg (startEvents cfg 100.0)
            let manual side price execId =
                ExecutionReported { ExecId = id execId; IbOrderId = 12; PermId = 88L; ClientId = 0; Ref = ""; ContractId = underlyingId
                                    Side = side; Quantity = 100; Price = price }
            let hedge = State.hedgePosition cfg s
            let s, _ = step s (at (sec 1.0) (manual Buy 100.0 "0000e000.65f0a1b2.07.01"))
            let s, cmds = step s (at (sec 2.0) (manual Buy 100.05 "0000e000.65f0a1b2.07.02"))
            Expect.equal (State.hedgePosition cfg s) hedge "the operator's trade is not the strategy's either way"
            Expect.isEmpty (alerts cmds) "no alert, no pause"
            Expect.isTrue (ops cmds |> List.exists (fun o -> o.Detail.Contains "revises 0000e000.65f0a1b2.07.01")) "noted"
            Expect.isTrue (s.SeenExecs.Contains(id "0000e000.65f0a1b2.07.02")) "seen"

        testCase "TheBacktestsOwnExecIds_AreNeverTakenForRevisions" <| fun () ->
            let s, cmds = runAll cfg (startEvents cfg 100.0)
            let hedge = placed cmds |> List.exactlyOne
            let half = hedge.Quantity / 2
            let s, cmds = Reducer.run cfg s [ at (sec 1.0) (execFor hedge half 99.99 "0007.00000001"); at (sec 1.1) (execFor hedge (hedge.Quantity - half) 99.98 "0007.00000002") ]
            Expect.equal s.Orders.[hedge.Ref].Filled hedge.Quantity "both fills"
            Expect.isEmpty (corrected cmds) "no correction"
    ]
