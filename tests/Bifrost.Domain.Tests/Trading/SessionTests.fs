/// The session summary at stop (issue 13, "Sessions"): one operation line before the engine exits.
module Bifrost.Domain.Tests.Trading.SessionTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests.Fixtures

let private cfg = config 1

[<Tests>]
let tests =
    testList "Trading.Session" [
        test "Stop_AfterAHedge_SummaryLine_OrdersFillsPnlFees_BeforeExit" {
            let s, cmds = runAll cfg (startEvents cfg 100.0)
            let hedge = placed cmds |> List.exactlyOne
            let s, _ = Reducer.step cfg s (at (sec 1.0) (execFor hedge hedge.Quantity 100.0 "e1"))
            let s, _ = Reducer.step cfg s (at (sec 1.1) (CommissionReported(ExecId.create "e1" |> Result.get, 1.25)))
            let s, stop = Reducer.step cfg s (at (sec 2.0) (ControlRequested(Stop, meta 9L)))
            Expect.equal s.Fsm Stopped "stopped"
            let summaries = ops stop |> List.filter (fun o -> o.Detail.StartsWith "session summary:")
            Expect.equal summaries.Length 1 "one summary"
            let text = summaries.Head.Detail
            Expect.stringContains text "orders 1 (Filled 1)" "orders by status"
            Expect.stringContains text "fills 1" "fills"
            Expect.stringContains text "fees 1.25" "fees"
            Expect.stringContains text "blocks 0" "no block"
            let index p = stop |> List.findIndex p
            Expect.isLessThan (index (function RecordOperation o -> o.Detail.StartsWith "session summary:" | _ -> false)) (index (function Exit _ -> true | _ -> false)) "before the exit"
            let _, after = Reducer.step cfg s (at (sec 3.0) ClockTicked)
            Expect.isEmpty after "stopped: nothing more, no second summary"
        }
    ]
