/// The exchange's session as the model meets it: the restart alphabet (quotes, fills, faults, the operator's manual
/// orders, rebalances, pauses, stale feeds, restarts rebuilt from the store, hours passing) run against the NYSE's
/// calendar by rule, from Monday 2025-12-29 04:20 New York time across nights, a weekend and New Year's Day.
///
/// Invariant: no order is sent outside the session — not a hedge, an operator's order or run, nor a flatten: on a
/// holiday, after a half day's 13:00 close, at night or on a weekend IB would hold it for the next open and fill it at
/// whatever the market gaps to, sized on a price from the day before (and unwatched if the daemon is down by then).
module Bifrost.Domain.Tests.Trading.SessionHoursProperties

open Expecto
open FsCheck.FSharp
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures
open Bifrost.Domain.Tests.Trading.BrokerModel
open Bifrost.Domain.Tests.Trading.RestartProperties

let private nyse = ExchangeHolidays.apply Nyse SessionCalendar.usEquities

/// The NYSE's calendar, and — `halfDayFirst` — the scenario's first day (Monday 2025-12-29) made a half day too, so
/// the 13:00 close is crossed within hours of the start.
let sessionConfig legCount expiry halfDayFirst =
    let c = restartConfig legCount expiry
    let cal = if halfDayFirst then { nyse with EarlyCloses = nyse.EarlyCloses.Add(SessionCalendar.dayOf 2025 12 29, 780) } else nyse
    { c with Calendar = cal }

/// More hours passing than the shared alphabet (the session is 6.5 hours of 24), and manual orders and rebalances at
/// any hour.
let genSessionScenario =
    gen {
        let! legCount = Gen.choose (1, 3)
        let! expiry = Gen.frequency [ 1, Gen.constant None; 1, Gen.choose (2, 100) |> Gen.map Some ]
        let! halfDayFirst = Gen.elements [ true; false ]
        // Most scenarios open inside the session (10:20–15:20 New York), so hedges and runs trade before a close comes.
        let! opening = Gen.frequency [ 1, Gen.constant []; 3, Gen.choose (6, 11) |> Gen.map (fun h -> [ Hours h ]) ]
        let! n = Gen.choose (30, 120)
        let! actions =
            Gen.listOfLength n
                (Gen.frequency
                    [ 20, genRestartAction legCount
                      3, Gen.choose (1, 9) |> Gen.map Hours
                      1, Gen.map4 (fun s q b a -> Base(Manual(s, q, b, a))) (Gen.elements [ Buy; Sell ]) (Gen.choose (1, 400)) (Gen.elements [ true; false ]) (Gen.elements [ true; false ])
                      1, Gen.choose (-300, 300) |> Gen.map (Base << RebalanceStock) ])
        return legCount, expiry, halfDayFirst, opening @ actions
    }

/// Orders sent outside the session (none may be).
let outOfSessionOrders (cfg: Config) (steps: Step list) =
    [ for st in steps do
          for req in placed st.Commands do
              if not (SessionCalendar.isOpen cfg.Calendar st.After.Now) then
                  let struct (day, minute) = SessionCalendar.localDayAndMinute cfg.Calendar st.After.Now
                  yield $"{OrderPurpose.name req.Purpose} {Side.name req.Side} {req.Quantity} at {SessionCalendar.dayText day} {minute / 60:D2}:{minute % 60:D2} New York ({FsmState.name st.Before.Fsm}, on {st.Event.Payload.GetType().Name})" ]

let private run (legCount, expiry, halfDayFirst, actions) =
    let cfg = sessionConfig legCount expiry halfDayFirst
    cfg, fst (runWithRestarts cfg actions)

/// Orders sent in the session; steps outside it at which the engine ran and a quote or an operator's order came (the
/// moments an ungated engine would trade); of those, how many on New Year's Day and after a half day's close.
let private coverage (runs: (Config * Step list) list) =
    let inSession, outside, holiday, afterHalfDay = ref 0, ref 0, ref 0, ref 0
    for cfg, steps in runs do
        for st in steps do
            let openNow = SessionCalendar.isOpen cfg.Calendar st.After.Now
            if openNow then inSession.Value <- inSession.Value + (placed st.Commands).Length
            else
                let tempting =
                    match st.Before.Fsm, st.Event.Payload with
                    | Running _, (QuoteReceived _ | ManualOrderRequested _ | RebalanceRequested _) -> true
                    | _ -> false
                if tempting then
                    outside.Value <- outside.Value + 1
                    let struct (day, minute) = SessionCalendar.localDayAndMinute cfg.Calendar st.After.Now
                    if day = SessionCalendar.dayOf 2026 1 1 then holiday.Value <- holiday.Value + 1
                    if cfg.Calendar.EarlyCloses.ContainsKey day && minute >= 780 && minute < 960 then afterHalfDay.Value <- afterHalfDay.Value + 1
    inSession.Value, outside.Value, holiday.Value, afterHalfDay.Value

[<Tests>]
let tests =
    testList "Trading.SessionHoursProperties" [
        Props.property "No order goes out outside the NYSE's session (nights, weekends, New Year's Day, after a half day's close), across restarts, pauses, stale feeds, faults and the operator's orders" 300
            (Prop.forAll (Arb.fromGen genSessionScenario) (fun scenario ->
                let cfg, steps = run scenario
                Props.noneOf (outOfSessionOrders cfg steps |> List.map (sprintf "sent outside the session: %s"))))
        // The other invariants on the exchange's calendar: session days roll at New York midnight, the open meets a
        // night's quotes, a holiday and a half day's close come between.
        Props.property "GREEN stays safe on the NYSE's calendar across nights, a holiday and a half day's close, with restarts" 300
            (Prop.forAll (Arb.fromGen genSessionScenario) (fun scenario -> let cfg, steps = run scenario in SafetyProperties.Invariants.greenIsSafe cfg steps))
        Props.property "No order on stale data on the NYSE's calendar, with restarts" 300
            (Prop.forAll (Arb.fromGen genSessionScenario) (fun scenario -> let cfg, steps = run scenario in SafetyProperties.Invariants.noOrderOnStaleData cfg steps))
        Props.property "A clock step in the session that finds a risk limit breached never leaves the engine running, on the NYSE's calendar with tight limits" 300
            (Prop.forAll (Arb.fromGen genSessionScenario) (fun (legCount, expiry, halfDay, actions) ->
                let cfg = tightLimits (sessionConfig legCount expiry halfDay)
                Props.noneOf (RiskLimitProperties.tradesOnPastABreach cfg (fst (runWithRestarts cfg actions)))))
        Props.property "Every operator command is answered exactly once on the NYSE's calendar, with restarts" 300
            (Prop.forAll (Arb.fromGen genSessionScenario) (fun (legCount, expiry, halfDay, actions) ->
                let cfg = sessionConfig legCount expiry halfDay
                let steps, restarts = runWithRestarts cfg actions
                Props.noneOf (ControlAnswerProperties.unanswered steps (restarts |> List.map (fun r -> r.At)))))
        // A flatten refused outside the session pauses (or goes back to its halt): across a restart, on this calendar too.
        // The operator resumes often in the shared alphabet, which closes the window the property watches: here he
        // never resumes after his first flatten, so the market moving in the next session meets an engine that must not
        // hedge (a refused flatten that left it running hedged at the next open).
        Props.property "After the operator's flatten no hedge goes out until he resumes, on the NYSE's calendar with restarts" 300
            (Prop.forAll (Arb.fromGen genSessionScenario) (fun (legCount, expiry, halfDay, actions) ->
                let first = actions |> List.tryFindIndex (function Base(Ctl FlattenExposure) -> true | _ -> false) |> Option.defaultValue actions.Length
                let actions = actions |> List.indexed |> List.filter (fun (i, a) -> i <= first || a <> Base(Ctl Resume)) |> List.map snd
                let _, steps = run (legCount, expiry, halfDay, actions)
                Props.noneOf (FlattenRefusalTests.hedgesAfterAFlattenBeforeAResume steps)))
        Props.seeded "The session scenarios trade in the session and meet quotes and orders outside it, on New Year's Day and after a half day's close" (fun seed ->
            let runs = Gen.sampleWithSeed seed 60 300 genSessionScenario |> Array.toList |> List.map run
            let inSession, outside, holiday, afterHalfDay = coverage runs
            printfn "session coverage: %d orders in the session; %d quotes or orders outside it while running, %d on New Year's Day, %d after a half day's close" inSession outside holiday afterHalfDay
            Expect.isGreaterThanOrEqual inSession 80 "orders in the session"
            Expect.isGreaterThanOrEqual outside 2000 "quotes or operator orders outside the session while running"
            Expect.isGreaterThanOrEqual holiday 200 "on New Year's Day"
            Expect.isGreaterThanOrEqual afterHalfDay 100 "after a half day's close"
            // The refusal the flatten property above leans on: a flatten asked outside the session, a restart after it.
            let refusedOutside =
                runs |> List.sumBy (fun (_, steps) ->
                    let refusals =
                        steps |> List.indexed |> List.choose (fun (i, st) ->
                            if st.Commands |> List.exists (function RaiseAlert a -> a.Code = "FLATTEN_INCOMPLETE" && a.Message.Contains "outside the session" | _ -> false)
                            then Some i else None)
                    refusals |> List.filter (fun i -> steps |> List.skip (i + 1) |> List.exists (fun st -> match st.Event.Payload with EngineStarted _ -> true | _ -> false)) |> List.length)
            printfn "flattens refused outside the session with a restart after them: %d" refusedOutside
            Expect.isGreaterThanOrEqual refusedOutside 3 "flattens refused outside the session, then a restart")
    ]
