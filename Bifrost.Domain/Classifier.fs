namespace Bifrost.Domain

/// Where net delta sits relative to the hedge band.
type DeltaClass =
    /// Inside the band's quiet zone.
    | D0
    /// Drifting toward the band edge.
    | D1
    /// Outside the band: a hedge is due.
    | D2
    /// Beyond the hard delta limit.
    | D3

type Freshness =
    | Fresh
    | Lagging
    | Stale

type SpreadClass =
    | SpreadOk
    | SpreadWide

type HoursClass =
    | InHours
    | OutOfHours

type RiskClass =
    | RiskOk
    | NearLimit
    | RiskHalted

type BrokerClass =
    | BrokerUp
    | FarmDegraded
    | BrokerDown

/// What the FSM allows right now, as the guards see it.
type ControlClass =
    | Trading
    | NotSynced
    | PausedControl
    | HaltedControl
    | StoppingControl

/// The buying power a buy is held to (risk.check_buying_power).
[<RequireQualifiedAccess>]
type BuyingPower =
    /// The broker never reported AvailableFunds (the backtest does not simulate it): the check is not made.
    | Unreported
    /// Dollars a buy may still take.
    | Dollars of float
    /// The account reports its figures in this currency (not USD): nothing is known in dollars (Funds).
    | NotInDollars of currency: string

/// The discrete picture of the world the guards decide on.
type CompositeState =
    { Delta: DeltaClass
      /// Net delta minus target, shares.
      DeltaDeviation: float
      BandHalfWidth: float
      /// Freshness per instrument of the book (underlying first).
      Freshness: (ContractId * Freshness) list
      Data: Freshness
      Spread: SpreadClass
      /// The underlying's last quote jumped past guards.max_jump_pct and is held until it stands (or comes back).
      PriceJump: bool
      /// The exchange halted the underlying (IB's tick 49): a hedge would wait for the reopening auction.
      UnderlyingHalted: bool
      Hours: HoursClass
      Risk: RiskClass
      Broker: BrokerClass
      Control: ControlClass
      OrderInFlight: bool
      CoolingDown: bool
      StoreOk: bool
      TradesToday: int
      DailyPnl: float
      /// Strategy-owned shares of the hedge instrument.
      HedgePosition: int
      /// Broker-reported available funds (less what the engine took since), when known and in dollars.
      AvailableFunds: BuyingPower
      Limits: RiskLimits
      MinHedgeShares: int }

/// Explicit names: F#'s default union-to-string goes through reflection (~100 µs), far too slow per tick.
module ClassNames =
    let delta = function D0 -> "D0" | D1 -> "D1" | D2 -> "D2" | D3 -> "D3"
    let freshness = function Fresh -> "fresh" | Lagging -> "lagging" | Stale -> "stale"
    let hours = function InHours -> "in_hours" | OutOfHours -> "out_of_hours"
    let risk = function RiskOk -> "ok" | NearLimit -> "near_limit" | RiskHalted -> "halted"
    let broker = function BrokerUp -> "up" | FarmDegraded -> "farm_degraded" | BrokerDown -> "down"

module Classifier =
    let delta (driftFraction: float) (halfWidth: float) (hardLimit: float) (deviation: float) =
        let a = abs deviation
        if System.Double.IsNaN a then D3
        elif a > hardLimit then D3
        elif a > halfWidth then D2
        elif a > driftFraction * halfWidth then D1
        else D0

    /// By age since receipt (stale past stale_after, lagging past `lagAfter`), and by how far receipt trails the venue's
    /// timestamp.
    let private judge (lagAfter: Duration) (g: GuardConfig) (now: Timestamp) (q: Quote) =
        if q.ReceiveTime = Timestamp.zero then Stale
        else
            let age = Timestamp.since q.ReceiveTime now
            let latency = Timestamp.since q.VenueTime q.ReceiveTime
            if age > g.StaleAfter then Stale
            elif age > lagAfter || latency > g.MaxFeedLatency then Lagging
            else Fresh

    /// Freshness of one quote: by age since receipt, and by how far receipt trails the venue's timestamp.
    let freshness (g: GuardConfig) (now: Timestamp) (q: Quote) = judge g.LagAfter g now q

    /// Freshness of an option leg's quote. IB sends a quote only when it changes, and a leg's market can stand for
    /// many seconds while the underlying's moves: judged by lag_after, a quiet leg blocked every hedge (DATA_LAG)
    /// exactly when the underlying moved. Its mark and vol feed the book's greeks, not the hedge's price, so a leg
    /// lags only by feed latency and is stale only past stale_after, when its feed may be dead (the feed watch asks
    /// for it again well before: a live feed answers with its standing quote).
    let legFreshness (g: GuardConfig) (now: Timestamp) (q: Quote) = judge g.StaleAfter g now q

    let worst (items: Freshness seq) =
        items |> Seq.fold (fun acc f ->
            match acc, f with
            | Stale, _ | _, Stale -> Stale
            | Lagging, _ | _, Lagging -> Lagging
            | _ -> Fresh) Fresh

    let spread (g: GuardConfig) (q: Quote) = if Quote.spreadBps q > g.MaxSpreadBps then SpreadWide else SpreadOk

    let hours (cal: SessionCalendar) (now: Timestamp) = if SessionCalendar.isOpen cal now then InHours else OutOfHours

    let broker (socketUp: bool) (ibConnected: bool) (farmsOk: bool) =
        if not socketUp || not ibConnected then BrokerDown
        elif not farmsOk then FarmDegraded
        else BrokerUp
