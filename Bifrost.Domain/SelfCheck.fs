namespace Bifrost.Domain.Trading

open Bifrost.Domain
open Bifrost.Domain.Strategy

/// The daemon's self-check: a pure function of state, each check with a verdict and a detail.
module SelfCheck =
    type private Severity =
        | Blocking
        | Warning

    let private check name severity passed detail = (name, severity, passed, detail)

    let run (cfg: Config) (s: State) : SelfCheckReport =
        let c = Composite.classify cfg s
        let staleOnes = c.Freshness |> List.filter (fun (_, f) -> f <> Fresh) |> List.map (fun (id, f) -> $"{ContractId.value id}:{ClassNames.freshness f}")
        let checks =
            [ check "broker_connected" Blocking (c.Broker <> BrokerDown)
                  (if not s.Connectivity.SocketUp then "socket down" elif not s.Connectivity.IbUp then "TWS lost IB (1100)" else "connected")
              check "market_data_farms" Warning (State.farmsOk s)
                  (s.Connectivity.Farms |> Map.toList |> List.filter (fun (_, ok) -> not ok) |> List.map (fun (f, _) -> Farm.name f + " broken") |> String.concat ", ")
              check "positions_reconciled" Blocking
                  (match s.Fsm with Starting | Syncing _ | Halted(ReconcileFailed _) -> false | _ -> true)
                  (FsmState.name s.Fsm)
              check "risk_halt" Blocking (match s.Fsm with Halted _ -> false | _ -> true)
                  (match s.Fsm with Halted r -> HaltReason.describe r | _ -> ("risk " + ClassNames.risk c.Risk))
              check "risk_near_limit" Warning (c.Risk <> NearLimit) $"day P&L {c.DailyPnl:F2}"
              check "data_fresh" (if c.Data = Stale then Blocking else Warning) (c.Data = Fresh)
                  (if staleOnes.IsEmpty then "all quotes fresh" else String.concat ", " staleOnes)
              check "greeks_ok" Blocking (Book.greeksOk s.Legs) (if Book.greeksOk s.Legs then "all legs valued" else "a leg has no valuation")
              check "in_trading_hours" Warning (c.Hours = InHours) (ClassNames.hours c.Hours)
              check "store_ok" Blocking s.StoreOk (if s.StoreOk then "writing" else "store write failed: orders blocked")
              check "fsm_running" (match s.Fsm with Stopping _ | Stopped -> Blocking | _ -> Warning)
                  (match s.Fsm with Running _ -> true | _ -> false) (FsmState.name s.Fsm)
              check "orders_consistent" Warning (s.Anomalies = 0) $"{s.Anomalies} anomalies reported" ]
        let health =
            if checks |> List.exists (fun (_, sev, ok, _) -> not ok && sev = Blocking) then Health.Blocked
            elif checks |> List.exists (fun (_, _, ok, _) -> not ok) then Health.Degraded
            else Health.Healthy
        { Health = health
          Checks = checks |> List.map (fun (n, _, ok, d) -> { Name = n; Passed = ok; Detail = d })
          BlockReasons = ExecutionGuard.standingReasons c }
