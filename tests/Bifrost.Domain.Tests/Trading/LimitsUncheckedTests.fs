/// The P&L limits are judged only on a valued book. A holding without a two-sided quote (a leg never quoted, a portfolio
/// stock whose data never came) left them unjudged all day under a YELLOW light with no word to anyone.
module Bifrost.Domain.Tests.Trading.LimitsUncheckedTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests.Fixtures

let private cfg = config 1

/// Started with the leg held and never quoted: the underlying quoted every 5 s, a clock step every second, to `until`.
let private unquotedLeg (until: float) =
    let start = startEvents cfg 100.0 |> List.filter (fun e -> match e.Payload with QuoteReceived q -> q.ContractId = underlyingId | _ -> true)
    let steps =
        [ for i in 1 .. int until do
              if i % 5 = 0 then at (sec (float i)) (QuoteReceived(quote underlyingId 99.99 100.01 (sec (float i))))
              at (sec (float i)) ClockTicked ]
    runAll cfg (start @ steps)

[<Tests>]
let tests =
    testList "Trading.LimitsUnchecked" [
        testCase "ALegNeverQuoted_InSession_TellsOnceThatTheLimitsAreNotChecked_NamingIt" <| fun () ->
            let s, cmds = unquotedLeg 59.0
            Expect.isFalse (State.isValued cfg s) "the leg has no mark"
            Expect.isEmpty (alerts cmds |> List.filter (fun a -> a.Code = "LIMITS_UNCHECKED")) "not before twice stale_after (60 s)"
            let s, cmds = unquotedLeg 200.0
            let told = alerts cmds |> List.filter (fun a -> a.Code = "LIMITS_UNCHECKED")
            Expect.equal told.Length 1 "told once"
            Expect.equal told.Head.Severity Warning "a warning: nothing adds risk meanwhile"
            Expect.stringContains told.Head.Message "no two-sided quote for XYZ 20260329 C 100" "the leg named by its terms"
            // The leg quoted: the limits are judged again, said once; a later gap is told again.
            let s, cmds = Reducer.run cfg s [ at (sec 201.0) (QuoteReceived(quote (cid 2) 2.9 3.1 (sec 201.0))); at (sec 201.5) ClockTicked ]
            Expect.isTrue (State.isValued cfg s) "marked"
            Expect.exists (ops cmds) (fun o -> o.Detail.StartsWith "LIMITS_CHECKED") "noted"
            Expect.equal s.UnvaluedSince Timestamp.zero "reset"
    ]
