/// TWS's word on its own link to IB (1100, 2110, 1101/1102, the farms' status) and what it blocks and unblocks.
module Bifrost.Domain.Tests.Trading.ConnectivityTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures

let cfg = config 1

let step s e = Reducer.step cfg s e

let private brokerCheck (s: State) =
    (SelfCheck.run cfg s).Checks |> List.find (fun c -> c.Name = "broker_connected")

/// The account as the strategy holds it, answered at `t`: the sync a reconnect or a restore asked for ends.
let private syncAnswers (s: State) t =
    [ for l in cfg.Strategy.Legs do at (sec t) (PositionReported(l.Option.ContractId, l.Quantity, 3.0))
      at (sec t) (PositionReported(underlyingId, State.hedgePosition cfg s, 100.0))
      at (sec t) PositionsEnded; at (sec t) OpenOrdersEnded; at (sec t) ExecutionsEnded ]

let private usfarm ok = FarmStatusChanged(MarketDataFarm, "usfarm", ok)

[<Tests>]
let tests =
    testList "Trading.Connectivity" [
        // 2110 ("connectivity between TWS and server is broken, it will be restored automatically") blocked as a 1100
        // and only 1101/1102 ended it; TWS may say it is back by its data farms' OK alone. Before, one 2110 never
        // followed by 1101/1102 blocked every order — the light RED, the book unhedged — until the socket dropped.
        testCase "ServerBroken2110_BlocksOrders_UntilADataFarmOk_WhichResubscribesAndReconcilesAsA1101" <| fun () ->
            let s = hedged cfg
            let s, cmds = step s (at (sec 1.0) ServerConnectivityBroken)
            Expect.isFalse (State.brokerUp s) "orders blocked"
            Expect.equal s.Fsm Paused "paused by the critical alert"
            let alert = Expect.wantSome (alerts cmds |> List.tryFind (fun a -> a.Code = "IB_CONNECTIVITY_LOST")) "told"
            Expect.stringContains alert.Message "2110" "the alert names TWS's code"
            let broker = brokerCheck s
            Expect.isFalse broker.Passed "the light says so"
            Expect.stringContains broker.Detail "2110" "and names the 2110"
            // The farm's OK: TWS reached IB's servers again. Subscriptions may be gone: asked for again; the account
            // reconciled (orders may have filled meanwhile).
            let s, cmds = step s (at (sec 2.0) (usfarm true))
            Expect.isTrue (State.brokerUp s) "orders unblocked by TWS's word"
            Expect.isTrue (brokerCheck s).Passed "the light says connected"
            Expect.contains cmds (RequestReconcile Sync.scopes) "reconciled"
            Expect.exists cmds (function SubscribeMarketData ids -> List.contains underlyingId ids | _ -> false) "market data asked for again"
            let s, _ = Reducer.run cfg s (syncAnswers s 2.1)
            Expect.equal s.Fsm Paused "the sync ends where the critical alert left it: resuming is the operator's"
            let s, _ = step s (at (sec 3.0) (ControlRequested(Resume, meta 1L)))
            Expect.isTrue (match s.Fsm with Running _ -> true | _ -> false) $"resumed: {s.Fsm}"
            let _, cmds = quoteStanding cfg s (sec 4.0) 103.99 104.01
            Expect.isNonEmpty (placed cmds) "the hedger trades again on the move"
        testCase "ServerBroken2110_ASecDefFarmOkEndsItToo_AnHmdsFarmsDoesNot" <| fun () ->
            let s, _ = step (hedged cfg) (at (sec 1.0) ServerConnectivityBroken)
            // 2106/2107 both read as the HMDS farm "ok" (2107: inactive, available on demand): no word of the servers.
            let s, _ = step s (at (sec 1.5) (FarmStatusChanged(HistoricalFarm, "ushmds", true)))
            Expect.isFalse (State.brokerUp s) "still blocked after an HMDS farm's status"
            let s, _ = step s (at (sec 2.0) (FarmStatusChanged(SecurityDefinitionFarm, "secdefil", true)))
            Expect.isTrue (State.brokerUp s) "the sec-def farm's OK (2158) ends it"
        testCase "A1100_IsEndedOnlyBy1101Or1102_NeverByAFarmOk_WithOrWithoutA2110" <| fun () ->
            for broken in [ [ ConnectivityLost ]; [ ConnectivityLost; ServerConnectivityBroken ]; [ ServerConnectivityBroken; ConnectivityLost ] ] do
                let s, _ = Reducer.run cfg (hedged cfg) [ for e in broken -> at (sec 1.0) e ]
                let s, _ = Reducer.run cfg s [ at (sec 2.0) (usfarm false); at (sec 2.1) (usfarm true) ]
                Expect.isFalse (State.brokerUp s) $"a farm's OK says nothing of TWS's link to IB after {broken}"
                Expect.stringContains (brokerCheck s).Detail "1100" "the light names the 1100"
                let s, _ = step s (at (sec 3.0) (ConnectivityRestored true))
                Expect.isTrue (State.brokerUp s) $"1102 ends it ({broken})"
        testCase "ServerBroken2110_EndedBy1102_KeepsTheSubscriptions_AndALaterFarmOkChangesNothing" <| fun () ->
            let s, _ = step (hedged cfg) (at (sec 1.0) ServerConnectivityBroken)
            let s, cmds = step s (at (sec 2.0) (ConnectivityRestored true))
            Expect.isTrue (State.brokerUp s) "1102 ends it"
            Expect.isFalse (cmds |> List.exists (function SubscribeMarketData _ -> true | _ -> false)) "data maintained: nothing asked again"
            let s, _ = Reducer.run cfg s (syncAnswers s 2.1)
            let _, cmds = Reducer.run cfg s [ at (sec 3.0) (usfarm false); at (sec 3.1) (usfarm true) ]
            Expect.isFalse (cmds |> List.contains (RequestReconcile Sync.scopes)) "a farm flap later starts no sync"
        testCase "ServerBroken2110_EndedByAFarmOk_WhileTheDaemonStarts_TheConnectFindsIbReachable" <| fun () ->
            // Both said on the session during the start-up lookups, before the engine hears it is connected.
            let events = startEvents cfg 100.0
            let s, _ = runAll cfg [ List.head events; at (sec 0.05) ServerConnectivityBroken; at (sec 0.06) (usfarm true) ]
            let s, _ = Reducer.run cfg s (List.tail events)
            Expect.isTrue (State.brokerUp s) "IB reachable: TWS said so before the connect"
            Expect.isTrue (match s.Fsm with Running _ | Paused -> true | _ -> false) $"synced: {s.Fsm}"
        testCase "ServerBroken2110_ThenTheSocketDrops_TheNextSessionIsJudgedOnItsOwnWord" <| fun () ->
            let s, _ = step (hedged cfg) (at (sec 1.0) ServerConnectivityBroken)
            let s, _ = Reducer.run cfg s [ at (sec 2.0) (BrokerDisconnected "drop"); at (sec 3.0) (BrokerConnected [ cfg.Account ]) ]
            Expect.isTrue (State.brokerUp s) "the new session says nothing of IB"
            let s, cmds = step s (at (sec 3.5) (usfarm true))
            Expect.isFalse (cmds |> List.contains (RequestReconcile Sync.scopes)) "its farms' OK ends no 2110 of the old session"
            Expect.isTrue (State.brokerUp s) "still up"
    ]
