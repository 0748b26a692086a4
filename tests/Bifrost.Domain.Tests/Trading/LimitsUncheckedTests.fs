/// The P&L limits are judged only on a valued book. A holding without a two-sided quote (a leg never quoted, a portfolio
/// stock whose data never came) left them unjudged all day under a YELLOW light with no word to anyone.
module Bifrost.Domain.Tests.Trading.LimitsUncheckedTests

open Expecto
open FsCheck.FSharp
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures
open Bifrost.Domain.Tests.Trading.BrokerModel
open Bifrost.Domain.Tests.Trading.RestartProperties

let private cfg = config 1

/// Started with the leg held and never quoted: the underlying quoted every 5 s, a clock step every second, to `until`.
let private unquotedLeg (until: float) =
    let start = startEvents cfg 100.0 |> List.filter (fun e -> match e.Payload with QuoteReceived q -> q.ContractId = underlyingId | _ -> true)
    let steps =
        [ for i in 1 .. int until do
              if i % 5 = 0 then at (sec (float i)) (QuoteReceived(quote underlyingId 99.99 100.01 (sec (float i))))
              at (sec (float i)) ClockTicked ]
    runAll cfg (start @ steps)

/// Clock steps of an engine running, paused or halted in session whose book has stood unvalued for twice
/// `guards.stale_after` with no LIMITS_UNCHECKED since it became so (empty: the invariant holds). An episode starts at
/// the first such step unvalued and ends at one valued; a restart starts a new one (the engine's clock of it is not
/// remembered).
let untoldEpisodes (cfg: Config) (steps: Step list) =
    let mutable since: (int * Timestamp) option = None
    let mutable told = false
    [ for i, st in List.indexed steps do
          match st.Event.Payload with
          | EngineStarted _ -> since <- None; told <- false
          | _ -> ()
          if alerts st.Commands |> List.exists (fun a -> a.Code = "LIMITS_UNCHECKED") then told <- true
          match st.Event.Payload, st.After.Fsm with
          | ClockTicked, (Running _ | Paused | Halted _) when SessionCalendar.inSession cfg.Calendar st.After.Now ->
              if State.isValued cfg st.After then since <- None; told <- false
              else
                  match since with
                  | None -> since <- Some(i, st.After.Now); told <- false
                  | Some(first, t0) when not told && Timestamp.since t0 st.After.Now >= 2L * cfg.Guards.StaleAfter ->
                      yield $"steps {first}..{i}: unvalued ({State.unmarkedText cfg st.After}) for {Duration.toSeconds (Timestamp.since t0 st.After.Now):F0} s, not told"
                  | _ -> ()
          | _ -> () ]

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
        testCase "ALegNeverQuoted_TheStatusSaysTheDaysPnlIsNotKnown_NotAFlatDay" <| fun () ->
            // The status's day P&L reads 0 while it is unknown (what the limits take); stored as the day's last status it
            // read as a flat day in the statistics. The snapshot says it is not known until the book is valued.
            let s, _ = unquotedLeg 10.0
            let snap = Emit.snapshot cfg s
            Expect.equal snap.DailyPnl 0.0 "0 stands for it"
            Expect.isFalse snap.DailyPnlKnown "not known: the leg has no mark"
            let s, _ = Reducer.run cfg s [ at (sec 11.0) (QuoteReceived(quote (cid 2) 2.9 3.1 (sec 11.0))); at (sec 11.5) ClockTicked ]
            Expect.isTrue (State.isValued cfg s) "marked"
            Expect.isTrue (Emit.snapshot cfg s).DailyPnlKnown "known once valued"
        // After a restart the underlying is unmarked until its first quote: time passing before it (quiet markets, stale
        // periods, dead feeds) is what the model's unvalued books are made of.
        restartProperty "A book unvalued in session for twice stale_after is told (LIMITS_UNCHECKED), across restarts, stale data and faults"
            (fun cfg steps _ -> Props.noneOf (untoldEpisodes cfg steps))
        Props.seeded "The restart scenarios leave books unvalued long enough to be told" (fun seed ->
            let n =
                Gen.sampleWithSeed seed 60 300 genRestartScenario
                |> Array.sumBy (fun (legCount, expiry, actions) ->
                    let cfg = restartConfig legCount expiry
                    let steps, _ = runWithRestarts cfg actions
                    steps |> List.sumBy (fun st -> alerts st.Commands |> List.filter (fun a -> a.Code = "LIMITS_UNCHECKED") |> List.length))
            printfn "LIMITS_UNCHECKED told %d times in 300 restart scenarios" n
            Expect.isGreaterThanOrEqual n 5 "unvalued books told")
    ]
