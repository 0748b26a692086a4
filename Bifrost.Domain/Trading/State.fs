namespace Bifrost.Domain.Trading

open Bifrost.Domain
open Bifrost.Domain.Strategy

/// What the running strategy is doing.
type Activity =
    | Idle
    /// A hedge order is working: no other strategy order until it is done.
    | HedgePending of OrderRef
    /// A manual or rebalance run's orders are working.
    | RunPending of runId: string * ControlMeta

/// Where Syncing goes once reconciliation matches.
type ResumeTarget =
    | ResumeRunning
    | ResumePaused
    | ResumeHalted of HaltReason

type SyncProgress =
    { Positions: bool
      OpenOrders: bool
      Executions: bool
      /// Bifrost order refs the broker listed as open during this sync.
      ListedOpen: Set<string>
      ResumeTo: ResumeTarget }

type FlattenPhase =
    /// Waiting for the strategy's working orders to be cancelled before sizing the flatten order.
    | AwaitingCancels
    | AwaitingFill of OrderRef
    
type FlattenRun = { RunId: string; Meta: ControlMeta; Phase: FlattenPhase; Attempts: int }

/// The trading FSM.
type FsmState =
    | Starting
    | Syncing of SyncProgress
    | Running of Activity
    | Paused
    | Halted of HaltReason
    | Flattening of FlattenRun
    | Stopping of since: Timestamp * Control: ControlMeta
    | Stopped

module FsmState =
    let name = function
        | Starting -> "Starting"
        | Syncing _ -> "Syncing"
        | Running Idle -> "Running/Idle"
        | Running(HedgePending _) -> "Running/HedgePending"
        | Running(RunPending _) -> "Running/RunPending"
        | Paused -> "Paused"
        | Halted r -> $"Halted({HaltReason.describe r})"
        | Flattening _ -> "Flattening"
        | Stopping _ -> "Stopping"
        | Stopped -> "Stopped"

type LinkStatus =
    { /// The TCP session to TWS / the gateway.
      SocketUp: bool
      /// TWS's own connection to IB (1100 / 1101 / 1102).
      IbUp: bool
      Farms: Map<Farm, bool> }

type DailyCounters =
    { Day: int
      Trades: int
      /// Strategy P&L at the start of the day.
      StartPnl: float }

type State =
    { Fsm: FsmState
      Now: Timestamp
      Underlying: Quote
      Legs: LegState array
      Book: BookGreeks
      Portfolio: Portfolio
      Orders: Map<OrderRef, Order>
      /// Refs of the orders not yet settled (see isSettled), so "is anything in flight" never scans every order.
      Open: Set<OrderRef>
      RefByIbId: Map<int, OrderRef>
      SeenExecs: Set<ExecId>
      /// Exec id → (order, contract) of applied fills, for their commissions.
      FillIndex: Map<ExecId, ContractId>
      CommissionsApplied: Set<ExecId>
      /// Commissions that arrived before their execution.
      PendingCommissions: Map<ExecId, float>
      NextOrderId: int
      NextOrderSeq: int64
      Connectivity: LinkStatus
      AccountValues: Map<string, float>
      Daily: DailyCounters
      HighWater: float
      Risk: RiskClass
      LastHedgeAt: Timestamp
      LastHedgeSpot: float
      Attribution: PnlAttribution
      /// When the book was last valued (attribution's Δt runs from here).
      ValuedAt: Timestamp
      /// When the clock last published a status snapshot.
      LastPublishAt: Timestamp
      /// The last guard block recorded, so a standing block is logged once, not on every tick.
      LastBlock: BlockReason list
      StoreOk: bool
      Anomalies: int }

module State =
    let initial (cfg: Config) =
        let s = cfg.Strategy
        { Fsm = Starting
          Now = Timestamp.zero
          Underlying = Quote.empty s.Underlying.ContractId
          Legs = s.Legs |> List.map (Book.initialLeg s) |> Array.ofList
          Book = Book.zero
          Portfolio = Portfolio.empty
          Orders = Map.empty
          Open = Set.empty
          RefByIbId = Map.empty
          SeenExecs = Set.empty
          FillIndex = Map.empty
          CommissionsApplied = Set.empty
          PendingCommissions = Map.empty
          NextOrderId = 1
          NextOrderSeq = 1L
          Connectivity = { SocketUp = false; IbUp = false; Farms = Map.empty }
          AccountValues = Map.empty
          Daily = { Day = -1; Trades = 0; StartPnl = 0.0 }
          HighWater = 0.0
          Risk = RiskOk
          LastHedgeAt = Timestamp.zero
          LastHedgeSpot = nan
          Attribution = Attribution.zero
          ValuedAt = Timestamp.zero
          LastPublishAt = Timestamp.zero
          LastBlock = []
          StoreOk = true
          Anomalies = 0 }

    let spot (s: State) = Quote.mid s.Underlying
    let underlyingId (cfg: Config) = cfg.Strategy.Underlying.ContractId
    let hedgePosition (cfg: Config) (s: State) = Portfolio.strategyQty (underlyingId cfg) s.Portfolio
    let qtyOf (s: State) conId = Portfolio.strategyQty conId s.Portfolio
    let netDelta (cfg: Config) (s: State) = s.Book.Delta + float (hedgePosition cfg s)

    let legIndex (s: State) (conId: ContractId) = s.Legs |> Array.tryFindIndex (fun l -> l.Option.ContractId = conId)
    let isUniverse (cfg: Config) (s: State) conId = conId = underlyingId cfg || (legIndex s conId).IsSome

    let multiplier (s: State) conId =
        match legIndex s conId with
        | Some i -> s.Legs.[i].Option.Multiplier
        | None -> 1

    /// Mark price of a contract: mid when two-sided, else the model value for legs, else last.
    let mark (cfg: Config) (s: State) conId =
        if conId = underlyingId cfg then spot s
        else
            match legIndex s conId with
            | Some i ->
                let leg = s.Legs.[i]
                if Quote.hasTwoSides leg.Quote then Quote.mid leg.Quote else leg.Greeks.Price
            | None -> nan

    let unrealized cfg (s: State) =
        Portfolio.holdings s.Portfolio |> List.sumBy (fun (conId, h) -> Holding.unrealized (multiplier s conId) (mark cfg s conId) h)

    /// Strategy P&L since start: realised + unrealised − fees (money).
    let totalPnl cfg (s: State) = Portfolio.totalRealized s.Portfolio + unrealized cfg s - Portfolio.totalFees s.Portfolio

    /// An order still counts as in flight until it is terminal and every fill the broker reported has been applied.
    let isSettled (o: Order) =
        OrderStatus.isTerminal o.Status
        && o.Filled >= o.ReportedFilled
        && (o.Status <> Filled || o.Filled >= o.Quantity)

    /// Records an order's new version, keeping the open set in step: the one way orders change.
    let putOrder (o: Order) (s: State) =
        { s with
            Orders = s.Orders |> Map.add o.Ref o
            Open = if isSettled o then s.Open.Remove o.Ref else s.Open.Add o.Ref }

    /// Working orders (not terminal): a subset of the open (unsettled) ones.
    let workingOrders (s: State) = [ for r in s.Open do
                                       let o = s.Orders.[r]
                                       if Order.isWorking o then o ]


    let farmsOk (s: State) = s.Connectivity.Farms |> Map.forall (fun _ ok -> ok)

    let availableFunds (s: State) = s.AccountValues |> Map.tryFind "AvailableFunds"
