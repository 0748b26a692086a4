namespace Bifrost.Domain.Trading

open Bifrost.Domain
open Bifrost.Domain.Strategy

/// The pure core: `step : Config -> State -> Event -> State * Command list`, total over every (state, event).
/// Like Elm's `update`, it dispatches each event to the one function of its concern; the shell decides nothing.
module Reducer =
    let private restore (cfg: Config) (s: State) (r: Restored) =
        match s.Fsm with
        | Starting ->
            let s' =
                { (r.Orders |> List.fold (fun s o -> State.putOrder o s) s) with
                    RefByIbId = r.Orders |> List.fold (fun m o -> m |> Map.add o.IbOrderId o.Ref) s.RefByIbId
                    Portfolio = r.Holdings |> List.fold (fun p (id, h) -> Portfolio.adopt id h p) s.Portfolio
                    SeenExecs = r.SeenExecIds |> List.fold (fun acc e -> Set.add e acc) s.SeenExecs
                    NextOrderId = max s.NextOrderId (r.OrderIdHighWater + 1)
                    NextOrderSeq = max s.NextOrderSeq r.NextOrderSeq
                    HighWater = r.HighWater }
            let s' = { s' with Book = Book.aggregate s'.Legs s'.Portfolio }
            s', [ Emit.note s' OperationKind.FsmChanged cfg.RunId $"engine started: {r.Orders.Length} orders, {r.Holdings.Length} holdings restored, next order id {s'.NextOrderId}" ]
        | other ->
            { s with Anomalies = s.Anomalies + 1 }, [ Emit.note s OperationKind.Anomaly cfg.RunId $"EngineStarted in state {FsmState.name other}: ignored" ]

    /// The envelope's times are the truth; copy the quote only when they differ.
    let private stamp (e: Event) (q: Quote) =
        if q.VenueTime = e.Venue && q.ReceiveTime = e.Received then q else { q with VenueTime = e.Venue; ReceiveTime = e.Received }

    /// Order events settle activities (hedge pending, runs, flatten, stop) and change the book's quantities.
    let private afterOrders (cfg: Config) (s: State, cmds: Command list) =
        let s = { s with Book = Book.aggregate s.Legs s.Portfolio }
        let s', more = Progress.afterOrders cfg s
        s', cmds @ more

    let private dispatch (cfg: Config) (s: State) (e: Event) : State * Command list =
        match e.Payload with
        | EngineStarted r -> restore cfg s r
        | QuoteReceived q -> MarketData.onQuote cfg s s.Now (stamp e q)
        | TickReceived(id, field, value) -> MarketData.onTick cfg s e.Venue id field value
        | OptionComputationReceived(id, iv) -> MarketData.onOptionComputation cfg s id iv
        | ClockTicked -> Clock.onTick cfg s
        | BrokerConnected accounts -> Connectivity.onConnected cfg s accounts
        | BrokerDisconnected reason -> Connectivity.onDisconnected s reason
        | ConnectivityLost -> Connectivity.onConnectivityLost s
        | ConnectivityRestored maintained -> Connectivity.onConnectivityRestored cfg s maintained
        | FarmStatusChanged(farm, ok) -> Connectivity.onFarm s farm ok
        | NextValidIdReceived id -> Connectivity.onNextValidId s id
        | OrderStatusReported r -> OrderFlow.onStatus s r |> afterOrders cfg
        | OpenOrderReported r -> Sync.onOpenOrder s r |> afterOrders cfg
        | OpenOrdersEnded -> Sync.onOpenOrdersEnded cfg s
        | ExecutionReported x -> OrderFlow.onExecution s x |> afterOrders cfg
        | ExecutionsEnded -> Sync.onExecutionsEnded cfg s
        | CommissionReported(id, c) -> OrderFlow.onCommission s id c
        | PositionReported(id, qty, cost) -> { s with Portfolio = Portfolio.setBroker id qty cost s.Portfolio }, []
        | PositionsEnded -> Sync.onPositionsEnded cfg s
        | AccountValueReported(key, value) -> { s with AccountValues = s.AccountValues |> Map.add key value }, []
        | OrderErrorReported(id, code, message) -> OrderFlow.onOrderError s id code message |> afterOrders cfg
        | StoreFailed reason -> { s with StoreOk = false }, Emit.alertAndRecord s Critical "STORE_FAILED" $"{reason}: new orders blocked"
        | StoreRecovered -> { s with StoreOk = true }, [ Emit.note s OperationKind.FsmChanged "" "store recovered" ]
        | ControlRequested(control, meta) -> Controls.onControl cfg s control meta
        | ManualOrderRequested m -> Runs.manual cfg s m
        | RebalanceRequested r -> Runs.rebalance cfg s r

    let step (cfg: Config) (s: State) (e: Event) : State * Command list =
        match s.Fsm with
        | Stopped -> s, [] // terminal: a stopped engine decides nothing more
        | _ ->
            // "Now" is the receive time, and never goes backwards.
            let now = if e.Received > s.Now then e.Received else s.Now
            match e.Payload with
            // The hot path: the quote handler sets Now in its single state copy.
            | QuoteReceived q -> MarketData.onQuote cfg s now (stamp e q)
            | _ -> dispatch cfg (if now = s.Now then s else { s with Now = now }) e

    /// Folds a sequence of events; returns the final state and every command in order.
    let run (cfg: Config) (s: State) (events: Event seq) =
        let mutable state = s
        let commands = ResizeArray()
        for e in events do
            let s', cmds = step cfg state e
            state <- s'
            commands.AddRange cmds
        state, List.ofSeq commands
