namespace Bifrost.Domain.Trading

open Bifrost.Domain

/// The broker link: account checks on connect, 1100/1101/1102, farm status, and never-decreasing order ids.
module Connectivity =
    let private scalperUniverse (cfg: Config) = cfg.Strategy.Underlying.ContractId :: [ for l in cfg.Strategy.Legs -> l.Option.ContractId ]

    /// What the engine subscribes to: the scalper's contracts and the portfolio's symbols (one owner per contract).
    let private universe (cfg: Config) (s: State) =
        scalperUniverse cfg @ (s.PortfolioSetup |> Option.map Bifrost.Domain.PortfolioRuns.PortfolioSetup.contractIds |> Option.defaultValue [])

    let private isPaperAccount (account: string) = account.StartsWith "DU" || account.StartsWith "DF"

    /// Paper by default: paper mode needs a paper (DU/DF) account; live mode refuses one (IBC #29, Lean #9496).
    let accountProblem (cfg: Config) (accounts: string list) =
        if not (accounts |> List.contains cfg.Account) then
            let listed = String.concat "," accounts
            Some $"configured account {cfg.Account} is not among the managed accounts [{listed}]"
        else
            match cfg.Mode with
            | Paper when not (isPaperAccount cfg.Account) -> Some $"paper mode but account {cfg.Account} is not a paper (DU) account"
            | Live when isPaperAccount cfg.Account -> Some $"live mode but account {cfg.Account} is a paper account"
            | _ -> None

    let onConnected (cfg: Config) (s: State) (accounts: string list) =
        match accountProblem cfg accounts with
        | Some problem ->
            let s' = { s with Fsm = Stopped }
            s', Emit.alertAndRecord s Critical "ACCOUNT_MISMATCH" problem @ [ Emit.publish cfg s'; Exit 2 ]
        | None ->
            // IbUp is TWS's word on this session (reset when the last one dropped): a 1100 it sent while the daemon
            // started (before this event) stands until its 1101/1102. Set here, it was overwritten, and the engine
            // took IB for reachable while TWS had said otherwise.
            let s = { s with Connectivity = { s.Connectivity with SocketUp = true; SubscribedAt = s.Now } }
            let connected = Emit.note s OperationKind.FsmChanged "" ("broker connected, accounts " + String.concat "," accounts)
            match s.Fsm with
            // No sync while stopping: the cancels the stop (or anything before it) asked for while the socket was down
            // are sent again here, or the stop would end on its timeout with the orders live at the broker.
            | Stopping _ -> s, connected :: RequestReconcile Sync.scopes :: OrderFlow.resendCancels s "cancel sent again after the reconnect (stopping)"
            | _ ->
                let s, aborted = Sync.flattenInterrupted "connection lost" s
                let s', cmds = Sync.start s (Sync.resumeTargetFor s)
                s', connected :: aborted @ cmds @ [ SubscribeMarketData(universe cfg s) ]

    /// The next session starts without TWS's word of a lost IB: a 1100 it sends comes before its BrokerConnected.
    let onDisconnected (s: State) (reason: string) =
        { s with Connectivity = { s.Connectivity with SocketUp = false; IbUp = true; ServerBroken = false } },
        Emit.alertAndRecord s Warning "BROKER_DISCONNECTED" reason

    let onConnectivityLost (s: State) =
        { s with Connectivity = { s.Connectivity with IbUp = false; ServerBroken = false } },
        Emit.alertAndRecord s Critical "IB_CONNECTIVITY_LOST" "1100: TWS lost its connection to IB; orders blocked"

    /// 2110 blocks as 1100 does, but TWS may end it by its data farms' OK alone: without that, one 2110 never followed
    /// by 1101/1102 blocked every order (and the light stayed RED) until the socket dropped. Under a 1100 it changes
    /// nothing: that one still waits for 1101/1102.
    let onServerBroken (s: State) =
        if not s.Connectivity.IbUp then s, [ Emit.note s OperationKind.FsmChanged "" "2110: TWS's connection to IB's servers broken (IB already lost)" ]
        else
            { s with Connectivity = { s.Connectivity with IbUp = false; ServerBroken = true } },
            Emit.alertAndRecord s Critical "IB_CONNECTIVITY_LOST"
                "2110: TWS's connection to IB's servers is broken; orders blocked until TWS says it is back (1101/1102, or a data farm OK)"

    /// 1101/1102: reconcile what may have happened while down; 1101 also lost the market data subscriptions.
    let private restored (cfg: Config) (s: State) (dataMaintained: bool) (what: string) =
        let s = { s with Connectivity = { s.Connectivity with IbUp = true; ServerBroken = false; SubscribedAt = (if dataMaintained then s.Connectivity.SubscribedAt else s.Now) } }
        let note = Emit.note s OperationKind.FsmChanged "" what
        let resubscribe = if dataMaintained then [] else [ SubscribeMarketData(universe cfg s) ]
        match s.Fsm with
        | Stopping _ -> s, note :: resubscribe @ OrderFlow.resendCancels s "cancel sent again after IB came back (stopping)"
        | Stopped | Starting -> s, note :: resubscribe
        | fsm ->
            let s, aborted = Sync.flattenInterrupted (if dataMaintained then "1102 reconnect" else "1101 reconnect") s
            let s', cmds = Sync.start s (Sync.resumeTargetOf fsm)
            s', note :: aborted @ cmds @ resubscribe

    let onConnectivityRestored (cfg: Config) (s: State) (dataMaintained: bool) =
        restored cfg s dataMaintained (if dataMaintained then "1102: restored, data maintained" else "1101: restored, data lost")

    /// Kept per farm as TWS names it: one flag for all of a kind let the stock farm's OK clear the options farm's
    /// broken, and the light said every farm was fine while the legs' was down.
    let private onFarmStatus (s: State) (farm: Farm) (name: string) (ok: bool) =
        match s.Connectivity.Farms |> Map.tryFind (farm, name) with
        | Some was when was = ok -> s, []
        | _ ->
            { s with Connectivity = { s.Connectivity with Farms = s.Connectivity.Farms |> Map.add (farm, name) ok } },
            [ Emit.note s OperationKind.FsmChanged "" (Farm.label farm name + (if ok then " ok" else " broken")) ]

    /// After a 2110 a market-data or sec-def farm's OK (2104, 2158: TWS reached IB's servers again) ends it as a 1101:
    /// whether the subscriptions survived is not said, so they are asked for again and the account reconciled. (An
    /// HMDS farm's "ok" may be 2107, inactive: not taken as word of the servers.)
    let onFarm (cfg: Config) (s: State) (farm: Farm) (name: string) (ok: bool) =
        let s', cmds = onFarmStatus s farm name ok
        match farm with
        | MarketDataFarm | SecurityDefinitionFarm when ok && s'.Connectivity.ServerBroken ->
            let s'', more = restored cfg s' false $"2110 ended: {Farm.label farm name} ok; data may be lost, asked for again"
            s'', cmds @ more
        | _ -> s', cmds

    /// Order ids never go down, whatever the broker says after a restart (Lean #242). One in the request-id range is
    /// taken (IB refuses lower ones) and alerted at once: OrderFlow.placeRef sends nothing under it and halts.
    let onNextValidId (s: State) (id: int) =
        if id > s.NextOrderId then
            { s with NextOrderId = id },
            match OrderFlow.orderIdProblem id with
            | Some why -> Emit.alertAndRecord s Critical "ORDER_IDS_EXHAUSTED" $"nextValidId {id}: {why}"
            | None -> []
        elif id < s.NextOrderId then
            s, [ Emit.note s OperationKind.Anomaly "" $"nextValidId {id} is below our high-water mark {s.NextOrderId - 1}: ignored" ]
        else s, []
