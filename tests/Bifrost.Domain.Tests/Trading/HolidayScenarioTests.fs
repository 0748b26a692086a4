/// The exchange's holidays and half days as the engine meets them: a configuration in New York time follows the
/// NYSE's rules (ExchangeHolidays) without a list kept by hand. Before, Christmas Eve's afternoon was trading hours
/// after the 13:00 close (a hedge sized on an after-hours print, held by IB for the next open) and New Year's Day a
/// session whose quiet feedFilling was asked for again and told silent.
module Bifrost.Domain.Tests.Trading.HolidayScenarioTests

open System
open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests.Fixtures

/// 10 calls K=100 expiring in March 2027 (the fixtures' legs expire in March 2026), US equity hours.
let private withCalendar (cal: SessionCalendar) =
    let c = config 1
    let call = OptionContract.create (cid 2) "XYZ" Call 100.0 (Timestamp.ofDateTimeUtc (DateTime(2027, 3, 19, 20, 0, 0, DateTimeKind.Utc))) 100 |> Result.get
    { c with Calendar = cal; Strategy = { c.Strategy with Legs = [ { Option = call; Quantity = 10 } ] } }

let private nyse = withCalendar (ExchangeHolidays.apply Nyse SessionCalendar.usEquities)
let private noRules = withCalendar SessionCalendar.usEquities

/// New York time in December and January (EST, UTC−5).
let private ny (y: int) (m: int) (d: int) (h: int) (mi: int) (s: float) =
    Timestamp.ofDateTimeUtc (DateTime(y, m, d, h, mi, 0, DateTimeKind.Utc).AddHours(5.0).AddSeconds(s))
let private uq px t = at t (QuoteReceived(quote underlyingId (px - 0.01) (px + 0.01) t))
let private lq t = at t (QuoteReceived(quote (cid 2) 2.9 3.1 t))


/// Started at `t` with the calls, hedged at 100.
let private startedAt (c: Config) (t: Timestamp) =
    let s, _ =
        feedFilling c (State.initial c, [])
            [ at t (EngineStarted Restored.empty); at (Timestamp.add (Duration.ofSeconds 0.1) t) (BrokerConnected [ c.Account ])
              let t2 = Timestamp.add (Duration.ofSeconds 0.2) t
              at t2 (PositionReported(cid 2, 10, 3.0)); at t2 PositionsEnded; at t2 OpenOrdersEnded; at t2 ExecutionsEnded
              lq t2; uq 100.0 t2; at (Timestamp.add (Duration.ofSeconds 1.0) t) ClockTicked ]
    Expect.isTrue (match s.Fsm with Running _ -> true | _ -> false) $"running: {FsmState.name s.Fsm}"
    Expect.isTrue (s.Orders.Count > 0) "the calls hedged"
    s

[<Tests>]
let tests =
    testList "Trading.HolidayScenario" [
        testCase "ChristmasEve_AfterTheEarlyClose_AnAfterHoursMoveSendsNoHedge" <| fun () ->
            // Thursday 2026-12-24: the NYSE closes at 13:00. At 13:00:20 the stock prints 3 % higher after hours (the
            // calls' 12:59:59 quote still within stale_after): beyond the band, but no session to trade in.
            let run (c: Config) =
                let s = startedAt c (ny 2026 12 24 12 0 0.0)
                let before = s.Orders.Count
                let s, _ = feedFilling c (s, []) [ lq (ny 2026 12 24 12 59 59.0); uq 100.0 (ny 2026 12 24 12 59 59.0) ]
                let s, cmds = feedFilling c (s, []) [ uq 103.0 (ny 2026 12 24 13 0 20.0); at (ny 2026 12 24 13 0 21.0) ClockTicked ]
                s.Orders.Count - before, placed cmds
            let orders, _ = run nyse
            Expect.equal orders 0 "no hedge after the half day's close"
            // The same afternoon without the rules was trading hours: the hedge went out (IB holds it for the next open).
            let orders, hedges = run noRules
            Expect.equal orders 1 "without the rules: a hedge on the after-hours print"
            Expect.equal (hedges |> List.exactlyOne).Side Sell "selling the calls' new delta"
        testCase "Flatten_OnChristmasEveAfterTheEarlyClose_IsRefusedAtOnce_NothingSent_EnginePaused" <| fun () ->
            // 13:30 on the half day: the operator flattens. Before, a market order went to IB, which held it for Monday's
            // open (filled at the gap, unwatched if the daemon was down by then); the run's timeout cancelled it after
            // five minutes anyway. Now nothing is sent; the operator is told at once and the engine pauses.
            let run (c: Config) =
                let s = startedAt c (ny 2026 12 24 12 0 0.0)
                let hedge = State.qtyOf s underlyingId
                let t = ny 2026 12 24 13 30 0.0
                let s, cmds = feedFilling c (s, []) [ at t (ControlRequested(FlattenExposure, meta 7L)) ]
                hedge, s, cmds
            let hedge, s, cmds = run nyse
            Expect.notEqual hedge 0 "the calls' hedge is on"
            Expect.isEmpty (placed cmds) "no order after the close"
            let refusal = cmds |> List.pick (function CompleteControl(7L, Refused why) -> Some why | _ -> None)
            Expect.stringContains refusal "outside the session's hours" "the refusal names the session"
            Expect.stringContains refusal $"{abs hedge} shares of the hedge still to buy" "and what is left"
            let alert = alerts cmds |> List.find (fun a -> a.Code = "FLATTEN_INCOMPLETE")
            Expect.equal alert.Severity Critical "paged"
            Expect.equal (FsmState.name s.Fsm) "Paused" "no more hedging until the operator resumes"
            Expect.equal (State.qtyOf s underlyingId) hedge "the hedge untouched"
            // The same afternoon without the rules was a session: the flatten's market order went out.
            let _, _, cmds = run noRules
            Expect.equal (placed cmds |> List.exactlyOne).Purpose Flatten "without the rules: a flatten order after the close"
        testCase "Flatten_AfterTheClose_WithAfterFlattenStop_PausesRatherThanStops" <| fun () ->
            // `after_flatten: stop` follows a flatten that was done; one refused outside the session leaves the hedge on,
            // and a stopped daemon would leave it unwatched at the open.
            let c = { nyse with Control = { nyse.Control with AfterFlatten = StopAfterFlatten } }
            let s = startedAt c (ny 2026 12 24 12 0 0.0)
            let s, cmds = feedFilling c (s, []) [ at (ny 2026 12 24 13 30 0.0) (ControlRequested(FlattenExposure, meta 7L)) ]
            Expect.isEmpty (placed cmds) "nothing sent"
            Expect.isFalse (cmds |> List.exists (function Exit _ -> true | _ -> false)) "no exit"
            Expect.equal (FsmState.name s.Fsm) "Paused" "paused, watching"
        testCase "NewYearsDay_IsNoSession_TheQuietFeedIsNeitherAskedForNorToldSilent" <| fun () ->
            // Running from Thursday 2026-12-31 15:00; quotes end at the 16:00 close; Friday 2027-01-01 is a holiday.
            let run (c: Config) =
                let s = startedAt c (ny 2026 12 31 15 0 0.0)
                let s, _ = feedFilling c (s, []) [ lq (ny 2026 12 31 15 59 59.0); uq 100.0 (ny 2026 12 31 15 59 59.0) ]
                let holiday = [ for m in 0 .. 5 .. 90 -> at (ny 2027 1 1 9 30 (float m * 60.0)) ClockTicked ]
                let _, cmds = feedFilling c (s, []) holiday
                let told = alerts cmds |> List.filter (fun a -> a.Code = "MARKET_DATA_STALE")
                let asked = cmds |> List.filter (function SubscribeMarketData _ -> true | _ -> false)
                told, asked
            let told, asked = run nyse
            Expect.isEmpty told "no MARKET_DATA_STALE on a holiday"
            Expect.isEmpty asked "nothing asked for again"
            let told, asked = run noRules
            Expect.isNonEmpty told "without the rules: the holiday's quiet feedFilling was told silent"
            Expect.isNonEmpty asked "and asked for again"
    ]
