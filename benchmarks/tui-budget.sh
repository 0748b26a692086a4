#!/usr/bin/env bash
# The console's budgets measured on the real process in tmux (80×24), against a store holding 100,000 operations:
#   first frame  — from starting the process until the dashboard's light is in the pane (tmux capture-pane, polled
#                  every 10 ms: the figure includes up to ~10 ms of polling and the .NET start);
#   idle CPU     — utime+stime of the console from /proc/PID/stat over SECONDS, at the default 2 Hz, nothing written,
#                  after WARMUP seconds (default 30: .NET's tiered JIT recompiles the per-tick code ~15–30 s after start,
#                  which a shorter warm-up bills to "idle");
#   live CPU     — the same while a daemon's heartbeat is written every second (a live daemon in a quiet market);
#   busy CPU     — the same while an operation is written every 0.5 s and the Operations screen is shown (every tick
#                  re-reads the store, rebuilds, and Terminal.Gui redraws): CPU per redrawn frame = busy CPU / 2 Hz.
# Each for the console's quiet input (QuietInput) and Terminal.Gui's stock input (BIFROST_TUI_DRIVER=stock), RUNS times.
# The baseline row times `bifrost-tui status` on the same store: .NET start + store read, without Terminal.Gui.
# Usage: [WARMUP=30] benchmarks/tui-budget.sh [SECONDS=30] [RUNS=3]   (after `make build`; needs tmux and sqlite3)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-30}
runs=${2:-3}
config=${CONFIG:-Release}
tui="$root/Bifrost.Tui/bin/$config/net10.0/bifrost-tui.dll"
bench="$root/benchmarks/Bifrost.Benchmarks/bin/$config/net10.0/Bifrost.Benchmarks.dll"
[ -f "$tui" ] && [ -f "$bench" ] || { echo "build first: dotnet build Bifrost.sln -c $config" >&2; exit 2; }
dir=$(mktemp -d /tmp/bifrost-tui-budget.XXXXXX)
sock="bifrost-tui-budget-$$"
writer=
cleanup() {
  [ -n "$writer" ] && kill "$writer" 2>/dev/null || true
  tmux -L "$sock" kill-server 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
dotnet "$bench" monitor-store "$dir/bench.db" >/dev/null
hz=$(getconf CLK_TCK)
warmup=${WARMUP:-30}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# measure DRIVER BUSY → prints "first_ms idle_or_busy_pct"
measure() {
  local driver=$1 busy=$2 env=""
  [ "$driver" = stock ] && env="BIFROST_TUI_DRIVER=stock"
  local start=$(date +%s%N)
  tmux -L "$sock" -f /dev/null new-session -d -s m -x 80 -y 24 "exec env $env dotnet $tui --store $dir/bench.db --refresh-hz 2"
  local first=""
  for _ in $(seq 1 3000); do
    if tmux -L "$sock" capture-pane -p -t m 2>/dev/null | grep -q "DAEMON SILENT\|GREEN\|YELLOW\|RED"; then
      first=$(( ($(date +%s%N) - start) / 1000000 ))
      break
    fi
    sleep 0.01
  done
  [ -n "$first" ] || { echo "no frame within 30 s" >&2; tmux -L "$sock" capture-pane -p -t m >&2 || true; exit 1; }
  local pid=$(tmux -L "$sock" list-panes -t m -F '#{pane_pid}')
  if [ "$busy" = live ]; then
    # A live daemon, idle market: only the status row's heartbeat moves, once a second (the header's age is redrawn
    # at every refresh, and every other refresh re-reads the store).
    ( while :; do
        now=$(date +%s%N)
        sqlite3 "$dir/bench.db" "PRAGMA busy_timeout=2000; UPDATE status SET heartbeat_ns=$now, time_ns=$now;" >/dev/null
        sleep 1
      done ) &
    writer=$!
  elif [ "$busy" = busy ]; then
    tmux -L "$sock" send-keys -t m 2
    ( i=0; while :; do
        sqlite3 "$dir/bench.db" "PRAGMA busy_timeout=2000; INSERT INTO operations(time_ns, kind, run_id, detail) VALUES ($(date +%s%N), 'intent', 'live1', 'bench $i');" >/dev/null
        i=$((i + 1)); sleep 0.5
      done ) &
    writer=$!
  fi
  sleep "$warmup" # past start-up (JIT tiers, first reads)
  local a=$(cpu_ticks "$pid")
  sleep "$seconds"
  local b=$(cpu_ticks "$pid")
  if [ -n "$writer" ]; then kill "$writer" 2>/dev/null || true; wait "$writer" 2>/dev/null || true; writer=; fi
  tmux -L "$sock" kill-server 2>/dev/null || true
  sleep 1
  awk -v f="$first" -v d=$((b - a)) -v hz="$hz" -v s="$seconds" 'BEGIN { printf "%d %.2f\n", f, 100 * d / hz / s }'
}

printf "%-6s %-5s %4s %14s %10s\n" input load run "first frame ms" "CPU %"
for run in $(seq 1 "$runs"); do
  start=$(date +%s%N)
  dotnet "$tui" status --store "$dir/bench.db" >/dev/null || true # exit 1/2: the bench store's daemon is silent
  printf "%-6s %-5s %4d %14d %10s\n" status - "$run" $(( ($(date +%s%N) - start) / 1000000 )) -
done
for run in $(seq 1 "$runs"); do
  for driver in quiet stock; do
    for load in idle live busy; do
      read -r first pct < <(measure "$driver" "$load")
      printf "%-6s %-5s %4d %14d %10s\n" "$driver" "$load" "$run" "$first" "$pct"
    done
  done
done
echo "load average: $(cut -d" " -f1-3 /proc/loadavg); CPU per redrawn frame above idle (ms) = (busy % − idle %) × 5 (2 frames a second)"
