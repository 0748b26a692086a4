namespace Bifrost.Domain.Trading

open Bifrost.Domain
open Bifrost.Domain.Strategy

/// The daemon's self-check: a pure function of state, each check with a verdict and a detail. It judges the book as
/// well as the feed: GREEN promises that net delta is within the band (a hedge still in flight is YELLOW), that no risk limit is
/// breached and that no standing block stands in front of a due hedge.
module SelfCheck =
    type private Severity =
        | Blocking
        | Warning

    let private check name severity passed detail = (name, severity, passed, detail)

    /// Reasons that pass on their own within seconds (a hedge cooling down or waiting for its order, a lot too small):
    /// they degrade the light, every other reason in front of a due hedge blocks it.
    let private transient =
        set [ BlockReason.Cooldown; BlockReason.OrderInFlight; BlockReason.BelowMinSize; BlockReason.OutsideHours; BlockReason.PriceJump
              // The exchange's halt, lifted by the exchange: nothing for the operator to do but know (YELLOW, named).
              BlockReason.UnderlyingHalted ]

    /// Only the operator's own orders are open: ORDER_IN_FLIGHT then does not pass within seconds — a resting limit
    /// holds a due hedge until it fills, the operator cancels it or run_timeout does (a delta 20× the band stayed YELLOW).
    let private onlyOperatorOrders (s: State) =
        not s.Open.IsEmpty && s.Open |> Set.forall (fun r -> OrderPurpose.owner s.Orders.[r].Purpose <> StrategyOwned)

    let private hedgeInFlight (s: State) =
        match s.Fsm with
        | Running(HedgePending _) | Flattening _ -> true
        | _ -> false

    /// The hedge a band breach calls for, and the guard's verdict on it (None inside the band or without a price).
    let dueHedge (cfg: Config) (s: State) (c: CompositeState) =
        let spot = State.spot s
        if abs c.DeltaDeviation <= c.BandHalfWidth || not (System.Double.IsFinite spot) then None
        else
            let strategy = { cfg.Strategy with TargetDelta = State.targetDelta cfg s }
            // As the hedger sizes it: held to max_position when a hedge's worth of it fits (Hedging.evaluate).
            let shares = Risk.withinPosition cfg.Risk cfg.Strategy.LotSize cfg.Strategy.MinHedgeShares c.HedgePosition (Bands.hedgeQuantity strategy c.BandHalfWidth (State.netDelta cfg s))
            let intent = { SignedShares = shares; ReferencePrice = spot; Trigger = "band" }
            Some(intent, ExecutionGuard.evaluate c intent)

    /// Limits the book breaches now (blocking) and those it is near (degrading), with their reasons.
    let limitBreaches (cfg: Config) (s: State) (c: CompositeState) =
        let l = cfg.Risk
        let near = l.NearFraction
        let positions =
            [ for (id, h) in Portfolio.holdings s.Portfolio do
                  let q = abs h.Quantity
                  // A portfolio stock is held to the portfolio's own cap, not the scalper's per-contract one: a run
                  // within its limits (10,000 shares where risk.max_position is 2,000) turned the light RED for good.
                  let limit, name =
                      match s.PortfolioSetup |> Option.bind (fun p -> PortfolioRuns.PortfolioSetup.symbolOf p id |> Option.map (fun sym -> p, sym)) with
                      | Some(p, sym) -> p.Settings.Limits.MaxPositionShares, $"{sym} (portfolio.risk.max_position_shares)"
                      | None -> l.MaxPosition, State.contractName cfg s (ContractId.value id)
                  if q > limit then Some BlockReason.PositionLimit, $"POSITION_LIMIT {name}: {h.Quantity} beyond ±{limit}"
                  elif float q >= near * float limit then None, $"position {name}: {h.Quantity} near ±{limit}" ]
        // The P&L the clock judges (the close's out of the session's hours, not after-hours marks beside the close's mids).
        let total = State.limitsPnl cfg s
        let drawdown = State.highWaterWith s total - total
        // The stop-loss and take-profit judge the P&L since the engine took the book (State.takenWith).
        let sinceTaken = total - State.takenWith s total
        let others =
            [ if c.TradesToday >= l.MaxDailyTrades then Some BlockReason.DailyTradeLimit, $"DAILY_TRADE_LIMIT: {c.TradesToday} of {l.MaxDailyTrades}"
              elif float c.TradesToday >= near * float l.MaxDailyTrades then None, $"daily trades {c.TradesToday} near {l.MaxDailyTrades}"
              if c.DailyPnl <= -l.DailyLossLimit then Some BlockReason.DailyLossLimit, $"DAILY_LOSS_LIMIT: day P&L {c.DailyPnl:F2}"
              elif c.DailyPnl <= -near * l.DailyLossLimit then None, $"day P&L {c.DailyPnl:F2} near -{l.DailyLossLimit}"
              if drawdown >= l.MaxDrawdown then Some BlockReason.RiskHalt, $"MAX_DRAWDOWN: {drawdown:F2}"
              elif drawdown >= near * l.MaxDrawdown then None, $"drawdown {drawdown:F2} near {l.MaxDrawdown}"
              // The clock halts on these; between its ticks (a fill's status, the on-demand self-check) the light says so.
              match l.StopLoss with
              | Some sl when sinceTaken <= -sl -> Some BlockReason.RiskHalt, $"STOP_LOSS: strategy P&L {sinceTaken:F2} since the engine took the book"
              | Some sl when sinceTaken <= -near * sl -> None, $"strategy P&L {sinceTaken:F2} since the engine took the book near the stop-loss -{sl}"
              | _ -> ()
              match l.TakeProfit with
              | Some tp when sinceTaken >= tp -> Some BlockReason.RiskHalt, $"TAKE_PROFIT: strategy P&L {sinceTaken:F2} since the engine took the book"
              | _ -> () ]
        positions @ others

    let run (cfg: Config) (s: State) : SelfCheckReport =
        let c = Composite.classify cfg s
        let staleOnes = c.Freshness |> List.filter (fun (_, f) -> f <> Fresh) |> List.map (fun (id, f) -> $"{State.contractName cfg s (ContractId.value id)}: {ClassNames.freshness f}")
        let running = match s.Fsm with Running _ | Flattening _ -> true | _ -> false
        // The book: where delta is, and whether the hedge it needs can go.
        let due = if running || s.Fsm = Paused then dueHedge cfg s c else None
        let dueBlock =
            match due with
            | Some(_, Block(r, rs)) when not (hedgeInFlight s) -> r :: rs
            | _ -> []
        let standingOnDue =
            dueBlock |> List.filter (fun r -> not (transient.Contains r) || (r = BlockReason.OrderInFlight && onlyOperatorOrders s))
        let deltaCheck =
            let dev = c.DeltaDeviation
            let where = $"delta−target {dev:F0} band ±{c.BandHalfWidth:F0}"
            if not running && s.Fsm <> Paused then check "delta_in_band" Warning true $"{where} (not trading)"
            elif System.Double.IsNaN dev || abs dev > cfg.Strategy.HardDeltaLimit then
                check "delta_in_band" Blocking false $"{where}: beyond the hard limit {cfg.Strategy.HardDeltaLimit:F0}"
            elif abs dev <= c.BandHalfWidth then check "delta_in_band" Warning true where
            // Not hedged yet: the light promises delta within the band, so a hedge on its way is YELLOW, not GREEN.
            elif hedgeInFlight s then check "delta_in_band" Warning false $"{where}: OUTSIDE, hedge in flight"
            elif not standingOnDue.IsEmpty then
                check "delta_in_band" Blocking false (where + ": OUTSIDE, hedge blocked by " + (standingOnDue |> List.map BlockReason.code |> String.concat ","))
            else
                check "delta_in_band" Warning false (where + ": OUTSIDE, hedge due" + (if dueBlock.IsEmpty then "" else " (" + (dueBlock |> List.map BlockReason.code |> String.concat ",") + ")"))
        let limits = limitBreaches cfg s c
        let breached = limits |> List.choose (fun (r, d) -> r |> Option.map (fun r -> r, d))
        let nearOnes = limits |> List.filter (fun (r, _) -> r.IsNone) |> List.map snd
        let checks =
            [ check "broker_connected" Blocking (c.Broker <> BrokerDown)
                  (if not s.Connectivity.SocketUp then "socket down" elif s.Connectivity.ServerBroken then "TWS lost IB's servers (2110)"
                   elif not s.Connectivity.IbUp then "TWS lost IB (1100)" else "connected")
              check "market_data_farms" Warning (State.farmsOk s)
                  (s.Connectivity.Farms |> Map.toList |> List.filter (fun (_, ok) -> not ok) |> List.map (fun ((f, name), _) -> Farm.label f name + " broken") |> String.concat ", ")
              check "positions_reconciled" Blocking
                  (match s.Fsm with Starting | Syncing _ | Halted(ReconcileFailed _ | BookMismatch _ | AnotherEngine _) -> false | _ -> true)
                  (FsmState.name s.Fsm)
              // A sync bound for a halt (remembered across a restart, or a limit breached during it) shows that halt now.
              // A risk class still halted outside a halt (a sync that resumed from another halt ended Running with a
              // limit still breached; the next clock step halts on it) blocks every hedge (RISK_HALT): RED meanwhile.
              check "risk_halt" Blocking (match s.Fsm with Halted _ | Syncing { ResumeTo = ResumeHalted _ } -> false | _ -> s.Risk <> RiskHalted)
                  (match s.Fsm with
                   | Halted r -> HaltReason.describe r
                   | Syncing { ResumeTo = ResumeHalted r } -> "halted once the sync ends: " + HaltReason.describe r
                   | _ when s.Risk = RiskHalted -> "risk halted: a limit is breached (RISK_HALT blocks every hedge; the next clock step halts)"
                   | _ -> ("risk " + ClassNames.risk c.Risk))
              check "risk_limits" Blocking breached.IsEmpty
                  (if breached.IsEmpty then "no limit breached" else breached |> List.map snd |> String.concat "; ")
              check "risk_near_limit" Warning (c.Risk <> NearLimit && nearOnes.IsEmpty)
                  (if nearOnes.IsEmpty then $"day P&L {c.DailyPnl:F2}" else String.concat "; " nearOnes)
              deltaCheck
              check "data_fresh" (if c.Data = Stale then Blocking else Warning) (c.Data = Fresh)
                  (if staleOnes.IsEmpty then "all quotes fresh" else String.concat ", " staleOnes)
              // A held jump passes on its own within jump_confirm_seconds (it stands or comes back): never GREEN meanwhile.
              // A portfolio symbol's held quote too: a run would not trade the symbol (market_data_error). A held leg
              // quote does not count: hedging goes on at the leg's accepted mark and vol.
              (let held = (PriceJump.describe cfg s |> Option.toList) @ PriceJump.heldSymbols s
               check "price_confirmed" Warning held.IsEmpty
                   (if held.IsEmpty then "underlying price accepted" else "PRICE_JUMP " + String.concat "; " held))
              // A contract the exchange halted trades nothing until it reopens: never GREEN meanwhile, and named.
              (let halted = ExchangeHalts.named cfg s
               check "exchange_trading" Warning halted.IsEmpty
                   (if halted.IsEmpty then "no contract halted" else "UNDERLYING_HALTED " + String.concat "; " halted + ": no new order to it until it trades again"))
              // Without a mark for every holding the P&L is not known, so its limits (day loss, drawdown, stop) are
              // not being checked: never GREEN then.
              (let unmarked = State.unmarked cfg s
               check "book_valued" Warning unmarked.IsEmpty
                   (if unmarked.IsEmpty then "every holding marked"
                    else "no two-sided quote for " + (unmarked |> List.map (State.contractName cfg s) |> String.concat ", ") + ": P&L and its limits unchecked"))
              // Greeks at fallback_vol are a guess (no IV from the broker, the data or the mid): hedged, but not GREEN.
              (let guessed = s.Legs |> Array.filter (fun l -> l.VolSource = FallbackVol && Portfolio.strategyQty l.Option.ContractId s.Portfolio <> 0)
               check "vols_implied" Warning (guessed.Length = 0)
                   (if guessed.Length = 0 then "every held leg's vol from the market"
                    else $"fallback_vol {cfg.Strategy.FallbackVol} for " + (guessed |> Array.map (fun l -> OptionContract.describe l.Option) |> String.concat ", ")
                         + ": no implied vol (broker, data or mid), greeks and hedges rest on it"))
              check "greeks_ok" Blocking (Book.greeksOk s.Legs) (if Book.greeksOk s.Legs then "all legs valued" else "a leg has no valuation")
              check "in_trading_hours" Warning (c.Hours = InHours) (ClassNames.hours c.Hours)
              check "store_ok" Blocking s.StoreOk (if s.StoreOk then "writing" else "store write failed: orders blocked")
              check "fsm_running" (match s.Fsm with Stopping _ | Stopped -> Blocking | _ -> Warning)
                  (match s.Fsm with Running _ -> true | _ -> false)
                  (FsmState.name s.Fsm + (if s.PausedBy = "" then "" else $" ({s.PausedBy})"))
              check "orders_consistent" Warning (s.Anomalies = 0) $"{s.Anomalies} anomalies reported"
              // The light must not stay GREEN while nobody can be paged.
              check "alerts_delivered" Warning s.AlertChannelsFailing.IsEmpty
                  (if s.AlertChannelsFailing.IsEmpty then "every alert channel delivering"
                   else s.AlertChannelsFailing |> Map.toList |> List.map (fun (c, r) -> $"{c} NOT delivering: {r}") |> String.concat "; ")
              // An account reporting in another currency than USD: its figures are not taken (Funds). RED when
              // something needs them (a portfolio run, a buy held to buying power), YELLOW when nothing does.
              match Funds.currencyRefusal s with
              | Some why ->
                  let refused =
                      [ if s.PortfolioSetup.IsSome then "portfolio runs"
                        if cfg.Risk.CheckBuyingPower then "buys held to buying power (risk.check_buying_power)" ]
                  check "account_currency" (if refused.IsEmpty then Warning else Blocking) false
                      (why + (if refused.IsEmpty then "; nothing configured needs them" else "; refused: " + String.concat ", " refused))
              | None -> ()
              // No order can go under an id in the request ids' range: RED whatever the FSM. Resumed from the pause its
              // alert at connect made, the engine ran GREEN with no order id left until the next order halted it.
              match State.orderIdProblem s.NextOrderId with
              | Some why -> check "order_ids" Blocking false ("ORDER_REF_EXHAUSTED: " + why)
              | None -> ()
              if not s.PortfolioCorrupt.IsEmpty then
                  check "portfolio_snapshots" Blocking false
                      ("SNAPSHOT_CORRUPT: portfolio trading stopped: " + String.concat "; " s.PortfolioCorrupt
                       + ": repair the store and restart the daemon") ]
        let health =
            if checks |> List.exists (fun (_, sev, ok, _) -> not ok && sev = Blocking) then Health.Blocked
            elif checks |> List.exists (fun (_, _, ok, _) -> not ok) then Health.Degraded
            else Health.Healthy
        { Health = health
          Checks = checks |> List.map (fun (n, sev, ok, d) -> { Name = n; Passed = ok; Blocking = (sev = Blocking); Detail = d })
          BlockReasons =
            // A halt that is not a risk limit is named (BOOK_MISMATCH, RECONCILE_FAILED, …), not RISK_HALT.
            // (Only the halt's own reason: a limit breached meanwhile keeps its RISK_HALT.)
            let named = match s.Fsm with Halted r -> (fun b -> if b = BlockReason.RiskHalt then BlockReason.ofHalt r else b) | _ -> id
            let coming = match s.Fsm with Syncing { ResumeTo = ResumeHalted r } -> [ BlockReason.ofHalt r ] | _ -> []
            let ids = if (State.orderIdProblem s.NextOrderId).IsSome then [ BlockReason.OrderRefExhausted ] else []
            // Every blocking check names its reason: RED on account_currency or portfolio_snapshots alone showed the
            // failing check with no reason standing (the console's reasons line and `status --json` said none).
            let ofChecks =
                [ if checks |> List.exists (fun (n, sev, ok, _) -> n = "account_currency" && not ok && sev = Blocking) then BlockReason.AccountCurrency
                  if not s.PortfolioCorrupt.IsEmpty then BlockReason.SnapshotCorrupt ]
            (ExecutionGuard.standingReasons c |> List.map named) @ coming @ ids @ standingOnDue @ (breached |> List.map fst) @ ofChecks |> List.distinct }
