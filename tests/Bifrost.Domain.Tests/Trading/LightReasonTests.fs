/// What the light says and why, in scenarios the model properties (LightReasonProperties) found or the review did: a
/// RED light names its reason, and a pause the engine decides comes with its alert, never silently after a restart.
module Bifrost.Domain.Tests.Trading.LightReasonTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests.Fixtures

/// The reconciliation's answers at `t`: the account as the strategy holds it (the legs, the hedge).
let private answers (c: Config) (s: State) (t: float) =
    [ for l in c.Strategy.Legs do at (sec t) (PositionReported(l.Option.ContractId, l.Quantity, 3.0))
      at (sec t) (PositionReported(underlyingId, State.hedgePosition c s, 100.0))
      at (sec t) PositionsEnded; at (sec t) OpenOrdersEnded; at (sec t) ExecutionsEnded ]

/// Another Bifrost run's execution on this account (ANOTHER_ENGINE).
let private foreignFill =
    ExecutionReported
        { ExecId = ExecId.create "f1" |> Result.get; IbOrderId = 5; PermId = 77L; ClientId = 18; Ref = "oi_zz_1"
          ContractId = underlyingId; Side = Buy; Quantity = 10; Price = 100.0 }

[<Tests>]
let tests =
    testList "Trading.LightReason" [
        // Found by the model property: the resume out of RECONCILE_FAILED / ANOTHER_ENGINE ("reconciling again") left
        // the pause's word standing (PausedBy) from a critical alert before the halt. The engine ran, the operator's
        // resume remembered, and the next restart's sync read that word as "a critical alert while restoring": it came
        // back Paused, no alert, the hedger stopped, the light naming an alert of the day before.
        testCase "Restart_AfterTheOperatorResumedAHaltThatFollowedAnAlertsPause_RunsAgain" <| fun () ->
            let c = config 1
            let s = hedged c
            let s, _ = Reducer.run c s [ at (sec 1.0) (StoreFailed "disk full"); at (sec 1.1) StoreRecovered ]
            Expect.equal s.Fsm Paused "paused by the critical alert STORE_FAILED"
            let s, _ = Reducer.step c s (at (sec 2.0) foreignFill)
            Expect.isTrue (match s.Fsm with Halted(AnotherEngine _) -> true | _ -> false) "halted ANOTHER_ENGINE"
            let s, _ = Reducer.run c s (at (sec 3.0) (ControlRequested(Resume, meta 1L)) :: answers c s 3.1)
            Expect.equal s.Fsm (Running Idle) "the operator's resume: reconciled, running"
            let s, cmds = Reducer.run c (State.initial c) (restartEvents c s s.Memory 50.0)
            Expect.equal (FsmState.name s.Fsm) "Running/Idle" "running after the restart, as before it"
            Expect.isEmpty (alerts cmds) "nothing to page about"
            let fsm = (SelfCheck.run c s).Checks |> List.find (fun x -> x.Name = "fsm_running")
            Expect.isFalse (fsm.Detail.Contains "STORE_FAILED") $"no stale alert named: {fsm.Detail}"
        // The last session's doubt, confirmed: RED with no block reason when only account_currency failed (the failing
        // check shown, no "reasons:" line, `status --json` reasons empty): the reasons said nothing was standing.
        testCase "Light_OnAJpyAccount_WithBuyingPowerChecked_NamesAccountCurrencyInItsReasons" <| fun () ->
            let c = { config 1 with Risk = { (config 1).Risk with CheckBuyingPower = true } }
            let s, _ = Reducer.run c (hedged c) [ at (sec 1.0) (AccountValueReported("NetLiquidation", 15_000_000.0, "JPY")) ]
            Expect.equal s.Fsm (Running Idle) "ACCOUNT_CURRENCY does not pause"
            let r = SelfCheck.run c s
            Expect.equal r.Health Health.Blocked "RED: a buy held to buying power is refused"
            Expect.contains (r.BlockReasons |> List.map BlockReason.code) "ACCOUNT_CURRENCY" "the reason the light is RED"
        // The same for a stored snapshot failing its hash check once the operator has resumed the scalper: RED for the
        // portfolio, whose runs are all refused, with no reason standing.
        testCase "Light_AfterTheOperatorResumesPastACorruptSnapshot_NamesSnapshotCorruptInItsReasons" <| fun () ->
            let c = config 1
            let s, _ =
                Reducer.run c (hedged c)
                    [ at (sec 1.0) (PortfolioConfigured(portfolioSetup 0.01 100_000.0 100 None))
                      at (sec 1.1) (PortfolioSnapshotsRestored [ SnapshotCorrupt("old2", "snapshot.content_hash: does not match") ])
                      at (sec 1.2) (ControlRequested(Resume, meta 1L)) ]
            Expect.equal s.Fsm (Running Idle) "the scalper resumed"
            let r = SelfCheck.run c s
            Expect.equal r.Health Health.Blocked "RED: portfolio trading stopped"
            Expect.contains (r.BlockReasons |> List.map BlockReason.code) "SNAPSHOT_CORRUPT" "the reason the light is RED"
            let check = r.Checks |> List.find (fun x -> x.Name = "portfolio_snapshots")
            Expect.stringContains check.Detail "repair the store" "what to do"
        // Found in review: a hedge the day's trade limit (or max_position, the order notional, buying power) blocked
        // was only recorded (GuardBlocked): RED, delta outside the band for the rest of the day, nobody paged — as a
        // dead feed's DATA_LAG was before MARKET_DATA_STALE.
        testCase "HedgeBlockedByTheDailyTradeLimit_OutsideTheBand_IsPagedOnce" <| fun () ->
            let c0 = config 1
            let c = { c0 with Risk = { c0.Risk with MaxDailyTrades = 1 } }
            let s = hedged c
            Expect.equal s.Daily.Trades 1 "the opening hedge took the day's one trade"
            // The stock rises: the calls' delta with it, the hedge would sell more (no risk reduced: not exempt).
            let move px t =
                [ for l in c.Strategy.Legs -> at (sec t) (QuoteReceived { quote l.Option.ContractId (px - 97.1) (px - 96.9) (sec t) with ImpliedVol = 0.2 }) ]
                @ [ at (sec t) (QuoteReceived(quote underlyingId (px - 0.01) (px + 0.01) (sec t))); at (sec t) ClockTicked ]
            let s, cmds = Reducer.run c s (move 103.0 30.0)
            let r = SelfCheck.run c s
            Expect.equal r.Health Health.Blocked "RED: delta outside the band, the hedge blocked"
            Expect.contains r.BlockReasons BlockReason.DailyTradeLimit "named"
            Expect.isEmpty (placed cmds) "no hedge"
            let paged = alerts cmds |> List.filter (fun a -> a.Code = "HEDGE_BLOCKED")
            Expect.equal paged.Length 1 "paged"
            Expect.stringContains paged.Head.Message "DAILY_TRADE_LIMIT" "naming the limit"
            let _, later = Reducer.run c s (move 103.5 60.0 @ move 104.0 90.0)
            Expect.isEmpty (alerts later |> List.filter (fun a -> a.Code = "HEDGE_BLOCKED")) "once, not on every step it stands"
    ]
