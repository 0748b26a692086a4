/// The hedge's own safeguards across a restart (state rebuilt only from what the store holds): the count of hedges
/// the broker refused in a row, and the cooldown since the last hedge.
module Bifrost.Domain.Tests.Trading.HedgeSafeguardsRestartTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests.Fixtures

/// The stock away from the hedge at `t` and a clock step: the hedge the band then asks for, if any, is refused (201).
let private refusedHedge (c: Config) (s: State) (t: float) =
    let px = if int t % 4 = 0 then 103.0 else 103.02
    let s, cmds = Reducer.run c s [ at (sec t) (QuoteReceived(quote underlyingId (px - 0.01) (px + 0.01) (sec t))); at (sec t) ClockTicked ]
    match placed cmds with
    | o :: _ -> fst (Reducer.step c s (at (sec (t + 0.1)) (OrderErrorReported(o.IbOrderId, 201, "Order rejected - reason: short sale restricted")))), 1
    | [] -> s, 0

let private refusedHedges (c: Config) (s: State) (times: float list) =
    times |> List.fold (fun (s, sent) t -> let s, n = refusedHedge c s t in s, sent + n) (s, 0)

/// A restart of `s` at `t` on what its store keeps, the legs quoted.
let private restarted (c: Config) (s: State) (t: float) =
    let legs = [ for l in c.Strategy.Legs -> at (sec (t + 0.5)) (QuoteReceived(quote l.Option.ContractId 2.9 3.1 (sec (t + 0.5)))) ]
    Reducer.run c (State.initial c) (restartEvents c s s.Memory t @ legs)

[<Tests>]
let tests =
    testList "Trading.HedgeSafeguardsRestart" [
        // Found in review: the count lived in the state only, so each restart re-armed it (2 refused, a restart, 3 more
        // before the pause) and a crash loop never paused.
        testCase "HedgesRefusedInARow_AreStillCountedAfterARestart_ThePauseComesAtTheThird" <| fun () ->
            let c = config 2
            let s, sentBefore = refusedHedges c (hedged c) [ 2.0; 4.0 ]
            Expect.equal (sentBefore, s.HedgeRejects) (2, 2) "two refused before the restart"
            let s, _ = restarted c s 50.0
            Expect.equal s.HedgeRejects 2 "remembered"
            let s, sentAfter = refusedHedges c s [ 52.0; 54.0; 56.0 ]
            Expect.equal s.Fsm Paused "paused at the third in a row"
            Expect.equal sentAfter 1 "one more refused hedge, not three"
        // Found in review: the last hedge's time lived in the state only, so a restart hedged inside the cooldown.
        testCase "Restart_InsideTheCooldown_DoesNotHedgeUntilTheCooldownHasPassed" <| fun () ->
            let c0 = config 2
            let c = { c0 with Strategy = { c0.Strategy with Rules = [ FixedBand(50.0, Shares); PriceMove 0.02 ]; Cooldown = Duration.ofSeconds 600.0 } }
            let s = hedged c
            // The stock drifts past the band, the legs quoted with it (a stale leg would block the hedge anyway).
            let drift t =
                [ for l in c.Strategy.Legs -> at (sec t) (QuoteReceived(quote l.Option.ContractId 2.9 3.1 (sec t))) ]
                @ [ at (sec t) (QuoteReceived(quote underlyingId 100.79 100.81 (sec t))); at (sec t) ClockTicked ]
            let s, live = Reducer.run c s (drift 30.0)
            Expect.isEmpty (placed live) "cooling down live: no hedge"
            let s, _ = restarted c s 40.0
            let s, cmds = Reducer.run c s (drift 41.0)
            Expect.isEmpty (placed cmds) "10 s after the restart, still cooling down"
            let _, cmds = Reducer.run c s (drift 601.0)
            Expect.equal (placed cmds |> List.length) 1 "hedged once the cooldown has passed"
    ]
