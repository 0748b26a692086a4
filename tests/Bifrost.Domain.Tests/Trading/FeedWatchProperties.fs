/// A dead feed is never silent: model-based properties over the broker model (feeds that die without a word or with
/// IB's refusal, stale periods, disconnects, 1100s, pauses, halts) and over restarts (state rebuilt from the store).
module Bifrost.Domain.Tests.Trading.FeedWatchProperties

open Expecto
open FsCheck
open FsCheck.FSharp
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures
open Bifrost.Domain.Tests.Trading.BrokerModel
open Bifrost.Domain.Tests.Trading.ReducerProperties
open Bifrost.Domain.Tests.Trading.RestartProperties

let private watched (cfg: Config) (s: State) =
    State.underlyingId cfg
    :: [ for l in s.Legs do
             if not (s.ExpiredLegs.ContainsKey(ContractId.value l.Option.ContractId)) then l.Option.ContractId ]

/// The engine judges its feed: synced, the broker and IB up, in the session.
let private watching (cfg: Config) (s: State) (now: Timestamp) =
    (match s.Fsm with Running _ | Paused | Halted _ | Flattening _ -> true | _ -> false)
    && s.Connectivity.SocketUp && s.Connectivity.IbUp && SessionCalendar.isOpen cfg.Calendar now

let private alertsOf code (st: Step) = alerts st.Commands |> List.filter (fun a -> a.Code = code)

/// Judged from the events and the commands alone (what the operator and the broker see), never from the watch's own
/// state: at each clock step while the engine watches, a contract the hedger needs with no quote for longer than
/// stale_after — counted from its last quote or the engine's last request for its data — is told (MARKET_DATA_STALE
/// naming it) and asked for again (SubscribeMarketData naming it), unless it was told since its last quote; nothing
/// is told stale that was quoted or asked for within stale_after; IB's refusal is told once per contract and code
/// until the contract is quoted again. A silence told stays told (one alert) across disconnects until a quote.
let silenceIsTold (cfg: Config) (steps: Step list) =
    let mutable lastQuoted : Map<ContractId, Timestamp> = Map.empty
    let mutable lastAsked : Map<ContractId, Timestamp> = Map.empty
    let mutable told : Set<ContractId> = Set.empty
    let mutable refusals : Map<ContractId, int> = Map.empty
    let timeOf (m: Map<ContractId, Timestamp>) id = m |> Map.tryFind id |> Option.defaultValue Timestamp.zero
    steps |> List.iteri (fun i st ->
        let now = clockNow st
        let name = OptionBook.contractName cfg st.After
        let quoted id =
            lastQuoted <- lastQuoted |> Map.add id st.Event.Received
            told <- told.Remove id
            refusals <- refusals.Remove id
        match st.Event.Payload with
        | EngineStarted _ ->
            told <- Set.empty
            refusals <- Map.empty
        | QuoteReceived q -> quoted q.ContractId
        | TickReceived(id, _, _) -> quoted id
        // A stopped engine decides nothing more.
        | MarketDataRefused _ when st.Before.Fsm = Stopped -> ()
        | MarketDataRefused(id, code, _) ->
            let saying = alertsOf "MARKET_DATA_REFUSED" st |> List.exists (fun a -> a.Message.Contains $"{name id}: {code} ")
            match refusals |> Map.tryFind id with
            | Some c when c = code -> if saying then failwithf "step %d: refusal %d of %s told twice" i code (name id)
            | _ ->
                if not saying then failwithf "step %d: IB refused %s (%d), nobody told: %A" i (name id) code (alerts st.Commands)
                refusals <- refusals |> Map.add id code
        | ClockTicked when not (watching cfg st.After now) -> ()
        | ClockTicked ->
            let stale = alertsOf "MARKET_DATA_STALE" st
            let asked = st.Commands |> List.collect (function SubscribeMarketData ids -> ids | _ -> [])
            for id in watched cfg st.After do
                let since = max (timeOf lastQuoted id).Nanos (timeOf lastAsked id).Nanos
                let silence = now.Nanos - since
                let saying = stale |> List.exists (fun a -> a.Message.Contains(name id + " ("))
                if silence > cfg.Guards.StaleAfter && not (told.Contains id) && not (saying && List.contains id asked) then
                    let rel (t: Timestamp) = Duration.toSeconds (Timestamp.since t0 t)
                    failwithf "step %d at %.1f s: %s silent %.1f s (quoted at %.1f, asked at %.1f; stale after %.0f s), told %b, asked %b (%s, told silent %A)"
                        i (rel now) (name id) (Duration.toSeconds silence) (rel (timeOf lastQuoted id)) (rel (timeOf lastAsked id))
                        (Duration.toSeconds cfg.Guards.StaleAfter) saying (List.contains id asked) (FsmState.name st.After.Fsm)
                        (st.After.Connectivity.Silent |> Map.toList |> List.map (fst >> ContractId.value))
                if saying && silence <= cfg.Guards.StaleAfter then
                    failwithf "step %d: %s told stale after %.1f s only" i (name id) (Duration.toSeconds silence)
                if saying then told <- told.Add id
        | _ -> ()
        for c in st.Commands do
            match c with
            | SubscribeMarketData ids -> for id in ids do lastAsked <- lastAsked |> Map.add id now
            | _ -> ())
    true

/// How often the scenarios exercise it: silences told, dead feeds back after the request, refusals told. Measured
/// over 600 scenarios (8 seeds): 101–131, 51–86 and 154–184; the thresholds sit 4–5 standard deviations below.
let private coverage (run: int -> Step list) (scenarios: int) =
    let steps = [ for i in 0 .. scenarios - 1 do yield! run i ]
    let count code = steps |> List.sumBy (fun st -> alertsOf code st |> List.length)
    count "MARKET_DATA_STALE", count "MARKET_DATA_RESTORED", count "MARKET_DATA_REFUSED"

[<Tests>]
let tests =
    testList "Trading.FeedWatchProperties" [
        scenarioProperty "A contract the hedger needs that falls silent in the session is told and asked for again; nothing quoted is told silent" silenceIsTold
        restartProperty "Across restarts, a silent contract is told and asked for again by the engine rebuilt from the store" (fun cfg steps _ -> silenceIsTold cfg steps)
        Props.seeded "The scenarios reach silences, recoveries and refusals" (fun seed ->
            let scenarios = Gen.sampleWithSeed seed 60 600 genScenario
            let stale, restored, refused = coverage (fun i -> let n, actions = scenarios.[i] in run (config n) actions) 600
            Expect.isGreaterThanOrEqual stale 60 $"MARKET_DATA_STALE in 600 scenarios (restored {restored}, refused {refused})"
            Expect.isGreaterThanOrEqual restored 25 $"MARKET_DATA_RESTORED in 600 scenarios (stale {stale})"
            Expect.isGreaterThanOrEqual refused 80 $"MARKET_DATA_REFUSED in 600 scenarios")
    ]
