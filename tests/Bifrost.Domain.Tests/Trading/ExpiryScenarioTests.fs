/// Expiry settlement through the reducer: a holding in the money is exercised (long) or assigned (short), and the
/// stock it delivers offsets the hedge; the engine must not trade that hedge back, and pauses for the operator while
/// the broker settles (or when the close may fall either side of the strike).
module Bifrost.Domain.Tests.Trading.ExpiryScenarioTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures

let cfg = config 1
let cfg2 = config 2

let step c s e = Reducer.step c s e

/// The config's first leg (10 XYZ 100 calls) expiring at 10 s, with a 60-s cooldown so the spot can move before the
/// expiry without a hedge in between (the hedge stays what it was at 100).
let expiringOutOfTheMoney (c: Config) =
    let leg = List.head c.Strategy.Legs
    { c with
        Strategy =
            { c.Strategy with
                Legs = [ { leg with Option = { leg.Option with Expiry = sec 10.0 } } ]
                Cooldown = Duration.ofSeconds 60.0 } }

/// Started at 100, the first hedge filled, then the underlying quoted at `spot` at 5 s (within the cooldown).
let hedgedThenAt (c: Config) spot =
    let s = hedged c
    let s, cmds = quoteStanding c s (sec 5.0) (spot - 0.01) (spot + 0.01)
    Expect.isEmpty (placed cmds) "no hedge within the cooldown"
    s

/// Hedged at 100 with the calls expiring in an hour; restarted the next day (the store: the calls and the hedge), the
/// sync done, then the first underlying quote at `spot`: the settlement and every command from the quote on.
let restartAcrossTheExpiry (c: Config) spot =
    let leg = List.head c.Strategy.Legs
    let c = { c with Strategy = { c.Strategy with Legs = [ { leg with Option = { leg.Option with Expiry = sec 3_600.0 } } ] } }
    let s = hedged c
    let own = State.hedgePosition c s
    let calls = Holding.empty |> Holding.applyFill 100 Buy 10 3.0
    let stock = Holding.empty |> Holding.applyFill 1 (Side.ofSignedQuantity own) (abs own) 100.0
    let restored = { Restored.empty with Holdings = [ cid 2, calls; underlyingId, stock ]; Memory = Some(Restart.memoryOf s) }
    let t = sec 86_400.0
    let tt d = Timestamp.add (Duration.ofSeconds d) t
    let s, _ =
        Reducer.run c (State.initial c)
            [ at t (EngineStarted restored); at (tt 0.1) (BrokerConnected [ c.Account ])
              at (tt 0.2) (PositionReported(cid 2, 10, 3.0)); at (tt 0.2) (PositionReported(underlyingId, own, 100.0))
              at (tt 0.3) PositionsEnded; at (tt 0.3) OpenOrdersEnded; at (tt 0.3) ExecutionsEnded ]
    Reducer.run c s [ at (tt 2.0) (QuoteReceived(quote underlyingId (spot - 0.01) (spot + 0.01) (tt 2.0))) ]

let private settlement (cmds: Command list) = alerts cmds |> List.filter (fun a -> a.Code = "EXPIRY_SETTLEMENT")

[<Tests>]
let tests =
    testList "Trading.ExpiryScenario" [
        testCase "Delivery_ByRightAndSide_AndNoneOutOfTheMoney" <| fun () ->
            let call, put = option 2 Call 100.0, option 3 Put 100.0
            Expect.equal (Expiry.delivery call 10 5.0) (Some(1_000, 105.0)) "long calls receive the shares, at the spot"
            Expect.equal (Expiry.delivery put 10 5.0) (Some(-1_000, 95.0)) "long puts deliver them"
            Expect.equal (Expiry.delivery call -10 5.0) (Some(-1_000, 105.0)) "short calls are assigned: shares delivered"
            Expect.equal (Expiry.delivery put -10 5.0) (Some(1_000, 95.0)) "short puts are assigned: shares received"
            Expect.equal (Expiry.delivery call 10 0.005) None "under a cent in the money: not exercised by exception"
            Expect.equal (Expiry.delivery call 0 5.0) None "nothing held"
        // The hedger bought back the −hedge after the calls expired in the money, while their exercise delivered the
        // same shares: the account ended long 1,000 XYZ, unhedged, with a GREEN light.
        testCase "InTheMoneyCallsExpire_TheExerciseIsTheStrategysStock_TheHedgeIsNotTradedBack_AndTheEnginePauses" <| fun () ->
            let c = expiringOutOfTheMoney cfg
            let s = hedgedThenAt c 105.0
            let own = State.hedgePosition c s
            Expect.isLessThan own -100 "hedged short against the calls"
            let s, _ = step c s (at (sec 9.0) (QuoteReceived(quote (cid 2) 4.99 5.01 (sec 9.0)))) // the calls' last mid: intrinsic
            let pnl = State.totalPnl c s
            let s, cmds = step c s (at (sec 11.0) ClockTicked)
            let a = Props.single (settlement cmds)
            Expect.equal a.Severity Critical "critical: the operator checks the broker's settlement"
            Expect.stringContains a.Message "+1000 XYZ delivered by exercise" "says what was booked"
            Expect.equal (State.qtyOf s (cid 2)) 0 "the calls are gone"
            Expect.equal (State.hedgePosition c s) (own + 1_000) "the delivered shares are the strategy's"
            Expect.floatClose Accuracy.high (State.totalPnl c s) pnl "settling at the spot moves no P&L (marked at mid before, realised after)"
            Expect.equal s.Fsm Paused "paused"
            Expect.stringContains s.PausedBy "EXPIRY_SETTLEMENT" "by the settlement"
            Expect.isEmpty (placed cmds) "no order in the expiry's step"
            Expect.notEqual (SelfCheck.run c s).Health Health.Healthy "not GREEN while the settlement is unconfirmed"
            // Quotes while paused trade nothing; the operator resumes and the hedger trades the residual only.
            let s, cmds = step c s (at (sec 65.0) (QuoteReceived(quote underlyingId 104.99 105.01 (sec 65.0))))
            Expect.isEmpty (placed cmds) "nothing while paused"
            let s, cmds = Reducer.run c s [ at (sec 70.0) (ControlRequested(Resume, meta 9L)); at (sec 71.0) (QuoteReceived(quote underlyingId 104.99 105.01 (sec 71.0))) ]
            let o = Props.single (placed cmds)
            Expect.equal (Side.sign o.Side * o.Quantity) (-(own + 1_000)) "the residual of the exercise against the hedge, toward flat"
            Expect.equal (State.hedgePosition c s) (own + 1_000) "not filled yet"
        testCase "Restart_AfterAnInTheMoneyExpiry_KeepsTheDeliveredStock_AndDoesNotDeliverItTwice" <| fun () ->
            let c = expiringOutOfTheMoney cfg
            let s = hedgedThenAt c 105.0
            let own = State.hedgePosition c s
            let s, _ = step c s (at (sec 11.0) ClockTicked)
            // What the store gives back: the calls' and the hedge's fills, the memory with the expiry's price.
            let calls = Holding.empty |> Holding.applyFill 100 Buy 10 3.0
            let hedge = Holding.empty |> Holding.applyFill 1 (Side.ofSignedQuantity own) (abs own) 100.0
            let restored = { Restored.empty with Holdings = [ cid 2, calls; underlyingId, hedge ]; Memory = Some(Restart.memoryOf s) }
            let r, _ = step c (State.initial c) (at (sec 20.0) (EngineStarted restored))
            Expect.equal (State.qtyOf r (cid 2)) 0 "the calls stay out"
            Expect.equal (State.hedgePosition c r) (own + 1_000) "the delivery is re-applied once"
            Expect.equal (Portfolio.holding underlyingId r.Portfolio) (Portfolio.holding underlyingId s.Portfolio) "the stock's cost and P&L as before"
            Expect.floatClose Accuracy.high (Portfolio.totalRealized r.Portfolio) (Portfolio.totalRealized s.Portfolio) "realised P&L as before"
            Expect.stringContains r.PausedBy "EXPIRY_SETTLEMENT" "still paused for the operator"
            let r2, _ = step c (State.initial c) (at (sec 30.0) (EngineStarted { restored with Memory = Some(Restart.memoryOf r) }))
            Expect.equal (State.hedgePosition c r2) (own + 1_000) "a second restart neither"
        testCase "LegExpiringNearTheMoney_OutOfIt_IsBookedWorthless_ButPausesForTheOperator" <| fun () ->
            let c = expiringOutOfTheMoney cfg
            let s = hedgedThenAt c 99.5
            let own = State.hedgePosition c s
            let s, cmds = step c s (at (sec 11.0) ClockTicked)
            let a = Props.single (settlement cmds)
            Expect.stringContains a.Message "the official close decides exercise" "says why"
            Expect.equal (State.hedgePosition c s) own "nothing delivered"
            Expect.equal s.Fsm Paused "paused: the close may have been in the money"
            Expect.isEmpty (placed cmds) "the hedge is not traded back in the expiry's step"
        // Down over the close: the first price after it is Monday's, clearly out of the money, but the broker settled
        // at Friday's close, which may have been in the money (and delivered the shares the hedge offsets).
        testCase "LegSettledAtAPriceFromAfterTheClose_OutOfTheMoney_StillPausesForTheOperator" <| fun () ->
            let expiring = restartAcrossTheExpiry cfg 97.0
            let s, cmds = expiring
            let a = Props.single (settlement cmds)
            Expect.stringContains a.Message "priced after the close" "says why"
            Expect.equal s.Fsm Paused "paused"
            Expect.isEmpty (placed cmds) "the hedge is not traded back"
        // The feed died an hour before the close at 100: the 102 calls were booked worthless on that price with a
        // warning, but the market closed at 104 and OCC delivered 1,000 shares the hedger then bought its hedge back on.
        testCase "Expiry_WithTheUnderlyingsQuoteStale_PausesForTheOperator" <| fun () ->
            let leg = List.head cfg.Strategy.Legs
            let expiry = sec 7_200.0
            let c = { cfg with Strategy = { cfg.Strategy with Legs = [ { leg with Option = { leg.Option with Strike = 102.0; Expiry = expiry } } ] } }
            let s = hedged c
            let own = State.hedgePosition c s
            let last = sec 3_600.0
            let s, _ = Reducer.run c s [ at last (QuoteReceived(quote underlyingId 99.99 100.01 last)); at (sec 3_601.0) ClockTicked ]
            let s, cmds = step c s (at (sec 7_201.0) ClockTicked)
            let a = Props.single (settlement cmds)
            Expect.equal a.Severity Critical "critical: the close, not a price an hour old, decides exercise"
            Expect.stringContains a.Message "last quote was 3600 s old at the expiry" "says why: the spot's age"
            Expect.stringContains a.Message "guards.stale_after_seconds" "names the limit"
            Expect.equal s.Fsm Paused "paused for the operator"
            Expect.equal (State.hedgePosition c s) own "nothing delivered at the stale price"
            Expect.isEmpty (placed cmds) "the hedge is not traded back"
            let s, cmds = Reducer.run c s [ at (sec 7_260.0) (QuoteReceived(quote underlyingId 103.99 104.01 (sec 7_260.0))); at (sec 7_261.0) ClockTicked ]
            Expect.isEmpty (placed cmds) "nor when the feed comes back: paused until the operator has checked the account"
            Expect.equal s.Fsm Paused "still paused"
        testCase "Expiry_WithAPriceJumpHeld_PausesForTheOperator" <| fun () ->
            let c = expiringOutOfTheMoney cfg
            let s = hedgedThenAt c 97.0
            // A jump to 105 held unconfirmed at the close: 97 is only the last accepted price.
            let held = { Quote = quote underlyingId 104.99 105.01 (sec 9.5); Since = sec 9.5; From = 97.0; Level = 105.0 }
            let s, cmds = step c { s with HeldJump = Some held } (at (sec 11.0) ClockTicked)
            let a = Props.single (settlement cmds)
            Expect.stringContains a.Message "price jump of the underlying to 105.00 was held" "says why: the held jump"
            Expect.equal s.Fsm Paused "paused"
            Expect.isEmpty (placed cmds) "the hedge is not traded back"
        testCase "LegExpiringClearlyOutOfTheMoney_IsAWarning_AndTheHedgeGoesBackToFlat" <| fun () ->
            let c = expiringOutOfTheMoney cfg
            let s = hedgedThenAt c 97.0
            let own = State.hedgePosition c s
            let s, cmds = step c s (at (sec 11.0) ClockTicked)
            Expect.isEmpty (settlement cmds) "no settlement to check"
            Expect.exists (alerts cmds) (fun a -> a.Code = "LEG_EXPIRED" && a.Severity = Warning) "a warning"
            Expect.isTrue (match s.Fsm with Running _ -> true | _ -> false) "still running"
            let _, cmds = step c s (at (sec 71.0) (QuoteReceived(quote underlyingId 96.99 97.01 (sec 71.0))))
            let o = Props.single (placed cmds)
            Expect.equal (Side.sign o.Side * o.Quantity) -own "the hedge back to flat"
        // The daemon's clock steps every second while the underlying streams several quotes a second: the first step
        // past the close found an after-hours quote, settled the calls on it and called it "priced after the close
        // (down over it)" — a critical pause, for calls 3 % out of the money, at every expiry the daemon ran through.
        testCase "UnderlyingQuotedJustAfterTheClose_BeforeTheClockStep_TheLegSettlesAtTheClosesPrice" <| fun () ->
            let c = expiringOutOfTheMoney cfg
            let s = hedgedThenAt c 97.0
            let s, _ = step c s (at (sec 9.5) (QuoteReceived(quote underlyingId 96.99 97.01 (sec 9.5))))
            // The calls' last quote may land after the close first: it moves the engine's clock, not its price.
            let s, cmds =
                Reducer.run c s
                    [ at (sec 10.1) (QuoteReceived(quote (cid 2) 0.01 0.02 (sec 10.1)))
                      at (sec 10.3) (QuoteReceived(quote underlyingId 97.49 97.51 (sec 10.3))); at (sec 11.0) ClockTicked ]
            Expect.isEmpty (settlement cmds) "no settlement to check: clearly out of the money at the close"
            let a = alerts cmds |> List.filter (fun a -> a.Code = "LEG_EXPIRED") |> Props.single
            Expect.stringContains a.Message "spot 97.00" "settled at the last price before the close, not the after-hours one"
            Expect.isTrue (match s.Fsm with Running _ -> true | _ -> false) "still running"
        // A typo in a leg's expiry (2026 for 2027) names an option that has expired: the broker still describes it (the
        // lookup includes expired contracts), the sync noted "expired: not adopted", and the engine ran GREEN hedging
        // an empty book while the account's real options (another contract) went unhedged.
        testCase "LegConfiguredPastItsExpiry_NeverHeld_HaltsTheStart_NamingTheLegAndItsExpiry" <| fun () ->
            let leg = List.head cfg.Strategy.Legs
            let c = { cfg with Strategy = { cfg.Strategy with Legs = [ { leg with Option = { leg.Option with Expiry = sec -86_400.0 } } ] } }
            let events =
                [ at (sec 0.0) (EngineStarted Restored.empty); at (sec 0.1) (BrokerConnected [ c.Account ])
                  at (sec 0.2) (PositionReported(leg.Option.ContractId, 0, 0.0)); at (sec 0.3) PositionsEnded
                  at (sec 0.3) OpenOrdersEnded; at (sec 0.3) ExecutionsEnded
                  at (sec 0.5) (QuoteReceived(quote underlyingId 99.99 100.01 (sec 0.5))); at (sec 1.0) ClockTicked ]
            let s, cmds = runAll c events
            Expect.isTrue (match s.Fsm with Halted _ -> true | _ -> false) $"halted, not running on an empty book ({FsmState.name s.Fsm})"
            let a = alerts cmds |> List.filter (fun a -> a.Code = "LEG_ALREADY_EXPIRED") |> Props.single
            Expect.equal a.Severity Critical "critical"
            Expect.stringContains a.Message "strategy.legs[0].expiry" "names the key"
            Expect.stringContains a.Message (OptionBook.describe (List.head c.Strategy.Legs).Option) "and the leg by its terms"
            Expect.isEmpty (placed cmds) "nothing traded"
            // Neither a resume nor a book confirmation takes the typo for a leg once held: each syncs and halts again.
            let answers t = [ at (sec t) (PositionReported(leg.Option.ContractId, 0, 0.0)); at (sec t) PositionsEnded; at (sec t) OpenOrdersEnded; at (sec t) ExecutionsEnded ]
            let s, cmds = Reducer.run c s (at (sec 10.0) (ControlRequested(Resume, meta 1L)) :: answers 10.1)
            Expect.exists (alerts cmds) (fun a -> a.Code = "LEG_ALREADY_EXPIRED") "resume: told again"
            let s, cmds = Reducer.run c s (at (sec 20.0) (BookConfirmRequested { Legs = [ underlyingId, 0 ]; Meta = meta 2L }) :: answers 20.1)
            Expect.exists (alerts cmds) (fun a -> a.Code = "LEG_ALREADY_EXPIRED") "confirm_book: told again"
            let _, cmds = Reducer.run c s (at (sec 30.0) (ControlRequested(Resume, meta 3L)) :: answers 30.1 @ [ at (sec 31.0) (QuoteReceived(quote underlyingId 99.99 100.01 (sec 31.0))); at (sec 32.0) ClockTicked ])
            Expect.isEmpty (placed cmds) "nothing traded"
            Expect.exists (alerts cmds) (fun a -> a.Code = "LEG_ALREADY_EXPIRED") "still halted on it"
        testCase "ManualOrder_OnALegThatHasExpired_IsRefused_NamingTheLegByItsTerms" <| fun () ->
            let c = expiringOutOfTheMoney cfg
            let s = hedgedThenAt c 97.0
            let s, _ = step c s (at (sec 11.0) ClockTicked)
            let leg = (List.head c.Strategy.Legs).Option
            let m = { RunId = "m9"; ContractId = leg.ContractId; Side = Sell; Quantity = 1; Type = Market; RiskBypass = false; Meta = meta 9L; AdjustsStrategy = true }
            let _, cmds = step c s (at (sec 12.0) (ManualOrderRequested m))
            Expect.isEmpty (placed cmds) "nothing sent"
            let why = cmds |> List.pick (function CompleteControl(9L, Refused why) -> Some why | _ -> None)
            Expect.stringStarts why $"{OptionBook.describe leg} has expired" $"the leg by its terms, not its contract id: {why}"
        // A leg the strategy no longer held at its expiry (closed before it, in a roll) was never taken out of the
        // book: its feed ended with its listing, its last quote went stale, and every hedge of the legs that live on
        // was blocked (DATA_LAG) for good, their delta unhedged until the operator took the leg out and restarted.
        testCase "LegExpiringUnheld_ItsEndedFeed_DoesNotBlockTheHedgeOfTheLegsThatLiveOn" <| fun () ->
            let calls, puts = cfg2.Strategy.Legs.[0], cfg2.Strategy.Legs.[1]
            let c =
                { cfg2 with
                    Strategy =
                        { cfg2.Strategy with
                            Legs = [ { calls with Quantity = 0; Option = { calls.Option with Expiry = sec 10.0 } }; puts ] } }
            let s = hedged c
            let own = State.hedgePosition c s
            let quoted t = [ at (sec t) (QuoteReceived(quote underlyingId 99.99 100.01 (sec t))); at (sec t) (QuoteReceived(quote puts.Option.ContractId 2.9 3.1 (sec t))) ]
            // The calls quoted up to their close, then no more (IB ends an expired option's feed).
            let s, cmds =
                Reducer.run c s
                    ([ at (sec 9.0) (QuoteReceived(quote calls.Option.ContractId 0.01 0.03 (sec 9.0))); at (sec 11.0) ClockTicked ]
                     @ quoted 20.0 @ [ at (sec 30.0) ClockTicked ] @ quoted 40.0 @ [ at (sec 45.0) ClockTicked ])
            Expect.isEmpty (settlement cmds) "nothing held: nothing to settle"
            Expect.isEmpty (placed cmds) "nothing to hedge at 100"
            Expect.equal (State.hedgePosition c s) own "the hedge as it was"
            // The underlying moves 2 %: the puts' delta moves past the band, and the hedger trades it.
            let s, cmds = Reducer.step c s (at (sec 50.0) (QuoteReceived(quote underlyingId 97.99 98.01 (sec 50.0))))
            Expect.isFalse (List.contains BlockReason.DataLag (SelfCheck.run c s).BlockReasons) "the expired calls' silence is no data lag"
            let o = Props.single (placed cmds)
            Expect.equal o.Side Buy "the puts' delta fell: shares bought"
        testCase "FillReportedAfterAnInTheMoneyLegExpired_IsDeliveredWithTheRest" <| fun () ->
            let c = expiringOutOfTheMoney cfg
            let s = hedgedThenAt c 105.0
            let own = State.hedgePosition c s
            let s, _ = Reducer.run c s [ at (sec 9.0) (QuoteReceived(quote underlyingId 104.99 105.01 (sec 9.0))); at (sec 9.0) (QuoteReceived(quote (cid 2) 4.99 5.01 (sec 9.0))) ]
            let r = { Rebalance.RunId = "b1"; Targets = [ cid 2, 12 ]; RiskBypass = false; Meta = meta 4L }
            let s, cmds = step c s (at (sec 9.0) (RebalanceRequested r))
            let order = placed cmds |> List.exactlyOne
            let s, _ = step c s (at (sec 11.0) ClockTicked)
            Expect.equal (State.hedgePosition c s) (own + 1_000) "the 10 held at the close"
            let s, cmds = step c s (at (sec 11.5) (execFor order 2 5.0 "late"))
            Expect.equal (State.qtyOf s (cid 2)) 0 "closed at the expiry's price"
            Expect.equal (State.hedgePosition c s) (own + 1_200) "and the 2 filled before the close exercised with them"
            Expect.exists (alerts cmds) (fun a -> a.Code = "LEG_EXPIRED" && a.Message.Contains "+200 shares delivered") "said so"
            let leg = (List.head c.Strategy.Legs).Option
            Expect.exists (alerts cmds) (fun a -> a.Code = "LEG_EXPIRED" && a.Message.StartsWith(OptionBook.describe leg)) "naming the leg by its terms, not its contract id"
        // Two legs of one strike and right differ by their expiry alone (a calendar): the texts name it.
        testCase "ExpiryTexts_NameTheLegByItsTerms_ExpiryIncluded" <| fun () ->
            let c = expiringOutOfTheMoney cfg
            let leg = (List.head c.Strategy.Legs).Option
            let s = hedgedThenAt c 97.0
            let s, cmds = step c s (at (sec 11.0) ClockTicked)
            let a = alerts cmds |> List.filter (fun a -> a.Code = "LEG_EXPIRED") |> Props.single
            Expect.stringStarts a.Message $"{OptionBook.describe leg} ({ContractId.value leg.ContractId}) expired" "the leg by its terms"
            let r = { Rebalance.RunId = "b2"; Targets = [ leg.ContractId, 2 ]; RiskBypass = false; Meta = meta 5L }
            let _, cmds = step c s (at (sec 12.0) (RebalanceRequested r))
            let why = cmds |> List.pick (function CompleteControl(5L, Refused why) -> Some why | _ -> None)
            Expect.stringContains why (OptionBook.describe leg) $"the rebalance's refusal names it too: {why}"
    ]
