/// A feed that falls quiet is asked for again, and told when the request brings nothing (FeedWatch): the cases, one
/// at a time.
module Bifrost.Domain.Tests.Trading.FeedWatchTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures

let private cfg = config 1

let private codes (cmds: Command list) = alerts cmds |> List.map (fun a -> a.Code)
let private told code (cmds: Command list) = alerts cmds |> List.filter (fun a -> a.Code = code)
let private asked (cmds: Command list) = cmds |> List.choose (function SubscribeMarketData ids -> Some ids | _ -> None)

/// Clock ticks at each second from `first` to `last`: the state and every command.
let private ticks (c: Config) (s: State) (first: float) (last: float) =
    [ first .. last ] |> List.fold (fun (s, acc) t -> let s, cmds = Reducer.step c s (at (sec t) ClockTicked) in s, acc @ cmds) (s, [])

/// Every contract of the scalper quoted at `t`, at the prices the start-up quoted.
let private quoteAll (c: Config) (s: State) (t: float) =
    let events =
        [ for l in c.Strategy.Legs do at (sec t) (QuoteReceived(quote l.Option.ContractId 2.9 3.1 (sec t)))
          at (sec t) (QuoteReceived(quote underlyingId 99.99 100.01 (sec t))) ]
    Reducer.run c s events

/// The sync a reconnect at `t` (+0.1 s) runs: the fixtures' restart without its start, the account as the engine holds it.
let private reconnectEvents (c: Config) (s: State) (t: float) = restartEvents c s s.Memory t |> List.tail

[<Tests>]
let tests =
    testList "Trading.FeedWatch" [
        testCase "SilentFeed_InTheSession_IsAskedForQuietly_ThenTold_WhenTheAnswerDoesNotCome" <| fun () ->
            // Quoted last at 0.4 s (the leg) and 0.5 s (the underlying); stale_after is 30 s, so asked for after 15 s.
            let s = hedged cfg
            let s, early = ticks cfg s 1.0 15.0
            Expect.isEmpty (alerts early) "nothing told"
            Expect.isEmpty (asked early) "nothing asked for"
            let s, probe = ticks cfg s 16.0 16.0
            Expect.equal (asked probe) [ [ underlyingId; cid 2 ] ] "both asked for again, quietly"
            Expect.isEmpty (alerts probe) "a quiet market is not news"
            let s, waiting = ticks cfg s 17.0 30.0
            Expect.isEmpty (alerts waiting) "nothing told before stale_after"
            Expect.isEmpty (asked waiting) "not asked twice"
            let _, cmds = ticks cfg s 31.0 31.0
            let alert = told "MARKET_DATA_STALE" cmds |> List.exactlyOne
            Expect.equal alert.Severity Warning "a warning: the hedger waits for quotes, it does not need the operator to resume"
            Expect.stringContains alert.Message "XYZ (silent 30 s, nothing since it was asked for again 15 s ago)" "the underlying by its symbol"
            Expect.stringContains alert.Message "XYZ 2026" "the leg by its contract"
            Expect.stringContains alert.Message "DATA_LAG" "what it blocks"
            Expect.isEmpty (asked cmds) "asked 15 s ago: asked again at the minute"
        testCase "QuietFeed_TheRequestAnswers_IsNeverTold" <| fun () ->
            // A live feed answers a new request with its standing quote (TWS sends the current quote at once).
            let s, cmds =
                [ 1.0 .. 200.0 ] |> List.fold (fun (s, acc) t ->
                    let s, cmds = Reducer.step cfg s (at (sec t) ClockTicked)
                    let s, answers = if (asked cmds).IsEmpty then s, [] else quoteAll cfg s (t + 0.2)
                    s, acc @ cmds @ answers) (hedged cfg, [])
            Expect.isEmpty (told "MARKET_DATA_STALE" cmds @ told "MARKET_DATA_RESTORED" cmds) "never told: the feed was quiet, not dead"
            Expect.hasLength (asked cmds) 12 "asked for every 16 s of quiet"
            Expect.isTrue s.Connectivity.Silent.IsEmpty "nothing pending"
        testCase "AQuietLeg_DoesNotBlockTheHedger" <| fun () ->
            // The leg quoted last at 0.4 s, the underlying moving: the leg's standing quote is its market (IB sends
            // changes only); before, a leg quiet for lag_after (5 s) blocked every hedge (DATA_LAG) as the underlying moved.
            let s = hedged cfg
            let s, _ = ticks cfg s 1.0 19.0
            let s, cmds = Reducer.step cfg s (at (sec 20.0) (QuoteReceived(quote underlyingId 103.99 104.01 (sec 20.0))))
            let c = Composite.classify cfg s
            Expect.equal c.Data Fresh $"the leg 19.6 s quiet is not lag: {c.Freshness}"
            let hedge = placed cmds |> List.exactlyOne
            let s, _ = Reducer.step cfg s (at (sec 20.5) (execFor hedge hedge.Quantity 104.0 "e1"))
            let s, _ = Reducer.step cfg s (at (sec 31.0) ClockTicked)
            Expect.equal (Composite.classify cfg s).Data Stale "past stale_after the leg's feed may be dead"
            let _, late = Reducer.step cfg s (at (sec 31.5) (QuoteReceived(quote underlyingId 107.99 108.01 (sec 31.5))))
            Expect.isEmpty (placed late) "no hedge on a leg silent past stale_after (DATA_LAG)"
        testCase "APortfolioSymbol_Quiet_IsAskedForAgain_NeverToldSilent" <| fun () ->
            // The hedger's contracts quoted every second; AAA and BBB last at 2 s. A run that needs one refuses it
            // (market_data_error) and says so; between runs a dropped ticker is asked for again before it is needed.
            let s, _ = Reducer.step cfg (hedged cfg) (at (sec 1.1) (PortfolioConfigured(portfolioSetup 0.01 100_000.0 100 None)))
            let s, _ = Reducer.run cfg s [ at (sec 2.0) (QuoteReceived(quote (cid 50) 49.99 50.01 (sec 2.0))); at (sec 2.0) (QuoteReceived(quote (cid 51) 79.99 80.01 (sec 2.0))) ]
            let s, cmds =
                [ 3.0 .. 200.0 ] |> List.fold (fun (s, acc) t ->
                    let s, _ = quoteAll cfg s t
                    let s, cmds = Reducer.step cfg s (at (sec (t + 0.5)) ClockTicked)
                    s, acc @ cmds) (s, [])
            Expect.equal (asked cmds) [ [ cid 50; cid 51 ]; [ cid 50; cid 51 ]; [ cid 50; cid 51 ]; [ cid 50; cid 51 ] ] "asked at 17.5 s, then every minute while silent"
            Expect.isEmpty (alerts cmds) "never told: nothing trades on them between runs"
            let s, _ = Reducer.step cfg s (at (sec 200.6) (QuoteReceived(quote (cid 50) 49.99 50.01 (sec 200.6))))
            let s, back = Reducer.step cfg s (at (sec 201.5) ClockTicked)
            Expect.isEmpty (alerts back) "nor told back"
            Expect.isFalse (s.Connectivity.Silent.ContainsKey(cid 50)) "forgotten once quoted"
        testCase "StillSilent_IsToldOnce_AndAskedForAgainEveryMinute" <| fun () ->
            let _, cmds = ticks cfg (hedged cfg) 1.0 200.0
            Expect.hasLength (told "MARKET_DATA_STALE" cmds) 1 "one alert for the whole silence"
            Expect.hasLength (asked cmds) 4 "at 16 s (quietly), 76 s, 136 s and 196 s"
            Expect.isEmpty (placed cmds) "no order meanwhile"
        testCase "QuotesComeBack_AreToldRestored_AndTheNextSilenceIsToldAgain" <| fun () ->
            let s, _ = ticks cfg (hedged cfg) 1.0 31.0
            let s, _ = quoteAll cfg s 40.0
            let s, back = ticks cfg s 41.0 41.0
            let restored = told "MARKET_DATA_RESTORED" back |> List.exactlyOne
            Expect.equal restored.Severity Info "good news is info"
            Expect.stringContains restored.Message "XYZ after 10 s" "which, and how long it was told silent"
            Expect.isTrue s.Connectivity.Silent.IsEmpty "forgotten"
            let _, later = ticks cfg s 42.0 71.0
            Expect.hasLength (told "MARKET_DATA_STALE" later) 1 "a new silence is a new alert"
        testCase "OutsideTheSession_NothingIsTold_AndAtTheOpenSilenceCountsFromTheOpen" <| fun () ->
            // t0 is 04:20 New York on a Monday: the session opens 5 h 10 min later (18,600 s).
            let c = { cfg with Calendar = SessionCalendar.usEquities }
            let s, _ = runAll c (startEvents c 100.0)
            let s, night = ticks c s 1.0 300.0
            Expect.isEmpty (told "MARKET_DATA_STALE" night) "quotes stop overnight: nobody is told"
            let s, opening = ticks c s 18_600.0 18_630.0
            Expect.isEmpty (told "MARKET_DATA_STALE" opening) "the first 30 s of the session: the opening quotes may still come"
            let _, cmds = ticks c s 18_631.0 18_631.0
            let alert = told "MARKET_DATA_STALE" cmds |> List.exactlyOne
            Expect.stringContains alert.Message "nothing since the data was asked for 31 s ago" "no quote since the open"
        testCase "Disconnected_NothingIsTold_AndAfterTheReconnectSilenceCountsFromItsRequest" <| fun () ->
            let s, _ = Reducer.step cfg (hedged cfg) (at (sec 10.0) (BrokerDisconnected "test"))
            let s, down = ticks cfg s 11.0 49.0
            Expect.equal (codes down) [] "BROKER_DISCONNECTED said it; the feed is not judged without a broker"
            let s, sync = Reducer.run cfg s (reconnectEvents cfg s 50.0)
            Expect.isNonEmpty (asked sync) "the reconnect asks for the data"
            Expect.isTrue (match s.Fsm with Running _ -> true | _ -> false) $"synced: {FsmState.name s.Fsm}"
            let s, waiting = ticks cfg s 51.0 80.0
            Expect.isEmpty (told "MARKET_DATA_STALE" waiting) "30 s from the request"
            let _, cmds = ticks cfg s 81.0 81.0
            Expect.hasLength (told "MARKET_DATA_STALE" cmds) 1 "then told"
        testCase "APausedEngine_IsToldToo" <| fun () ->
            let s, _ = Reducer.step cfg (hedged cfg) (at (sec 1.0) (ControlRequested(Pause, meta 1L)))
            let _, cmds = ticks cfg s 2.0 31.0
            Expect.hasLength (told "MARKET_DATA_STALE" cmds) 1 "the operator resumes onto a dead feed otherwise"
        testCase "Refused_IsToldOncePerCode_UntilTheContractIsQuotedAgain" <| fun () ->
            let refuse t code = at (sec t) (MarketDataRefused(underlyingId, code, "No market data during competing live session"))
            let s, first = Reducer.step cfg (hedged cfg) (refuse 1.0 10197)
            let alert = told "MARKET_DATA_REFUSED" first |> List.exactlyOne
            Expect.stringContains alert.Message "XYZ: 10197 No market data during competing live session" "the symbol and IB's words"
            let s, again = Reducer.step cfg s (refuse 2.0 10197)
            Expect.isEmpty (alerts again) "the same refusal is not told twice"
            let s, other = Reducer.step cfg s (refuse 3.0 354)
            Expect.hasLength (told "MARKET_DATA_REFUSED" other) 1 "another code is news"
            let s, _ = quoteAll cfg s 4.0
            let s, _ = ticks cfg s 5.0 5.0
            let _, afterQuote = Reducer.step cfg s (refuse 6.0 354)
            Expect.hasLength (told "MARKET_DATA_REFUSED" afterQuote) 1 "quoted in between: told again"
    ]
