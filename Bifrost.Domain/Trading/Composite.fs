namespace Bifrost.Domain.Trading

open Bifrost.Domain
open Bifrost.Domain.Strategy

/// Assembles the classifier's discrete picture from the state.
module Composite =
    let bandHalfWidth (cfg: Config) (s: State) =
        Bands.halfWidth cfg.Strategy (Config.legMultiplier cfg) s.Book.Gamma (State.spot s)

    let control (s: State) =
        match s.Fsm with
        | Running _ | Flattening _ -> Trading
        | Paused -> PausedControl
        | Halted _ -> HaltedControl
        | Stopping _ | Stopped -> StoppingControl
        | Starting | Syncing _ -> NotSynced

    let orderInFlight (s: State) =
        match s.Fsm with
        | Running(HedgePending _) | Running(RunPending _) | Flattening _ -> true
        | _ -> not s.Open.IsEmpty

    let freshness (cfg: Config) (s: State) =
        (s.Underlying.ContractId, Classifier.freshness cfg.Guards s.Now s.Underlying)
        :: [ for leg in s.Legs -> leg.Option.ContractId, Classifier.freshness cfg.Guards s.Now leg.Quote ]

    let classify (cfg: Config) (s: State) : CompositeState =
        let half = bandHalfWidth cfg s
        let deviation = State.netDelta cfg s - cfg.Strategy.TargetDelta
        let fresh = freshness cfg s
        let dailyPnl = State.totalPnl cfg s - s.Daily.StartPnl
        { Delta = Classifier.delta cfg.Strategy.DriftFraction half cfg.Strategy.HardDeltaLimit deviation
          DeltaDeviation = deviation
          BandHalfWidth = half
          Freshness = fresh
          Data = Classifier.worst (fresh |> Seq.map snd)
          Spread = Classifier.spread cfg.Guards s.Underlying
          Hours = Classifier.hours cfg.Calendar s.Now
          Risk = (match s.Fsm with Halted _ -> RiskHalted | _ -> s.Risk)
          Broker = Classifier.broker s.Connectivity.SocketUp s.Connectivity.IbUp (State.farmsOk s)
          Control = control s
          OrderInFlight = orderInFlight s
          CoolingDown = s.LastHedgeAt <> Timestamp.zero && Timestamp.since s.LastHedgeAt s.Now < cfg.Strategy.Cooldown
          StoreOk = s.StoreOk
          TradesToday = s.Daily.Trades
          DailyPnl = dailyPnl
          HedgePosition = State.hedgePosition cfg s
          AvailableFunds = State.availableFunds s
          Limits = cfg.Risk
          MinHedgeShares = cfg.Strategy.MinHedgeShares }
