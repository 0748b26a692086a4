#!/usr/bin/env bash
# The backtest and sweep CLI end to end, as shipped (the Sim's own GC settings from its runtimeconfig, process start,
# data hashing and decode included), side by side: the default against the alternatives it was chosen over, each
# repeated REPS times, interleaved. BenchmarkDotNet's in-process classes (BacktestThroughputBenchmarks,
# SweepScalingBenchmarks) run under the benchmark host's GC, not the Sim's, hence this script.
# Prints the CLI's own "run"/"cpu" lines; compare CPU seconds on a shared machine, wall time when it is quiet.
#
# Environment: REPS (default 2), DAYS (default 20), CONFIG (default Release), OUT (default a temp directory).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sim="$root/Bifrost.Sim/bin/${CONFIG:-Release}/net10.0/bifrost-sim.dll"
reps=${REPS:-2}
days=${DAYS:-20}
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
data="$out/xyz-${days}d.parquet"
[ -f "$data" ] || dotnet "$sim" generate --out "$data" --days "$days" >/dev/null
# The generator lists one expiry for the file: the config's legs must be it.
expiry=$(dotnet "$sim" inspect "$data" | awk '$1 == "expiry" { print $(NF-0) }' | head -1)
for clock in 1 60; do
  cat > "$out/config-$clock.json" <<JSON
{ "run_id": "bench", "account": "DU0000001", "mode": "paper",
  "strategy": { "underlying": { "symbol": "XYZ" },
    "legs": [ { "right": "C", "strike": 100, "expiry": "$expiry", "quantity": 10 },
              { "right": "P", "strike": 100, "expiry": "$expiry", "quantity": 10 } ],
    "rules": [ { "type": "band", "half_width": 50 } ], "min_hedge_shares": 10, "cooldown_seconds": 5, "hard_delta_limit": 2000 },
  "guards": { "lag_after_seconds": 86400, "stale_after_seconds": 86400, "max_spread_bps": 10 },
  "risk": { "max_position": 5000, "max_order_notional": 500000, "max_daily_trades": 400, "daily_loss_limit": 1e9,
            "max_drawdown": 1e9, "check_buying_power": false },
  "calendar": { "zone": "America/New_York", "open": "09:30", "close": "16:00" },
  "control": { "self_check_seconds": 60 }, "backtest": { "clock_seconds": $clock } }
JSON
done
echo '{ "parameters": [ { "path": "strategy.rules[0].half_width", "values": [20, 30, 40, 50, 60, 75, 90, 100] } ] }' > "$out/sweep.json"
workstation="DOTNET_gcServer=0 DOTNET_gcConcurrent=1"   # the runtime's default, which the Sim's runtimeconfig overrides
delayed="DOTNET_TC_CallCountingDelayMs=64"   # hex: the runtime's default 100 ms tiering delay, which the runtimeconfig sets to 0
for rep in $(seq "$reps"); do
  for clock in 1 60; do
    for variant in "default (2 threads)|--threads 2|" "1 thread|--threads 1|" "workstation-gc (2 threads)|--threads 2|$workstation" \
                   "tier-1 after 100 ms (2 threads)|--threads 2|$delayed"; do
      IFS='|' read -r name args env <<<"$variant"
      echo "backtest ${days}d clock ${clock}s $name: $(env $env dotnet "$sim" backtest --data "$data" --config "$out/config-$clock.json" $args \
        | grep -E '^  (run|cpu) ' | tr -s ' ' | tr '\n' ' ')"
    done
  done
  for variant in "default|" "workstation-gc|$workstation" "tier-1 after 100 ms|$delayed"; do
    IFS='|' read -r name env <<<"$variant"
    for parallel in 1 2; do
      rm -rf "$out/sweep-$parallel"
      TIMEFORMAT="%R s wall, %U s user + %S s sys"
      took=$( { time env $env dotnet "$sim" sweep --data "$data" --config "$out/config-1.json" --sweep "$out/sweep.json" \
        --parallel "$parallel" --out "$out/sweep-$parallel" >/dev/null 2>&1; } 2>&1 )
      echo "sweep of 8 x ${days}d $name --parallel $parallel: $took"
    done
  done
  # The machine's own ceiling for two workers: two independent one-thread backtests at once (two processes, two
  # heaps, nothing shared) against one alone. Two workers of one sweep cannot scale better than this.
  TIMEFORMAT="%R"
  alone=$( { time dotnet "$sim" backtest --data "$data" --config "$out/config-1.json" --threads 1 >/dev/null; } 2>&1 )
  pair=$( { time { dotnet "$sim" backtest --data "$data" --config "$out/config-1.json" --threads 1 >/dev/null &
                   dotnet "$sim" backtest --data "$data" --config "$out/config-1.json" --threads 1 >/dev/null; wait; }; } 2>&1 )
  echo "two independent backtests of ${days}d: one alone ${alone} s wall, two at once ${pair} s wall = $(awk -v a="$alone" -v p="$pair" 'BEGIN { printf "%.2f", 2 * a / p }')x the throughput"
done
echo "outputs in $out"
