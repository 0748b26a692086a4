/// A stop ends. systemd gives the unit `TimeoutStopSec` before it kills it mid-write; the operator's `stop --wait`
/// waits on it. Cancels unconfirmed (a dead socket, a broker that never answers) must not hold the engine in Stopping.
///
/// Invariant: no clock step leaves the engine Stopping `control.stop_timeout_seconds` after the stop was asked —
/// whatever the broker does meanwhile (disconnects, lost cancels, fills, 1100), with and without restarts.
module Bifrost.Domain.Tests.Trading.StopBoundProperties

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Trading.BrokerModel
open Bifrost.Domain.Tests.Trading.ReducerProperties
open Bifrost.Domain.Tests.Trading.RestartProperties

/// The clock steps after which a stop has outlived its timeout (empty: the invariant holds).
let overdueStops (cfg: Config) (steps: Step list) =
    [ for i, st in List.indexed steps do
          match st.Event.Payload, st.After.Fsm with
          | ClockTicked, Stopping(since, _) when Timestamp.since since st.After.Now >= cfg.Control.StopTimeout ->
              yield $"step {i}: still stopping {Duration.toSeconds (Timestamp.since since st.After.Now):F1} s after the stop"
          | _ -> () ]

[<Tests>]
let tests =
    testList "Trading.StopBoundProperties" [
        scenarioProperty "A stop ends by control.stop_timeout_seconds, whatever the broker does meanwhile" (fun cfg steps -> Props.noneOf (overdueStops cfg steps))
        restartProperty "A stop ends by control.stop_timeout_seconds, across restarts" (fun cfg steps _ -> Props.noneOf (overdueStops cfg steps))
    ]
