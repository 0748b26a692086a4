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

    /// A leg's quote as last seen: a held one's (still quoted: a leg quoted only wide is not stale), else the accepted.
    let private legQuote (s: State) (leg: LegState) =
        if s.HeldQuotes.IsEmpty then leg.Quote
        else
            match s.HeldQuotes |> Map.tryFind leg.Option.ContractId with
            | Some h -> h.Quote
            | None -> leg.Quote

    /// The hedger's quotes: the underlying's (the hedge's price) by lag_after, the legs' by stale_after
    /// (Classifier.legFreshness). A leg past its expiry prices nothing (held, Expiry.settle takes it out of the book;
    /// unheld, as one closed before it in a roll, nothing of it was ever in), and its feed ends with its listing, so
    /// its silence is not lag (else the light stays DATA_LAG and every hedge — back to flat, or of the legs that live
    /// on — is blocked for good).
    let freshness (cfg: Config) (s: State) =
        (s.Underlying.ContractId, Classifier.freshness cfg.Guards s.Now s.Underlying)
        :: [ for leg in s.Legs do
                 if s.Now.Nanos < leg.Option.Expiry.Nanos then
                     leg.Option.ContractId, Classifier.legFreshness cfg.Guards s.Now (legQuote s leg) ]

    /// The quote of one contract of the universe, if it is one, as last seen: a held one's (the streamed ticks merge
    /// into it), else the accepted one.
    let quoteOf (cfg: Config) (s: State) (conId: ContractId) =
        if conId = State.underlyingId cfg then Some(match s.HeldJump with Some h -> h.Quote | None -> s.Underlying)
        else
            match State.legIndex s conId with
            | Some i -> Some(legQuote s s.Legs.[i])
            | None ->
                match s.HeldQuotes |> Map.tryFind conId with
                | Some h -> Some h.Quote
                | None -> s.PortfolioQuotes |> Map.tryFind conId

    /// Freshness of one contract's quote by receive-time age; a contract with no two-sided quote (or none at all) is
    /// stale: an order is never priced from nothing.
    let freshnessOf (cfg: Config) (s: State) (conId: ContractId) =
        match quoteOf cfg s conId with
        | Some q when Quote.hasTwoSides q || q.Last > 0.0 -> Classifier.freshness cfg.Guards s.Now q
        | _ -> Stale

    /// The buying power a hedge or an operator buy is held to: the broker's last AvailableFunds less what the engine's
    /// own fills and working buys took since (Funds.available). Read raw, a hedge or manual buy seconds after a portfolio
    /// run (or another buy) saw cash the account no longer had, until IB's next report minutes later.
    /// An account reporting in another currency has none in dollars (Funds): a buy it would hold is refused.
    let availableFunds (s: State) =
        match s.AccountCurrency with
        | Some currency -> BuyingPower.NotInDollars currency
        | None when System.Double.IsNaN(Funds.reported s) -> BuyingPower.Unreported
        | None -> BuyingPower.Dollars(Funds.available s)

    let classify (cfg: Config) (s: State) : CompositeState =
        let half = bandHalfWidth cfg s
        let deviation = State.deviation cfg s
        let fresh = freshness cfg s
        let dailyPnl = State.dayPnl cfg s
        { Delta = Classifier.delta cfg.Strategy.DriftFraction half cfg.Strategy.HardDeltaLimit deviation
          DeltaDeviation = deviation
          BandHalfWidth = half
          Freshness = fresh
          Data = Classifier.worst (fresh |> Seq.map snd)
          Spread = Classifier.spread cfg.Guards s.Underlying
          PriceJump = s.HeldJump.IsSome
          UnderlyingHalted = not s.TradingHalts.IsEmpty && s.TradingHalts.ContainsKey(State.underlyingId cfg)
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
          AvailableFunds = availableFunds s
          Limits = cfg.Risk
          MinHedgeShares = cfg.Strategy.MinHedgeShares }
